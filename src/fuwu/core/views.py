from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fuwu import visibility


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    absent_now = (
        visibility.absences_for_user(user).filter(starts_at__lte=now, ends_at__gt=now).order_by("ends_at")[:20]
    )
    return render(request, "core/home.html", {"absent_now": absent_now, "now": now})


def sign_in_locked_out(request: HttpRequest, original_response: HttpResponse | None = None,
                       credentials: dict[str, Any] | None = None) -> HttpResponse:
    """django-axes' answer once an account or an address is locked (``AXES_LOCKOUT_CALLABLE``): the
    sign-in page again, saying why and for how long, with 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    response = render(request, "registration/login.html", {
        "locked_out": True, "lockout_minutes": minutes, "username": str(username)[:150],
        "next": request.POST.get("next", request.GET.get("next", "")),
    }, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
