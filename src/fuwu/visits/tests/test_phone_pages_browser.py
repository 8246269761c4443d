"""The return visits' other pages on a 390 px phone, in Chinese and in English: the month's samples,
the questionnaire campaigns with their form, the periodic reports' list and one report with its
figures and actions. No page is wider than the phone's screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fuwu.reports import registry
from fuwu.reports.services import report_create
from fuwu.testing.browser import PHONE, fits, new_page, overflowing
from fuwu.testing.cast import build_cast, leak_repair_for_browser

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.browser
def test_samples_campaigns_and_reports_fit_a_phone(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI), tick=False):
        cast = build_cast()
        leak_repair_for_browser(cast)  # the working-day calendar
        report = report_create(
            organisation=cast.organisation,
            kind=registry.get("visits_analysis"),
            period_start=date(2026, 9, 1),
            by=cast.head_service,
        )
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=SHANGHAI), tick=True):
        page = new_page(chromium_browser, live_server, browser_login, "director", PHONE)
        base = live_server.url
        for path, marker in (
            ("/visits/samples/?month=2026-11", '[data-testid="not-drawn"], [data-sample]'),
            ("/visits/campaigns/", '[data-testid="campaign-form"]'),
            ("/reports/", f'a[href="/reports/{report.pk}/"]'),
            (f"/reports/{report.pk}/", "main h1"),
        ):
            page.goto(base + path)
            assert page.locator(marker).count() >= 1, path
            assert fits(page), (path, overflowing(page))
        page.context.add_cookies([{"name": "fuwu_language", "value": "en", "url": base}])
        page.goto(f"{base}/reports/{report.pk}/")
        assert fits(page), overflowing(page)
