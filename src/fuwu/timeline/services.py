"""Writing to the timeline: ``record_event`` is the only way in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from .models import Event


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return {"id": value.pk, "label": str(value)}
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def field_changes(instance: models.Model, before: Mapping[str, Any], fields: Iterable[str]) -> dict[str, Any]:
    """``{"field": {"before": …, "after": …}}`` for the fields whose value changed."""
    changes: dict[str, Any] = {}
    for name in fields:
        old, new = before.get(name), getattr(instance, name)
        if old != new:
            changes[name] = {"before": _plain(old), "after": _plain(new)}
    return changes


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in fields}


def record_event(
    *,
    subject: models.Model,
    action: str,
    actor: Any = None,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    at: datetime | None = None,
    organisation: Any = None,
    first: bool = False,
) -> Event:
    """Append an event to ``subject``'s timeline. Must run inside the business action's transaction.

    ``first``: the subject was created in this transaction, so its chain starts here (saves a query)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of the change it records")
    subject_type = ContentType.objects.get_for_model(subject, for_concrete_model=False)
    previous = (
        None
        if first
        else (
            Event.objects.filter(subject_type=subject_type, subject_id=str(subject.pk))
            .order_by("-at", "-id")
            .values_list("hash", flat=True)
            .first()
        )
    )
    if organisation is None:
        organisation = getattr(subject, "organisation", None)
    event = Event(
        organisation=organisation,
        subject_type=subject_type,
        subject_id=str(subject.pk),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=str(actor) if actor is not None else "system",
        at=at or timezone.now(),
        action=action,
        changes=_plain(dict(changes or {})),
        reason=reason or "",
        previous_hash=previous or "",
    )
    event.hash = event.compute_hash()
    event.save()
    return event


def verify_chain(subject: models.Model) -> bool:
    """True when every event of ``subject`` still hashes to what was written."""
    previous = ""
    for event in Event.objects.for_subject(subject).order_by("at", "id"):
        if event.previous_hash != previous or event.compute_hash() != event.hash:
            return False
        previous = event.hash
    return True
