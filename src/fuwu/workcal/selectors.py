"""Reading the calendar: the pure ``WorkCalendar`` an organisation's deadlines are computed with."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Count, DateTimeField, F, Func, IntegerField, Max, Q, QuerySet, Subquery, Sum

from fuwu.lib.worktime import SHANGHAI, WorkCalendar
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, active_policy_with

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


_days_cache: dict[tuple[Any, ...], tuple[dict[date, tuple[str, str]], frozenset[int]]] = {}
_days_cache_lock = threading.Lock()


def _fingerprint() -> tuple[Any, ...]:
    """Changes whenever a day or a year's confirmation changes (one small aggregate query)."""
    days = CalendarDay.objects.aggregate(count=Count("pk"), changed=Max("updated_at"))
    years = CalendarYear.objects.filter(is_confirmed=True).aggregate(count=Count("pk"), total=Sum("year"))
    return days["count"], days["changed"], years["count"], years["total"]


def _fingerprint_columns() -> dict[str, Subquery]:
    """``_fingerprint`` as subqueries, to be read along with another query."""
    days = CalendarDay.objects.order_by()
    years = CalendarYear.objects.filter(is_confirmed=True).order_by()

    def column(rows: QuerySet[Any], function: str, field: str, output: Any) -> Subquery:
        return Subquery(rows.values(value=Func(F(field), function=function)), output_field=output)

    return {
        "days_count": column(days, "COUNT", "pk", IntegerField()),
        "days_changed": column(days, "MAX", "updated_at", DateTimeField()),
        "years_count": column(years, "COUNT", "pk", IntegerField()),
        "years_total": column(years, "SUM", "year", IntegerField()),
    }


def _load_days(wanted: set[int] | None) -> tuple[dict[date, tuple[str, str]], frozenset[int]]:
    days = CalendarDay.objects.all()
    if wanted is not None:
        condition = Q(pk__in=[])
        for year in wanted:
            condition |= Q(date__gte=date(year, 1, 1), date__lte=date(year, 12, 31))
        days = days.filter(condition)
    overrides = {day: (kind, name) for day, kind, name in days.values_list("date", "kind", "name")}
    confirmed = confirmed_years()
    if wanted is not None:
        confirmed &= wanted
    return overrides, frozenset(confirmed)


def work_calendar_for(organisation: Any, *, years: Iterable[int] | None = None) -> WorkCalendar:
    """The organisation's calendar: the day table plus the business hours of its active policy.

    The day table is cached per process and checked with one small fingerprint query each call, so
    an administrator's change applies to the very next computation. With ``years``, only those years'
    days are loaded, and only those years count as confirmed, so a computation that strays outside
    them is flagged ``calendar_confirmed=False`` rather than silently wrong.
    """
    return _calendar(_fingerprint(), set(years) if years is not None else None, active_policy(organisation))


def policy_and_calendar_for(organisation: Any) -> tuple[int | None, PolicyDocument, WorkCalendar]:
    """What a new record pins and computes its deadlines with, in one query: the active policy
    version's id, its document, and the organisation's calendar (``work_calendar_for``)."""
    version_id, policy, row = active_policy_with(organisation, **_fingerprint_columns())
    fingerprint = (row["days_count"], row["days_changed"], row["years_count"], row["years_total"])
    return version_id, policy, _calendar(fingerprint, None, policy)


def _calendar(fingerprint: tuple[Any, ...], wanted: set[int] | None, policy: PolicyDocument) -> WorkCalendar:
    key = (fingerprint, tuple(sorted(wanted)) if wanted is not None else None)
    with _days_cache_lock:
        cached = _days_cache.get(key)
    if cached is None:
        cached = _load_days(wanted)
        with _days_cache_lock:
            if len(_days_cache) > 32:
                _days_cache.clear()
            _days_cache[key] = cached
    overrides, confirmed = cached
    hours = policy.business_hours
    return WorkCalendar(
        overrides=overrides,
        confirmed_years=confirmed,
        periods=tuple((period.start, period.end) for period in hours.periods),
        always_open=hours.always_open,
        tz=SHANGHAI,
    )


def holiday_names(calendar: WorkCalendar, day: date) -> list[str]:
    """The statutory holidays ``day`` belongs to, as ``calendar`` names them (and so the State
    Council notice): ``["国庆节", "中秋节"]`` for a day of 国庆节、中秋节; ``[]`` for a day that is
    not a holiday — a make-up working day is a working day, not the holiday."""
    from fuwu.lib.worktime import HOLIDAY

    status = calendar.day_status(day)
    if status.kind != HOLIDAY:
        return []
    return [part.strip() for part in status.name.replace("，", "、").split("、") if part.strip()]
