"""In Chromium on a 390 px wide phone: the home page's workbench fits the screen and its lists open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fuwu.customers.services import customer_create
from fuwu.testing.browser import DEFAULT_TIMEOUT_MS
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.workorders.services import work_order_create, work_order_dispatch

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser
@pytest.mark.parametrize("who", ["agent", "tech", "head_repair"])
def test_the_workbench_fits_a_phone_and_opens_its_lists(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
    who: str,
) -> None:
    cast = build_cast()
    leak = leak_repair_for_browser(cast)
    customer = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="宋先生",
        department=cast.service,
        addresses=[{"building": "5", "unit": "2", "room": "404"}],
        phones=[{"number": "13375901234"}],
    )
    for _ in range(3):
        order = work_order_create(
            organisation=cast.organisation,
            by=cast.agent,
            channel="phone",
            service_type=leak,
            customer=customer,
            description="卫生间漏水，楼下天花板有水渍",
        )
    work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech)
    context = chromium_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = browser_login(context.new_page(), live_server, who)
    try:
        page.goto(f"{live_server.url}/")
        page.wait_for_selector('[data-testid="bench"]')

        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing sticks out sideways
        first = page.locator('[data-bench]:not([data-count="0"])').first
        count = int(first.get_attribute("data-count"))
        first.click()
        page.wait_for_url("**/work-orders/?*")
        assert page.locator("[data-number]").count() == count
    finally:
        context.close()
