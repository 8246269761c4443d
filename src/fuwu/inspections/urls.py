from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("new/", views.inspection_create, name="create"),
    path("<int:pk>/", views.inspection_detail, name="detail"),
    path("<int:pk>/table.xlsx", views.inspection_table_xlsx, name="table_xlsx"),
    path("<int:pk>/table.pdf", views.inspection_table_pdf, name="table_pdf"),
    path("<int:pk>/<slug:action>/", views.inspection_action, name="action"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/<slug:action>/", views.rectification_action, name="rectification_action"),
    path("checklists/", views.checklist_list, name="checklists"),
    path("checklists/new/", views.checklist_create, name="checklist_create"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist"),
    path("checklists/<int:pk>/publish/", views.checklist_publish, name="checklist_publish"),
    path("checklists/<int:pk>/active/", views.checklist_active, name="checklist_active"),
]
