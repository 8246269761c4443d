"""On a phone (Chromium, 390×844): the head opens "awaiting my approval" from the menu and approves a
refusal in two taps (Approve → Confirm approval); a denial asks for the note first."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fuwu.customers.services import customer_create
from fuwu.testing.browser import DEFAULT_TIMEOUT_MS
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser
def test_a_head_approves_from_the_phone_in_two_taps(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    cast = build_cast()
    leak = leak_repair_for_browser(cast)
    household = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        department=cast.service,
        phones=[{"number": "13912345678", "label": "手机"}],
    )
    orders = []
    for kind in ("rejection", "rejection"):
        order = wo.work_order_create(
            organisation=cast.organisation,
            by=cast.agent,
            channel="phone",
            service_type=leak,
            customer=household,
            description="公共管道漏水",
        )
        wo.work_order_request_rejection(
            work_order=order,
            by=cast.agent,
            kind=kind,
            reason="公共管道, 不属于户内维修",
            answer="请联系物业管理处",
        )
        orders.append(order)
    first, second = orders
    first_approval, second_approval = first.approvals.get(), second.approvals.get()

    context = chromium_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = browser_login(context.new_page(), live_server, "head_repair")
    try:
        # the menu (collapsed on a phone) leads to the inbox, with its count
        page.goto(f"{live_server.url}/work-orders/")
        page.click("button.navbar-toggler")
        page.wait_for_selector("#main-nav.collapse.show")  # open, not sliding
        link = page.locator('#main-nav a[href="/approvals/"]')
        assert link.locator('[data-testid="nav-badge"]').inner_text() == "2"
        link.click()
        page.wait_for_selector('[data-testid="approval-inbox"]')
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        row = page.locator(f'[data-approval-id="{first_approval.pk}"]')
        assert first.number in row.inner_text()

        # tap 1: Approve opens the confirmation; tap 2: Confirm approval
        row.locator('[data-testid="approve"]').click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        row.locator('[data-testid="confirm-approve"]').click()
        page.wait_for_selector(".alert-success")
        assert page.locator(f'[data-approval-id="{first_approval.pk}"]').count() == 0
        first.refresh_from_db()
        assert first.status == Status.REJECTED

        # Deny needs the note: the browser keeps the form until it is given
        other = page.locator(f'[data-approval-id="{second_approval.pk}"]')
        other.locator('[data-testid="deny"]').click()
        other.locator('[data-testid="confirm-deny"]').click()
        second_approval.refresh_from_db()
        assert second_approval.status == "pending"
        page.fill(f"#deny-note-{second_approval.pk}", "户内管道, 应维修")
        other.locator('[data-testid="confirm-deny"]').click()
        page.wait_for_selector('[data-testid="inbox-empty"]')
        second_approval.refresh_from_db()
        assert second_approval.status == "denied"
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
