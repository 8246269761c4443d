"""Complaint fixtures: a finance person, a customer, a service type, and helpers to register a
complaint (``complain``) at a set time (``at``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fuwu.catalogue.services import service_type_create
from fuwu.customers.services import customer_create
from fuwu.lib.errors import BusinessError
from fuwu.org.models import Role
from fuwu.org.services import staff_create

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def allowed_actions(error: BusinessError) -> list[str]:
    """The actions a refusal (409) names as possible instead."""
    actions = error.extra["allowed_actions"]
    assert isinstance(actions, list)
    return actions


@pytest.fixture
def finance(cast):
    """会计钱 of 总经理室, the finance role (verifies and allocates complaint costs)."""
    return staff_create(
        organisation=cast.organisation,
        username="finance",
        full_name="会计钱",
        department=cast.management,
        roles=[Role.FINANCE],
        phone="13800009999",
        password="test12345",
    )


@pytest.fixture
def leak_repair(cast):
    """漏水维修, routed to 工程维修部."""
    return service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="water-leak",
        name="漏水维修",
        category="free",
        sla_class="standard",
        default_department=cast.repair,
    )


@pytest.fixture
def household(cast):
    return customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        department=cast.service,
        addresses=[{"building": "12号楼", "unit": "3单元", "room": "1502室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )


@pytest.fixture
def complain(cast, household, leak_repair):
    """``complain(**overrides)`` → a complaint the agent takes on the phone from 王先生 about the
    leak repair (handled by 工程维修部, severity "general": a head handles it and approves the plan).
    ``by`` and ``now`` may be overridden too; the other keywords are ``ComplaintInput`` fields."""
    from fuwu.complaints.services import ComplaintInput, complaint_create

    def make(*, by: Any = None, now: datetime | None = None, **overrides: Any):
        values: dict[str, Any] = {
            "channel": "phone",
            "subject": "维修态度差",
            "description": "维修工上门时态度恶劣，问题也没解决",
            "object": "service_attitude",
            "customer_id": household.pk,
            "service_type_id": leak_repair.pk,
            "department_id": cast.repair.pk,
        }
        values.update(overrides)
        return complaint_create(
            organisation=cast.organisation, by=by or cast.agent, data=ComplaintInput(**values), now=now
        )

    return make
