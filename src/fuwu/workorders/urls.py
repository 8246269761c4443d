from django.urls import path

from . import views
from .views.voucher_pdf import voucher_pdf

app_name = "workorders"

urlpatterns = [
    path("", views.work_order_list, name="list"),
    path("new/", views.work_order_create, name="create"),
    path("new/lookup/", views.intake_lookup, name="intake_lookup"),
    path("new/products/", views.intake_products, name="intake_products"),
    path("new/history/", views.intake_history, name="intake_history"),
    path("new/service-type/", views.intake_service_type, name="intake_service_type"),
    path("mine/", views.technician_view, name="mine"),
    path("<int:pk>/", views.work_order_detail, name="detail"),
    path("<int:pk>/voucher/", views.voucher, name="voucher"),
    path("<int:pk>/voucher.pdf", voucher_pdf, name="voucher_pdf"),
    path("<int:pk>/<slug:action>/", views.work_order_action, name="action"),
]
