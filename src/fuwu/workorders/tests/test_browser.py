"""End to end in Chromium: an agent takes a call on the intake page, the department head dispatches,
the technician works it on the phone view, and the customer signs on the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fuwu.customers.services import customer_create
from fuwu.testing.browser import DEFAULT_TIMEOUT_MS
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.workorders.models import Status, WorkOrder

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def new_page(browser: Any, live_server: Any, login: Callable[..., Any], username: str, **options: Any) -> Any:
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **(options or {"viewport": {"width": 1280, "height": 900}}),
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    return login(context.new_page(), live_server, username)


@pytest.mark.browser
def test_phone_call_to_confirmed_work_order_in_the_browser(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    # given the cast, a leak-repair service with a checklist, and a known household
    cast = build_cast()
    leak_repair_for_browser(
        cast, materials=[{"name": "身份证明", "is_required": True}, {"name": "漏水照片", "is_required": True}]
    )
    household = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        department=cast.service,
        addresses=[{"building": "12号楼", "unit": "3单元", "room": "1502室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )
    base = live_server.url

    # when the agent takes the call: types the caller's number and picks the customer offered
    agent = new_page(chromium_browser, live_server, browser_login, "agent")
    agent.goto(f"{base}/work-orders/new/")
    assert agent.evaluate("document.activeElement.name") == "caller_phone"  # autofocus: type at once
    agent.locator("#id_caller_phone").press_sequentially("13912345678")
    agent.click(f'[data-pick-customer="{household.pk}"]')
    assert agent.input_value("#id_caller_name") == "王先生"
    assert agent.input_value("#id_building") == "12号楼"
    # and chooses the service: its checklist appears and its department is preset
    agent.select_option("#id_service_type", label="漏水维修")
    agent.wait_for_selector('input[name="materials_received"][value="身份证明"]')
    assert agent.input_value("#id_department") == str(cast.repair.pk)
    agent.check('input[name="materials_received"][value="身份证明"]')
    agent.fill("#id_description", "卫生间漏水，楼下天花板有水渍")
    agent.click("#intake-submit")
    agent.wait_for_selector('[data-testid="number"]')

    order = WorkOrder.objects.get()
    assert order.number in agent.locator(".alert-success").inner_text()
    assert order.customer_id == household.pk
    assert order.first_contact_owner == cast.agent
    assert agent.get_attribute('[data-testid="status"]', "data-status") == Status.ROUTED

    # the department head dispatches to a technician from the suggestions
    head = new_page(chromium_browser, live_server, browser_login, "head_repair")
    head.goto(f"{base}/work-orders/{order.pk}/")
    head.click('[data-action-toggle="dispatch"]')
    head.select_option("#id_dispatch_technician", str(cast.tech.pk))
    head.click('form[data-action-form="dispatch"] button[data-action="dispatch"]')
    head.wait_for_selector('[data-testid="status"][data-status="dispatched"]')
    assert cast.tech.full_name in head.locator('[data-testid="assignee"]').inner_text()

    # the technician works it on the phone view: accept, arrive, complete with the report
    tech = new_page(chromium_browser, live_server, browser_login, "tech", **PHONE)
    tech.goto(f"{base}/work-orders/mine/")
    card = f'article[data-number="{order.number}"]'
    assert "13912345678" in tech.locator(card).inner_text()  # technicians see the number whole
    tech.click(f'{card} button[data-action="accept"]')
    tech.wait_for_selector(f'{card} button[data-action="arrive"]')
    tech.click(f'{card} button[data-action="arrive"]')
    tech.wait_for_selector(f'{card} [data-status="on_site"]')
    form = f'{card} form[data-action-form="complete"]'
    tech.fill(f"{form} textarea[name=findings]", "角阀老化渗水")
    tech.fill(f"{form} textarea[name=work_done]", "更换角阀，试水正常")
    tech.select_option(f"{form} select[name=warranty_status]", "in_warranty")
    tech.fill(f"{form} input[name=minutes_spent]", "35")
    tech.click(f'{form} button[data-action="complete"]')
    tech.wait_for_selector(f'{card} [data-status="done"]')

    # and hands the phone to the customer, who signs on the screen
    tech.click(f'{card} a[data-action="confirm"]')
    tech.wait_for_selector("#action-confirm[open]")
    pad = tech.locator("[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    tech.mouse.move(box["x"] + 20, box["y"] + 100)
    tech.mouse.down()
    for step in range(1, 12):
        tech.mouse.move(box["x"] + 20 + step * 25, box["y"] + 100 - (step % 3) * 30)
    tech.mouse.up()
    assert tech.input_value("[data-signature-value]").startswith("data:image/png;base64,")
    tech.click('form[data-action-form="confirm"] button[data-action="confirm"]')
    tech.wait_for_selector('[data-testid="status"][data-status="confirmed"]')

    # then the work order is confirmed by signature, and the owner is still the agent
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    confirmation = order.confirmations.get()
    assert confirmation.method == "signature"
    assert confirmation.confirmed_by_name == "王先生"
    assert order.first_contact_owner == cast.agent
    for page in (agent, head, tech):
        page.context.close()
