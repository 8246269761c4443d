"""Check the hash chains of the timeline: every record's, or one record's (``--subject``)."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from fuwu.timeline.models import Event
from fuwu.timeline.services import ChainProblem, chain_problems

CHUNK = 2000


def _subject_type(label: str) -> ContentType:
    app_label, _dot, model = label.lower().partition(".")
    try:
        return ContentType.objects.get_by_natural_key(app_label, model)
    except ContentType.DoesNotExist:
        raise CommandError(
            f"unknown kind of record {label!r}: use app_label.model, e.g. workorders.workorder"
        ) from None


def _record_label(subject_type_id: int, subject_id: str) -> str:
    """``workorders.workorder:12 (GD2611-00001)``: the kind and id, and the record's name where it exists."""
    content_type = ContentType.objects.get_for_id(subject_type_id)
    label = f"{content_type.app_label}.{content_type.model}:{subject_id}"
    model = content_type.model_class()
    if model is None:
        return f"{label} (kind of record no longer installed)"
    record = model._base_manager.filter(pk=subject_id).first()
    return f"{label} ({record})" if record is not None else f"{label} (record deleted)"


class Command(BaseCommand):
    help = (
        "Verify the timeline's hash chains: that no event was changed, removed or forked behind the "
        "application's back. Checks every record's events, or one record's with --subject "
        "APP_LABEL.MODEL:ID (e.g. --subject workorders.workorder:123). Prints each broken record and event "
        "and a summary; exits with status 1 when anything is broken, 0 otherwise. The deletion of a "
        "record's last event cannot be seen in its chain."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--subject",
            metavar="APP_LABEL.MODEL:ID",
            help="check only this record's chain, e.g. workorders.workorder:123",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        events: QuerySet[Event] = Event.objects.all()
        if options["subject"]:
            kind, colon, subject_id = options["subject"].rpartition(":")
            if not colon or not kind or not subject_id:
                raise CommandError("--subject takes APP_LABEL.MODEL:ID, e.g. workorders.workorder:123")
            events = events.filter(subject_type=_subject_type(kind), subject_id=subject_id)
        # one record after the other, in chain order; streamed, so memory stays bounded
        events = events.order_by("subject_type_id", "subject_id", "at", "id")
        records = checked = 0
        broken_records = broken_events = 0
        for (subject_type_id, subject_id), chain in groupby(
            events.iterator(chunk_size=CHUNK), key=lambda e: (e.subject_type_id, e.subject_id)
        ):
            counted = _counting(chain)
            problems = list(chain_problems(counted))
            records += 1
            checked += counted.count
            if problems:
                broken_records += 1
                broken_events += len({p.event.pk for p in problems})
                self._report(_record_label(subject_type_id, subject_id), problems)
        if options["subject"] and not records:
            raise CommandError(f"no timeline events for {options['subject']}")
        summary = f"checked {checked} events of {records} records: "
        if broken_records:
            self.stdout.write(summary + f"{broken_events} broken events in {broken_records} records")
            raise CommandError(f"the timeline of {broken_records} records is broken", returncode=1)
        self.stdout.write(summary + "every chain is intact")

    def _report(self, record: str, problems: list[ChainProblem]) -> None:
        self.stdout.write(f"broken: {record}")
        for problem in problems:
            event = problem.event
            self.stdout.write(
                f"  event {event.pk} at {timezone.localtime(event.at).isoformat()} {event.action}: {problem.describe()}"
            )


class _counting:
    """Iterates over ``events`` and counts them."""

    def __init__(self, events: Iterator[Event]) -> None:
        self.events = events
        self.count = 0

    def __iter__(self) -> Iterator[Event]:
        for event in self.events:
            self.count += 1
            yield event
