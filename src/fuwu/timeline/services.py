"""Writing to the timeline: ``record_event`` is the only way in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from fuwu.lib import logcontext

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
    if first:
        previous = None
    else:
        lock_subject(subject)
        previous = (
            Event.objects.filter(subject_type=subject_type, subject_id=str(subject.pk))
            .order_by("-at", "-id")
            .values_list("hash", flat=True)
            .first()
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
    logcontext.note_record(f"{subject_type.app_label}.{subject_type.model}:{subject.pk}")
    return event


def lock_subject(subject: models.Model) -> None:
    """Hold the subject's row until the transaction ends, so that two writers (two sweeps escalating two
    clocks of one record) chain one after the other instead of both from the same previous event. On
    SQLite the IMMEDIATE transaction already serialises writers (and there is no row lock): no query.
    Callers that change other rows of the record first take it here too (the record before its parts)."""
    if transaction.get_connection().features.has_select_for_update:
        manager = type(subject)._base_manager
        list(
            manager.select_for_update(of=("self",))
            .filter(pk=subject.pk)
            .order_by()
            .values_list("pk", flat=True)
        )


class ChainProblem(NamedTuple):
    event: Event
    problem: Literal["hash", "link"]

    def describe(self) -> str:
        if self.problem == "hash":
            return "hash mismatch: the event was changed after it was written"
        return "broken link to the previous event: an earlier event was removed, changed or chained twice"


def chain_problems(events: Iterable[Event]) -> Iterator[ChainProblem]:
    """What is wrong in one record's events, given in chain order (``at``, ``id``): an event whose content
    no longer hashes to its hash (``hash``), or which does not point at the event before it (``link``:
    that one was deleted, or its hash rewritten, or two writers chained from the same event)."""
    previous = ""
    for event in events:
        if not event.hash_matches():
            yield ChainProblem(event, "hash")
        if event.previous_hash != previous:
            yield ChainProblem(event, "link")
        previous = event.hash


def verify_chain(subject: models.Model) -> bool:
    """True when every event of ``subject`` still hashes to what was written."""
    events = Event.objects.for_subject(subject).order_by("at", "id")
    return next(chain_problems(events), None) is None
