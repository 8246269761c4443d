"""The inspections' periodic reports (ADR 0013, seed 002 4.8–4.9): a department's month against a
hand-computed dataset and the trend, the quarter month by month, the quality role's summary with
the common problems, the due days and opening days on the working-day calendar, the daily task
making each report once, bounded queries and one report's downloads."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from fuwu.capa.services import capa_create
from fuwu.inspections import periodic_reports as ir
from fuwu.inspections import services
from fuwu.inspections.models import Inspection, Rectification
from fuwu.policy.selectors import active_policy
from fuwu.reports import exports as report_exports
from fuwu.reports import services as report_services
from fuwu.reports.models import PeriodicReport
from fuwu.reports.registry import PeriodScope
from fuwu.reports.tasks import create_due_reports

from .conftest import at

pytestmark = pytest.mark.django_db


def answers(*failed: str, records: int = 10) -> list[services.AnswerIn]:
    """Every item conforms but ``failed``; ``records`` is the scored item (0–10, fails below 6)."""
    given = [
        services.AnswerIn(code, "fail", note="不符合要求")
        if code in failed
        else services.AnswerIn(code, "pass")
        for code in ("uniform", "site_clean", "phrases", "safety")
    ]
    return [*given, services.AnswerIn("records", score=records)]


def carried_out(
    cast, plan, *, due: date, submitted: datetime, failed=(), records=10, department=None, planned=None
):
    inspection = plan(department=department or cast.repair, due_on=due, now=planned or at(2026, 9, 14, 9))
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=answers(*failed, records=records),
        now=submitted - timedelta(hours=1),
    )
    return services.inspection_submit(inspection=inspection, by=cast.quality, now=submitted)


def order(inspection: Inspection, code: str) -> Rectification:
    return inspection.rectifications.get(finding__item_code=code)


def rectified(cast, rectification, *, acknowledged, done=None, verified=None, passed=True):
    services.rectification_acknowledge(rectification=rectification, by=cast.head_repair, now=acknowledged)
    if done is not None:
        services.rectification_record_done(
            rectification=rectification, by=cast.tech, action_taken="已整改", now=done
        )
    if verified is not None:
        services.rectification_verify(
            rectification=rectification, by=cast.quality, passed=passed, note="已验证", now=verified
        )


@dataclass
class Dataset:
    october: Inspection
    a: Inspection
    b: Inspection
    cancelled: Inspection
    missed: Inspection
    cleaning: Inspection


@pytest.fixture
def dataset(cast, plan_inspection) -> Dataset:
    """工程维修部 (repair) in October and November 2026, 保洁部 (cleaning) in November.

    The checklist's points (conftest): uniform 2, site_clean 3, phrases 1, records 4 (scored 0–10,
    fails below 6), safety 2 (critical) = 12.

    October — C, due Fri 10-16, submitted 10-15: uniform fails; 10 of 12 = 83.3, passed. Its order
      R0 is verified on 10-20.
    November — A, due Fri 11-13, submitted 11-12: uniform fails, records 5 (fails);
      0 + 3 + 1 + 4·5/10 + 2 = 8 of 12 = 66.7, not passed; orders R1 (uniform) and R2 (records).
      R1: acknowledged, done, verification failed 11-17, done again, verified 11-19. R2:
      acknowledged, never done, due Thu 11-19 17:30 (5 working days): overdue.
    — B, due Fri 11-20, submitted Mon 11-23 (late): phrases fails; 11 of 12 = 91.7, passed;
      order R3 done 11-25, awaiting verification (open, not overdue).
    — X, due 11-25, cancelled. — M, due 11-27, never carried out: missed.
    Cleaning — D, due 11-18, submitted 11-17: uniform fails (83.3, passed); its order is left issued.

    November by hand: planned 4, done 2 (late 1), missed 1, cancelled 1; scores 66.7 + 91.7 = 158.4
    over 2 → 79.2, passed 1 of 2; failed items 3 (uniform, records, phrases: 1 each; October: uniform
    1). Orders: issued 3, verified 1, failed verifications 1 (R1); open 2 (R2, R3), overdue 1 (R2).
    October: issued 1, verified 1.
    """
    october = carried_out(
        cast, plan_inspection, due=date(2026, 10, 16), submitted=at(2026, 10, 15, 10), failed=["uniform"]
    )
    rectified(
        cast,
        order(october, "uniform"),
        acknowledged=at(2026, 10, 15, 14),
        done=at(2026, 10, 19, 9),
        verified=at(2026, 10, 20, 10),
    )
    a = carried_out(
        cast,
        plan_inspection,
        due=date(2026, 11, 13),
        submitted=at(2026, 11, 12, 10),
        failed=["uniform"],
        records=5,
    )
    r1 = order(a, "uniform")
    rectified(
        cast,
        r1,
        acknowledged=at(2026, 11, 12, 14),
        done=at(2026, 11, 16, 9),
        verified=at(2026, 11, 17, 10),
        passed=False,
    )
    services.rectification_record_done(
        rectification=r1, by=cast.tech, action_taken="全员佩戴", now=at(2026, 11, 18, 9)
    )
    services.rectification_verify(
        rectification=r1, by=cast.quality, passed=True, note="已整改", now=at(2026, 11, 19, 10)
    )
    rectified(cast, order(a, "records"), acknowledged=at(2026, 11, 13, 9))
    b = carried_out(
        cast, plan_inspection, due=date(2026, 11, 20), submitted=at(2026, 11, 23, 10), failed=["phrases"]
    )
    rectified(cast, order(b, "phrases"), acknowledged=at(2026, 11, 24, 9), done=at(2026, 11, 25, 9))
    cancelled = plan_inspection(due_on=date(2026, 11, 25))
    services.inspection_cancel(inspection=cancelled, by=cast.quality, reason="停电", now=at(2026, 11, 20, 9))
    missed = plan_inspection(due_on=date(2026, 11, 27))
    cleaning = carried_out(
        cast,
        plan_inspection,
        due=date(2026, 11, 18),
        submitted=at(2026, 11, 17, 10),
        failed=["uniform"],
        department=cast.cleaning,
    )
    return Dataset(october, a, b, cancelled, missed, cleaning)


def scope(cast, department, start, end, moment) -> PeriodScope:
    return PeriodScope(organisation=cast.organisation, department=department, start=start, end=end, at=moment)


NOVEMBER = {
    "planned": 4,
    "done": 2,
    "late": 1,
    "missed": 1,
    "cancelled": 1,
    "pending": 0,
    "scored": 2,
    "passed": 1,
    "failed_items": 3,
    "score_sum": 158.4,
}
OCTOBER = {
    "planned": 1,
    "done": 1,
    "late": 0,
    "missed": 0,
    "cancelled": 0,
    "pending": 0,
    "scored": 1,
    "passed": 1,
    "failed_items": 1,
    "score_sum": 83.3,
}
NOTHING = dict.fromkeys(NOVEMBER, 0) | {"score_sum": 0.0}


# --- the department's month ----------------------------------------------------------------------


def test_the_month_against_the_hand_computed_dataset(cast, dataset):
    assert [i.score for i in (dataset.october, dataset.a, dataset.b)] == [
        Decimal("83.3"),
        Decimal("66.7"),
        Decimal("91.7"),
    ]
    figures = ir.compute_month(
        scope(cast, cast.repair, date(2026, 11, 1), date(2026, 11, 30), at(2026, 12, 8, 6, 15))
    )
    assert figures["period"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert figures["previous"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert figures["inspections"] == {"current": NOVEMBER, "previous": OCTOBER}
    assert figures["rectifications"] == {
        "current": {"issued": 3, "verified": 1, "failed_verifications": 1},
        "previous": {"issued": 1, "verified": 1, "failed_verifications": 0},
        "open": 2,
        "overdue": 1,
    }
    assert figures["items"] == [
        {
            "code": "uniform",
            "item": "员工着装整洁, 佩戴工牌",
            "section": "服务现场",
            "current": 1,
            "previous": 1,
        },
        {
            "code": "phrases",
            "item": "使用规范用语接听电话",
            "section": "服务过程",
            "current": 1,
            "previous": 0,
        },
        {"code": "records", "item": "服务记录完整准确", "section": "服务过程", "current": 1, "previous": 0},
    ]
    tables = [
        (t["number"], t["status"], t["score"], t["passed"], t["failed_items"], t["inspector"])
        for t in figures["tables"]
    ]
    assert tables == [
        (dataset.a.number, "submitted", 66.7, False, 2, "品质李"),
        (dataset.b.number, "submitted", 91.7, True, 1, "品质李"),
        (dataset.cancelled.number, "cancelled", None, None, 0, "品质李"),
        (dataset.missed.number, "planned", None, None, 0, "品质李"),
    ]
    assert figures["tables_count"] == 4
    assert figures["tables"][0]["checklist"] == "服务质量巡检表"
    # the cleaning department's month is its own
    cleaning = ir.compute_month(
        scope(cast, cast.cleaning, date(2026, 11, 1), date(2026, 11, 30), at(2026, 12, 8))
    )
    assert cleaning["inspections"]["current"] == NOTHING | {
        "planned": 1,
        "done": 1,
        "scored": 1,
        "passed": 1,
        "failed_items": 1,
        "score_sum": 83.3,
    }
    assert cleaning["rectifications"]["open"] == cleaning["rectifications"]["overdue"] == 1


def test_the_month_reads_with_its_trend(cast, dataset):
    figures = ir.compute_month(
        scope(cast, cast.repair, date(2026, 11, 1), date(2026, 11, 30), at(2026, 12, 8))
    )
    with translation.override("en"):
        tables = {t.key: t for t in ir.month_tables(figures, active_policy(cast.organisation))}
        assert list(tables) == ["inspections", "rectifications", "items", "tables"]
        rows = {str(row[0]): row[1:] for row in tables["inspections"].rows}
        assert rows["Inspections planned (due in the period)"] == [4, 1, 3]
        assert rows["Missed (not submitted by the due day)"] == [1, 0, 1]
        score, before, change = rows["Average score"]
        assert (score, before) == (pytest.approx(0.792), pytest.approx(0.833))
        assert change == pytest.approx(-0.041)
        assert report_exports.cell_text(change, "points") == "-4.1 pp"
        assert report_exports.cell_text(score, "percent") == "79.2 %"
        assert rows["Tables passed"][:2] == [0.5, 1.0]
        items = [(str(r[0]), r[2], r[3], r[4]) for r in tables["items"].rows]
        assert items[0] == ("员工着装整洁, 佩戴工牌", 1, 1, 0)
        assert [r[0] for r in tables["tables"].rows] == [
            dataset.a.number,
            dataset.b.number,
            dataset.cancelled.number,
            dataset.missed.number,
        ]
        assert tables["tables"].rows[0][7] == pytest.approx(0.667)
        open_rows = {str(row[0]): row[1] for row in tables["rectifications"].rows}
        assert open_rows["Still open (issued up to the end of the period)"] == 2
        assert open_rows["of which overdue"] == 1


def test_the_quarter_month_by_month(cast, dataset):
    figures = ir.compute_quarter(
        scope(cast, cast.repair, date(2026, 10, 1), date(2026, 12, 31), at(2027, 1, 6, 6, 15))
    )
    inspections = figures["inspections"]
    assert inspections["m1"] == OCTOBER
    assert inspections["m2"] == NOVEMBER
    assert inspections["m3"] == inspections["p"] == NOTHING
    assert inspections["c"] == {
        "planned": 5,
        "done": 3,
        "late": 1,
        "missed": 1,
        "cancelled": 1,
        "pending": 0,
        "scored": 3,
        "passed": 2,
        "failed_items": 4,
        "score_sum": 241.7,
    }
    rect = figures["rectifications"]
    assert rect["m1"] == {"issued": 1, "verified": 1, "failed_verifications": 0}
    assert rect["m2"] == {"issued": 3, "verified": 1, "failed_verifications": 1}
    assert rect["c"] == {"issued": 4, "verified": 2, "failed_verifications": 1}
    assert (rect["open"], rect["overdue"]) == (2, 1)
    assert figures["items"][0] == {
        "code": "uniform",
        "item": "员工着装整洁, 佩戴工牌",
        "section": "服务现场",
        "m1": 1,
        "m2": 1,
        "m3": 0,
        "c": 2,
        "p": 0,
    }
    with translation.override("en"):
        (by_month, items) = ir.quarter_tables(figures, None)
        assert [str(h) for h in by_month.headers] == [
            "Figure",
            "2026-10",
            "2026-11",
            "2026-12",
            "This quarter",
            "Previous quarter",
            "Change",
        ]
        scores = next(row for row in by_month.rows if str(row[0]) == "Average score")
        # the improvement month to month: 83.3 → 79.2 → none; the quarter 241.7 / 3 = 80.6
        assert scores[1:5] == [pytest.approx(0.833), pytest.approx(0.792), None, pytest.approx(0.806)]
        assert [str(h) for h in items.headers][:2] == ["Checklist item", "Section"]


# --- the quality role's summary --------------------------------------------------------------------


def test_the_summary_common_problems_and_the_departments_reports(cast, dataset):
    # a corrective action raised from an inspection's order in the quarter
    capa = capa_create(
        organisation=cast.organisation,
        by=cast.quality,
        kind="corrective",
        title="服务记录不完整",
        problem="维修服务记录缺项",
        category="process",
        department=cast.repair,
        affected=[f"inspections.rectification:{order(dataset.a, 'records').pk}"],
        now=at(2026, 11, 20, 9),
    )
    # the departments' reports, made by the daily task and submitted (or not)
    create_due_reports(at(2026, 11, 6, 6, 15))  # October's (repair only)
    repair_october = PeriodicReport.objects.get(kind=ir.MONTH_CODE, department=cast.repair)
    report_services.report_submit(report=repair_october, by=cast.head_repair, now=at(2026, 11, 12, 9))  # late
    create_due_reports(at(2026, 12, 8, 6, 15))  # November's (repair and cleaning)
    repair_november = PeriodicReport.objects.get(
        kind=ir.MONTH_CODE, department=cast.repair, period_start=date(2026, 11, 1)
    )
    report_services.report_submit(report=repair_november, by=cast.head_repair, now=at(2026, 12, 9, 9))
    create_due_reports(at(2027, 1, 6, 6, 15))  # the quarter's (repair and cleaning)
    repair_quarter = PeriodicReport.objects.get(kind=ir.QUARTER_CODE, department=cast.repair)
    assert repair_quarter.due_at == at(2027, 1, 11, 17, 30)  # Sunday 10 January → Monday
    report_services.report_submit(report=repair_quarter, by=cast.head_repair, now=at(2027, 1, 8, 9))
    assert not PeriodicReport.objects.filter(kind=ir.SUMMARY_CODE, period_start=date(2026, 10, 1)).exists()
    create_due_reports(at(2027, 1, 12, 6, 15))  # the summary opens once the quarterly reports are due
    summary = PeriodicReport.objects.get(
        organisation=cast.organisation, kind=ir.SUMMARY_CODE, period_start=date(2026, 10, 1)
    )
    assert summary.department is None
    assert (summary.due_at, summary.calendar_confirmed) == (at(2027, 1, 15, 17, 30), False)
    figures = summary.figures
    departments = {d["name"]: d for d in figures["departments"]}
    assert sorted(departments) == sorted(["工程维修部", "保洁部"])
    repair, cleaning = departments["工程维修部"], departments["保洁部"]
    assert (repair["current"]["planned"], repair["current"]["score_sum"]) == (5, 241.7)
    assert (repair["open"], repair["overdue"]) == (2, 1)
    assert repair["reports"] == {
        "month": {"on_time": 1, "late": 1, "overdue": 0, "pending": 0},
        "quarter": "on_time",
    }
    assert cleaning["reports"] == {
        "month": {"on_time": 0, "late": 0, "overdue": 1, "pending": 0},
        "quarter": "overdue",
    }
    # the organisation: 83.3 + 66.7 + 91.7 + 83.3 = 325.0 over 4 = 81.25 → 81.3 (half up)
    totals = figures["totals"]
    assert (totals["current"]["planned"], totals["current"]["done"], totals["current"]["score_sum"]) == (
        6,
        4,
        325.0,
    )
    assert ir.average_score(totals["current"]) == pytest.approx(0.813)
    assert (totals["open"], totals["overdue"]) == (3, 2)
    # uniform failed in both departments (three times); records and phrases in the repair
    # department only: not common problems
    assert figures["common_problems"] == [
        {
            "code": "uniform",
            "item": "员工着装整洁, 佩戴工牌",
            "section": "服务现场",
            "departments": sorted(["工程维修部", "保洁部"]),
            "department_count": 2,
            "times": 3,
        }
    ]
    assert [(c["number"], c["title"], c["department"]) for c in figures["capas"]] == [
        (capa.number, "服务记录不完整", "工程维修部")
    ]
    with translation.override("en"):
        tables = {t.key: t for t in ir.summary_tables(figures, None)}
        rows = {str(row[0]): row for row in tables["departments"].rows}
        assert sorted(rows) == sorted(["工程维修部", "保洁部", "Whole organisation"])
        assert str(tables["departments"].rows[-1][0]) == "Whole organisation"
        assert rows["工程维修部"][-2:] == ["1 of 2 in time; 1 late", "in time"]
        assert rows["保洁部"][-2:] == ["0 of 1 in time; 1 not submitted", "overdue, not submitted"]
        assert [str(r[0]) for r in tables["common_problems"].rows] == ["员工着装整洁, 佩戴工牌"]
    # its thirteen columns fit the A4 page
    assert report_exports.report_pdf(summary, cast.director).startswith(b"%PDF")
    quarter = report_exports.report_pdf(repair_quarter, cast.quality)
    assert "2026-11" in "".join(page.extract_text() for page in PdfReader(io.BytesIO(quarter)).pages)


# --- due days, opening days and the daily task -------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "period_start", "due", "confirmed"),
    [
        # November 2026's monthly report: Thursday 10 December, close of business
        (ir.MONTH_CODE, date(2026, 11, 1), at(2026, 12, 10, 17, 30), True),
        # September 2026's: Saturday 10 October is a make-up working day of the National Day
        # holiday (10-01…10-07): worked, so it stays there
        (ir.MONTH_CODE, date(2026, 9, 1), at(2026, 10, 10, 17, 30), True),
        # January 2024's: 10 February is in the Spring Festival holiday (02-10…02-17); the next
        # working day is the make-up Sunday 18 February
        (ir.MONTH_CODE, date(2024, 1, 1), at(2024, 2, 18, 17, 30), True),
        # May 2024's: Monday 10 June is the Dragon Boat Festival → Tuesday 11 June
        (ir.MONTH_CODE, date(2024, 5, 1), at(2024, 6, 11, 17, 30), True),
        # the third quarter of 2026: 10 October as well
        (ir.QUARTER_CODE, date(2026, 7, 1), at(2026, 10, 10, 17, 30), True),
        # the fourth: Sunday 10 January 2027 → Monday 11th (2027's holidays are not published yet)
        (ir.QUARTER_CODE, date(2026, 10, 1), at(2027, 1, 11, 17, 30), False),
        # the quality summary of Q4 2026: Friday 15 January 2027
        (ir.SUMMARY_CODE, date(2026, 10, 1), at(2027, 1, 15, 17, 30), False),
        (ir.SUMMARY_CODE, date(2026, 7, 1), at(2026, 10, 15, 17, 30), True),
    ],
)
def test_the_due_days(cast, code, period_start, due, confirmed):
    kind = {ir.MONTH_CODE: ir.DEPARTMENT_MONTH, ir.QUARTER_CODE: ir.DEPARTMENT_QUARTER}.get(
        code, ir.QUALITY_QUARTER
    )
    report = report_services.report_create(
        organisation=cast.organisation,
        kind=kind,
        period_start=period_start,
        department=cast.repair if code != ir.SUMMARY_CODE else None,
        now=at(2027, 2, 1),
    )
    assert (report.due_at, report.calendar_confirmed) == (due, confirmed)


def _department_reports(kind: str) -> list[tuple[str, str]]:
    rows = PeriodicReport.objects.filter(kind=kind).values_list("department__code", "period_start")
    return sorted((code, start.isoformat()) for code, start in rows)


def test_the_monthly_reports_wait_for_the_tables_and_are_made_once(cast, dataset, plan_inspection):
    # November's tables are collected by Saturday 5 December → Monday 7 December, 17:30
    for moment in (at(2026, 12, 1, 6, 15), at(2026, 12, 5, 6, 15), at(2026, 12, 7, 6, 15)):
        create_due_reports(moment)
        assert _department_reports(ir.MONTH_CODE) == []
    # a table entered late, on 7 December, is in the report
    late = carried_out(
        cast,
        plan_inspection,
        due=date(2026, 11, 30),
        submitted=at(2026, 12, 7, 11),
        planned=at(2026, 11, 30, 9),
    )
    create_due_reports(at(2026, 12, 8, 6, 15))
    assert _department_reports(ir.MONTH_CODE) == [("cleaning", "2026-11-01"), ("repair", "2026-11-01")]
    # …with the third quarter's summary of each organisation; nobody was inspected in that quarter
    assert PeriodicReport.objects.filter(kind=ir.SUMMARY_CODE, period_start=date(2026, 7, 1)).count() == 2
    assert _department_reports(ir.QUARTER_CODE) == []
    repair = PeriodicReport.objects.get(kind=ir.MONTH_CODE, department=cast.repair)
    assert repair.figures_at == at(2026, 12, 8, 6, 15)
    assert repair.due_at == at(2026, 12, 10, 17, 30)
    assert late.number in [t["number"] for t in repair.figures["tables"]]
    assert repair.figures["inspections"]["current"]["done"] == 3
    # once only
    reports = PeriodicReport.objects.count()
    assert create_due_reports(at(2026, 12, 8, 6, 15)) == 0
    assert create_due_reports(at(2026, 12, 20, 6, 15)) == 0
    assert PeriodicReport.objects.count() == reports
    # the department's head prepares it, a quality inspector approves it
    assert repair.created_by is None
    submitted = report_services.report_submit(report=repair, by=cast.head_repair, now=at(2026, 12, 9, 9))
    approved = report_services.report_approve(report=submitted, by=cast.quality, now=at(2026, 12, 9, 15))
    assert approved.status == "approved"


def test_only_the_departments_inspected_report(cast, dataset):
    def inspected(organisation, start, end):
        return set(ir.inspected_departments(organisation, None, start, end))

    assert inspected(cast.organisation, date(2026, 11, 1), date(2026, 11, 30)) == {cast.repair, cast.cleaning}
    assert inspected(cast.organisation, date(2026, 10, 1), date(2026, 10, 31)) == {cast.repair}
    assert inspected(cast.organisation, date(2026, 12, 1), date(2026, 12, 31)) == set()
    assert inspected(cast.other_organisation, date(2026, 11, 1), date(2026, 11, 30)) == set()
    # a department whose only inspection of the month was cancelled does not report
    services.inspection_cancel(
        inspection=dataset.missed, by=cast.quality, reason="停业", now=at(2026, 11, 26, 9)
    )
    assert inspected(cast.organisation, date(2026, 11, 1), date(2026, 11, 30)) == {cast.repair, cast.cleaning}


# --- bounded queries ------------------------------------------------------------------------------


def _queries(function, arguments) -> int:
    with CaptureQueriesContext(connection) as captured:
        function(arguments)
    return len(captured)


def test_compute_costs_a_fixed_number_of_queries(cast, plan_inspection):
    month = scope(cast, cast.repair, date(2026, 11, 1), date(2026, 11, 30), at(2026, 12, 8))
    quarter = scope(cast, cast.repair, date(2026, 10, 1), date(2026, 12, 31), at(2027, 1, 6))
    summary = scope(cast, None, date(2026, 10, 1), date(2026, 12, 31), at(2027, 1, 12))
    carried_out(
        cast, plan_inspection, due=date(2026, 11, 13), submitted=at(2026, 11, 12, 10), failed=["uniform"]
    )
    one = [
        _queries(f, s)
        for f, s in ((ir.compute_month, month), (ir.compute_quarter, quarter), (ir.compute_summary, summary))
    ]
    for day, department in ((16, cast.repair), (17, cast.cleaning), (18, cast.repair), (19, cast.cleaning)):
        carried_out(
            cast,
            plan_inspection,
            due=date(2026, 11, day),
            submitted=at(2026, 11, day, 10),
            failed=["uniform", "phrases"],
            records=3,
            department=department,
        )
    many = [
        _queries(f, s)
        for f, s in ((ir.compute_month, month), (ir.compute_quarter, quarter), (ir.compute_summary, summary))
    ]
    assert one == many == [4, 3, 5]
    assert ir.compute_summary(summary)["common_problems"][0]["department_count"] == 2


# --- a report's own downloads ----------------------------------------------------------------------


def test_a_monthly_reports_workbook_and_pdf_show_its_tables(cast, dataset):
    report = report_services.report_create(
        organisation=cast.organisation,
        kind=ir.DEPARTMENT_MONTH,
        period_start=date(2026, 11, 1),
        department=cast.repair,
        now=at(2026, 12, 8, 6, 15),
    )
    with translation.override("zh-hans"):
        content = report_exports.report_xlsx(report, cast.quality, now=at(2026, 12, 8, 9))
        pdf = report_exports.report_pdf(report, cast.quality, now=at(2026, 12, 8, 9))
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [value for row in sheet.iter_rows(values_only=True) for value in row if value is not None]
    assert "员工着装整洁, 佩戴工牌" in cells
    assert dataset.a.number in cells
    assert pytest.approx(0.667) in [c for c in cells if isinstance(c, float)]
    assert any("工程维修部" in str(c) for c in cells)
    assert pdf.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert dataset.a.number in text
    assert "员工着装整洁" in text
