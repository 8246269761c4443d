"""Writing notifications. Called inside the business action's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import Notification, NotificationKind, OutboxMessage


def notify(
    recipients: Iterable[Any], *, kind: NotificationKind, title: str, body: str = "", work_order: Any = None
) -> list[Notification]:
    """One in-app notification per distinct recipient."""
    seen: set[int] = set()
    rows = []
    for person in recipients:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        rows.append(Notification(recipient=person, kind=kind, title=title[:200], body=body, work_order=work_order))
    return Notification.objects.bulk_create(rows)


def send_sms(*, to: str, body: str, work_order: Any = None) -> OutboxMessage:
    """Queue an SMS to a customer. The gateway is outside this system; the outbox is the record."""
    return OutboxMessage.objects.create(to=to, body=body, work_order=work_order)
