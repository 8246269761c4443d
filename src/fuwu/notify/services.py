"""Writing notifications. Called inside the business action's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import Notification, NotificationKind, OutboxMessage


def notify(
    recipients: Iterable[Any], *, kind: NotificationKind, title: str, body: str = "", work_order: Any = None
) -> list[Notification]:
    """One in-app notification per distinct recipient who may see ``work_order`` (visibility rules,
    clearance included): a message names its record, so nobody else gets it."""
    from fuwu.visibility import may_see

    seen: set[int] = set()
    rows = []
    for person in recipients:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        if work_order is not None and not may_see(person, work_order):
            continue
        rows.append(
            Notification(recipient=person, kind=kind, title=title[:200], body=body, work_order=work_order)
        )
    return Notification.objects.bulk_create(rows)


def send_sms(*, to: str, body: str, work_order: Any = None) -> OutboxMessage:
    """Queue an SMS to a customer. The gateway is outside this system; the outbox is the record."""
    return OutboxMessage.objects.create(to=to, body=body, work_order=work_order)


def notification_mark_read(*, notification: Notification, now: Any = None) -> Notification:
    """Mark one notification read (once: the first reading time is kept)."""
    from django.utils import timezone

    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, recipient: Any, now: Any = None) -> int:
    """Mark every unread notification of ``recipient`` read; returns how many were unread."""
    from django.utils import timezone

    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )
