"""``GET /api/v1/calendar/due``: due-day rules through real HTTP requests (ADR 0008)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from fuwu.testing.cast import Cast
from fuwu.workcal.services import calendar_day_set, calendar_year_confirm


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"start": "2026-09-10T10:00:00+08:00", "rule": "day_of_next_month", "day": 1},
            {"due": "2026-10-08T17:30:00+08:00", "calendar_confirmed": True},
        ),
        (
            {"start": "2026-01-10T10:00", "rule": "day_of_next_month", "day": 31},
            {"due": "2026-02-28T17:30:00+08:00", "calendar_confirmed": True},
        ),
        (
            {
                "start": "2026-07-15T10:00",
                "rule": "quarter_month_day",
                "quarter": "current",
                "month": 1,
                "day": 1,
            },
            {"due": "2026-10-08T17:30:00+08:00", "calendar_confirmed": True},
        ),
        (
            {
                "start": "2026-11-20T10:00",
                "rule": "quarter_month_day",
                "quarter": "next",
                "month": 1,
                "day": 15,
            },
            {"due": "2027-01-15T17:30:00+08:00", "calendar_confirmed": False},
        ),
        (
            {"start": "2026-10-02T10:00", "rule": "weekday_at", "weekday": 1, "time": "11:00"},
            {"due": "2026-10-08T11:00:00+08:00", "calendar_confirmed": True},
        ),
        (
            {"start": "2026-09-14T10:00", "rule": "weekday_at", "weekday": 7, "time": "09:00"},
            {"due": "2026-09-20T09:00:00+08:00", "calendar_confirmed": True},
        ),
        (
            # 02:00 UTC is 10:00 in Shanghai
            {"start": "2026-10-15T02:00:00Z", "rule": "last_day_of_month"},
            {"due": "2026-11-02T17:30:00+08:00", "calendar_confirmed": True},
        ),
    ],
)
def test_due(
    cast: Cast, packaged: None, api: Callable[..., Any], params: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = api(cast.agent).get("calendar/due", params)
    assert (response.status_code, response.json()) == (200, expected)


def test_a_confirmed_2027_spring_festival_moves_the_due_day(
    cast: Cast, packaged: None, api: Callable[..., Any]
) -> None:
    params = {"start": "2027-01-15T10:00", "rule": "day_of_next_month", "day": 10}
    # 2027 is not confirmed: Wednesday 02-10 counts as a working day, and the answer says so
    assert api(cast.agent).get("calendar/due", params).json() == {
        "due": "2027-02-10T17:30:00+08:00",
        "calendar_confirmed": False,
    }
    # an administrator enters the Spring Festival days (example days, not the State Council's notice)
    # and a make-up working Sunday, then confirms the year
    for day in (10, 11, 12):
        calendar_day_set(day=date(2027, 2, day), kind="holiday", name="春节", by=cast.admin)
    calendar_day_set(day=date(2027, 2, 14), kind="workday", name="春节", by=cast.admin)
    calendar_year_confirm(year=2027, by=cast.admin)
    # the rest day moves to the next working day: the make-up Sunday 02-14
    assert api(cast.agent).get("calendar/due", params).json() == {
        "due": "2027-02-14T17:30:00+08:00",
        "calendar_confirmed": True,
    }


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"start": "2026-09-10T10:00", "rule": "day_of_next_month"}, ["day"]),
        ({"start": "2026-09-10T10:00", "rule": "day_of_next_month", "day": 32}, ["day"]),
        ({"start": "2026-09-10T10:00", "rule": "day_of_next_month", "day": 0}, ["day"]),
        ({"start": "2026-09-10T10:00", "rule": "quarter_month_day", "day": 9}, ["quarter", "month"]),
        (
            {
                "start": "2026-09-10T10:00",
                "rule": "quarter_month_day",
                "quarter": "last",
                "month": 1,
                "day": 9,
            },
            ["quarter"],
        ),
        (
            {
                "start": "2026-09-10T10:00",
                "rule": "quarter_month_day",
                "quarter": "next",
                "month": 4,
                "day": 9,
            },
            ["month"],
        ),
        ({"start": "2026-09-10T10:00", "rule": "weekday_at", "weekday": 1}, ["time"]),
        ({"start": "2026-09-10T10:00", "rule": "weekday_at", "weekday": 8, "time": "11:00"}, ["weekday"]),
        ({"start": "2026-09-10T10:00", "rule": "weekday_at", "weekday": 1, "time": "25:00"}, ["time"]),
        ({"start": "2026-09-10T10:00", "rule": "every_full_moon"}, ["rule"]),
        ({"rule": "last_day_of_month"}, ["start"]),
        ({"start": "tomorrow", "rule": "last_day_of_month"}, ["start"]),
    ],
)
def test_a_missing_or_wrong_parameter_is_named(
    cast: Cast, api: Callable[..., Any], params: dict[str, Any], fields: list[str]
) -> None:
    response = api(cast.agent, "en").get("calendar/due", params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert sorted(error["fields"]) == sorted(fields)


def test_the_missing_parameter_is_named_in_the_users_language(cast: Cast, api: Callable[..., Any]) -> None:
    params = {"start": "2026-09-10T10:00", "rule": "day_of_next_month"}
    english = api(cast.agent, "en").get("calendar/due", params).json()["error"]
    assert english["fields"] == {"day": ["is required for the rule day_of_next_month"]}
    chinese = api(cast.agent, "zh-hans").get("calendar/due", params)
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert list(chinese.json()["error"]["fields"]) == ["day"]
