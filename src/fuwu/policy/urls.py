from django.urls import path

from . import views

app_name = "policy"

urlpatterns = [
    path("", views.active, name="active"),
    path("versions/", views.history, name="history"),
    path("versions/<int:number>/", views.version_detail, name="version"),
    path("diff/", views.diff, name="diff"),
    path("publish/", views.publish, name="publish"),
    path("publish/validate/", views.validate, name="validate"),
]
