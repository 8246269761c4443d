"""Inspections planned from the policy's schedules on the working-day calendar: each period's
inspections due at close of business of its last working day — a holiday Friday moves it to
Thursday, a make-up Sunday or Saturday is the week's last working day, a month ending on a make-up
Saturday is due that Saturday — given through A/B duties, once per period whoever runs the planner."""

from __future__ import annotations

from datetime import date

import pytest

from fuwu.inspections.models import Inspection, InspectionClock
from fuwu.inspections.services.planning import due_of, period_of, plan_period
from fuwu.inspections.tasks import plan_all
from fuwu.org.models import Absence, Duty
from fuwu.workcal.selectors import work_calendar_for

from .conftest import at

WEEKLY = "部门经理周检"
MONTHLY = "品质部月度巡检"
AREAS = "区域管理员周检"


def planned(schedule: str) -> list[Inspection]:
    return list(
        Inspection.objects.filter(schedule=schedule)
        .select_related("department", "inspector")
        .order_by("department__path")
    )


@pytest.mark.parametrize(
    ("frequency", "day", "expected"),
    [
        ("weekly", date(2026, 9, 23), (date(2026, 9, 21), date(2026, 9, 27))),
        ("weekly", date(2026, 9, 27), (date(2026, 9, 21), date(2026, 9, 27))),
        ("monthly", date(2026, 2, 14), (date(2026, 2, 1), date(2026, 2, 28))),
        ("quarterly", date(2026, 12, 31), (date(2026, 10, 1), date(2026, 12, 31))),
        ("quarterly", date(2027, 1, 1), (date(2027, 1, 1), date(2027, 3, 31))),
        ("daily", date(2026, 10, 10), (date(2026, 10, 10), date(2026, 10, 10))),
    ],
)
def test_periods(frequency, day, expected):
    assert period_of(frequency, day) == expected


@pytest.mark.parametrize(
    ("start", "end", "due"),
    [
        # 25 Sep 2026 (Friday) is 中秋节: the week is due on Thursday
        (date(2026, 9, 21), date(2026, 9, 27), at(2026, 9, 24, 17, 30)),
        # Sunday 20 Sep 2026 is a make-up working day: the week's last working day
        (date(2026, 9, 14), date(2026, 9, 20), at(2026, 9, 20, 17, 30)),
        # 1–7 Oct 2026 国庆节: the week of 28 Sep is due on Wednesday 30 Sep
        (date(2026, 9, 28), date(2026, 10, 4), at(2026, 9, 30, 17, 30)),
        # Saturday 10 Oct 2026 is a make-up working day
        (date(2026, 10, 5), date(2026, 10, 11), at(2026, 10, 10, 17, 30)),
        # February 2026 ends on a make-up Saturday (28 Feb)
        (date(2026, 2, 1), date(2026, 2, 28), at(2026, 2, 28, 17, 30)),
        # the fourth quarter of 2026 ends on a Thursday
        (date(2026, 10, 1), date(2026, 12, 31), at(2026, 12, 31, 17, 30)),
    ],
)
def test_a_period_is_due_at_close_of_its_last_working_day(cast, start, end, due):
    assert due_of(work_calendar_for(cast.organisation), start, end) == due


def test_a_holiday_day_has_no_daily_inspection(cast):
    assert due_of(work_calendar_for(cast.organisation), date(2026, 10, 1), date(2026, 10, 1)) is None


def test_the_planner_plans_each_schedule_once_per_period(cast, checklist):
    now = at(2026, 9, 21, 6, 0)  # Monday of the 中秋 week
    created = plan_period(cast.organisation, now)

    weekly = planned(WEEKLY)
    # department heads inspect their own departments: 客服中心 and 工程维修部 have heads
    assert [(i.department, i.inspector) for i in weekly] == [
        (cast.service, cast.head_service),
        (cast.repair, cast.head_repair),
    ]
    assert {i.due_at for i in weekly} == {at(2026, 9, 24, 17, 30)}
    assert {(i.period_start, i.period_end) for i in weekly} == {(date(2026, 9, 21), date(2026, 9, 27))}
    monthly = planned(MONTHLY)
    # the quality role inspects every staffed department but its own and the management's
    assert [i.department for i in monthly] == [cast.service, cast.repair, cast.plumbing, cast.cleaning]
    assert {i.inspector for i in monthly} == {cast.quality}
    assert {i.due_at for i in monthly} == {at(2026, 9, 30, 17, 30)}
    assert created == len(weekly) + len(monthly)
    # each has its due clock, and its number
    assert InspectionClock.objects.filter(kind="inspection", is_active=True).count() == created
    assert all(i.number.startswith("XJ2609-") for i in weekly + monthly)

    # the next morning, and a second worker at the same moment: nothing new
    assert plan_period(cast.organisation, at(2026, 9, 22, 6, 0)) == 0
    assert plan_all(at(2026, 9, 22, 6, 0)) == 0
    assert Inspection.objects.count() == created

    # the next week (28 Sep – 4 Oct, 国庆 from Thursday): its own inspections, due on Wednesday
    plan_period(cast.organisation, at(2026, 9, 28, 6, 0))
    assert {i.due_at for i in planned(WEEKLY) if i.period_start == date(2026, 9, 28)} == {
        at(2026, 9, 30, 17, 30)
    }


def test_a_period_whose_last_working_day_has_passed_is_not_planned(cast, checklist):
    # Saturday 26 Sep 2026: this week was due on Thursday; the month is still open
    plan_period(cast.organisation, at(2026, 9, 26, 6, 0))
    assert planned(WEEKLY) == []
    assert len(planned(MONTHLY)) == 4
    # and on the due day itself, the planner still plans until close of business
    Inspection.objects.all().delete()
    plan_period(cast.organisation, at(2026, 9, 24, 17, 29))
    assert len(planned(WEEKLY)) == 2


def test_an_absent_inspector_s_inspections_go_to_their_b(cast, checklist):
    Duty.objects.create(
        organisation=cast.organisation,
        department=cast.repair,
        name="部门巡检",
        primary=cast.head_repair,
        backup=cast.tech,
    )
    Absence.objects.create(
        person=cast.head_repair, kind="leave", starts_at=at(2026, 9, 18), ends_at=at(2026, 9, 25)
    )
    plan_period(cast.organisation, at(2026, 9, 21, 6, 0))
    repair = next(i for i in planned(WEEKLY) if i.department == cast.repair)
    assert repair.inspector == cast.tech
    assert repair.assigned_because.startswith("B角")  # stored in the default language, shown in the reader's
    assert "维修工老赵" in repair.assigned_because


def test_area_administrators_inspect_their_areas(cast, checklist):
    Duty.objects.create(
        organisation=cast.organisation,
        department=cast.cleaning,
        name="区域管理员",
        primary=cast.cleaner,
        backup=cast.head_service,
        description="A区 1-5号楼",
    )
    plan_period(cast.organisation, at(2026, 9, 21, 6, 0))
    (area,) = planned(AREAS)
    assert (area.department, area.site, area.inspector) == (cast.cleaning, "A区 1-5号楼", cast.cleaner)


def test_a_schedule_without_its_checklist_plans_nothing(cast):
    assert plan_period(cast.organisation, at(2026, 9, 21, 6, 0)) == 0
