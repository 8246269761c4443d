"""The events a notification can be about: generic keys with a label for people, in a small registry.

The engine knows the events every process shares (``assigned``, ``approaching``, ``breached``,
``escalated``, ``approval_requested``, ``approval_decided``, ``reminder``, ``handed_over``,
``result``). A process registers its own at import time (``register("confirmation_refused",
_("Customer refused to confirm"))``); the key is what a notification, a robot subscription and a
user's preference store, the label is what people read, in their language.

Urgent events (a deadline missed, an escalation) pass through a person's quiet hours; the others
wait until the quiet hours end.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

KEY_LENGTH = 40  # the column that stores an event key (Notification.kind)


@dataclass(frozen=True)
class Event:
    key: str
    label: str | Promise
    urgent: bool = False


_EVENTS: dict[str, Event] = {}


def register(key: str, label: str | Promise, *, urgent: bool = False) -> str:
    """Make ``key`` an event (idempotent for the same label); returns the key, to keep as a constant."""
    if not key or len(key) > KEY_LENGTH or not key.replace("_", "").isalnum() or not key.islower():
        raise ValueError(f"an event key is lower-case letters, digits and _, at most {KEY_LENGTH}: {key!r}")
    known = _EVENTS.get(key)
    if known is not None and (str(known.label), known.urgent) != (str(label), urgent):
        raise ValueError(f"event {key!r} is already registered with another label or urgency")
    _EVENTS[key] = Event(key, label, urgent)
    return key


def get(key: str) -> Event | None:
    return _EVENTS.get(key)


def label(key: str) -> str:
    """What people read for ``key``; an unknown key (a process removed since) reads as itself."""
    event = _EVENTS.get(key)
    return str(event.label) if event else key


def is_urgent(key: str) -> bool:
    event = _EVENTS.get(key)
    return bool(event and event.urgent)


def all_events() -> list[Event]:
    return list(_EVENTS.values())


def keys() -> list[str]:
    return list(_EVENTS)


def choices() -> list[tuple[str, str]]:
    """For a model field's ``choices`` (a callable, so that events registered later count too)."""
    return [(event.key, event.label) for event in _EVENTS.values()]  # type: ignore[misc]


class NotificationKind(models.TextChoices):
    """The events every process shares (the engine's own), as constants for the callers."""

    ASSIGNED = "assigned", _("Assigned to you")
    APPROACHING = "approaching", _("Deadline approaching")
    BREACHED = "breached", _("Deadline missed")
    ESCALATED = "escalated", _("Escalated to you")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVAL_DECIDED = "approval_decided", _("Approval decided")
    RESULT = "result", _("Result to tell the customer")
    REMINDER = "reminder", _("Reminder")
    HANDED_OVER = "handed_over", _("Handed over (A/B)")


URGENT = frozenset({NotificationKind.BREACHED, NotificationKind.ESCALATED})

for _kind in NotificationKind:
    register(_kind.value, _kind.label, urgent=_kind in URGENT)
