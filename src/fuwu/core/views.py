from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from fuwu import visibility
from fuwu.org.models import Role, User

FAVICON = Path(__file__).resolve().parent / "static" / "fuwu" / "favicon.svg"


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers and tools ask for whatever the page says: the SVG icon."""
    response = HttpResponse(FAVICON.read_bytes(), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """``/health/``: the installation's checks as JSON (``core.health``); 503 when it is down."""
    from . import health as checks

    report = checks.report()
    return JsonResponse(report, status=503 if report["status"] == checks.DOWN else 200)


# What each list of a home page is called, and what its ``mine`` narrows it to.
BENCH_LABELS = {
    "first_received": _("First received by me"),
    "assigned": _("Assigned to me"),
    "queue": _("Department queue"),
    "overdue": _("Overdue"),
    "due_today": _("Due today"),
    "waiting_customer": _("Waiting for the customer"),
    "awaiting_my_approval": _("Awaiting my approval"),
}
BENCH_SCOPES = {"first_received": _("of what I first received"), "assigned": _("of my jobs")}
BENCH_TONES = {"overdue": "danger", "awaiting_my_approval": "warning", "due_today": "primary"}
NEXT_UP_SHOWN = 8


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role's workbench: its lists with their counts (each opens the list page, same selectors),
    the most urgent work of the first list, and who is absent now."""
    from fuwu.workorders import permissions, selectors

    user = cast(User, request.user)  # signed in (``login_required``)
    now = timezone.now()
    absent_now = (
        visibility.absences_for_user(user)
        .filter(starts_at__lte=now, ends_at__gt=now)
        .order_by("ends_at")[:20]
    )
    lists = (
        selectors.bench_counts(user, selectors.bench_lists(user), now)
        if visibility.is_staff_member(user)
        else []
    )
    tiles = []
    for item in lists:
        query = {"tab": item.view.value, **({"mine": item.mine.value} if item.mine else {})}
        tiles.append(
            {
                "key": f"{item.view.value}{'-' + item.mine.value if item.mine else ''}",
                "count": item.count,
                "label": BENCH_LABELS.get(item.view.value, item.view.value),
                "scope": BENCH_SCOPES.get(item.mine.value, "") if item.mine else "",
                "tone": BENCH_TONES.get(item.view.value, "secondary") if item.count else "secondary",
                "url": f"{reverse('workorders:list')}?{urlencode(query)}",
            }
        )
    first = lists[0] if lists else None
    next_up = (
        list(
            selectors.work_orders_list(user=user, view=first.view, mine=first.mine, sort="due", now=now)[
                :NEXT_UP_SHOWN
            ]
        )
        if first is not None and first.count
        else []
    )
    return render(
        request,
        "core/home.html",
        {
            "absent_now": absent_now,
            "now": now,
            "tiles": tiles,
            "next_up": next_up,
            "next_up_tile": tiles[0] if tiles else None,
            "may_take_calls": permissions.may_take_calls(user),
            "is_technician": user.has_role(Role.TECHNICIAN),
        },
    )


def sign_in_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer once an account or an address is locked (``AXES_LOCKOUT_CALLABLE``): the
    sign-in page again, saying why and for how long, with 429 Too Many Requests."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    response = render(
        request,
        "registration/login.html",
        {
            "locked_out": True,
            "lockout_minutes": minutes,
            "username": str(username)[:150],
            "next": request.POST.get("next", request.GET.get("next", "")),
        },
        status=429,
    )
    response["Retry-After"] = str(minutes * 60)
    return response
