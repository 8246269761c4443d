"""The exports' pages of complaints, included by ``complaints/urls.py`` inside the "complaints"
namespace: the register as Excel, the cost report (page, its drill-down, Excel) and the PDF form."""

from django.urls import path

from .views import pdf, reports

urlpatterns = [
    path("register.xlsx", reports.register_export, name="register_export"),
    path("costs/", reports.cost_report, name="costs"),
    path("costs/lines/", reports.cost_lines, name="cost_lines"),
    path("costs/export.xlsx", reports.costs_export, name="costs_export"),
    path("<int:pk>/form.pdf", pdf.complaint_pdf, name="pdf"),
]
