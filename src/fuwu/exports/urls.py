from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("", views.my_exports, name="mine"),
    path("xlsx/<slug:kind>/", views.export_xlsx, name="xlsx"),
    path("<int:pk>/download/", views.download, name="download"),
]
