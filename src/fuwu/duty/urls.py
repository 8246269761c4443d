from django.urls import path

from . import views

app_name = "duty"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("roster/", views.roster, name="roster"),
    path("roster/new/", views.shift_create, name="shift_create"),
    path("roster/generate/", views.roster_generate, name="generate"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift"),
    path("shifts/<int:pk>/swap/", views.swap_create, name="swap_create"),
    path("shifts/<int:pk>/handover/", views.handover_write, name="handover_write"),
    path("shifts/<int:pk>/<slug:action>/", views.shift_action, name="shift_action"),
    path("swaps/<int:pk>/", views.swap_detail, name="swap"),
    path("swaps/<int:pk>/<slug:action>/", views.swap_action, name="swap_action"),
    path("handovers/", views.handover_list, name="handovers"),
    path("handovers/<int:pk>/", views.handover_detail, name="handover"),
    path("handovers/<int:pk>/acknowledge/", views.handover_acknowledge, name="acknowledge"),
]
