"""The engine's opening rule (``ReportKind.opens``): the daily task creates a report no earlier than
the kind's opening moment, once; a department kind learns the period its departments report for;
the figures are computed as of the moment they are taken (``PeriodScope.at``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fuwu.clocks.deadlines import DueRule, RuleName
from fuwu.org.models import Role
from fuwu.reports import registry, services
from fuwu.reports.models import PeriodicReport
from fuwu.reports.registry import CellKind, Period, PeriodScope, ReportKind, Scope, Table
from fuwu.reports.tasks import create_due_reports
from fuwu.workorders.tests.conftest import at

pytestmark = pytest.mark.django_db


def _compute(scope: PeriodScope) -> dict[str, Any]:
    return {"at": scope.at.isoformat() if scope.at else None, "start": scope.start.isoformat()}


def _tables(figures: dict[str, Any], policy: Any) -> list[Table]:
    return [Table(key="t", title="T", headers=["At"], kinds=[CellKind.TEXT], rows=[[figures["at"]]])]


@pytest.fixture
def asked() -> list[tuple[date, date]]:
    return []


@pytest.fixture
def collected(cast, asked, engine_kinds_only):
    """A monthly department report whose figures wait for the tables collected by the 5th."""

    def departments(organisation: Any, policy: Any, start: date, end: date) -> list[Any]:
        asked.append((start, end))
        return [cast.repair] if organisation == cast.organisation else []

    kind = registry.register(
        ReportKind(
            code="test_collected",
            title="Collected monthly report",
            period=Period.MONTH,
            due_rule=lambda policy: DueRule(RuleName.DAY_OF_NEXT_MONTH, day=10),
            opens=lambda policy: DueRule(RuleName.DAY_OF_NEXT_MONTH, day=5),
            policy_key="test.collected_due",
            preparer_roles=(Role.DEPARTMENT_HEAD,),
            approver_role=Role.QUALITY_INSPECTOR,
            compute=_compute,
            tables=_tables,
            scope=Scope.DEPARTMENT,
            departments=departments,
        )
    )
    yield kind
    registry._KINDS.pop(kind.code, None)


def _reports() -> list[tuple[str, str]]:
    return [
        (r.kind, r.period_start.isoformat())
        for r in PeriodicReport.objects.filter(kind="test_collected").order_by("period_start")
    ]


def run(now: Any) -> int:
    """The daily task at ``now``: how many of the test kind's reports it created (the return
    visits' reports are created too)."""
    before = PeriodicReport.objects.filter(kind="test_collected").count()
    create_due_reports(now)
    return PeriodicReport.objects.filter(kind="test_collected").count() - before


def test_no_report_before_the_opening_moment_then_once(cast, collected, asked):
    # October 2026: the tables are collected by Thursday 5 November, close of business (17:30)
    assert run(at(2026, 11, 1, 6, 15)) == 0
    assert run(at(2026, 11, 5, 6, 15)) == 0
    assert run(at(2026, 11, 5, 17, 29)) == 0
    assert asked == []  # not even asked which departments report
    assert run(at(2026, 11, 5, 17, 30)) == 1  # no earlier than the moment itself
    assert run(at(2026, 11, 6, 6, 15)) == 0
    assert run(at(2026, 11, 30, 6, 15)) == 0
    assert _reports() == [("test_collected", "2026-10-01")]
    assert asked[0] == (date(2026, 10, 1), date(2026, 10, 31))
    report = PeriodicReport.objects.get(kind="test_collected")
    assert report.department == cast.repair
    assert report.due_at == at(2026, 11, 10, 17, 30)
    # the figures are taken at the task's moment
    assert report.figures["at"] == at(2026, 11, 5, 17, 30).isoformat()
    assert report.figures_at == at(2026, 11, 5, 17, 30)


def test_the_opening_day_moves_off_rest_days_like_a_due_day(cast, collected):
    # November 2026: Saturday 5 December → Monday 7 December, 17:30
    assert run(at(2026, 12, 5, 18, 0)) == 0
    assert run(at(2026, 12, 7, 6, 15)) == 0
    assert run(at(2026, 12, 8, 6, 15)) == 1
    assert _reports() == [("test_collected", "2026-11-01")]


def test_a_report_asked_for_by_hand_is_made_at_once_and_computed_again_as_of_then(cast, collected):
    report = services.report_create(
        organisation=cast.organisation,
        kind=collected,
        period_start=date(2026, 10, 1),
        department=cast.repair,
        by=cast.head_repair,
        now=at(2026, 11, 2, 9),
    )
    assert report.figures["at"] == at(2026, 11, 2, 9).isoformat()
    refreshed = services.report_refresh(report=report, by=cast.head_repair, now=at(2026, 11, 6, 9))
    assert refreshed.figures["at"] == at(2026, 11, 6, 9).isoformat()
    assert refreshed.figures_at == at(2026, 11, 6, 9)
    # the task finds it made
    assert run(at(2026, 11, 6, 6, 15)) == 0
