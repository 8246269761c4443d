"""The calendar API through real HTTP requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from fuwu.testing.cast import Cast
from fuwu.workcal.models import CalendarDay, CalendarYear, Source


def test_days_of_a_year_with_exact_json(cast: Cast, packaged: None, api: Callable[..., Any]) -> None:
    # when
    response = api(cast.agent).get("calendar/days", {"year": 2026})
    # then
    assert response.status_code == 200
    assert response.headers["X-Calendar-Confirmed"] == "true"
    body = response.json()
    assert len(body) == 33 + 6
    assert body[0] == {"date": "2026-01-01", "kind": "holiday", "name": "元旦", "source": "package"}
    assert {"date": "2026-02-14", "kind": "workday", "name": "春节", "source": "package"} in body
    assert {"date": "2026-10-10", "kind": "workday", "name": "国庆节", "source": "package"} in body


def test_days_of_an_unknown_year_are_empty_and_unconfirmed(
    cast: Cast, packaged: None, api: Callable[..., Any]
) -> None:
    response = api(cast.agent).get("calendar/days", {"year": 2027})
    assert (response.status_code, response.json(), response.headers["X-Calendar-Confirmed"]) == (
        200,
        [],
        "false",
    )


def test_years(cast: Cast, packaged: None, api: Callable[..., Any]) -> None:
    body = api(cast.agent).get("calendar/years").json()
    assert body[-1] == {
        "year": 2026,
        "is_confirmed": True,
        "source": "package",
        "note": "chinesecalendar 1.11.0",
    }
    assert [row["year"] for row in body] == list(range(2004, 2027))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (
            {"start": "2026-02-13T10:00:00+08:00", "amount": 2, "unit": "working_days"},
            {"due": "2026-02-24T17:30:00+08:00", "calendar_confirmed": True},
        ),
        # a start without an offset is Shanghai time
        (
            {"start": "2026-02-13T10:00:00", "amount": 1, "unit": "working_days"},
            {"due": "2026-02-14T17:30:00+08:00", "calendar_confirmed": True},
        ),
        # a UTC start is converted: 2026-02-13 20:00 UTC is Saturday 04:00 in Shanghai (make-up day)
        (
            {"start": "2026-02-13T20:00:00Z", "amount": 0, "unit": "working_days"},
            {"due": "2026-02-14T17:30:00+08:00", "calendar_confirmed": True},
        ),
        (
            {"start": "2026-12-30T10:00:00+08:00", "amount": 2, "unit": "working_days"},
            {"due": "2027-01-01T17:30:00+08:00", "calendar_confirmed": False},
        ),
        (
            {"start": "2026-03-02T11:30:00+08:00", "amount": 1, "unit": "business_hours"},
            {"due": "2026-03-02T14:00:00+08:00", "calendar_confirmed": True},
        ),
        (
            {"start": "2026-03-02T12:15:00+08:00", "amount": 45, "unit": "business_minutes"},
            {"due": "2026-03-02T14:15:00+08:00", "calendar_confirmed": True},
        ),
        (
            {"start": "2026-09-30T18:00:00+08:00", "amount": 24, "unit": "calendar_hours"},
            {"due": "2026-10-01T18:00:00+08:00", "calendar_confirmed": True},
        ),
        (
            {"start": "2026-09-30T23:50:00+08:00", "amount": 15, "unit": "calendar_minutes"},
            {"due": "2026-10-01T00:05:00+08:00", "calendar_confirmed": True},
        ),
    ],
)
def test_deadline(
    cast: Cast, packaged: None, api: Callable[..., Any], params: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = api(cast.agent).get("calendar/deadline", params)
    assert (response.status_code, response.json()) == (200, expected)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-02-13T10:00", "amount": 2, "unit": "weeks"}, "unit"),
        ({"start": "2026-02-13T10:00", "amount": -1, "unit": "working_days"}, "amount"),
        ({"start": "2026-02-13T10:00", "amount": "two", "unit": "working_days"}, "amount"),
        ({"start": "yesterday", "amount": 2, "unit": "working_days"}, "start"),
        ({"amount": 2, "unit": "working_days"}, "start"),
    ],
)
def test_deadline_validation_names_the_field(
    cast: Cast, api: Callable[..., Any], params: dict[str, Any], field: str
) -> None:
    response = api(cast.agent, "en").get("calendar/deadline", params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]


def test_business_time(cast: Cast, packaged: None, api: Callable[..., Any]) -> None:
    response = api(cast.agent).get(
        "calendar/business-time", {"start": "2026-02-13T17:00:00+08:00", "end": "2026-02-24T09:00:00+08:00"}
    )
    assert (response.status_code, response.json()) == (200, {"minutes": 510, "calendar_confirmed": True})


def test_business_time_into_an_unconfirmed_year(cast: Cast, packaged: None, api: Callable[..., Any]) -> None:
    response = api(cast.agent).get(
        "calendar/business-time", {"start": "2026-12-31T17:00:00", "end": "2027-01-01T09:00:00"}
    )
    assert response.json() == {"minutes": 60, "calendar_confirmed": False}


@pytest.mark.parametrize(
    ("language", "message"),
    [("en", "must not be before the start"), ("zh-Hans", "不能早于开始时间")],
)
def test_business_time_end_before_start(
    cast: Cast, api: Callable[..., Any], language: str, message: str
) -> None:
    response = api(cast.agent, language).get(
        "calendar/business-time", {"start": "2026-03-02T10:00:00", "end": "2026-03-02T09:00:00"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"end": [message]}


@pytest.mark.parametrize(
    ("language", "message", "field_message"),
    [
        (
            "en",
            "Some fields are missing or wrong.",
            "must be one of 'working_days', 'business_hours', "
            "'business_minutes', 'calendar_hours' or 'calendar_minutes'",
        ),
        ("zh-Hans", None, None),
    ],
)
def test_validation_messages_follow_accept_language(
    cast: Cast, api: Callable[..., Any], language: str, message: str | None, field_message: str | None
) -> None:
    response = api(cast.agent, language).get(
        "calendar/deadline", {"start": "2026-02-13T10:00", "amount": 2, "unit": "weeks"}
    )
    error = response.json()["error"]
    if language == "en":
        assert error["message"] == message
        assert error["fields"]["unit"][0].startswith(field_message)
    else:
        assert error["message"] != "Some fields are missing or wrong."
        assert response.headers["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "calendar/days?year=2026"),
        ("get", "calendar/years"),
        ("get", "calendar/deadline?start=2026-02-13T10:00&amount=1&unit=working_days"),
        ("get", "calendar/business-time?start=2026-02-13T10:00&end=2026-02-13T11:00"),
        ("put", "calendar/days/2026-03-04"),
        ("delete", "calendar/days/2026-03-04"),
        ("post", "calendar/years/2027/confirm"),
    ],
)
def test_anonymous_gets_401(db: None, api: Callable[..., Any], method: str, path: str) -> None:
    response = getattr(api(None), method)(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("who", ["director", "quality", "head_service", "agent", "tech"])
def test_non_admin_writes_get_403_and_change_nothing(
    cast: Cast, packaged: None, api: Callable[..., Any], who: str
) -> None:
    client = api(getattr(cast, who), "en")
    responses = [
        client.put("calendar/days/2026-03-04", {"kind": "holiday", "name": "x"}),
        client.delete("calendar/days/2026-02-16"),
        client.post("calendar/years/2027/confirm", {"note": ""}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert responses[0].json()["error"] == {
        "code": "permission_denied",
        "message": "Only an administrator can change the working-day calendar.",
        "fields": {},
    }
    assert not CalendarDay.objects.filter(date=date(2026, 3, 4)).exists()
    assert CalendarDay.objects.get(date=date(2026, 2, 16)).source == Source.PACKAGE
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_admin_sets_and_removes_a_day_and_the_deadline_follows(
    cast: Cast, packaged: None, api: Callable[..., Any]
) -> None:
    # given
    client = api(cast.admin)
    query = {"start": "2026-03-02T09:00:00+08:00", "amount": 3, "unit": "working_days"}
    assert client.get("calendar/deadline", query).json()["due"] == "2026-03-05T17:30:00+08:00"
    # when
    put = client.put("calendar/days/2026-03-04", {"kind": "holiday", "name": "公司年会"})
    # then
    assert (put.status_code, put.json()) == (
        200,
        {"date": "2026-03-04", "kind": "holiday", "name": "公司年会", "source": "admin"},
    )
    assert client.get("calendar/deadline", query).json()["due"] == "2026-03-06T17:30:00+08:00"
    # when removed
    assert client.delete("calendar/days/2026-03-04").status_code == 204
    assert client.get("calendar/deadline", query).json()["due"] == "2026-03-05T17:30:00+08:00"
    assert client.delete("calendar/days/2026-03-04").status_code == 404


def test_put_day_validation(cast: Cast, api: Callable[..., Any]) -> None:
    client = api(cast.admin, "en")
    bad_kind = client.put("calendar/days/2026-03-04", {"kind": "weekend"})
    assert (bad_kind.status_code, bad_kind.json()["error"]["fields"]) == (
        422,
        {"kind": ["must be holiday (休) or workday (班)"]},
    )
    bad_date = client.put("calendar/days/2026-02-30", {"kind": "holiday"})
    assert bad_date.status_code == 422
    assert list(bad_date.json()["error"]["fields"]) == ["date"]
    missing = client.put("calendar/days/2026-03-04", {})
    assert missing.json()["error"]["fields"] == {"kind": ["is required"]}


def test_admin_confirms_a_year(cast: Cast, packaged: None, api: Callable[..., Any]) -> None:
    client = api(cast.admin)
    response = client.post("calendar/years/2027/confirm", {"note": "国务院办公厅通知"})
    assert (response.status_code, response.json()) == (
        200,
        {"year": 2027, "is_confirmed": True, "source": "admin", "note": "国务院办公厅通知"},
    )
    assert client.get("calendar/days", {"year": 2027}).headers["X-Calendar-Confirmed"] == "true"


def test_days_api_query_count_is_bounded(
    cast: Cast, packaged: None, api: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    client = api(cast.agent)
    with django_assert_max_num_queries(4):
        response = client.get("calendar/days", {"year": 2026})
    assert response.status_code == 200


def test_deadline_api_query_count_is_bounded(
    cast: Cast, packaged: None, api: Callable[..., Any], django_assert_max_num_queries: Any
) -> None:
    client = api(cast.agent)
    with django_assert_max_num_queries(7):
        client.get("calendar/deadline", {"start": "2026-02-13T10:00", "amount": 400, "unit": "working_days"})
