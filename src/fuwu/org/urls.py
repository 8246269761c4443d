from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.departments, name="departments"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("absences/", views.absence_list, name="absences"),
    path("absences/<int:pk>/cancel/", views.absence_cancel, name="absence_cancel"),
    path("duties/", views.duty_list, name="duties"),
]
