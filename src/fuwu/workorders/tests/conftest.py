"""Work-order fixtures: a service type, a customer and a helper to receive a request at a set time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fuwu.catalogue.services import service_type_create
from fuwu.customers.services import customer_create
from fuwu.org.services import duty_create
from fuwu.workorders.services import work_order_create

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def leak_repair(cast):
    """漏水维修: paid, routed to 工程维修部, two materials on its checklist, standard SLA class."""
    return service_type_create(
        organisation=cast.organisation, by=cast.admin, code="water-leak", name="漏水维修", category="paid",
        sla_class="standard", default_department=cast.repair,
        materials=[{"name": "身份证明", "is_required": True}, {"name": "漏水照片", "is_required": True}],
        fee_items=[{"name": "上门检查费", "unit": "次", "price": "30.00"}],
    )


@pytest.fixture
def household(cast):
    return customer_create(
        organisation=cast.organisation, by=cast.agent, name="王先生", department=cast.service,
        addresses=[{"building": "12号楼", "unit": "3单元", "room": "1502室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )


@pytest.fixture
def intake_duty(cast):
    return duty_create(department=cast.service, name="报修热线", kind="queue", primary=cast.agent,
                       backup=cast.agent2, by=cast.admin)


@pytest.fixture
def receive(cast, leak_repair, household):
    """``receive(**overrides)`` → a work order received by the agent on the phone."""

    def make(**overrides: Any):
        values: dict[str, Any] = {
            "organisation": cast.organisation, "by": cast.agent, "channel": "phone", "service_type": leak_repair,
            "customer": household, "description": "12号楼3单元1502室 卫生间漏水",
            "now": at(2026, 11, 23, 10, 0),
        }
        values.update(overrides)
        return work_order_create(**values)

    return make
