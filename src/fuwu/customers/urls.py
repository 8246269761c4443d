from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export/", views.customer_export, name="export"),
    path("new/", views.customer_create, name="create"),
    path("import/", views.customer_import, name="import"),
    path("import/staff/", views.staff_import, name="import_staff"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/products/new/", views.product_add, name="product_add"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("<int:pk>/agreements/new/", views.agreement_add, name="agreement_add"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
]
