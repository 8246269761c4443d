from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("new/", views.report_create_view, name="create"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/report.xlsx", views.report_xlsx_view, name="xlsx"),
    path("<int:pk>/report.pdf", views.report_pdf_view, name="pdf"),
    path("<int:pk>/<slug:action>/", views.report_action, name="action"),
]
