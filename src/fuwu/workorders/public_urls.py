from django.http import HttpResponse
from django.urls import path

app_name = "public"

urlpatterns = [
    path("", lambda request: HttpResponse("skeleton"), name="submit"),  # replaced by the real views
]
