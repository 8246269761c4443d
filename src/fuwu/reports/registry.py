"""The registry of periodic report kinds (ADR 0013): what a process tells the reports engine.

A process describes each of its reports once, in its ``periodic_reports`` module (loaded at
start-up by this app, like the exports engine loads ``exports``)::

    registry.register(ReportKind(code="visits_analysis", title=_("…"), period=Period.QUARTER, ...))

The engine knows nothing else about the process: it creates the reports of each period, computes
their due moment from the policy's rule, keeps the figures the kind computes as a snapshot, runs the
submit → approve / return lifecycle through the approvals engine, escalates a late report along the
policy's ``report`` chain and renders the kind's tables on the page, in Excel and as a PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise

from fuwu.clocks.deadlines import DueRule


class Period(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


class Scope(StrEnum):
    """One report for the whole organisation, or one per department the kind names."""

    ORGANISATION = "organisation"
    DEPARTMENT = "department"


class CellKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    PERCENT = "percent"  # a share 0…1, shown as 95.0 %
    POINTS = "points"  # a change of a share, shown as +2.5 pp
    DATETIME = "datetime"


@dataclass(frozen=True)
class Table:
    """One table of a report as people read it (already in the reader's language): the page, the
    Excel sheet and the PDF all render these."""

    key: str
    title: str | Promise
    headers: Sequence[str | Promise]
    kinds: Sequence[CellKind]
    rows: Sequence[Sequence[Any]]
    note: str | Promise = ""
    # Cell kinds row by row, where rows differ (counts, then rates); else ``kinds`` for every row.
    row_kinds: Sequence[Sequence[CellKind]] | None = None

    def kinds_of(self, index: int) -> Sequence[CellKind]:
        if self.row_kinds is not None and index < len(self.row_kinds):
            return self.row_kinds[index]
        return self.kinds


@dataclass(frozen=True)
class PeriodScope:
    """What the figures of one report are computed for: the organisation, the department (none: the
    whole organisation), the period's first and last days, and the moment the figures are computed
    (the report's ``figures_at``: what is "still open" or "overdue" is so at that moment; None: now)."""

    organisation: Any
    department: Any | None
    start: date
    end: date  # inclusive: the period's last day
    at: datetime | None = None


@dataclass(frozen=True)
class ReportKind:
    """One kind of periodic report.

    ``period`` and ``first_month``: a month, or three months beginning in ``first_month`` and every
    third month after it (1: calendar quarters; 12: December–February, March–May, …).
    ``due_rule(policy)``: the due-day rule (ADR 0008), applied from the period's last day.
    ``preparer_roles``: who fills it in and submits it; ``approver_role``: who approves or returns
    it (an approval of the approvals engine asks that role). ``departments(organisation, policy,
    start, end)``: for a department scope, the departments that report for the period from ``start``
    to ``end``. ``compute(scope)``: the figures of the period as JSON (bounded queries);
    ``tables(figures, policy)``: how they read. ``applies(policy)``: whether the organisation's
    policy asks for this report at all.

    ``opens(policy)``: when the daily task may create the report, a due-day rule applied from the
    period's last day like ``due_rule`` (None: the day after the period ends). Before that moment
    the task leaves the period for a later run, so the figures snapshot includes what the records
    may still receive after the period ("the month's tables are collected by the 5th"). It must fall
    before the end of the next period (the task creates only the period that ended last). A report
    made by hand is made whenever asked for; "compute again" refreshes a draft at any time.
    """

    code: str
    title: str | Promise
    period: Period
    due_rule: Callable[[Any], DueRule]
    policy_key: str  # where the rule lives, for people: "visits.analysis_report_due"
    preparer_roles: tuple[str, ...]
    approver_role: str
    compute: Callable[[PeriodScope], dict[str, Any]]
    tables: Callable[[dict[str, Any], Any], list[Table]]
    first_month: int = 1
    scope: Scope = Scope.ORGANISATION
    departments: Callable[[Any, Any, date, date], Sequence[Any]] = lambda organisation, policy, start, end: []
    applies: Callable[[Any], bool] = lambda policy: True
    opens: Callable[[Any], DueRule] | None = None
    filename: str = "report"  # ASCII base of the downloaded files
    description: str | Promise = ""
    extra: dict[str, Any] = field(default_factory=dict)


_KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    """Register (or replace, on a second ``ready``) a report kind."""
    if kind.period == Period.QUARTER and not 1 <= kind.first_month <= 12:
        raise ValueError("first_month must be 1 to 12")
    _KINDS[kind.code] = kind
    return kind


def kinds() -> list[ReportKind]:
    return list(_KINDS.values())


def get(code: str) -> ReportKind:
    return _KINDS[code]


def find(code: str) -> ReportKind | None:
    return _KINDS.get(code)


def choices() -> list[tuple[str, str]]:
    return [(kind.code, str(kind.title)) for kind in _KINDS.values()]
