from django.http import HttpResponse
from django.urls import path

app_name = "org"

urlpatterns = [
    path("", lambda request: HttpResponse("skeleton"), name="departments"),
]
