"""Public pages for customers (no login), mounted at /service/."""

from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.submit, name="submit"),
    path("submitted/", public_views.submitted, name="submitted"),
    path("status/", public_views.status, name="status"),
]
