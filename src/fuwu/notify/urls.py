from django.urls import path

from . import views

app_name = "notify"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("read-all/", views.notification_read_all, name="read_all"),
    path("outbox/", views.outbox, name="outbox"),
    path("settings/", views.preferences, name="preferences"),
    path("robots/", views.robot_list, name="robots"),
    path("robots/<int:pk>/", views.robot_edit, name="robot_edit"),
    path("robots/<int:pk>/delete/", views.robot_delete, name="robot_delete"),
    path("robots/<int:pk>/test/", views.robot_test, name="robot_test"),
    path("<int:pk>/read/", views.notification_read, name="read"),
    path("<int:pk>/open/", views.notification_open, name="open"),
]
