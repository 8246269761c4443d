"""Public complaint pages for customers (no login), mounted at /service/complaints/."""

from django.urls import path

from . import public_views

app_name = "public_complaints"

urlpatterns = [
    path("", public_views.submit, name="complain"),
    path("submitted/", public_views.submitted, name="complained"),
    path("status/", public_views.status, name="complaint_status"),
]
