"""The calendar page, its admin forms and the deadline preview (Django test client)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from fuwu.testing.cast import Cast
from fuwu.workcal.models import CalendarDay, CalendarYear, Source

from .conftest import at

URL = reverse("workcal:calendar")


def english(client: Client) -> Client:
    client.cookies["fuwu_language"] = "en"
    return client


def test_login_required(db: None, client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_page_shows_the_year_holidays_and_makeup_days(
    cast: Cast, packaged: None, web: Callable[..., Client]
) -> None:
    response = english(web(cast.agent)).get(URL, {"year": 2026})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Working-day calendar 2026" in html
    assert 'data-testid="year-confirmed"' in html
    assert 'data-testid="year-unconfirmed"' not in html
    assert "02-15 – 02-23" in html  # 春节, 9 days
    assert 'data-date="2026-02-14" data-kind="day-makeup"' in html
    assert 'data-date="2026-10-07" data-kind="day-holiday"' in html
    assert 'data-date="2026-03-07" data-kind="day-weekend"' in html
    assert "calendar-admin" not in html  # not an administrator


def test_chinese_by_default(cast: Cast, packaged: None, web: Callable[..., Client]) -> None:
    html = web(cast.agent).get(URL, {"year": 2026}).content.decode()
    assert "2026 年工作日历" in html
    assert "调休上班日" in html


@time_machine.travel(at(2027, 1, 4, 9), tick=False)
def test_unconfirmed_year_is_the_default_when_the_clock_is_in_it(
    cast: Cast, packaged: None, web: Callable[..., Client]
) -> None:
    html = english(web(cast.admin)).get(URL).content.decode()
    assert "Working-day calendar 2027" in html
    assert 'data-testid="year-unconfirmed"' in html
    assert "2027 is unconfirmed." in html
    assert "Monday to Friday count as working days" in html
    assert 'data-date="2027-01-01" data-kind="day-working"' in html  # weekday rule
    assert reverse("workcal:year_confirm", args=[2027]) in html


def test_deadline_preview_without_javascript(cast: Cast, packaged: None, web: Callable[..., Client]) -> None:
    response = english(web(cast.agent)).get(
        URL, {"year": "2026", "start": "2026-02-13T10:00", "amount": "2", "unit": "working_days"}
    )
    html = response.content.decode()
    assert 'data-due="2026-02-24T17:30:00+08:00"' in html
    assert "2026-02-24 17:30" in html


def test_deadline_preview_with_htmx_returns_the_fragment(
    cast: Cast, packaged: None, web: Callable[..., Client]
) -> None:
    response = english(web(cast.agent)).get(
        URL,
        {"year": "2026", "start": "2026-12-30T10:00", "amount": "2", "unit": "working_days"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="deadline-result"')
    assert "<nav" not in html
    assert 'data-due="2027-01-01T17:30:00+08:00"' in html
    assert 'data-testid="deadline-unconfirmed"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "", "amount": 2, "unit": "working_days"}, "Received at: This field is required."),
        ({"start": "2026-02-13T10:00", "amount": -1, "unit": "working_days"}, "Amount:"),
        ({"start": "2026-02-13T10:00", "amount": 2, "unit": "weeks"}, "Unit:"),
    ],
)
def test_deadline_preview_errors(
    cast: Cast, web: Callable[..., Client], params: dict[str, Any], message: str
) -> None:
    html = english(web(cast.agent)).get(URL, params, headers={"HX-Request": "true"}).content.decode()
    assert "alert-danger" in html
    assert message in html


def test_admin_adds_an_override_and_the_preview_follows(
    cast: Cast, packaged: None, web: Callable[..., Client]
) -> None:
    # given
    client = english(web(cast.admin))
    preview = {"start": "2026-03-02T09:00", "amount": "3", "unit": "working_days"}
    # when
    response = client.post(
        reverse("workcal:day_set"),
        {"date": "2026-03-04", "kind": "holiday", "name": "Company day", "year": "2026", **preview},
    )
    # then
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-due="2026-03-06T17:30:00+08:00"' in page
    assert "2026-03-04 is now a holiday." in page
    assert CalendarDay.objects.get(date=date(2026, 3, 4)).source == Source.ADMIN


def test_htmx_override_answers_with_a_client_redirect(
    cast: Cast, packaged: None, web: Callable[..., Client]
) -> None:
    response = web(cast.admin).post(
        reverse("workcal:day_set"),
        {
            "date": "2026-03-04",
            "kind": "holiday",
            "year": "2026",
            "start": "2026-03-02T09:00",
            "amount": "3",
            "unit": "working_days",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(URL + "?year=2026&start=2026-03-02T09")


def test_admin_removes_an_override(cast: Cast, packaged: None, web: Callable[..., Client]) -> None:
    client = english(web(cast.admin))
    client.post(reverse("workcal:day_set"), {"date": "2026-02-14", "kind": "holiday"})
    response = client.post(reverse("workcal:day_remove", args=["2026-02-14"]), {"next": URL + "?year=2026"})
    assert response["Location"] == URL + "?year=2026"
    assert CalendarDay.objects.get(date=date(2026, 2, 14)).source == Source.PACKAGE


def test_next_must_be_the_calendar_page(cast: Cast, packaged: None, web: Callable[..., Client]) -> None:
    response = web(cast.admin).post(
        reverse("workcal:year_confirm", args=[2027]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == URL + "?year=2027"


def test_admin_confirms_a_year_from_the_page(cast: Cast, packaged: None, web: Callable[..., Client]) -> None:
    client = english(web(cast.admin))
    response = client.post(reverse("workcal:year_confirm", args=[2027]), {"note": "notice"}, follow=True)
    assert "The calendar of 2027 is confirmed." in response.content.decode()
    assert CalendarYear.objects.get(year=2027).is_confirmed


def test_admin_imports_a_notice(cast: Cast, packaged: None, web: Callable[..., Client]) -> None:
    client = english(web(cast.admin))
    upload = SimpleUploadedFile("2027.csv", "date,kind,name\n2027-01-01,休,元旦\n".encode(), "text/csv")
    response = client.post(
        reverse("workcal:notice_import"), {"file": upload, "confirm_years": "on"}, follow=True
    )
    html = response.content.decode()
    assert "1 days imported for 2027." in html
    assert 'data-testid="year-confirmed"' in html


def test_bad_import_shows_every_row_error_and_writes_nothing(
    cast: Cast, packaged: None, web: Callable[..., Client]
) -> None:
    client = english(web(cast.admin))
    upload = SimpleUploadedFile(
        "bad.csv", b"date,kind,name\n2027-01-01,x,a\n2027-02-30,holiday,b\n", "text/csv"
    )
    html = client.post(reverse("workcal:notice_import"), {"file": upload}, follow=True).content.decode()
    assert "nothing was imported" in html
    assert "row 2:" in html
    assert "row 3:" in html
    assert not CalendarDay.objects.filter(date__year=2027).exists()


@pytest.mark.parametrize("who", ["director", "agent", "tech"])
def test_non_admins_cannot_post(cast: Cast, packaged: None, web: Callable[..., Client], who: str) -> None:
    client = web(getattr(cast, who))
    upload = SimpleUploadedFile("2027.csv", b"date,kind,name\n2027-01-01,holiday,a\n", "text/csv")
    responses = [
        client.post(reverse("workcal:day_set"), {"date": "2026-03-04", "kind": "holiday"}),
        client.post(reverse("workcal:day_remove", args=["2026-02-14"])),
        client.post(reverse("workcal:year_confirm", args=[2027])),
        client.post(reverse("workcal:notice_import"), {"file": upload}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert not CalendarDay.objects.filter(source=Source.ADMIN).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_page_query_count_is_bounded(
    cast: Cast, packaged: None, web: Callable[..., Client], django_assert_max_num_queries: Any
) -> None:
    client = web(cast.admin)
    client.post(reverse("workcal:day_set"), {"date": "2026-03-04", "kind": "holiday"})
    with django_assert_max_num_queries(11):
        response = client.get(
            URL, {"year": "2026", "start": "2026-03-02T09:00", "amount": "3", "unit": "working_days"}
        )
    assert response.status_code == 200
