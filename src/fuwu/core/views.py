from __future__ import annotations

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
