from django.urls import path

from . import views

app_name = "approvals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/deny/", views.deny, name="deny"),
]
