"""End to end in Chromium: sign in, switch to English, preview a deadline, add a holiday, see it move."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fuwu.testing.cast import build_cast
from fuwu.workcal.models import CalendarDay
from fuwu.workcal.services import calendar_sync_package


@pytest.mark.browser
def test_admin_previews_a_deadline_and_moves_it_with_a_holiday(
    live_server: Any,
    django_db_serialized_rollback: None,
    browser_page: Any,
    browser_login: Callable[..., Any],
) -> None:
    # given the shared cast and the packaged calendar
    build_cast()
    if not CalendarDay.objects.exists():
        calendar_sync_package()
    page = browser_login(browser_page, live_server, "admin")

    # when the administrator switches the interface to English
    page.select_option("#language-select", "en")
    page.wait_for_selector("text=Sign out")

    # and opens the calendar of 2026
    page.goto(f"{live_server.url}/calendar/?year=2026")
    assert page.locator("h1").inner_text() == "Working-day calendar 2026"

    # and previews "3 working days" from Monday 2026-03-02 09:00
    page.fill("#id_start", "2026-03-02T09:00")
    page.fill("#id_amount", "3")
    page.select_option("#id_unit", "working_days")
    page.click("#deadline-submit")
    due = page.locator('[data-testid="deadline-due"]')
    due.wait_for()
    assert due.inner_text().startswith("2026-03-05 17:30")
    assert "Thursday" in due.inner_text()

    # and makes Wednesday 2026-03-04 a holiday
    page.fill("#id_date", "2026-03-04")
    page.select_option("#id_kind", "holiday")
    page.fill("#id_name", "Company day")
    page.click("#override-submit")

    # then the page reloads with the preview, now one working day later
    page.wait_for_selector("text=2026-03-04 is now a holiday.")
    assert page.locator('[data-testid="deadline-due"]').inner_text().startswith("2026-03-06 17:30")
    assert page.locator('[data-date="2026-03-04"]').get_attribute("data-kind") == "day-holiday"
    assert "Company day" in page.locator('[data-testid="admin-entries"]').inner_text()
