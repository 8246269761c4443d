"""REST API of the working-day calendar, mounted at ``/api/v1/calendar``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from fuwu.clocks.deadlines import DueRule, RuleName, due_by_rule
from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.lib.inputs import Day, InputSchema, Moment
from fuwu.lib.worktime import SHANGHAI, Unit

from . import selectors, services
from .models import CalendarDay, CalendarYear

router = Router(tags=["calendar"])

MAX_AMOUNT = 100_000


class DayOut(Schema):
    date: dt.date
    kind: str
    name: str
    source: str


class YearOut(Schema):
    year: int
    is_confirmed: bool
    source: str
    note: str


class DeadlineOut(Schema):
    due: str = Field(description="ISO 8601 in Asia/Shanghai (+08:00)")
    calendar_confirmed: bool


class ElapsedOut(Schema):
    minutes: int
    calendar_confirmed: bool


class DaySetIn(InputSchema):
    kind: str = Field(max_length=10, description="holiday or workday (休 / 班 accepted)")
    name: str = Field("", max_length=100)
    reason: str = Field("", max_length=500)


class YearConfirmIn(InputSchema):
    note: str = Field("", max_length=2000)


def _day_out(row: CalendarDay) -> DayOut:
    return DayOut(date=row.date, kind=row.kind, name=row.name, source=row.source)


def _year_out(row: CalendarYear) -> YearOut:
    return YearOut(year=row.year, is_confirmed=row.is_confirmed, source=row.source, note=row.note)


def _aware(moment: dt.datetime) -> dt.datetime:
    """A start without an offset is Asia/Shanghai time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(SHANGHAI)


@router.get("/days", response=list[DayOut], summary="Holidays and make-up working days of a year")
def list_days(
    request: HttpRequest,
    response: HttpResponse,
    year: int = Query(..., ge=services.MIN_YEAR, le=services.MAX_YEAR),
) -> list[DayOut]:
    """Days that differ from the weekday rule. Header ``X-Calendar-Confirmed`` says whether the year's
    State Council notice is known (``false``: Monday–Friday count as working days)."""
    response.headers["X-Calendar-Confirmed"] = "true" if year in selectors.confirmed_years() else "false"
    return [_day_out(row) for row in selectors.calendar_days(year=year)]


@router.get("/years", response=list[YearOut], summary="Years and whether their calendar is confirmed")
def list_years(request: HttpRequest) -> list[YearOut]:
    return [_year_out(row) for row in selectors.calendar_years()]


@router.get("/deadline", response=DeadlineOut, summary="Deadline of a rule such as '3 working days'")
def deadline(
    request: HttpRequest,
    start: Moment,
    unit: Unit,
    amount: int = Query(..., ge=0, le=MAX_AMOUNT),
) -> DeadlineOut:
    """``start`` in ISO 8601 (without an offset: Asia/Shanghai). See docs/adr/0001 for the rules."""
    calendar = selectors.work_calendar_for(getattr(request.user, "organisation", None))
    try:
        result = calendar.deadline(_aware(start), amount, unit)
    except ValueError as exc:
        raise ValidationFailed.field("amount", _("is too large to compute a deadline")) from exc
    return DeadlineOut(due=result.due.isoformat(), calendar_confirmed=result.calendar_confirmed)


@router.get(
    "/due", response=DeadlineOut, summary="Due moment of a due-day rule such as 'the 5th of next month'"
)
def due(
    request: HttpRequest,
    start: Moment,
    rule: RuleName,
    day: int | None = Query(
        None, ge=1, le=31, description="day_of_next_month, quarter_month_day: the Kth day"
    ),
    quarter: Literal["current", "next"] | None = Query(None, description="quarter_month_day"),
    month: int | None = Query(None, ge=1, le=3, description="quarter_month_day: month of the quarter"),
    weekday: int | None = Query(None, ge=1, le=7, description="weekday_at: 1 = Monday … 7 = Sunday"),
    time: Annotated[dt.time | None, Query(description="weekday_at: HH:MM")] = None,
) -> DeadlineOut:
    """``start`` in ISO 8601 (without an offset: Asia/Shanghai). The due moment is always after
    ``start``; a due day that is a rest day moves to the next working day; its time is the close of
    business unless ``time`` is given. See docs/adr/0008 for the rules."""
    errors = FieldErrors()
    parameters: dict[RuleName, dict[str, object]] = {
        RuleName.DAY_OF_NEXT_MONTH: {"day": day},
        RuleName.QUARTER_MONTH_DAY: {"quarter": quarter, "month": month, "day": day},
        RuleName.WEEKDAY_AT: {"weekday": weekday, "time": time},
        RuleName.LAST_DAY_OF_MONTH: {},
    }
    needed = parameters[rule]
    for name, value in needed.items():
        if value is None:
            errors.add(name, _("is required for the rule %(rule)s") % {"rule": rule.value})
    errors.raise_if_any()
    due_rule = DueRule(rule, day=day, quarter=quarter, month=month, weekday=weekday, at=time)
    calendar = selectors.work_calendar_for(getattr(request.user, "organisation", None))
    result = due_by_rule(calendar, _aware(start), due_rule)
    return DeadlineOut(due=result.due.isoformat(), calendar_confirmed=result.calendar_confirmed)


@router.get("/business-time", response=ElapsedOut, summary="Business minutes between two instants")
def business_time(request: HttpRequest, start: Moment, end: Moment) -> ElapsedOut:
    begin, finish = _aware(start), _aware(end)
    if finish < begin:
        raise ValidationFailed.field("end", _("must not be before the start"))
    calendar = selectors.work_calendar_for(getattr(request.user, "organisation", None))
    elapsed = calendar.business_minutes_between(begin, finish)
    return ElapsedOut(minutes=elapsed.minutes, calendar_confirmed=elapsed.calendar_confirmed)


@router.put("/days/{date}", response=DayOut, summary="Set a day (administrators)")
def set_day(request: HttpRequest, date: Path[Day], payload: DaySetIn) -> DayOut:
    row = services.calendar_day_set(
        day=date, kind=payload.kind, name=payload.name, by=request.user, reason=payload.reason
    )
    return _day_out(row)


@router.delete(
    "/days/{date}", response={204: None}, summary="Remove an administrator's entry (administrators)"
)
def reset_day(request: HttpRequest, date: Path[Day]) -> Status:
    services.calendar_day_reset(day=date, by=request.user)
    return Status(204, None)


@router.post("/years/{year}/confirm", response=YearOut, summary="Confirm a year (administrators)")
def confirm_year(
    request: HttpRequest,
    year: Annotated[int, Path(ge=services.MIN_YEAR, le=services.MAX_YEAR)],
    payload: YearConfirmIn | None = None,
) -> YearOut:
    row = services.calendar_year_confirm(year=year, by=request.user, note=payload.note if payload else "")
    return _year_out(row)
