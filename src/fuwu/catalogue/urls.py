from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.service_type_list, name="list"),
    path("new/", views.service_type_create, name="create"),
    path("<int:pk>/", views.service_type_detail, name="detail"),
    path("<int:pk>/edit/", views.service_type_edit, name="edit"),
]
