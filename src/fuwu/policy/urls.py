from django.http import HttpResponse
from django.urls import path

app_name = "policy"

urlpatterns = [
    path("", lambda request: HttpResponse("skeleton"), name="active"),  # replaced by the app's real views
]
