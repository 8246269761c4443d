"""The public survey page of return visits (customers, no login), mounted at /service/visits/."""

from django.urls import path

from . import public_views

app_name = "public_visits"

urlpatterns = [
    path("thanks/", public_views.thanks, name="thanks"),
    path("<str:token>/", public_views.survey, name="survey"),
]
