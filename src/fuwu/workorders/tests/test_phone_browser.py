"""On a phone (Chromium, 390×844): a technician's paid job at the door — accept, arrive, the warranty
finding, the head approving from the notification on their phone, the fee recorded and collected with
a receipt number, the report with photos, the customer's signature. At each step: what the person
sees, the card they come back to, and no page wider than the screen. Then the lists on a phone and
the English navigation on a 1366 px screen."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from PIL import Image

from fuwu.approvals.models import ApprovalStatus
from fuwu.catalogue.services import service_type_create
from fuwu.customers.services import customer_create, product_add
from fuwu.testing.browser import DEFAULT_TIMEOUT_MS
from fuwu.testing.cast import build_cast
from fuwu.workcal.models import CalendarDay
from fuwu.workcal.services import calendar_sync_package
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
WIDE_ENGLISH = {"viewport": {"width": 1366, "height": 768}, "locale": "en-GB"}
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def new_page(
    browser: Any,
    live_server: Any,
    login: Callable[..., Any],
    username: str,
    options: dict[str, Any],
    language: str = "zh-hans",
) -> Any:
    context = browser.new_context(**{"locale": "zh-CN", "timezone_id": "Asia/Shanghai", **options})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    if language != "zh-hans":
        context.add_cookies([{"name": "fuwu_language", "value": language, "url": live_server.url}])
    return login(context.new_page(), live_server, username)


def fits(page: Any, width: int = 390) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= width


def in_view(page: Any, selector: str) -> bool:
    """The element's top comes on the screen (Bootstrap scrolls smoothly to a #fragment): the page came
    back to it, not to the top."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.top >= -1 && box.top < window.innerHeight;
        }""",
            arg=selector,
            timeout=3000,
        )
    except PlaywrightTimeout:
        return False
    return True


def png_files(tmp_path: Any, count: int) -> list[str]:
    paths = []
    for index in range(count):
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (40 * index, 120, 200)).save(buffer, format="PNG")
        path = tmp_path / f"spot-{index}.png"
        path.write_bytes(buffer.getvalue())
        paths.append(str(path))
    return paths


def setting(cast: Any) -> tuple[Any, Any, Any]:
    if not CalendarDay.objects.exists():
        calendar_sync_package()
    heater = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="heater",
        name="热水器维修",
        category="free",
        sla_class="standard",
        default_department=cast.repair,
        fee_items=[{"name": "上门检查费", "unit": "次", "price": "30.00"}],
    )
    household = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        department=cast.service,
        addresses=[{"building": "12号楼", "unit": "3单元", "room": "1502室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )
    product = product_add(
        customer=household,
        by=cast.agent,
        name="燃气热水器",
        model="JSQ25",
        serial="A123",
        sale_date=date(2022, 5, 1),
        warranty_ends_on=date(2025, 4, 30),
    )
    return heater, household, product


@pytest.mark.browser
def test_a_paid_job_at_the_door_on_the_technicians_phone(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
    tmp_path: Any,
) -> None:
    # given today's jobs of the technician: two earlier ones, then the paid one (below the fold)
    cast = build_cast()
    heater, household, product = setting(cast)
    for room in ("0801室", "0902室"):
        earlier = wo.work_order_create(
            organisation=cast.organisation,
            by=cast.agent,
            channel="phone",
            service_type=heater,
            customer=household,
            room=room,
            description="热水器点不着火",
        )
        wo.work_order_dispatch(work_order=earlier, by=cast.head_repair, technician=cast.tech)
    order = wo.work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=heater,
        customer=household,
        product=product,
        description="热水器漏水, 已过保修期",
    )
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech)
    base = live_server.url
    card = f"#wo-{order.pk}"

    tech = new_page(chromium_browser, live_server, browser_login, "tech", PHONE)
    tech.goto(f"{base}/work-orders/mine/")
    assert fits(tech)

    # accept and arrive: each time the page comes back to this job's card
    tech.click(f'{card} button[data-action="accept"]')
    tech.wait_for_selector(f'{card} button[data-action="arrive"]')
    assert tech.url.endswith(card)
    assert in_view(tech, card)
    assert fits(tech)
    tech.click(f'{card} button[data-action="arrive"]')
    tech.wait_for_selector(f'{card} [data-status="on_site"]')
    assert in_view(tech, card)
    assert tech.locator(f"{card} .alert-success").count() == 1  # the message is in the card

    # the warranty finding at the door: out of warranty, so paid — the head is asked at once
    warranty = f'{card} form[data-action-form="record-warranty"]'
    tech.select_option(f"{warranty} select[name=warranty_status]", "out_of_warranty")
    tech.fill(f"{warranty} textarea[name=note]", "保修期至 2025-04-30, 已过期")
    tech.click(f'{warranty} button[data-action="record-warranty"]')
    tech.wait_for_selector(f'{card} [data-testid="paid-service"][data-state="pending"]')
    assert in_view(tech, card)
    assert fits(tech)
    assert order.approvals.get(kind="paid_service").status == ApprovalStatus.PENDING

    # the head, on their phone: the unread count shows next to the collapsed menu
    head = new_page(chromium_browser, live_server, browser_login, "head_repair", PHONE)
    head.goto(f"{base}/work-orders/")
    assert head.locator('[data-testid="unread-count-collapsed"]').is_visible()
    assert head.locator('[data-testid="toggler-unread"]').count() == 1
    assert fits(head)
    head.click('[data-testid="nav-notifications-collapsed"]')
    # two taps from the notification: open it (the decision is open and in view), approve
    head.click(f'[data-testid="notifications"] a:has-text("{order.number}")')
    head.wait_for_selector("#action-approve-paid-service[open]")
    assert in_view(head, "#action-approve-paid-service")
    assert fits(head)
    head.click('form[data-action-form="approve-paid-service"] button[data-action="approve-paid-service"]')
    head.wait_for_selector("#actions .alert-success")
    assert head.url.endswith("#actions")
    assert head.locator('[data-approval-status="approved"]').count() == 1
    assert fits(head)

    # the technician sees the approval, records the fee and collects it with the receipt number
    tech.reload()
    tech.wait_for_selector(f'{card} [data-testid="paid-service"][data-state="approved"]')
    tech.click(f'{card} a[data-action="record-fee"]')
    tech.wait_for_selector("#action-record-fee[open]")
    assert fits(tech)
    fee_form = 'form[data-action-form="record-fee"]'
    tech.select_option(f"{fee_form} select[name=fee_item]", str(heater.fee_items.get().pk))
    tech.click(f'{fee_form} button[data-action="record-fee"]')
    tech.wait_for_selector("#actions .alert-success")
    assert in_view(tech, "#actions")
    tech.click('[data-action-toggle="collect-fee"]')
    tech.fill('form[data-action-form="collect-fee"] input[name=receipt_number]', "SJ-2026-0042")
    tech.click('form[data-action-form="collect-fee"] button[data-action="collect-fee"]')
    tech.wait_for_selector("#actions .alert-success")
    assert "SJ-2026-0042" in tech.locator('[data-testid="fees"]').inner_text()
    assert fits(tech)
    fee = order.fees.get()
    assert (fee.is_collected, fee.receipt_number, fee.amount) == (True, "SJ-2026-0042", 30)

    # completes with photos: the form asks only what a heater needs, the finding already chosen
    tech.goto(f"{base}/work-orders/mine/")
    complete = f'{card} form[data-action-form="complete"]'
    if not tech.locator(complete).is_visible():
        tech.click(f'{card} [data-action-toggle="complete"]')
    assert tech.input_value(f"{complete} select[name=warranty_status]") == "out_of_warranty"
    assert tech.locator(f"{complete} input[name=mileage_km]").count() == 0
    tech.fill(f"{complete} textarea[name=findings]", "热交换器腐蚀漏水")
    tech.fill(f"{complete} textarea[name=work_done]", "更换热交换器, 试机正常")
    tech.fill(f"{complete} input[name=minutes_spent]", "50")
    tech.set_input_files(f"{complete} input[name=photos]", png_files(tmp_path, 2))
    tech.click(f'{complete} button[data-action="complete"]')
    tech.wait_for_selector(f'{card} [data-status="done"]')
    assert in_view(tech, card)
    assert fits(tech)
    order.refresh_from_db()
    report = order.reports.get()
    assert report.photos.count() == 2
    assert order.approvals.filter(kind="paid_service").count() == 1  # decided on site: not asked again
    assert order.is_paid

    # and hands the phone to the customer, who signs on the screen
    tech.click(f'{card} a[data-action="confirm"]')
    tech.wait_for_selector("#action-confirm[open]")
    assert fits(tech)
    assert tech.locator('[data-testid="report-photos"] img').count() == 2
    pad = tech.locator("[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None
    tech.mouse.move(box["x"] + 20, box["y"] + 100)
    tech.mouse.down()
    for step in range(1, 12):
        tech.mouse.move(box["x"] + 20 + step * 25, box["y"] + 100 - (step % 3) * 30)
    tech.mouse.up()
    tech.click('form[data-action-form="confirm"] button[data-action="confirm"]')
    tech.wait_for_selector('[data-testid="status"][data-status="confirmed"]')
    assert fits(tech)
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    assert order.confirmations.get().method == "signature"
    for page in (tech, head):
        page.context.close()


@pytest.mark.browser
def test_lists_fit_a_phone_and_the_english_navigation_fits_1366(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    # given work orders with long names in every list
    cast = build_cast()
    heater, household, product = setting(cast)
    orders = []
    for index in range(4):
        order = wo.work_order_create(
            organisation=cast.organisation,
            by=cast.agent,
            channel="phone",
            service_type=heater,
            customer=household,
            product=product,
            address="高新区科技园南区深南大道一万零八号创新大厦B座十七层" * 2,
            description="热水器漏水" * 10,
        )
        if index:
            wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech)
        orders.append(order)
    base = live_server.url

    # on a phone, every tab of the list, the technician's view, the detail and the notifications fit
    for username in ("agent", "head_repair", "tech"):
        page = new_page(chromium_browser, live_server, browser_login, username, PHONE)
        for tab in (
            "",
            "?tab=all",
            "?tab=first",
            "?tab=assigned",
            "?tab=queue",
            "?tab=overdue",
            "?tab=approval",
        ):
            page.goto(f"{base}/work-orders/{tab}")
            assert fits(page), (username, tab, page.evaluate("document.documentElement.scrollWidth"))
        page.goto(f"{base}/work-orders/?tab=all")
        # rows are stacked: the number reads on one line, labels are not split character by character
        row = page.locator(f'tr[data-number="{orders[0].number}"]')
        number_cell = row.locator("td").first
        assert number_cell.bounding_box()["height"] < 40
        assert row.bounding_box()["width"] <= 390
        for path in ("/work-orders/mine/", f"/work-orders/{orders[1].pk}/", "/notifications/", "/"):
            page.goto(f"{base}{path}")
            assert fits(page), (username, path, page.evaluate("document.documentElement.scrollWidth"))
        page.goto(f"{base}/work-orders/{orders[1].pk}/")
        label = page.locator('[data-testid="clock-table"] tbody tr td').first
        assert label.bounding_box()["height"] < 40  # "派工" / "到场" on one line, not one character each
        page.context.close()

    # in English on a 1366 px screen (and narrower laptops, and wider ones) the navigation stays on one
    # line inside the screen; a department head's bar has the approvals too
    for username, width in (
        ("admin", 1366),
        ("director", 1366),
        ("agent", 1366),
        ("admin", 1280),
        ("admin", 992),
        ("head_repair", 992),
        ("head_repair", 1200),
        ("head_repair", 1400),
    ):
        page = new_page(
            chromium_browser,
            live_server,
            browser_login,
            username,
            {**WIDE_ENGLISH, "viewport": {"width": width, "height": 768}},
            language="en",
        )
        page.goto(f"{base}/work-orders/")
        assert page.evaluate("document.documentElement.lang") == "en"
        assert fits(page, width), (username, width, page.evaluate("document.documentElement.scrollWidth"))
        nav = page.evaluate("""() => {
            const bar = document.querySelector("nav.navbar");
            const items = Array.from(bar.querySelectorAll(".navbar-nav > .nav-item, .navbar-collapse > form, "
                                                        + ".navbar-collapse > a"));
            return {overflow: bar.scrollWidth > bar.clientWidth, height: bar.getBoundingClientRect().height,
                    right: Math.max(...items.map(i => i.getBoundingClientRect().right)),
                    tops: Array.from(new Set(items.map(i => Math.round(i.getBoundingClientRect().top))))};
        }""")
        assert not nav["overflow"], (username, nav)
        assert nav["right"] <= width, (username, nav)
        assert nav["height"] < 80, (username, nav)  # one row
        # the reference data is one click away, in the settings menu
        page.click("#nav-settings")
        page.wait_for_selector("#nav-settings + .dropdown-menu.show")
        assert "Service types" in page.locator("#nav-settings + .dropdown-menu").inner_text()
        # below 1400 px the sections without room on the bar are one click away, in "More"
        inspections = page.locator('nav.navbar ul.navbar-nav > li > a[href="/inspections/"]')
        if width < 1400:
            assert not inspections.is_visible()
            page.click("#nav-more")
            page.wait_for_selector("#nav-more + .dropdown-menu.show")
            assert page.locator('#nav-more + .dropdown-menu a[href="/inspections/"]').is_visible()
        else:
            assert inspections.is_visible()
            # a wide bar keeps only the occasional sections (suppliers, rosters, batches) in "More"
            page.click("#nav-more")
            page.wait_for_selector("#nav-more + .dropdown-menu.show")
            assert not page.locator('#nav-more + .dropdown-menu a[href="/inspections/"]').is_visible()
            assert page.locator('#nav-more + .dropdown-menu a[href="/suppliers/"]').is_visible()
        page.context.close()
