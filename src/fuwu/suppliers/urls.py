from django.urls import path

from . import views

app_name = "suppliers"

urlpatterns = [
    path("", views.supplier_list, name="list"),
    path("new/", views.supplier_create, name="create"),
    path("<int:pk>/", views.supplier_detail, name="detail"),
    path("<int:pk>/edit/", views.supplier_edit, name="edit"),
    path("<int:pk>/deactivate/", views.supplier_deactivate, name="deactivate"),
    path("<int:pk>/evaluate/", views.supplier_evaluate, name="evaluate"),
]
