"""Abstract clock and escalation models: each process has its own concrete tables.

A process's clock is ``class XClock(BaseClock)`` with a foreign key to its record, and its escalation
``class XEscalation(BaseEscalation)`` with a foreign key ``clock`` to that clock and one to the record
(the same field name as on the clock, see ``registry.ClockProcess.record_field``). The columns are
the ones work orders had before the engine existed, so ``workorders.Clock`` became a subclass without
a data migration.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# What "running" means everywhere: active, not met, not paused.
RUNNING = {"met_at__isnull": True, "paused_at__isnull": True, "is_active": True}


def clock_indexes(prefix: str, record_field: str | None = None) -> list[models.Index]:
    """The two partial indexes the sweep reads by (next escalation, pending warning). Django limits
    index names to 30 characters: a process names them with a short ``prefix``.

    ``record_field``: also the record's unmet clocks by deadline (``{prefix}_unmet``, the paused
    moment included on PostgreSQL), which the lists' overdue filter and next-due column probe per
    record without reading the record's met clocks: 100,000 complaints on PostgreSQL, the overdue
    tab's page of ids 12 → 7 ms and its count 7 → 4.5 ms."""
    unmet = []
    if record_field is not None:
        unmet.append(
            models.Index(
                fields=[record_field, "due_at"],
                name=f"{prefix}_unmet",
                include=["paused_at"],
                condition=Q(met_at__isnull=True, is_active=True),
            )
        )
    return [
        *unmet,
        models.Index(
            fields=["next_escalation_at"],
            name=f"{prefix}_next_escalation",
            condition=Q(met_at__isnull=True, paused_at__isnull=True, is_active=True),
        ),
        models.Index(
            fields=["warn_at"],
            name=f"{prefix}_warn",
            condition=Q(met_at__isnull=True, paused_at__isnull=True, is_active=True, warned_at__isnull=True),
        ),
    ]


class BaseClock(models.Model):
    """One deadline of a record: its due time, pause, extension, warning and escalation state.

    ``unit`` is a duration unit (``working_days`` …) with ``amount``, or a due-day rule name with its
    parameters packed in ``amount`` (``deadlines.DueRule``).
    """

    kind = models.CharField(_("clock"), max_length=20)
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due at"))
    calendar_confirmed = models.BooleanField(default=True)
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(default=0)  # business or calendar minutes, per unit
    extended_count = models.PositiveIntegerField(default=0)
    # Escalation: the last level fired (0 = none) and when the next one falls due (null = none left).
    escalation_level = models.PositiveIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)  # False once superseded (reopen) or not applicable

    class Meta:
        abstract = True
        ordering = ["due_at", "id"]
        indexes = clock_indexes("%(app_label)s_%(class)s")

    def is_breached(self, now: datetime) -> bool:
        if self.met_at is not None:
            return self.met_at > self.due_at
        return now > self.due_at

    def kind_label(self) -> str:
        display = getattr(self, "get_kind_display", None)
        return str(display()) if display is not None else self.kind


class BaseEscalation(models.Model):
    """One level of an escalation chain, fired once for one clock (the concrete model adds ``clock``,
    the record, and a unique constraint on ``(clock, level)``)."""

    level = models.PositiveIntegerField()
    role = models.CharField(max_length=30)
    fired_at = models.DateTimeField()
    notified = models.JSONField(default=list)

    class Meta:
        abstract = True
        ordering = ["fired_at", "id"]
