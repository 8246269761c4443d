"""The registry of processes that have clocks: what the engine's sweep needs to know about each.

A process registers once, in its ``AppConfig.ready``::

    registry.register(ClockProcess(name="work_order", record_model=WorkOrder, clock_model=Clock, ...))

Everything process-specific the sweep needs comes from its entry: the policy that governs a record,
the escalation chain of a clock kind, the people of a role for a record (A/B-aware: whoever handles
an absent person's work), who is warned and told of a breach, the record's title and link, the
timeline action and how to notify. The engine imports no process.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model

from .deadlines import Level
from .models import BaseClock, BaseEscalation

# (people, notification kind, record, title) -> None
Notifier = Callable[[Sequence[Any], str, Any, str], Any]


@dataclass(frozen=True)
class NotificationKinds:
    approaching: str = "approaching"
    breached: str = "breached"
    escalated: str = "escalated"


@dataclass(frozen=True)
class ClockProcess:
    """One process's clocks as the engine sees them.

    ``record_field``: the foreign key from the clock (and the escalation) to the record.
    ``policy(record)``: the policy document governing the record. ``chain(policy, kind)``: the
    escalation levels of a clock kind. ``warn_ratio(policy)``: when the approaching-deadline notice
    goes out (share of the clock's time). ``people_with_role(record, role, now)``: who a level of
    that role reaches (absent people replaced by whoever handles their work).
    ``warn_recipients(record, now)`` / ``breach_recipients(record, now)``: who hears of an
    approaching / a missed deadline besides the escalation. ``title(record)``: e.g. its number;
    ``link(record)``: its page. ``notify(people, kind, record, title)``. ``escalated_action``: the
    timeline action of a fired level. ``extra_steps``: ``(name, step(now) -> count)`` run by the sweep
    after the clocks (e.g. work orders' A/B hand-over of started absences).
    """

    name: str
    record_model: type[Model]
    clock_model: type[BaseClock]
    escalation_model: type[BaseEscalation]
    record_field: str
    policy: Callable[[Any], Any]
    chain: Callable[[Any, str], Sequence[Level]]
    warn_ratio: Callable[[Any], float]
    people_with_role: Callable[[Any, str, datetime], list[Any]]
    warn_recipients: Callable[[Any, datetime], list[Any]]
    breach_recipients: Callable[[Any, datetime], list[Any]]
    title: Callable[[Any], str]
    link: Callable[[Any], str]
    notify: Notifier
    escalated_action: str
    kinds: NotificationKinds = NotificationKinds()
    organisation: Callable[[Any], Any] = lambda record: record.organisation
    related: tuple[str, ...] = ()  # select_related of the clock rows the sweep reads
    extra_steps: tuple[tuple[str, Callable[[datetime], int]], ...] = field(default_factory=tuple)

    def record_of(self, clock: BaseClock) -> Any:
        return getattr(clock, self.record_field)


_processes: dict[str, ClockProcess] = {}


def register(process: ClockProcess) -> ClockProcess:
    """Register (or replace, on a second ``ready``) a process's clocks."""
    _processes[process.name] = process
    return process


def processes() -> list[ClockProcess]:
    return list(_processes.values())


def for_clock_model(model: type[BaseClock]) -> ClockProcess:
    for process in _processes.values():
        if issubclass(model, process.clock_model):
            return process
    raise LookupError(f"no process registered for the clock model {model.__name__}")


def for_record(record: Model) -> ClockProcess:
    for process in _processes.values():
        if isinstance(record, process.record_model):
            return process
    raise LookupError(f"no process registered for {type(record).__name__}")
