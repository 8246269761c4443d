from django.http import HttpResponse
from django.urls import path

app_name = "catalogue"

urlpatterns = [
    path("", lambda request: HttpResponse("skeleton"), name="list"),  # replaced by the app's real views
]
