"""Deadline arithmetic on the packaged 2026 calendar (pure: no database)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from fuwu.lib.worktime import HOLIDAY, WORKDAY, Deadline, Elapsed, Unit, WorkCalendar
from fuwu.workcal.package import package_days, package_years

SH = ZoneInfo("Asia/Shanghai")
LUNCH_BREAK = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar(
        overrides={row.day: (row.kind, row.name) for row in package_days()},
        confirmed_years=frozenset(package_years()),
        periods=LUNCH_BREAK,
    )


@pytest.fixture(scope="module")
def always_open(cal: WorkCalendar) -> WorkCalendar:
    return WorkCalendar(overrides=cal.overrides, confirmed_years=cal.confirmed_years, always_open=True)


# --- the 2026 State Council notice -------------------------------------------------------------

HOLIDAYS_2026 = {
    "元旦": [date(2026, 1, d) for d in (1, 2, 3)],
    "春节": [date(2026, 2, d) for d in range(15, 24)],
    "清明节": [date(2026, 4, d) for d in (4, 5, 6)],
    "劳动节": [date(2026, 5, d) for d in range(1, 6)],
    "端午节": [date(2026, 6, d) for d in (19, 20, 21)],
    "中秋节": [date(2026, 9, d) for d in (25, 26, 27)],
    "国庆节": [date(2026, 10, d) for d in range(1, 8)],
}
MAKEUP_WORKDAYS_2026 = {
    date(2026, 1, 4): "元旦",
    date(2026, 2, 14): "春节",
    date(2026, 2, 28): "春节",
    date(2026, 5, 9): "劳动节",
    date(2026, 9, 20): "国庆节",
    date(2026, 10, 10): "国庆节",
}


def test_package_2026_matches_the_state_council_notice() -> None:
    # given
    expected = {day: (HOLIDAY, name) for name, days in HOLIDAYS_2026.items() for day in days}
    expected |= {day: (WORKDAY, name) for day, name in MAKEUP_WORKDAYS_2026.items()}
    # when
    packaged = {row.day: (row.kind, row.name) for row in package_days() if row.day.year == 2026}
    # then
    assert packaged == expected
    assert 2026 in package_years()
    assert 2027 not in package_years()


@pytest.mark.parametrize(("day", "name"), [(d, n) for n, days in HOLIDAYS_2026.items() for d in days])
def test_every_2026_holiday_is_not_a_working_day(cal: WorkCalendar, day: date, name: str) -> None:
    status = cal.is_working_day(day)
    assert (status.is_working, status.kind, status.name, status.calendar_confirmed) == (
        False,
        HOLIDAY,
        name,
        True,
    )


@pytest.mark.parametrize(("day", "name"), list(MAKEUP_WORKDAYS_2026.items()))
def test_every_2026_makeup_day_is_a_working_day(cal: WorkCalendar, day: date, name: str) -> None:
    assert day.weekday() >= 5
    status = cal.is_working_day(day)
    assert (status.is_working, status.kind, status.name, status.calendar_confirmed) == (
        True,
        WORKDAY,
        name,
        True,
    )


def test_ordinary_days_follow_the_weekday_rule(cal: WorkCalendar) -> None:
    assert cal.is_working_day(date(2026, 3, 6)).is_working  # Friday
    assert not cal.is_working_day(date(2026, 3, 7)).is_working  # Saturday
    assert cal.is_working_day(date(2026, 3, 7)).kind is None


def test_a_year_without_data_uses_the_weekday_rule_and_is_unconfirmed(cal: WorkCalendar) -> None:
    friday, saturday = cal.is_working_day(date(2027, 1, 1)), cal.is_working_day(date(2027, 1, 2))
    assert (friday.is_working, friday.calendar_confirmed) == (True, False)
    assert (saturday.is_working, saturday.calendar_confirmed) == (False, False)


# --- within N working days ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "days", "due", "confirmed"),
    [
        # Spring Festival: Saturday 02-14 is a make-up working day, 02-15..02-23 are holidays.
        (at(2026, 2, 13, 10), 1, at(2026, 2, 14, 17, 30), True),
        (at(2026, 2, 13, 10), 2, at(2026, 2, 24, 17, 30), True),
        (at(2026, 2, 13, 23, 59), 3, at(2026, 2, 25, 17, 30), True),
        # received on a holiday: the holiday is day 0
        (at(2026, 2, 16, 9), 1, at(2026, 2, 24, 17, 30), True),
        (at(2026, 2, 16, 9), 0, at(2026, 2, 24, 17, 30), True),
        # National Day: 10-01..10-07 holidays, Saturday 10-10 working
        (at(2026, 9, 30, 16), 1, at(2026, 10, 8, 17, 30), True),
        (at(2026, 9, 30, 16), 3, at(2026, 10, 10, 17, 30), True),
        (at(2026, 9, 30, 16), 4, at(2026, 10, 12, 17, 30), True),
        # received after hours / in the lunch break: still day 0
        (at(2026, 3, 2, 20), 1, at(2026, 3, 3, 17, 30), True),
        (at(2026, 3, 2, 12, 30), 1, at(2026, 3, 3, 17, 30), True),
        # received on a weekend
        (at(2026, 3, 7, 10), 1, at(2026, 3, 9, 17, 30), True),
        # the same day
        (at(2026, 3, 2, 8), 0, at(2026, 3, 2, 17, 30), True),
        (at(2026, 3, 2, 18), 0, at(2026, 3, 2, 17, 30), True),
        # year end 2026 → 2027: 2027 is not in the data, weekday rule, unconfirmed
        (at(2026, 12, 30, 10), 1, at(2026, 12, 31, 17, 30), True),
        (at(2026, 12, 30, 10), 2, at(2027, 1, 1, 17, 30), False),
        (at(2026, 12, 30, 10), 3, at(2027, 1, 4, 17, 30), False),
        # a year without data
        (at(2030, 5, 3, 10), 1, at(2030, 5, 6, 17, 30), False),
    ],
)
def test_add_working_days(
    cal: WorkCalendar, start: datetime, days: int, due: datetime, confirmed: bool
) -> None:
    assert cal.add_working_days(start, days) == Deadline(due, confirmed)


def test_working_days_take_the_day_received_in_shanghai_time(cal: WorkCalendar) -> None:
    # given 2026-03-02 17:00 UTC is already Tuesday 01:00 in Shanghai
    start = datetime(2026, 3, 2, 17, 0, tzinfo=ZoneInfo("UTC"))
    # when
    result = cal.add_working_days(start, 1)
    # then
    assert result.due == at(2026, 3, 4, 17, 30)
    assert result.due.utcoffset() == timedelta(hours=8)


def test_always_open_closes_at_the_end_of_the_day(always_open: WorkCalendar) -> None:
    assert always_open.add_working_days(at(2026, 2, 13, 10), 2).due == at(2026, 2, 24, 23, 59, 59)


def test_naive_datetimes_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="naive"):
        cal.add_working_days(datetime(2026, 3, 2, 10), 1)  # noqa: DTZ001 - the point of the test


def test_negative_amounts_are_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        cal.add_working_days(at(2026, 3, 2), -1)


# --- business hours ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        (at(2026, 3, 2, 9), 60, at(2026, 3, 2, 10)),
        # ends exactly at the start of the lunch break
        (at(2026, 3, 2, 11, 30), 30, at(2026, 3, 2, 12)),
        # crosses the lunch break
        (at(2026, 3, 2, 11, 30), 31, at(2026, 3, 2, 13, 31)),
        # received in the lunch break: counting begins at 13:30
        (at(2026, 3, 2, 12, 30), 60, at(2026, 3, 2, 14, 30)),
        # received after hours: counting begins next morning
        (at(2026, 3, 2, 18), 60, at(2026, 3, 3, 9, 30)),
        # received before opening
        (at(2026, 3, 2, 7), 30, at(2026, 3, 2, 9)),
        # Friday afternoon → Monday
        (at(2026, 3, 6, 17), 60, at(2026, 3, 9, 9)),
        # over the Spring Festival, with the make-up Saturday
        (at(2026, 2, 13, 17), 60, at(2026, 2, 14, 9)),
        (at(2026, 2, 13, 17), 30 + 450 + 30, at(2026, 2, 24, 9)),
        # received on a holiday
        (at(2026, 10, 3, 10), 450, at(2026, 10, 8, 17, 30)),
        (at(2026, 10, 3, 10), 480, at(2026, 10, 9, 9)),
        # whole days skipped at once: 24 business hours = 3 full days of 7.5 h + 1.5 h
        (at(2026, 3, 2, 8, 30), 24 * 60, at(2026, 3, 5, 10)),
        (at(2026, 3, 2, 8, 30), 0, at(2026, 3, 2, 8, 30)),
    ],
)
def test_add_business_minutes(cal: WorkCalendar, start: datetime, minutes: int, due: datetime) -> None:
    assert cal.add_business_minutes(start, minutes) == Deadline(due, True)


def test_business_hours_are_sixty_minutes(cal: WorkCalendar) -> None:
    assert cal.add_business_hours(at(2026, 3, 2, 9), 4) == cal.add_business_minutes(at(2026, 3, 2, 9), 240)
    assert cal.add_business_hours(at(2026, 3, 2, 9), 4).due == at(2026, 3, 2, 14, 30)


def test_always_open_counts_every_minute_of_working_days(always_open: WorkCalendar) -> None:
    assert always_open.add_business_hours(at(2026, 3, 2, 23), 2).due == at(2026, 3, 3, 1)
    # a holiday still does not count
    assert always_open.add_business_hours(at(2026, 9, 30, 23), 2).due == at(2026, 10, 8, 1)


def test_business_minutes_into_an_unconfirmed_year(cal: WorkCalendar) -> None:
    result = cal.add_business_hours(at(2026, 12, 31, 17), 1)
    assert result == Deadline(at(2027, 1, 1, 9), False)


@pytest.mark.parametrize("minutes", [1, 29, 30, 31, 210, 211, 450, 451, 4000])
def test_just_before_at_and_just_after_a_business_deadline(cal: WorkCalendar, minutes: int) -> None:
    # given a request received in the morning before the Spring Festival
    start = at(2026, 2, 13, 11, 30)
    due = cal.add_business_minutes(start, minutes).due
    # when / then: one second before the deadline the time is not used up, at it exactly, after it over
    assert cal.business_minutes_between(start, due - timedelta(seconds=1)).minutes == minutes - 1
    assert cal.business_minutes_between(start, due).minutes == minutes
    after = cal.business_minutes_between(start, due + timedelta(minutes=1)).minutes
    assert after in (minutes, minutes + 1)  # at a period's end the next minute is a break


def test_calendar_minutes_are_a_plain_duration(cal: WorkCalendar) -> None:
    assert cal.add_calendar_hours(at(2026, 2, 14, 20), 24) == Deadline(at(2026, 2, 15, 20), True)
    assert cal.add_calendar_minutes(at(2026, 12, 31, 23, 50), 20) == Deadline(at(2027, 1, 1, 0, 10), True)


@pytest.mark.parametrize(
    ("unit", "amount", "due"),
    [
        ("working_days", 2, at(2026, 2, 24, 17, 30)),
        ("business_hours", 1, at(2026, 2, 13, 11)),
        ("business_minutes", 90, at(2026, 2, 13, 11, 30)),
        ("calendar_hours", 48, at(2026, 2, 15, 10)),
        ("calendar_minutes", 5, at(2026, 2, 13, 10, 5)),
        (Unit.WORKING_DAYS, 1, at(2026, 2, 14, 17, 30)),
    ],
)
def test_generic_deadline(cal: WorkCalendar, unit: str, amount: int, due: datetime) -> None:
    assert cal.deadline(at(2026, 2, 13, 10), amount, unit).due == due


def test_unknown_unit_is_refused(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="weeks"):
        cal.deadline(at(2026, 2, 13, 10), 1, "weeks")


# --- elapsed business time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "minutes", "confirmed"),
    [
        (at(2026, 3, 2, 9), at(2026, 3, 2, 9), 0, True),
        (at(2026, 3, 2, 9), at(2026, 3, 2, 9, 0, 59), 0, True),
        (at(2026, 3, 2, 11), at(2026, 3, 2, 14), 90, True),  # lunch break excluded
        (at(2026, 3, 2, 17), at(2026, 3, 3, 9), 60, True),  # across the night
        (at(2026, 3, 6, 17), at(2026, 3, 9, 9), 60, True),  # across a weekend
        (at(2026, 2, 13, 17), at(2026, 2, 24, 9), 30 + 450 + 30, True),  # Spring Festival, make-up Saturday
        (at(2026, 9, 30, 17), at(2026, 10, 8, 9), 60, True),  # National Day
        (at(2026, 3, 7, 10), at(2026, 3, 8, 18), 0, True),  # a weekend only
        (at(2026, 12, 31, 17), at(2027, 1, 1, 9), 60, False),  # into an unconfirmed year
    ],
)
def test_business_minutes_between(
    cal: WorkCalendar, start: datetime, end: datetime, minutes: int, confirmed: bool
) -> None:
    assert cal.business_minutes_between(start, end) == Elapsed(minutes, confirmed)


def test_business_minutes_between_refuses_end_before_start(cal: WorkCalendar) -> None:
    with pytest.raises(ValueError, match="end"):
        cal.business_minutes_between(at(2026, 3, 2, 10), at(2026, 3, 2, 9))


# --- calendar-date rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "k", "due"),
    [
        (at(2026, 3, 20, 10), 5, at(2026, 4, 7, 17, 30)),  # 04-05 is 清明 (Sunday), 04-06 holiday → 04-07
        (at(2026, 4, 30, 10), 5, at(2026, 5, 6, 17, 30)),  # 05-05 labour day holiday → 05-06
        (at(2026, 1, 31, 10), 31, at(2026, 2, 28, 17, 30)),  # K beyond February → 02-28, a make-up Saturday
        (at(2026, 12, 15, 10), 5, at(2027, 1, 5, 17, 30)),  # year end; 2027 unconfirmed (weekday rule)
        (at(2026, 2, 10, 10), 9, at(2026, 3, 9, 17, 30)),
    ],
)
def test_day_of_next_month(cal: WorkCalendar, start: datetime, k: int, due: datetime) -> None:
    assert cal.day_of_next_month(start, k).due == due


def test_day_of_next_month_clamps_to_the_month_end() -> None:
    # given a calendar where 2026-02-28 is an ordinary Saturday
    plain = WorkCalendar(confirmed_years=frozenset({2026}), periods=LUNCH_BREAK)
    # when / then: the 31st of February is its last day, a Saturday → Monday 03-02
    assert plain.day_of_next_month(at(2026, 1, 31, 10), 31).due == at(2026, 3, 2, 17, 30)


def test_day_of_next_month_uses_a_makeup_working_day(cal: WorkCalendar) -> None:
    # 2026-02-28 is a Saturday worked in exchange for the Spring Festival: the deadline stays on it
    assert cal.day_of_next_month(at(2026, 1, 31, 10), 28).due == at(2026, 2, 28, 17, 30)


def test_day_of_next_month_flags_an_unconfirmed_year(cal: WorkCalendar) -> None:
    assert cal.day_of_next_month(at(2026, 12, 15, 10), 5).calendar_confirmed is False
    assert cal.day_of_next_month(at(2026, 11, 15, 10), 5).calendar_confirmed is True


@pytest.mark.parametrize(
    ("start", "k", "month_in_quarter", "due", "confirmed"),
    [
        # by the 9th of the quarter's 3rd month (visit analysis report)
        (at(2026, 7, 1, 9), 9, 3, at(2026, 9, 9, 17, 30), True),
        (at(2026, 9, 9, 17, 29, 59), 9, 3, at(2026, 9, 9, 17, 30), True),  # just before
        (at(2026, 9, 9, 17, 30), 9, 3, at(2026, 12, 9, 17, 30), True),  # at it: the next quarter's
        (at(2026, 9, 9, 17, 30, 1), 9, 3, at(2026, 12, 9, 17, 30), True),  # just after
        # by the 15th of the quarter's 1st month; crosses the year end into unconfirmed 2027
        (at(2026, 10, 20, 9), 15, 1, at(2027, 1, 15, 17, 30), False),
        # 2026-10-01..07 are holidays: the 5th of the quarter's first month rolls to 10-08
        (at(2026, 9, 30, 9), 5, 1, at(2026, 10, 8, 17, 30), True),
        (at(2026, 10, 2, 9), 5, 1, at(2026, 10, 8, 17, 30), True),
        # the 9th of the 3rd month of Q1: 2026-03-09 is a Monday
        (at(2026, 2, 20, 9), 9, 3, at(2026, 3, 9, 17, 30), True),
    ],
)
def test_day_of_quarter_month(
    cal: WorkCalendar, start: datetime, k: int, month_in_quarter: int, due: datetime, confirmed: bool
) -> None:
    assert cal.day_of_quarter_month(start, k, month_in_quarter) == Deadline(due, confirmed)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        (at(2026, 3, 4, 10), at(2026, 3, 9, 11)),  # Wednesday → next Monday
        (at(2026, 3, 9, 10, 59, 59), at(2026, 3, 9, 11)),  # just before
        (at(2026, 3, 9, 11), at(2026, 3, 16, 11)),  # at it: strictly after → next week
        (at(2026, 3, 9, 11, 0, 1), at(2026, 3, 16, 11)),  # just after
        (at(2026, 9, 30, 10), at(2026, 10, 8, 11)),  # Monday 10-05 is National Day → Thursday 10-08
        (at(2026, 10, 5, 12), at(2026, 10, 8, 11)),  # started on the holiday Monday itself
        (at(2026, 2, 20, 10), at(2026, 2, 24, 11)),  # Monday 02-23 is the last Spring Festival day
        (at(2026, 12, 30, 10), at(2027, 1, 4, 11)),
    ],
)
def test_weekday_at(cal: WorkCalendar, start: datetime, due: datetime) -> None:
    assert cal.weekday_at(start, 0, time(11)).due == due


@pytest.mark.parametrize(
    ("start", "due", "confirmed"),
    [
        (at(2026, 10, 12, 10), at(2026, 10, 30, 17, 30), True),  # 10-31 is a Saturday
        (at(2026, 10, 30, 17, 29), at(2026, 10, 30, 17, 30), True),  # just before
        (at(2026, 10, 30, 17, 30), at(2026, 11, 30, 17, 30), True),  # at it: next month's
        (at(2026, 10, 31, 10), at(2026, 11, 30, 17, 30), True),  # on the weekend after it
        (at(2026, 2, 2, 10), at(2026, 2, 28, 17, 30), True),  # make-up Saturday is the last working day
        (at(2026, 12, 1, 10), at(2026, 12, 31, 17, 30), True),  # year end
        (at(2027, 1, 4, 10), at(2027, 1, 29, 17, 30), False),  # unconfirmed 2027: 01-31 is a Sunday
    ],
)
def test_end_of_month(cal: WorkCalendar, start: datetime, due: datetime, confirmed: bool) -> None:
    assert cal.end_of_month(start) == Deadline(due, confirmed)


# --- construction and overrides -----------------------------------------------------------------


def test_an_override_changes_a_deadline(cal: WorkCalendar) -> None:
    # given a company holiday on Wednesday 2026-03-04
    changed = WorkCalendar(
        overrides={**cal.overrides, date(2026, 3, 4): (HOLIDAY, "公司年会")},
        confirmed_years=cal.confirmed_years,
        periods=LUNCH_BREAK,
    )
    # when / then
    assert cal.add_working_days(at(2026, 3, 2, 9), 3).due == at(2026, 3, 5, 17, 30)
    assert changed.add_working_days(at(2026, 3, 2, 9), 3).due == at(2026, 3, 6, 17, 30)


@pytest.mark.parametrize(
    "periods",
    [(), ((time(12), time(8)),), ((time(8), time(12)), (time(11), time(17)))],
)
def test_bad_business_periods_are_refused(periods: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError, match="period"):
        WorkCalendar(periods=periods)


def test_long_deadlines_are_fast(cal: WorkCalendar) -> None:
    # 1000 business days' worth of minutes and 1000 working days, in well under a second together
    assert cal.add_business_minutes(at(2026, 1, 5, 9), 1000 * 450).due.year >= 2029
    assert cal.add_working_days(at(2026, 1, 5, 9), 1000).due.year >= 2029
