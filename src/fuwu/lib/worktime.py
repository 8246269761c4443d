"""Deadline arithmetic on the Chinese working-day calendar (工作日), without Django models.

Everything here is pure: the calendar data comes in as a :class:`WorkCalendar` value, the starting
instant is always an argument (never "now"), and every datetime is aware. Results are in the
calendar's time zone (Asia/Shanghai, which has no daylight saving time).

The rules, decided in ``docs/adr/0001-working-day-deadlines.md``:

* A day is a working day when an override (a State Council holiday or make-up working day 调休,
  or an administrator's entry) says so; otherwise Monday to Friday are working days. A day in a
  year that is not *confirmed* (no State Council notice known) follows the weekday rule, and every
  result that consulted such a day carries ``calendar_confirmed=False``.
* "Within N working days" (``add_working_days``): the day received is day 0, whatever the hour and
  whether or not it is a working day; the deadline is the close of business of the Nth working day
  after it. N = 0: close of business of the day received if it is a working day, else of the next
  working day.
* "Within N business hours/minutes": only time inside the business periods of working days counts;
  a start outside them (lunch break, night, weekend, holiday) begins counting at the next opening.
  ``always_open`` calendars count every minute of working days.
* "N calendar hours/minutes": a plain ``timedelta``.
* Calendar-date rules ("by the Kth of next month", "by the Kth of the quarter's Mth month",
  "by Monday 11:00"): when the date is not a working day, the deadline rolls forward to the next
  working day (期间届满的最后一日是节假日的，以节假日后的第一日为期间届满的日期), at close of business
  (``weekday_at`` keeps its own time). "Before the last day of the month" uses the month's last
  working day instead. A rule that names a recurring date returns the first occurrence whose due
  time (after rolling) is strictly after the start.

Close of business is the end of the day's last business period; for ``always_open`` calendars it is
23:59:59.
"""

from __future__ import annotations

import calendar as std_calendar
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

HOLIDAY = "holiday"
WORKDAY = "workday"

END_OF_DAY = time(23, 59, 59)
# A calendar whose days are all holidays would make the search for a working day endless; no real
# calendar has a year without a working day, so the search stops there.
MAX_SEARCH_DAYS = 366 * 2


class Unit(StrEnum):
    WORKING_DAYS = "working_days"
    BUSINESS_HOURS = "business_hours"
    BUSINESS_MINUTES = "business_minutes"
    CALENDAR_HOURS = "calendar_hours"
    CALENDAR_MINUTES = "calendar_minutes"


@dataclass(frozen=True)
class Deadline:
    due: datetime
    calendar_confirmed: bool


@dataclass(frozen=True)
class Elapsed:
    """Business time between two instants, in whole minutes (seconds are dropped)."""

    minutes: int
    calendar_confirmed: bool


@dataclass(frozen=True)
class DayStatus:
    day: date
    is_working: bool
    calendar_confirmed: bool
    kind: str | None = None  # HOLIDAY / WORKDAY when an override decides the day, else None
    name: str = ""


class _Consulted:
    """Collects the years of the days a computation looked at."""

    def __init__(self) -> None:
        self.years: set[int] = set()


@dataclass(frozen=True)
class WorkCalendar:
    """The calendar an organisation works by.

    ``overrides``: ``{date: (kind, name)}`` with kind ``"holiday"`` or ``"workday"``.
    ``confirmed_years``: years whose holidays are known (State Council notice entered or packaged).
    ``periods``: business periods of a working day as ``(start, end)`` times, in order, several when
    there is a lunch break; ignored when ``always_open``.
    """

    overrides: Mapping[date, tuple[str, str]] = field(default_factory=dict)
    confirmed_years: frozenset[int] = frozenset()
    periods: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
    always_open: bool = False
    tz: ZoneInfo = SHANGHAI

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "confirmed_years", frozenset(self.confirmed_years))
        periods = tuple((start, end) for start, end in self.periods)
        object.__setattr__(self, "periods", periods)
        for kind, _name in self.overrides.values():
            if kind not in (HOLIDAY, WORKDAY):
                raise ValueError(f"override kind must be {HOLIDAY!r} or {WORKDAY!r}, got {kind!r}")
        if self.always_open:
            return
        if not periods:
            raise ValueError("a calendar that is not always open needs at least one business period")
        previous_end: time | None = None
        for start, end in periods:
            if start >= end:
                raise ValueError(f"business period {start}–{end} must start before it ends")
            if previous_end is not None and start < previous_end:
                raise ValueError("business periods must be in order and must not overlap")
            previous_end = end

    # --- days ---------------------------------------------------------------------------------

    def is_confirmed_year(self, year: int) -> bool:
        return year in self.confirmed_years

    def day_status(self, day: date) -> DayStatus:
        override = self.overrides.get(day)
        confirmed = self.is_confirmed_year(day.year)
        if override is not None:
            kind, name = override
            return DayStatus(day, kind == WORKDAY, confirmed, kind, name)
        return DayStatus(day, day.weekday() < 5, confirmed)

    def is_working_day(self, day: date) -> DayStatus:
        """Whether ``day`` is worked; ``calendar_confirmed`` is False for a year not confirmed."""
        return self.day_status(day)

    def _working(self, day: date, consulted: _Consulted) -> bool:
        consulted.years.add(day.year)
        override = self.overrides.get(day)
        if override is not None:
            return override[0] == WORKDAY
        return day.weekday() < 5

    def _confirmed(self, consulted: _Consulted) -> bool:
        return consulted.years <= self.confirmed_years

    def _next_working_day(self, day: date, consulted: _Consulted, *, include: bool) -> date:
        candidate = day if include else day + timedelta(days=1)
        for _ in range(MAX_SEARCH_DAYS):
            if self._working(candidate, consulted):
                return candidate
            candidate += timedelta(days=1)
        raise ValueError(f"no working day within {MAX_SEARCH_DAYS} days of {day}")

    def _previous_working_day(self, day: date, consulted: _Consulted, *, include: bool) -> date | None:
        candidate = day if include else day - timedelta(days=1)
        for _ in range(MAX_SEARCH_DAYS):
            if self._working(candidate, consulted):
                return candidate
            candidate -= timedelta(days=1)
        return None

    def working_day_on_or_after(self, day: date) -> date:
        """``day`` if it is worked, else the next working day (a due day that falls on a rest day
        moves forward, Civil Code art. 203); ``day`` itself when no working day is found within the
        search window."""
        try:
            return self._next_working_day(day, _Consulted(), include=True)
        except ValueError:
            return day

    def working_day_on_or_before(self, day: date) -> date:
        """``day`` if it is worked, else the working day before it (what must be done before a
        date that falls in a holiday is done before the holiday); ``day`` itself when no working
        day is found within the search window."""
        found = self._previous_working_day(day, _Consulted(), include=True)
        return found if found is not None else day

    # --- business periods ---------------------------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("naive datetime: pass an aware datetime (e.g. with tzinfo=Asia/Shanghai)")
        return moment.astimezone(self.tz)

    def _periods_of(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """Business periods of a working day as aware datetimes (the whole day when always open)."""
        if self.always_open:
            midnight = datetime.combine(day, time(0), tzinfo=self.tz)
            yield midnight, midnight + timedelta(days=1)
            return
        for opens, closes in self.periods:
            yield datetime.combine(day, opens, tzinfo=self.tz), datetime.combine(day, closes, tzinfo=self.tz)

    def close_of_business(self, day: date) -> datetime:
        """End of the day's last business period; 23:59:59 for an always-open calendar."""
        if self.always_open:
            return datetime.combine(day, END_OF_DAY, tzinfo=self.tz)
        return datetime.combine(day, self.periods[-1][1], tzinfo=self.tz)

    def _business_seconds_of_day(self) -> int:
        return int(sum((end - start).total_seconds() for start, end in self._periods_of(date(2000, 1, 3))))

    # --- deadlines ----------------------------------------------------------------------------

    def add_working_days(self, start: datetime, days: int) -> Deadline:
        """ "Within N working days": close of business of the Nth working day after the day received.

        The day received (``start``'s date in the calendar's zone) is day 0 whatever the hour, also
        when it is a holiday, a weekend or after hours. ``days=0``: close of business of the day
        received if it is a working day, else of the next working day.
        """
        if days < 0:
            raise ValueError("days must not be negative")
        consulted = _Consulted()
        day = self._local(start).date()
        if days == 0:
            day = self._next_working_day(day, consulted, include=True)
        else:
            for _ in range(days):
                day = self._next_working_day(day, consulted, include=False)
        return Deadline(self.close_of_business(day), self._confirmed(consulted))

    def add_business_minutes(self, start: datetime, minutes: int) -> Deadline:
        """The instant at which ``minutes`` of business time have passed since ``start``.

        Business time is the business periods of working days (every minute of a working day when
        always open). A start outside business time begins counting at the next opening. A period
        that ends exactly when the time runs out gives its end (12:00, not 13:30). ``minutes=0``
        gives ``start`` itself.
        """
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        local = self._local(start)
        if minutes == 0:
            return Deadline(local, True)
        consulted = _Consulted()
        remaining = timedelta(minutes=minutes)
        per_day = timedelta(seconds=self._business_seconds_of_day())
        day = local.date()
        first = True
        for _ in range(MAX_SEARCH_DAYS * 200):
            if self._working(day, consulted):
                if not first and remaining > per_day:
                    # A whole working day after the first one: skip it in one step.
                    remaining -= per_day
                else:
                    for period_start, period_end in self._periods_of(day):
                        begin = max(period_start, local)
                        if begin >= period_end:
                            continue
                        available = period_end - begin
                        if remaining <= available:
                            due = (begin + remaining).astimezone(self.tz)
                            return Deadline(due, self._confirmed(consulted))
                        remaining -= available
            first = False
            day += timedelta(days=1)
        raise ValueError("business time too long to compute")

    def add_business_hours(self, start: datetime, hours: int) -> Deadline:
        return self.add_business_minutes(start, hours * 60)

    def add_calendar_minutes(self, start: datetime, minutes: int) -> Deadline:
        """A plain duration: nights, weekends and holidays count. No day is consulted."""
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        local = self._local(start)
        return Deadline(
            (local.astimezone(ZoneInfo("UTC")) + timedelta(minutes=minutes)).astimezone(self.tz), True
        )

    def add_calendar_hours(self, start: datetime, hours: int) -> Deadline:
        return self.add_calendar_minutes(start, hours * 60)

    def deadline(self, start: datetime, amount: int, unit: Unit | str) -> Deadline:
        """The deadline of a policy rule "``amount`` ``unit`` after ``start``"."""
        match Unit(unit):
            case Unit.WORKING_DAYS:
                return self.add_working_days(start, amount)
            case Unit.BUSINESS_HOURS:
                return self.add_business_hours(start, amount)
            case Unit.BUSINESS_MINUTES:
                return self.add_business_minutes(start, amount)
            case Unit.CALENDAR_HOURS:
                return self.add_calendar_hours(start, amount)
            case Unit.CALENDAR_MINUTES:
                return self.add_calendar_minutes(start, amount)
        raise ValueError(f"unknown unit {unit!r}")  # pragma: no cover - Unit() already refused it

    # --- calendar-date rules ------------------------------------------------------------------

    def _rolled(self, day: date, consulted: _Consulted) -> date:
        return self._next_working_day(day, consulted, include=True)

    def _first_after(self, start: datetime, candidates: Iterable[tuple[date, time | None]]) -> Deadline:
        """First candidate date, rolled to a working day, whose due time is strictly after start."""
        local = self._local(start)
        consulted = _Consulted()
        for nominal, at in candidates:
            day = self._rolled(nominal, consulted)
            due = self.close_of_business(day) if at is None else datetime.combine(day, at, tzinfo=self.tz)
            if due > local:
                return Deadline(due, self._confirmed(consulted))
        raise ValueError("no occurrence found")  # pragma: no cover - candidates are endless

    def day_of_next_month(self, start: datetime, day_of_month: int) -> Deadline:
        """ "By the Kth day of next month": the Kth of the month after ``start``'s month.

        K beyond the month's length means its last day. A date that is not a working day rolls to
        the next working day; the time is close of business.
        """
        _check_day_of_month(day_of_month)
        local = self._local(start)
        year, month = _add_months(local.year, local.month, 1)
        return self._first_after(start, ((_clamped(year, month, day_of_month), None),))

    def day_of_quarter_month(self, start: datetime, day_of_month: int, month_in_quarter: int) -> Deadline:
        """ "By the Kth day of the quarter's Mth month" (M = 1, 2 or 3), in ``start``'s quarter.

        When that deadline (rolled to a working day, at close of business) is not after ``start``,
        the next quarter's.
        """
        _check_day_of_month(day_of_month)
        if month_in_quarter not in (1, 2, 3):
            raise ValueError("month_in_quarter must be 1, 2 or 3")
        local = self._local(start)
        first_month = (local.month - 1) // 3 * 3 + 1

        def candidates() -> Iterator[tuple[date, None]]:
            year, month = _add_months(local.year, first_month, month_in_quarter - 1)
            while True:
                yield _clamped(year, month, day_of_month), None
                year, month = _add_months(year, month, 3)

        return self._first_after(start, candidates())

    def quarter_month_day(
        self, start: datetime, quarter: str, month_in_quarter: int, day_of_month: int
    ) -> Deadline:
        """ "By the Kth day of month M of the current / next quarter" (ADR 0008).

        ``quarter="current"``: as ``day_of_quarter_month`` (the start's quarter; the next quarter's
        when that moment is not after ``start``). ``quarter="next"``: the quarter after the start's.
        """
        if quarter == "current":
            return self.day_of_quarter_month(start, day_of_month, month_in_quarter)
        if quarter != "next":
            raise ValueError("quarter must be 'current' or 'next'")
        _check_day_of_month(day_of_month)
        if month_in_quarter not in (1, 2, 3):
            raise ValueError("month_in_quarter must be 1, 2 or 3")
        local = self._local(start)
        first_month = (local.month - 1) // 3 * 3 + 1
        year, month = _add_months(local.year, first_month, 3 + month_in_quarter - 1)
        return self._first_after(start, ((_clamped(year, month, day_of_month), None),))

    def weekday_at(self, start: datetime, weekday: int, at: time) -> Deadline:
        """ "By Monday 11:00" (weekday 0 = Monday): the next such time strictly after ``start``.

        When the day is not a working day (a Monday holiday), the deadline rolls to the next working
        day at the same time. The week of ``start`` counts when its rolled time is still ahead, so a
        plan started on the holiday Monday is due on the first working day after it.
        """
        if not 0 <= weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) to 6 (Sunday)")
        local = self._local(start)
        first = local.date() - timedelta(days=(local.weekday() - weekday) % 7 + 7)

        def candidates() -> Iterator[tuple[date, time]]:
            day = first
            while True:
                yield day, at
                day += timedelta(days=7)

        return self._first_after(start, candidates())

    def end_of_month(self, start: datetime) -> Deadline:
        """ "Before the last day of the month": close of business of the month's last working day.

        When that is not after ``start`` (start on a weekend at the end of the month), the next
        month's.
        """
        local = self._local(start)
        consulted = _Consulted()
        year, month = local.year, local.month
        for _ in range(24):
            last = date(year, month, std_calendar.monthrange(year, month)[1])
            day = self._previous_working_day(last, consulted, include=True)
            if day is not None and day.month == month and self.close_of_business(day) > local:
                return Deadline(self.close_of_business(day), self._confirmed(consulted))
            year, month = _add_months(year, month, 1)
        raise ValueError("no working day at the end of a month found")  # pragma: no cover

    def last_day_of_month(self, start: datetime) -> Deadline:
        """ "By the last day of the month" (ADR 0008): the last day of ``start``'s month; a rest day
        rolls forward to the next working day (into the next month if need be, Civil Code art. 203),
        at close of business. When that is not after ``start`` (started after close of business on
        the day itself), the next month's.
        """
        local = self._local(start)

        def candidates() -> Iterator[tuple[date, None]]:
            year, month = local.year, local.month
            while True:
                yield date(year, month, std_calendar.monthrange(year, month)[1]), None
                year, month = _add_months(year, month, 1)

        return self._first_after(start, candidates())

    # --- elapsed business time ----------------------------------------------------------------

    def business_minutes_between(self, start: datetime, end: datetime) -> Elapsed:
        """Business time from ``start`` to ``end`` (whole minutes), for KPIs such as response time.

        Counts only the business periods of working days (every minute of working days when always
        open): nights, weekends, holidays and lunch breaks do not count. ``end`` before ``start``
        is an error.
        """
        begin, finish = self._local(start), self._local(end)
        if finish < begin:
            raise ValueError("end must not be before start")
        consulted = _Consulted()
        total = timedelta()
        day = begin.date()
        while day <= finish.date():
            if self._working(day, consulted):
                for period_start, period_end in self._periods_of(day):
                    low, high = max(period_start, begin), min(period_end, finish)
                    if high > low:
                        total += high - low
            day += timedelta(days=1)
        return Elapsed(int(total.total_seconds()) // 60, self._confirmed(consulted))


def _check_day_of_month(day_of_month: int) -> None:
    if not 1 <= day_of_month <= 31:
        raise ValueError("day of month must be 1 to 31")


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _clamped(year: int, month: int, day_of_month: int) -> date:
    return date(year, month, min(day_of_month, std_calendar.monthrange(year, month)[1]))
