"""The return visits' reports (ADR 0013): the quarter's figures against a hand-computed dataset, the
due days of the needs summary and the analysis report, and the visit register 居家服务回访记录表."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from django.utils import translation
from openpyxl import load_workbook

from fuwu.catalogue.services import service_type_create
from fuwu.exports.xlsx import HEADER_ROW, write_register
from fuwu.reports import periods
from fuwu.reports.registry import PeriodScope
from fuwu.reports.services import report_create
from fuwu.visits import periodic_reports as vr
from fuwu.visits.exports import VISIT_REGISTER
from fuwu.visits.models import Method, Reason, Status, Visit
from fuwu.workorders.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def cleaning_type(cast):
    return service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="home-cleaning",
        name="家政保洁",
        category="free",
        sla_class="standard",
        default_department=cast.cleaning,
    )


def visit(order: Any, *, created: Any, rated: list[Any], level: int = 1, **values: Any) -> Visit:
    fields: dict[str, Any] = {
        "organisation": order.organisation,
        "level": level,
        "reason": Reason.WORK_ORDER_FINISHED,
        "work_order": order,
        "department": order.department,
        "visitor_role": "agent",
        "due_at": created,
        "next_attempt_at": created,
        "created_at": created,
        "contact_name": "王先生",
        "contact_phone": "13912345678",
        **values,
    }
    made = Visit.objects.create(**fields)
    made.rated_people.set(rated)
    return made


def answered(when: Any, *, satisfied: bool, suggestion: str = "", **values: Any) -> dict[str, Any]:
    answers = {"timeliness": "满意" if satisfied else "不满意", "skill": "满意", "attitude": "满意"}
    if suggestion:
        answers["suggestions"] = suggestion
    return {
        "status": Status.DONE,
        "answered_at": when,
        "ended_at": when,
        "satisfied": satisfied,
        "answers": answers,
        "attempts": 1,
        **values,
    }


@pytest.fixture
def dataset(cast, receive, cleaning_type):
    """June–August 2026 (the report due in September), with one visit before and one after it.

    order 1 (repair, 漏水维修): answered unsatisfied on 06-11 (tech; a need), re-handled and answered
      satisfied on 06-16 (tech2): only the later answer counts
    order 2 (repair): answered satisfied on site 07-02, solved, charged and flagged (tech; a need)
    order 3 (cleaning, 家政保洁): a level-2 sample, not reached (ended 07-08) (cleaner)
    order 4 (cleaning): answered unsatisfied 08-02, not solved (cleaner)
    order 5 (repair): cancelled 08-21 (nobody rated)
    order 6 (repair): due, not answered yet, created 08-30
    order 7 (repair): answered satisfied 05-11 (tech) — the previous period
    order 8 (repair): answered satisfied 09-03 — after the period
    """
    orders = [receive(now=at(2026, 5, 4, 10)) for _ in range(8)]
    for index in (2, 3):
        orders[index] = receive(now=at(2026, 5, 4, 10), service_type=cleaning_type)
    first = visit(
        orders[0],
        created=at(2026, 6, 10, 9),
        rated=[cast.tech],
        **answered(at(2026, 6, 11, 10), satisfied=False, suggestion="希望提前电话通知", counts=False),
    )
    visit(
        orders[0],
        created=at(2026, 6, 15, 9),
        rated=[cast.tech2],
        reason=Reason.REHANDLED,
        **answered(at(2026, 6, 16, 10), satisfied=True),
    )
    visit(
        orders[1],
        created=at(2026, 7, 1, 9),
        rated=[cast.tech],
        method=Method.ON_SITE,
        **answered(
            at(2026, 7, 2, 10),
            satisfied=True,
            suggestion="增加周末服务",
            solved=True,
            charged=True,
            charge_flagged=True,
        ),
    )
    visit(
        orders[2],
        created=at(2026, 7, 5, 9),
        rated=[cast.cleaner],
        level=2,
        reason=Reason.SAMPLED,
        status=Status.UNREACHABLE,
        attempts=3,
        ended_at=at(2026, 7, 8, 15),
    )
    visit(
        orders[3],
        created=at(2026, 8, 1, 9),
        rated=[cast.cleaner],
        **answered(at(2026, 8, 2, 10), satisfied=False, solved=False),
    )
    visit(
        orders[4], created=at(2026, 8, 20, 9), rated=[], status=Status.CANCELLED, ended_at=at(2026, 8, 21, 9)
    )
    visit(orders[5], created=at(2026, 8, 30, 9), rated=[])
    visit(
        orders[6],
        created=at(2026, 5, 10, 9),
        rated=[cast.tech],
        **answered(at(2026, 5, 11, 10), satisfied=True, suggestion="上季度的建议"),
    )
    visit(
        orders[7],
        created=at(2026, 9, 2, 9),
        rated=[cast.tech],
        **answered(at(2026, 9, 3, 10), satisfied=True, suggestion="下季度的建议"),
    )
    return {"orders": orders, "first": first}


def scope(cast) -> PeriodScope:
    return PeriodScope(
        organisation=cast.organisation, department=None, start=date(2026, 6, 1), end=date(2026, 8, 31)
    )


def by_name(items: list[dict[str, Any]]) -> dict[Any, dict[str, Any]]:
    return {item["name"]: item for item in items}


def test_the_quarters_are_the_three_whole_months_before_the_due_month():
    # given the visits' reports, due in the quarter's 3rd month
    quarter = periods.Period.QUARTER
    # then each period ends the month before a due month, and they follow without a gap
    assert periods.period_containing(date(2026, 1, 15), quarter, 12) == (date(2025, 12, 1), date(2026, 2, 28))
    assert periods.period_containing(date(2026, 3, 1), quarter, 12) == (date(2026, 3, 1), date(2026, 5, 31))
    assert periods.period_containing(date(2026, 8, 31), quarter, 12) == (date(2026, 6, 1), date(2026, 8, 31))
    assert periods.period_containing(date(2026, 11, 30), quarter, 12) == (
        date(2026, 9, 1),
        date(2026, 11, 30),
    )
    assert periods.previous_period(date(2026, 6, 1), quarter, 12) == (date(2026, 3, 1), date(2026, 5, 31))
    assert periods.last_ended_period(date(2026, 9, 1), quarter, 12) == (date(2026, 6, 1), date(2026, 8, 31))
    # calendar quarters and months for the other processes
    assert periods.period_containing(date(2026, 11, 5), quarter, 1) == (date(2026, 10, 1), date(2026, 12, 31))
    assert periods.period_containing(date(2024, 2, 5), periods.Period.MONTH) == (
        date(2024, 2, 1),
        date(2024, 2, 29),
    )


@pytest.mark.parametrize(
    ("kind", "period_start", "due"),
    [
        # 2026-03-05 is a Thursday: due that day at close of business
        (vr.NEEDS_SUMMARY, date(2025, 12, 1), at(2026, 3, 5, 17, 30)),
        (vr.ANALYSIS_REPORT, date(2025, 12, 1), at(2026, 3, 9, 17, 30)),
        # 2026-09-05 is a Saturday: the needs summary moves to Monday 09-07; the 9th is a Wednesday
        (vr.NEEDS_SUMMARY, date(2026, 6, 1), at(2026, 9, 7, 17, 30)),
        (vr.ANALYSIS_REPORT, date(2026, 6, 1), at(2026, 9, 9, 17, 30)),
        # 2026-12-05 is a Saturday too
        (vr.NEEDS_SUMMARY, date(2026, 9, 1), at(2026, 12, 7, 17, 30)),
    ],
)
def test_the_due_day_follows_the_policy_and_moves_off_rest_days(cast, kind, period_start, due):
    report = report_create(
        organisation=cast.organisation, kind=kind, period_start=period_start, now=at(2025, 11, 1, 8)
    )
    assert report.due_at == due
    assert report.calendar_confirmed is True


def test_the_figures_against_the_hand_computed_dataset(cast, dataset, django_assert_max_num_queries):
    # when
    with django_assert_max_num_queries(8):
        figures = vr.compute(scope(cast))
    # then: planned 7 (created in the period), answered 3 (order 1's later answer, orders 2 and 4)
    current = figures["totals"]["current"]
    assert current == {
        "planned": 7,
        "answered": 3,
        "unreachable": 1,
        "cancelled": 1,
        "satisfied": 2,
        "solved_asked": 2,
        "solved": 1,
        "charged": 1,
        "charge_flagged": 1,
        "on_site": 1,
    }
    previous = figures["totals"]["previous"]
    assert (previous["planned"], previous["answered"], previous["satisfied"]) == (1, 1, 1)
    assert figures["period"] == {"start": "2026-06-01", "end": "2026-08-31"}
    assert figures["previous"] == {"start": "2026-03-01", "end": "2026-05-31"}

    departments = by_name(figures["by_department"])
    assert departments["工程维修部"]["current"]["planned"] == 5
    assert departments["工程维修部"]["current"]["answered"] == 2
    assert departments["工程维修部"]["current"]["satisfied"] == 2
    assert departments["工程维修部"]["previous"]["satisfied"] == 1
    assert departments["保洁部"]["current"]["answered"] == 1
    assert departments["保洁部"]["current"]["satisfied"] == 0
    assert departments["保洁部"]["current"]["unreachable"] == 1

    technicians = by_name(figures["by_technician"])
    # the superseded first answer rated tech, the counted one tech2
    assert (
        technicians["维修工老赵"]["current"]["planned"],
        technicians["维修工老赵"]["current"]["answered"],
    ) == (2, 1)
    assert technicians["维修工小钱"]["current"]["satisfied"] == 1
    assert technicians["保洁周"]["current"]["answered"] == 1
    assert technicians["保洁周"]["current"]["satisfied"] == 0
    assert technicians["维修工老赵"]["previous"]["answered"] == 1

    levels = {item["key"]: item for item in figures["by_level"]}
    assert (levels[1]["current"]["planned"], levels[1]["current"]["answered"]) == (6, 3)
    assert (levels[2]["current"]["planned"], levels[2]["current"]["unreachable"]) == (1, 1)

    services = by_name(figures["by_service_type"])
    assert services["漏水维修"]["current"]["planned"] == 5
    assert services["家政保洁"]["current"]["planned"] == 2

    # the needs: both of the period (the superseded answer's too), not those before or after it
    assert [(n["subject"], n["text"]) for n in figures["needs"]] == [
        (dataset["orders"][0].number, "希望提前电话通知"),
        (dataset["orders"][1].number, "增加周末服务"),
    ]
    assert figures["needs"][0]["visit"] == dataset["first"].pk
    assert figures["needs_count"] == 2


def test_the_analysis_tables_show_rates_and_the_trend(cast, dataset):
    figures = vr.compute(scope(cast))
    with translation.override("en"):
        tables = {t.key: t for t in vr.analysis_tables(figures, _policy(cast))}
        totals = tables["totals"]
        labels = [str(row[0]) for row in totals.rows]
    satisfaction = totals.rows[labels.index("Satisfaction rate")]
    assert satisfaction[1] == pytest.approx(2 / 3)
    assert satisfaction[2] == pytest.approx(1.0)
    assert satisfaction[3] == pytest.approx(2 / 3 - 1)
    solved = totals.rows[labels.index("Solved rate")]
    assert solved[1:] == [pytest.approx(0.5), None, None]
    departments = {row[0]: row for row in tables["by_department"].rows}
    # repair: 100 % now and before (change 0), cleaning: 0 % with nothing to compare
    assert departments["工程维修部"][4:6] == [1.0, 0.0]
    assert departments["保洁部"][4:6] == [0.0, None]
    assert [row[4] for row in tables["needs"].rows] == ["希望提前电话通知", "增加周末服务"]


def _policy(cast):
    from fuwu.policy.selectors import active_policy

    return active_policy(cast.organisation)


def test_the_register_columns_as_people_read_them(cast, dataset):
    buffer = io.BytesIO()
    with translation.override("en"):
        rows = write_register(
            VISIT_REGISTER, cast.head_repair, {"month": "2026-07"}, buffer, now=at(2026, 9, 1, 9)
        )
    assert rows == 1  # the head sees repair's visits; of July's two, order 2's is repair's
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    header = [cell.value for cell in sheet[HEADER_ROW]]
    values = dict(zip(header, [cell.value for cell in sheet[HEADER_ROW + 1]], strict=False))
    assert values["Level"] == 1
    assert values["Reason"] == "Work order finished"
    assert values["Work order or complaint"] == dataset["orders"][1].number
    assert values["Service type"] == "漏水维修"
    assert values["Department"] == "工程维修部"
    # the phone masked for a head (privacy.unmasked_roles); names, labels and yes/no as people read them
    assert values["Phone"] == "139****5678"
    assert values["People rated"] == "维修工老赵"
    assert values["Method"] == "On site"
    assert values["Attempts"] == 1
    assert values["Outcome"] == "Done"
    # each question of the questionnaire is a column headed by its text
    assert values["Are you satisfied with how quickly we served you?"] == "满意"
    assert values["Do you have any suggestions or comments about our service?"] == "增加周末服务"
    assert (values["Satisfied"], values["Problem solved"], values["Charged"]) == ("yes", "yes", "yes")
    assert values["Charge flagged"] == "yes"
    assert values["Counts in the figures"] == "yes"


def test_the_register_filters_and_visibility(cast, dataset):
    def count(user, **parameters):
        return VISIT_REGISTER.records(user, parameters).count()

    assert count(cast.director) == 9
    assert count(cast.director, month="2026-07") == 2
    assert count(cast.director, date_from="2026-06-01", date_to="2026-08-31") == 7
    assert count(cast.director, level="2") == 1
    assert count(cast.director, department_id=cast.cleaning.pk) == 2
    assert count(cast.director, status="cancelled") == 1
    # a head sees their department's only; an edited parameter is dropped, never an error
    assert count(cast.head_repair, department_id=cast.cleaning.pk) == 0
    assert count(cast.director, month="2026-13", level="9", status="x") == 9
    assert count(cast.outsider) == 0


def test_the_register_costs_a_fixed_number_of_queries_per_chunk(
    cast, dataset, receive, django_assert_max_num_queries
):
    def written() -> int:
        buffer = io.BytesIO()
        return write_register(
            VISIT_REGISTER, cast.director, {}, buffer, now=at(2026, 9, 1, 9), chunk_rows=100
        )

    with django_assert_max_num_queries(6):
        assert written() == 9
    for index in range(20):
        order = receive(now=at(2026, 5, 4, 10))
        visit(
            order,
            created=at(2026, 7, 10, 9),
            rated=[cast.tech, cast.tech2],
            **answered(at(2026, 7, 11, 9 + index % 8), satisfied=True),
        )
    with django_assert_max_num_queries(6):
        assert written() == 29


def test_the_register_over_the_api(cast, dataset, api):
    answer = api(cast.director).get("visits/export.xlsx", {"month": "2026-07", "level": 1})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert api(cast.director).get("visits/export.xlsx", {"month": "2026-13"}).status_code == 422
