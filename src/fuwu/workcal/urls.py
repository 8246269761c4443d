from django.urls import path

from . import views

app_name = "workcal"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("days/", views.day_set, name="day_set"),
    path("days/<str:day>/remove/", views.day_remove, name="day_remove"),
    path("years/<int:year>/confirm/", views.year_confirm, name="year_confirm"),
    path("import/", views.notice_import, name="notice_import"),
]
