from django.urls import path

from . import views

app_name = "capa"

urlpatterns = [
    path("", views.capa_list, name="list"),
    path("new/", views.capa_create, name="create"),
    path("report/", views.capa_report, name="report"),
    path("<int:pk>/", views.capa_detail, name="detail"),
    path("<int:pk>/record.pdf", views.capa_record_pdf, name="pdf"),
    path("<int:pk>/<slug:action>/", views.capa_action, name="action"),
]
