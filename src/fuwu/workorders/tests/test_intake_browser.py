"""In Chromium: the intake suggestions answer the keyboard (↓ ↑ move, Enter takes, Esc closes), the
caller's recent work orders appear once the caller is known, and the whole number replaces the digits
typed before picking."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fuwu.customers.services import customer_create
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.workorders.models import WorkOrder
from fuwu.workorders.services import work_order_create


@pytest.mark.browser
def test_arrow_keys_move_through_the_suggestions_and_enter_takes_one(
    live_server: Any,
    django_db_serialized_rollback: None,
    browser_page: Any,
    browser_login: Callable[..., Any],
) -> None:
    cast = build_cast()
    leak = leak_repair_for_browser(cast)
    first, second, third = (
        customer_create(
            organisation=cast.organisation,
            by=cast.agent,
            name=name,
            department=cast.service,
            addresses=[{"building": "5", "unit": "2", "room": room}],
            phones=[{"number": number}],
        )
        for name, room, number in (
            ("宋一", "401", "13375901234"),
            ("宋二", "402", "13375905678"),
            ("宋三", "403", "13375909999"),
        )
    )
    earlier = work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=leak,
        customer=second,
        description="厨房漏水",
    )
    page = browser_login(browser_page, live_server, "agent")
    page.goto(f"{live_server.url}/work-orders/new/")
    phone = page.locator("#id_caller_phone")

    phone.press_sequentially("1337590")
    page.wait_for_selector('[data-testid="customer-matches"] [data-pick-customer]')
    options = page.locator("[data-pick-customer]")
    assert options.count() == 3
    order = [options.nth(i).get_attribute("data-pick-customer") for i in range(3)]

    phone.press("ArrowDown")
    phone.press("ArrowDown")
    assert page.locator("[data-pick-customer].active").get_attribute("data-pick-customer") == order[1]
    assert page.locator('[data-pick-customer][aria-selected="true"]').count() == 1
    assert phone.get_attribute("aria-activedescendant") == f"match-{order[1]}"
    phone.press("ArrowUp")
    phone.press("ArrowUp")  # from the first, up wraps to the last
    assert page.locator("[data-pick-customer].active").get_attribute("data-pick-customer") == order[2]
    assert page.evaluate("document.activeElement.id") == "id_caller_phone"  # the focus stays where one types

    phone.press("Escape")
    assert page.locator("[data-pick-customer]").count() == 0

    phone.press_sequentially("5")  # 13375905: only 宋二 now
    page.wait_for_selector(f'[data-pick-customer="{second.pk}"]')
    page.wait_for_function("document.querySelectorAll('[data-pick-customer]').length === 1")
    phone.press("ArrowDown")
    phone.press("Enter")  # takes the customer, does not send the form

    page.wait_for_selector('[data-testid="customer-history"]')
    assert page.input_value("#id_caller_name") == "宋二"
    assert page.input_value("#id_room") == "402"
    assert page.input_value("#id_caller_phone") == "13375905678"  # the whole number, not the typed part
    assert earlier.number in page.locator('[data-testid="customer-history"]').inner_text()
    assert page.evaluate("document.activeElement.name") == "service_type"
    assert WorkOrder.objects.count() == 1  # Enter sent nothing
    assert {first.pk, third.pk}.isdisjoint({int(page.input_value("#id_customer"))})
