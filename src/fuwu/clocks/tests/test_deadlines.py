"""Due-day rules on the real calendar (2026 confirmed by the package; 2027 not yet) and the engine's
clock maths (pure: no database). ADR 0008 has the worked examples."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from fuwu.clocks import deadlines
from fuwu.clocks.deadlines import DueRule, RuleName, due, due_by_rule
from fuwu.lib.worktime import Deadline, WorkCalendar
from fuwu.workcal.package import package_days, package_years

SH = ZoneInfo("Asia/Shanghai")
MINUTE = timedelta(minutes=1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SH)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(
        overrides={row.day: (row.kind, row.name) for row in package_days()},
        confirmed_years=frozenset(package_years()),
    )


@pytest.fixture(scope="module")
def evening_close(cal: WorkCalendar) -> WorkCalendar:
    """An organisation whose business hours end at 20:00."""
    return WorkCalendar(
        overrides=cal.overrides, confirmed_years=cal.confirmed_years, periods=((time(9), time(20)),)
    )


def next_month(day: int) -> DueRule:
    return DueRule(RuleName.DAY_OF_NEXT_MONTH, day=day)


def quarter(which: str, month: int, day: int) -> DueRule:
    return DueRule(RuleName.QUARTER_MONTH_DAY, quarter=which, month=month, day=day)


def weekday(number: int, hour: int, minute: int = 0) -> DueRule:
    return DueRule(RuleName.WEEKDAY_AT, weekday=number, at=time(hour, minute))


LAST_DAY = DueRule(RuleName.LAST_DAY_OF_MONTH)


@pytest.mark.parametrize(
    ("start", "rule", "expected", "confirmed"),
    [
        # National Day 2026 (10-01…10-07 off): the 1st of October rolls to Thursday 10-08
        (at(2026, 9, 10, 10), next_month(1), at(2026, 10, 8, 17, 30), True),
        # day 31 in February is its last day, Saturday 2026-02-28: a make-up working day (春节调休)
        (at(2026, 1, 10, 10), next_month(31), at(2026, 2, 28, 17, 30), True),
        # into 2027, whose calendar is not confirmed: the weekday rule, flagged
        (at(2026, 12, 15, 10), next_month(5), at(2027, 1, 5, 17, 30), False),
        # Spring Festival 2027 (not yet confirmed): 2027-02-28 is a Sunday → Monday 03-01
        (at(2027, 1, 15, 10), next_month(31), at(2027, 3, 1, 17, 30), False),
        # the current quarter's 1st month (July) has passed: the next quarter's, rolled past National Day
        (at(2026, 7, 15, 10), quarter("current", 1, 1), at(2026, 10, 8, 17, 30), True),
        (at(2026, 8, 15, 10), quarter("current", 3, 9), at(2026, 9, 9, 17, 30), True),
        (at(2026, 9, 1, 10), quarter("next", 1, 9), at(2026, 10, 9, 17, 30), True),
        # the quarter after Q4 2026 is Q1 2027 (year end)
        (at(2026, 11, 20, 10), quarter("next", 1, 15), at(2027, 1, 15, 17, 30), False),
        (at(2026, 11, 20, 10), quarter("next", 2, 31), at(2027, 3, 1, 17, 30), False),
        # Monday 11:00 from the National Day holiday: Monday 10-05 is off → Thursday 10-08 11:00
        (at(2026, 10, 2, 10), weekday(1, 11), at(2026, 10, 8, 11), True),
        # Sunday 09:00: Sunday 2026-09-20 is a make-up working day (国庆调休)
        (at(2026, 9, 14, 10), weekday(7, 9), at(2026, 9, 20, 9), True),
        # Saturday 2026-10-10 (make-up working day) from Thursday 10-08
        (at(2026, 10, 8, 12), weekday(6, 9), at(2026, 10, 10, 9), True),
        (at(2026, 12, 28, 12), weekday(1, 11), at(2027, 1, 4, 11), False),
        # the last day of February 2026 is a make-up working Saturday
        (at(2026, 2, 10, 10), LAST_DAY, at(2026, 2, 28, 17, 30), True),
        # Saturday 2026-10-31 → Monday 11-02 (into the next month, art. 203)
        (at(2026, 10, 15, 10), LAST_DAY, at(2026, 11, 2, 17, 30), True),
        (at(2026, 5, 20, 10), LAST_DAY, at(2026, 6, 1, 17, 30), True),
        (at(2026, 12, 15, 10), LAST_DAY, at(2026, 12, 31, 17, 30), True),
    ],
)
def test_due_day_rules_on_the_real_calendar(
    cal: WorkCalendar, start: datetime, rule: DueRule, expected: datetime, confirmed: bool
) -> None:
    assert due_by_rule(cal, start, rule) == Deadline(expected, confirmed)
    # a clock stores the rule as unit/amount, and computes the same moment from them
    assert due(cal, start, rule.amount, rule.name) == Deadline(expected, confirmed)


@pytest.mark.parametrize(
    ("rule", "due_at", "following"),
    [
        (weekday(1, 11), at(2026, 10, 8, 11), at(2026, 10, 12, 11)),
        (quarter("current", 3, 9), at(2026, 9, 9, 17, 30), at(2026, 12, 9, 17, 30)),
        # year end: after close of business on 12-31, next month's last day (Sunday 2027-01-31 → 02-01)
        (LAST_DAY, at(2026, 12, 31, 17, 30), at(2027, 2, 1, 17, 30)),
    ],
)
def test_a_start_just_before_at_and_after_the_due_moment(
    cal: WorkCalendar, rule: DueRule, due_at: datetime, following: datetime
) -> None:
    assert due_by_rule(cal, due_at - MINUTE, rule).due == due_at
    # the due moment is always strictly after the start
    assert due_by_rule(cal, due_at, rule).due == following
    assert due_by_rule(cal, due_at + MINUTE, rule).due == following


def test_the_due_days_time_is_the_organisations_close_of_business(evening_close: WorkCalendar) -> None:
    assert due_by_rule(evening_close, at(2026, 9, 10, 10), next_month(1)).due == at(2026, 10, 8, 20)
    # a given time is kept
    assert due_by_rule(evening_close, at(2026, 10, 2, 10), weekday(1, 11)).due == at(2026, 10, 8, 11)


@pytest.mark.parametrize(
    ("rule", "amount"),
    [
        (next_month(15), 15),
        (quarter("next", 3, 15), 1315),
        (quarter("current", 1, 9), 109),
        (weekday(1, 11), 11100),
        (weekday(7, 9, 45), 70945),
        (LAST_DAY, 0),
    ],
)
def test_a_rule_round_trips_through_a_clocks_unit_and_amount(rule: DueRule, amount: int) -> None:
    assert rule.amount == amount
    assert DueRule.of(rule.name.value, amount) == rule
    assert deadlines.is_rule(rule.name.value)
    assert not deadlines.is_rule("working_days")


@pytest.mark.parametrize(
    "make",
    [
        lambda: next_month(0),
        lambda: next_month(32),
        lambda: quarter("last", 1, 1),
        lambda: quarter("next", 4, 1),
        lambda: weekday(0, 11),
        lambda: weekday(8, 11),
        lambda: DueRule(RuleName.WEEKDAY_AT, weekday=1),
        lambda: DueRule(cast(Any, "every_full_moon")),
    ],
)
def test_a_wrong_rule_is_refused(make) -> None:
    with pytest.raises(ValueError, match=r"must|needs|is not a valid"):
        make()


def test_a_paused_rule_clock_moves_in_business_minutes(cal: WorkCalendar) -> None:
    # paused from Friday 2026-09-25 (Mid-autumn holiday) to Monday 09-28: no business time passed
    assert (
        deadlines.paused_minutes(cal, "day_of_next_month", at(2026, 9, 25, 10), at(2026, 9, 28, 8, 30)) == 0
    )
    # one business hour on Monday
    minutes = deadlines.paused_minutes(
        cal, "day_of_next_month", at(2026, 9, 28, 8, 30), at(2026, 9, 28, 9, 30)
    )
    assert minutes == 60
    moved = deadlines.extend_after_pause(cal, "day_of_next_month", at(2026, 10, 8, 17, 30), minutes)
    assert moved.due == at(2026, 10, 9, 9, 30)


class Level:
    def __init__(self, after_minutes: int, role: str) -> None:
        self.after_minutes, self.role = after_minutes, role


def test_a_chain_with_no_level_left_has_no_next_escalation() -> None:
    due_at = at(2026, 11, 23, 10, 5)
    shortened = [Level(0, "department_head")]
    # level 2 fired under a longer chain: nothing is due, and nothing is next
    assert deadlines.levels_due(due_at, shortened, 2, at(2026, 11, 24)) == []
    assert deadlines.next_escalation_at(due_at, shortened, 2) is None
    assert deadlines.next_escalation_at(due_at, shortened, 1) is None
    assert deadlines.next_escalation_at(due_at, [*shortened, Level(30, "director")], 1) == at(
        2026, 11, 23, 10, 35
    )
