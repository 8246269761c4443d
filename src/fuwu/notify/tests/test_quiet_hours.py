"""Quiet hours (22:00–08:00 in the site's time zone): e-mail and SMS of non-urgent events wait until
they end, urgent ones (a deadline missed, an escalation) go through; in-app is never held."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from fuwu.notify.models import (
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from fuwu.notify.services import notify, send_due

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.fixture
def quiet_tech(cast):
    cast.tech.email = "tech@example.cn"
    cast.tech.save()
    NotificationPreference.objects.create(
        user=cast.tech,
        email_events=["reminder", "breached"],
        quiet_start=time(22, 0),
        quiet_end=time(8, 0),
    )
    return cast.tech


def tell(person, kind=NotificationKind.REMINDER) -> Delivery:
    notify([person], kind=kind, title="催办")
    return Delivery.objects.latest("id")


@pytest.mark.parametrize(
    ("moment", "status", "held_until"),
    [
        (local(23, 21, 59, 59), DeliveryStatus.PENDING, None),  # just before
        (local(23, 22, 0, 0), DeliveryStatus.HELD, local(24, 8)),  # at the start
        (local(23, 23, 30), DeliveryStatus.HELD, local(24, 8)),
        (local(24, 7, 59, 59), DeliveryStatus.HELD, local(24, 8)),  # just before the end
        (local(24, 8, 0, 0), DeliveryStatus.PENDING, None),  # at the end
    ],
)
def test_non_urgent_email_is_held_inside_the_quiet_hours(quiet_tech, moment, status, held_until):
    with time_machine.travel(moment, tick=False):
        delivery = tell(quiet_tech)
    assert delivery.status == status
    assert delivery.next_attempt_at == held_until
    assert Notification.objects.filter(recipient=quiet_tech).count() == 1  # in-app at once


def test_urgent_events_go_through_the_quiet_hours(quiet_tech, django_capture_on_commit_callbacks):
    with time_machine.travel(local(23, 23, 0), tick=False), django_capture_on_commit_callbacks(execute=True):
        delivery = tell(quiet_tech, NotificationKind.BREACHED)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_held_deliveries_are_sent_when_the_quiet_hours_end(quiet_tech):
    with time_machine.travel(local(23, 23, 0), tick=False):
        delivery = tell(quiet_tech)
    with time_machine.travel(local(24, 7, 59), tick=False):
        assert send_due() == 0
    assert mail.outbox == []
    with time_machine.travel(local(24, 8, 0), tick=False):
        assert send_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at == local(24, 8)
    assert [m.to for m in mail.outbox] == [["tech@example.cn"]]


def test_quiet_hours_within_one_day(cast):
    cast.tech.email = "tech@example.cn"
    cast.tech.save()
    NotificationPreference.objects.create(
        user=cast.tech, email_events=["reminder"], quiet_start=time(12, 0), quiet_end=time(13, 30)
    )
    with time_machine.travel(local(23, 12, 45), tick=False):
        held = tell(cast.tech)
    with time_machine.travel(local(23, 13, 30), tick=False):
        free = tell(cast.tech)
    assert (held.status, held.next_attempt_at) == (DeliveryStatus.HELD, local(23, 13, 30))
    assert free.status == DeliveryStatus.PENDING
