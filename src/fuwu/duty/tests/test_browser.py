"""End to end in Chromium on a 390 px phone: at the change of shift (07:45, the next agent arrives
10 minutes early) the outgoing agent opens "My shifts", writes the handover — the open work order
assigned to her listed with its link, the radios, petty cash and keys counted — and signs it; the
incoming agent, signed in on her own phone, reads it from "My shifts" and acknowledges it before
her shift begins. No page is wider than the phone's screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fuwu.catalogue.services import service_type_create
from fuwu.customers.services import customer_create
from fuwu.duty import services
from fuwu.duty.models import Handover
from fuwu.testing.browser import PHONE, fits, new_page, overflowing
from fuwu.testing.cast import build_cast
from fuwu.workorders.models import WorkOrder

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLANNED = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
CHANGE = datetime(2026, 11, 11, 8, 0, tzinfo=SHANGHAI)
POST = "呼叫中心值班"


@pytest.mark.browser
def test_a_handover_written_and_acknowledged_on_phones(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    cast = build_cast("utility")
    outgoing = services.shift_create(
        organisation=cast.organisation,
        by=cast.head_service,
        department=cast.service,
        post=POST,
        person=cast.agent,
        starts_at=CHANGE - timedelta(hours=24),
        ends_at=CHANGE,
        now=PLANNED,
    )
    services.shift_create(
        organisation=cast.organisation,
        by=cast.head_service,
        department=cast.service,
        post=POST,
        person=cast.agent2,
        starts_at=CHANGE,
        ends_at=CHANGE + timedelta(hours=24),
        now=PLANNED,
    )
    heating = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="heating",
        name="暖气不热",
        category="free",
        sla_class="standard",
        default_department=cast.service,
    )
    customer = customer_create(
        organisation=cast.organisation, by=cast.agent, name="王先生", department=cast.service
    )
    open_one = WorkOrder.objects.create(
        organisation=cast.organisation,
        number="RX2611-00042",
        channel="phone",
        service_type=heating,
        customer=customer,
        sla_class="standard",
        caller_name="王先生",
        caller_phone="13912345678",
        description="12号楼3单元1502室 暖气不热",
        first_contact_owner=cast.agent,
        intake_department=cast.service,
        department=cast.service,
        assignee=cast.agent,
        status="dispatched",
        received_at=PLANNED,
    )
    base = live_server.url

    with time_machine.travel(CHANGE - timedelta(minutes=15), tick=True):
        # the outgoing agent, on her phone: My shifts → write the handover
        agent = new_page(chromium_browser, live_server, browser_login, "agent", PHONE)
        agent.goto(f"{base}/duty/")
        assert fits(agent), overflowing(agent)
        with agent.expect_navigation():
            agent.click(f'[data-shift="{outgoing.pk}"] [data-testid="write-handover"]')
        assert agent.url.endswith(f"/duty/shifts/{outgoing.pk}/handover/")
        assert fits(agent), overflowing(agent)
        assert "客服小李" in agent.inner_text('[data-testid="incoming"]')
        link = agent.locator(f'[data-testid="open-items"] a[href="/work-orders/{open_one.pk}/"]')
        assert link.inner_text() == "RX2611-00042"
        # the rows the seed names (radios, petty cash, keys, receipts) are there: count them
        agent.fill('[name="items-0-count"]', "2")
        agent.fill('[name="items-1-count"]', "500")
        agent.fill('[name="items-2-text"]', "机房钥匙")
        agent.fill('[name="items-2-count"]', "3")
        agent.fill('[name="items-3-text"]', "")
        agent.select_option('[name="items-4-kind"]', "incident")
        agent.fill('[name="items-4-text"]', "3号楼凌晨停暖，已报抢修")
        agent.fill('[name="notes"]', "夜间来电较多，12号楼住户反映暖气不热")
        with agent.expect_navigation():
            agent.click('[data-testid="hand-over"]')
        handover = Handover.objects.get()
        assert agent.url.endswith(f"/duty/handovers/{handover.pk}/")
        assert fits(agent), overflowing(agent)
        assert agent.is_visible('[data-testid="unacknowledged"]')
        assert agent.locator('[data-action="acknowledge"]').count() == 0  # not her own
        items = [(i.kind, i.text, i.count) for i in handover.items.all()]
        assert items[1:] == [
            ("cash", items[1][1], 500),
            ("key", "机房钥匙", 3),
            ("incident", "3号楼凌晨停暖，已报抢修", None),
        ]
        assert items[0][0] == "equipment"
        assert items[0][2] == 2

        # the incoming agent, on her phone, ten minutes early
        agent2 = new_page(chromium_browser, live_server, browser_login, "agent2", PHONE)
        agent2.goto(f"{base}/duty/")
        assert fits(agent2), overflowing(agent2)
        with agent2.expect_navigation():
            agent2.click(f'[data-handover="{handover.pk}"] [data-testid="open-handover"]')
        assert fits(agent2), overflowing(agent2)
        assert "客服小张" in agent2.inner_text('[data-testid="written-by"]')
        assert (
            agent2.locator(f'[data-testid="open-items"] a[href="/work-orders/{open_one.pk}/"]').count() == 1
        )
        assert "机房钥匙" in agent2.inner_text('[data-testid="hand-items"]')
        agent2.fill("#id_acknowledge_note", "钥匙3把、备用金500元已点清")
        with agent2.expect_navigation():
            agent2.click('[data-action="acknowledge"]')
        assert agent2.is_visible('[data-testid="acknowledged"]')
        assert not agent2.is_visible('[data-testid="late"]')
        assert "客服小李" in agent2.inner_text('[data-testid="acknowledged-by"]')
        assert fits(agent2), overflowing(agent2)

    handover.refresh_from_db()
    assert handover.acknowledged_by == cast.agent2
    assert handover.acknowledged_at is not None
    assert handover.acknowledged_at < CHANGE
    assert not handover.is_late(CHANGE + timedelta(hours=1))
