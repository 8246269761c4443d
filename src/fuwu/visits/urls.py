from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.visit_list, name="list"),
    path("samples/", views.samples, name="samples"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.visit_action, name="action"),
]
