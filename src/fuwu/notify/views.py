"""The signed-in member of staff's notifications: unread first, marked read one by one or all at once.
Only the recipient's own rows are ever read or marked (someone else's notification does not exist here).
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fuwu import visibility
from fuwu.lib.errors import BusinessError
from fuwu.lib.forms import add_service_errors
from fuwu.org.models import User

from . import events, services, sms
from .channels import DeliveryError
from .forms import PreferencesForm, RobotForm
from .models import Notification, OutboxMessage, RobotChannel
from .services import notification_mark_read, notifications_mark_all_read, open_link

PAGE_SIZE = 30


def _inbox(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=request.user.pk)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = _inbox(request).order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
    only_unread = request.GET.get("unread") == "1"
    if only_unread:
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notify/list.html", {"page": page, "only_unread": only_unread})


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notify:list")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _inbox(request).filter(pk=pk).first()
    if notification is not None:
        notification_mark_read(notification=notification)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(recipient=request.user)
    messages.success(request, _("%(count)s notifications marked read.") % {"count": count})
    return _back(request)


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to its record, marking it read on the way."""
    notification = _inbox(request).filter(pk=pk).first()
    if notification is None:
        return redirect("notify:list")
    notification_mark_read(notification=notification)
    target = open_link(notification)
    return redirect(target) if target else redirect("notify:list")


OUTBOX_PAGE_SIZE = 50


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """The SMS outbox, for administrators in development and test (``FUWU_SHOW_OUTBOX``): there is no
    SMS gateway there, so this is where a tester reads a confirmation code or a one-time notice."""
    if not settings.FUWU_SHOW_OUTBOX:
        raise Http404
    user = cast(User, request.user)  # signed in (``login_required``)
    if not visibility.is_administrator(user):
        raise PermissionDenied
    messages_sent = (
        OutboxMessage.objects.filter(organisation=user.organisation_id)
        .prefetch_related("deliveries")
        .order_by("-created_at", "-id")
    )
    page = Paginator(messages_sent, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    phone = visibility.PhoneShown(user)
    rows = [(message, phone(message.to), next(iter(message.deliveries.all()), None)) for message in page]
    return render(
        request, "notify/outbox.html", {"page": page, "rows": rows, "sms_provider": sms.configured()}
    )


# --- my notification settings -----------------------------------------------------------------


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Which events reach me by e-mail and by SMS (in the app: all of them), and my quiet hours."""
    user = cast(User, request.user)
    saved = services.preference_of(user)
    form = PreferencesForm(
        request.POST or None,
        initial={
            "email": saved.email_events,
            "sms": saved.sms_events,
            "quiet_start": saved.quiet_start,
            "quiet_end": saved.quiet_end,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.preferences_save(
                user=user,
                email_events=data["email"],
                sms_events=data["sms"],
                quiet_start=data["quiet_start"],
                quiet_end=data["quiet_end"],
            )
        except BusinessError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Notification settings saved."))
            return redirect("notify:preferences")
    chosen = {
        name: set(form["email" if name == "email" else "sms"].value() or []) for name in ("email", "sms")
    }
    rows = [
        {
            "event": event,
            "email": event.key in chosen["email"],
            "sms": event.key in chosen["sms"],
        }
        for event in events.all_events()
    ]
    return render(
        request,
        "notify/preferences.html",
        {
            "form": form,
            "rows": rows,
            "has_email": services.usable_address("email", user.email),
            "has_mobile": services.usable_address("sms", user.phone),
            "email": user.email,
            "mobile": visibility.PhoneShown(user)(user.phone, whole=True),
        },
    )


# --- group robots (administrators) --------------------------------------------------------------


def _administrator(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_administrator(user):
        raise PermissionDenied
    return user


def _robots(user: User) -> QuerySet[RobotChannel]:
    if user.organisation_id is None:
        return RobotChannel.objects.none()
    return RobotChannel.objects.filter(organisation_id=user.organisation_id).select_related("department")


@login_required
def robot_list(request: HttpRequest) -> HttpResponse:
    user = _administrator(request)
    form = RobotForm(request.POST or None, departments=visibility.departments_for_user(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assert user.organisation_id is not None
        try:
            services.robot_create(
                organisation_id=user.organisation_id,
                values=services.RobotValues(
                    kind=data["kind"],
                    url=data["url"],
                    secret=data["secret"],
                    events=data["events"],
                    department=data["department"],
                    enabled=data["enabled"],
                ),
                by=user,
            )
        except BusinessError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Group robot added."))
            return redirect("notify:robots")
    rows = [
        {
            "robot": robot,
            "url": services.mask_url(robot.url),
            "secret": services.mask_secret(robot.secret),
            "events": [events.label(key) for key in robot.events],
        }
        for robot in _robots(user)[:500]
    ]
    return render(request, "notify/robots.html", {"rows": rows, "form": form})


@login_required
def robot_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _administrator(request)
    robot = visibility.get_visible_or_404(_robots(user), pk=pk)
    form = RobotForm(
        request.POST or None,
        departments=visibility.departments_for_user(user),
        editing=True,
        initial={
            "kind": robot.kind,
            "department": robot.department_id,
            "events": robot.events,
            "enabled": robot.enabled,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        changes = {
            "kind": data["kind"],
            "department": data["department"],
            "events": data["events"],
            "enabled": data["enabled"],
        }
        if data["url"]:
            changes["url"] = data["url"]
        if data.get("clear_secret"):
            changes["secret"] = ""
        elif data["secret"]:
            changes["secret"] = data["secret"]
        try:
            services.robot_update(robot=robot, by=user, **changes)
        except BusinessError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Group robot saved."))
            return redirect("notify:robots")
    return render(
        request,
        "notify/robot_edit.html",
        {
            "robot": robot,
            "form": form,
            "url": services.mask_url(robot.url),
            "secret": services.mask_secret(robot.secret),
        },
    )


@login_required
@require_POST
def robot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = _administrator(request)
    services.robot_delete(robot=visibility.get_visible_or_404(_robots(user), pk=pk), by=user)
    messages.success(request, _("Group robot removed."))
    return redirect("notify:robots")


@login_required
@require_POST
def robot_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Post a test message now and tell the administrator what the group's service answered."""
    user = _administrator(request)
    robot = visibility.get_visible_or_404(_robots(user), pk=pk)
    try:
        services.robot_send_test(robot=robot, by=user)
    except DeliveryError as error:
        messages.error(
            request,
            _("The test message was not delivered: %(error)s") % {"error": error.message},
        )
    else:
        messages.success(
            request, _("Test message posted to the %(kind)s group.") % {"kind": robot.get_kind_display()}
        )
    return redirect("notify:robots")
