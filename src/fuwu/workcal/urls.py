from django.http import HttpResponse
from django.urls import path

app_name = "workcal"

urlpatterns = [
    path("", lambda request: HttpResponse("skeleton"), name="calendar"),  # replaced by the app's real views
]
