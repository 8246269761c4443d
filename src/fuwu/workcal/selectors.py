"""Reading the calendar: the pure ``WorkCalendar`` an organisation's deadlines are computed with."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from fuwu.lib.worktime import SHANGHAI, WorkCalendar
from fuwu.policy.selectors import active_policy

from .models import CalendarDay, CalendarYear


def calendar_days(*, year: int | None = None) -> QuerySet[CalendarDay]:
    days = CalendarDay.objects.order_by("date")
    if year is not None:
        days = days.filter(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
    return days


def calendar_years() -> QuerySet[CalendarYear]:
    return CalendarYear.objects.order_by("year")


def confirmed_years() -> set[int]:
    return set(CalendarYear.objects.filter(is_confirmed=True).values_list("year", flat=True))


def work_calendar_for(organisation: Any, *, years: Iterable[int] | None = None) -> WorkCalendar:
    """The organisation's calendar: the day table plus the business hours of its active policy.

    Two queries (days, confirmed years) besides the policy's. With ``years``, only those years'
    days are loaded, and only those years count as confirmed, so a computation that strays outside
    them is flagged ``calendar_confirmed=False`` rather than silently wrong. Nothing is cached: an
    administrator's change applies to the next computation.
    """
    days = CalendarDay.objects.all()
    wanted: set[int] | None = None
    if years is not None:
        wanted = set(years)
        condition = Q(pk__in=[])
        for year in wanted:
            condition |= Q(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
        days = days.filter(condition)
    overrides = {day: (kind, name) for day, kind, name in days.values_list("date", "kind", "name")}
    confirmed = confirmed_years()
    if wanted is not None:
        confirmed &= wanted
    hours = active_policy(organisation).business_hours
    return WorkCalendar(
        overrides=overrides,
        confirmed_years=frozenset(confirmed),
        periods=tuple((period.start, period.end) for period in hours.periods),
        always_open=hours.always_open,
        tz=SHANGHAI,
    )
