"""End to end in Chromium on a 390 px phone: a work order is finished on Monday; on Tuesday morning
the agent opens the home page, sees the call due today, opens it, dials, finds the customer not
reachable, tries again two business hours later, reads the script and the customer's history, and
records the answers by tapping them; the work order becomes "visited". No page is wider than the
phone's screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fuwu.customers.services import customer_create
from fuwu.testing.browser import PHONE, fits, new_page, overflowing
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.visits.models import Status, Visit
from fuwu.workorders import services as wo
from fuwu.workorders.models import WorkOrder

SHANGHAI = ZoneInfo("Asia/Shanghai")


def moment(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def finished_work_order(cast: Any) -> WorkOrder:
    service = leak_repair_for_browser(cast)
    customer = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        department=cast.service,
        addresses=[{"building": "12号楼", "unit": "3单元", "room": "1502室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )
    order = wo.work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=service,
        customer=customer,
        description="12号楼3单元1502室 卫生间漏水",
        now=moment(23, 10),
    )
    order = wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=moment(23, 10, 3)
    )
    order = wo.work_order_arrive(work_order=order, by=cast.tech, now=moment(23, 10, 40))
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status="not_applicable",
        minutes_spent=35,
        now=moment(23, 11, 20),
    )
    return WorkOrder.objects.get(pk=order.pk)


def take(
    page: Any, action: str, tap: dict[str, str] | None = None, fill: dict[str, str] | None = None
) -> None:
    form = f'form[data-action-form="{action}"]'
    if not page.locator(form).is_visible():
        page.click(f'[data-action-toggle="{action}"]')
    for name, value in (tap or {}).items():
        page.click(f'{form} [data-question="{name}"] label:text-is("{value}")')
    for name, value in (fill or {}).items():
        page.fill(f"{form} [name={name}]", value)
    with page.expect_navigation():
        page.click(f'{form} button[data-action="{action}"]')


@pytest.mark.browser
def test_an_agent_makes_a_return_visit_on_a_phone(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    with time_machine.travel(moment(23, 10), tick=False):
        cast = build_cast()
        order = finished_work_order(cast)
    visit = Visit.objects.get(work_order=order)
    assert visit.visitor == cast.agent  # the first-contact owner, not the technician rated

    with time_machine.travel(moment(24, 9, 5), tick=True):
        page = new_page(chromium_browser, live_server, browser_login, "agent", PHONE)
        base = live_server.url
        page.goto(f"{base}/")
        assert page.get_attribute('[data-visit-bench="today"]', "data-count") == "1"
        assert fits(page), overflowing(page)
        page.click('[data-visit-bench="today"]')
        page.wait_for_url(lambda url: "/visits/" in url)
        assert page.locator("[data-visit]").count() == 1
        assert fits(page), overflowing(page)
        page.click('[data-testid="open-visit"]')
        page.wait_for_url(lambda url: f"/visits/{visit.pk}/" in url)
        assert fits(page), overflowing(page)
        # the number to dial, whole; the script with the questions
        assert page.get_attribute('[data-testid="dial"]', "href") == "tel:13912345678"
        assert "您现在方便吗" in page.inner_text('[data-testid="script"]')
        # the customer's history one tap away
        assert not page.is_visible(f'[data-history-number="{order.number}"]')
        page.click('[data-testid="history-toggle"] summary')
        assert page.is_visible(f'[data-history-number="{order.number}"]')

        # nobody answers: tried again two business hours later
        take(page, "attempt", tap={"outcome": "无法接通"}, fill={"note": "无人接听"})
        assert page.inner_text('[data-testid="attempts"]') == "1"
        assert "11:05" in page.inner_text('[data-testid="next-call"]')
        assert fits(page), overflowing(page)

    with time_machine.travel(moment(24, 11, 6), tick=True):
        page.reload()
        take(
            page,
            "record-answer",
            tap={"answer_timeliness": "满意", "answer_skill": "满意", "answer_attitude": "满意"},
            fill={"answer_suggestions": "希望多上门检查管道"},
        )
        assert page.get_attribute('[data-testid="status"]', "data-status") == Status.DONE
        assert page.is_visible('[data-testid="satisfied"]')
        assert "希望多上门检查管道" in page.inner_text('[data-testid="answers"]')
        assert fits(page), overflowing(page)

    visit.refresh_from_db()
    assert (visit.status, visit.satisfied, visit.counts) == (Status.DONE, True, True)
    assert [a.outcome for a in visit.attempt_log.order_by("number")] == ["unreachable", "answered"]
    assert visit.answers["suggestions"] == "希望多上门检查管道"
    assert WorkOrder.objects.get(pk=order.pk).status == "visited"
