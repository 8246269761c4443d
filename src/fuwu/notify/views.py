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
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fuwu import visibility
from fuwu.org.models import User

from .models import Notification, NotificationKind, OutboxMessage
from .services import notification_mark_read, notifications_mark_all_read

PAGE_SIZE = 30


def _inbox(request: HttpRequest) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=request.user.pk)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = (
        _inbox(request)
        .select_related("work_order")
        .order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
    )
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
    """Follow a notification to its work order, marking it read on the way."""
    notification = _inbox(request).filter(pk=pk).first()
    if notification is None:
        return redirect("notify:list")
    notification_mark_read(notification=notification)
    if notification.work_order_id:
        target = reverse("workorders:detail", args=[notification.work_order_id])
        return redirect(target + _anchor(notification))
    return redirect("notify:list")


# An approval asked for opens the work order at its decision (one more tap approves, also on a phone).
DECISION_ANCHORS = {
    "paid_service": "#action-approve-paid-service",
    "rejection": "#action-approve-rejection",
    "cannot_do_now": "#action-approve-rejection",
    "extension": "#action-approve-extension",
}


def _anchor(notification: Notification) -> str:
    if notification.kind != NotificationKind.APPROVAL_REQUESTED:
        return ""
    from fuwu.workorders.models import ApprovalRequest, ApprovalStatus

    kind = (
        ApprovalRequest.objects.filter(
            work_order_id=notification.work_order_id, status=ApprovalStatus.PENDING
        )
        .order_by("-requested_at", "-id")
        .values_list("kind", flat=True)
        .first()
    )
    if kind is None:  # decided meanwhile: the decision is in the approvals card
        return "#approvals"
    return DECISION_ANCHORS.get(kind, "#actions")


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
        OutboxMessage.objects.filter(work_order__organisation=user.organisation_id)
        .select_related("work_order")
        .order_by("-created_at", "-id")
    )
    page = Paginator(messages_sent, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    phone = visibility.PhoneShown(user)
    rows = [(message, phone(message.to)) for message in page]
    return render(request, "notify/outbox.html", {"page": page, "rows": rows})
