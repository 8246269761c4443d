from django.urls import path

from . import views

app_name = "tracing"

urlpatterns = [
    path("", views.batch_list, name="list"),
    path("new/", views.batch_create, name="create"),
    path("trace/", views.batch_trace, name="trace"),
    path("<int:pk>/", views.batch_detail, name="detail"),
    path("<int:pk>/record.pdf", views.batch_record_pdf, name="pdf"),
    path("<int:pk>/<slug:action>/", views.batch_action, name="action"),
]
