from django.urls import path

from . import views

app_name = "org"

urlpatterns = [
    path("", views.departments, name="departments"),
    path("staff/", views.staff_list, name="staff"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/unlock-sign-in/", views.sign_in_unlock_account, name="sign_in_unlock_account"),
    path("sign-in-lockouts/", views.sign_in_lockouts, name="lockouts"),
    path("sign-in-lockouts/unlock-address/", views.sign_in_unlock_address, name="sign_in_unlock_address"),
    path("absences/", views.absence_list, name="absences"),
    path("absences/<int:pk>/cancel/", views.absence_cancel, name="absence_cancel"),
    path("duties/", views.duty_list, name="duties"),
]
