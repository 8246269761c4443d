from importlib.util import find_spec

from django.urls import URLPattern, URLResolver, include, path

from . import views

app_name = "complaints"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("new/lookup/", views.intake_lookup, name="intake_lookup"),
    path("new/history/", views.intake_history, name="intake_history"),
    path("penalties/", views.penalty_list, name="penalties"),
    path("penalties/<int:pk>/<slug:action>/", views.penalty_action, name="penalty_action"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.complaint_action, name="action"),
]

# The register, the cost report and the printed form (the exports' pages), once they exist.
if find_spec("fuwu.complaints.report_urls") is not None:
    urlpatterns.insert(0, path("", include("fuwu.complaints.report_urls")))
