"""``/api/v1/notifications``: the caller's in-app notifications.

Only one's own notifications exist here: another person's answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from fuwu.lib.inputs import Id, Limit, Offset
from fuwu.org.models import User
from fuwu.visibility import get_visible_or_404

from .models import Notification
from .services import notification_mark_read, notifications_mark_all_read

router = Router(tags=["notifications"])


class NotificationFilters(Schema):
    unread: bool | None = Field(None, description="true: only unread ones; false: only read ones.")
    limit: Limit = 50
    offset: Offset = 0


class SubjectOut(Schema):
    kind: str = Field(description="The record's kind, app_label.model (workorders.workorder).")
    kind_label: str
    id: int
    title: str
    link: str


class NotificationOut(Schema):
    id: int
    kind: str = Field(description="The event's key (fuwu.notify.events).")
    kind_label: str
    title: str
    body: str
    subject: SubjectOut | None
    created_at: datetime
    read_at: datetime | None
    is_read: bool


class NotificationPage(Schema):
    items: list[NotificationOut]
    count: int
    unread_count: int


class MarkedRead(Schema):
    marked: int


def _mine(request: HttpRequest) -> Any:
    return Notification.objects.filter(recipient=cast(User, request.user))


def notification_out(notification: Notification) -> dict[str, Any]:
    subject = None
    if notification.subject_type_id is not None and notification.subject_id is not None:
        content_type = ContentType.objects.get_for_id(notification.subject_type_id)
        subject = {
            "kind": f"{content_type.app_label}.{content_type.model}",
            "kind_label": notification.subject_kind_label,
            "id": notification.subject_id,
            "title": notification.subject_title,
            "link": notification.link,
        }
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "kind_label": notification.kind_label,
        "title": notification.title,
        "body": notification.body,
        "subject": subject,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
        "is_read": notification.read_at is not None,
    }


@router.get("", response=NotificationPage, summary="My notifications, newest first")
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> dict[str, Any]:
    mine = _mine(request)
    shown = mine
    if filters.unread is not None:
        shown = mine.filter(read_at__isnull=filters.unread)
    page = shown.order_by("-created_at", "-id")[filters.offset : filters.offset + filters.limit]
    return {
        "items": [notification_out(n) for n in page],
        "count": shown.count(),
        "unread_count": mine.filter(read_at__isnull=True).count(),
    }


@router.post("/read-all", response=MarkedRead, summary="Mark all my notifications read")
def mark_all_read(request: HttpRequest) -> dict[str, Any]:
    return {"marked": notifications_mark_all_read(recipient=cast(User, request.user))}


@router.post("/{notification_id}/read", response=NotificationOut, summary="Mark one notification read")
def mark_read(request: HttpRequest, notification_id: Id) -> dict[str, Any]:
    notification = get_visible_or_404(_mine(request), pk=notification_id)
    return notification_out(notification_mark_read(notification=notification))
