"""On a phone (Chromium, 390×844): the inbox with its record links, the notification settings and
the group robots page fit the screen; the settings are reached from the user's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fuwu.customers.services import customer_create
from fuwu.notify.models import RobotChannel
from fuwu.testing.browser import DEFAULT_TIMEOUT_MS
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.workorders import services as wo

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser
def test_notification_pages_fit_a_phone(
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
    order = wo.work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=leak,
        customer=household,
        description="卫生间漏水",
    )
    RobotChannel.objects.create(
        organisation=cast.organisation,
        department=cast.repair,
        kind="dingtalk",
        url="https://oapi.dingtalk.com/robot/send?access_token=" + "0123456789abcdef" * 4,
        secret="SEC" + "0123456789abcdef" * 4,
        events=["assigned", "approaching", "breached", "escalated", "approval_requested"],
    )
    context = chromium_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        head = browser_login(context.new_page(), live_server, "head_repair")
        head.goto(f"{live_server.url}/notifications/")
        record = head.locator('[data-testid="notification-record"]').first
        assert order.number in record.inner_text()
        assert head.evaluate("document.documentElement.scrollWidth") <= 390
        head.click("button.navbar-toggler")
        # the menu slides open: click its link once it is open (a click during the slide can miss it)
        head.wait_for_selector("#main-nav.collapse.show")
        link = head.locator('#main-nav [data-testid="current-user"]')
        link.wait_for(state="visible")
        link.click()
        head.wait_for_url("**/notifications/settings/")
        head.wait_for_selector('[data-testid="preferences"]')
        assert head.evaluate("document.documentElement.scrollWidth") <= 390

        admin_context = chromium_browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **PHONE)
        admin_context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        admin = browser_login(admin_context.new_page(), live_server, "admin")
        admin.goto(f"{live_server.url}/notifications/robots/")
        admin.wait_for_selector('[data-testid="robot"]')
        assert admin.evaluate("document.documentElement.scrollWidth") <= 390
        admin.locator('[data-testid="robot"] a').first.click()
        admin.wait_for_selector("form.card")
        assert admin.evaluate("document.documentElement.scrollWidth") <= 390
        admin_context.close()
    finally:
        context.close()
