"""Duty fixtures: a call centre (the utility preset: 24-hour shifts in the heating season) with a
third agent, helpers to put shifts on the roster at set times, and open work orders and complaints
for the handover to collect."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fuwu.catalogue.services import service_type_create
from fuwu.complaints.models import Complaint
from fuwu.duty import services
from fuwu.duty.models import Shift
from fuwu.org.models import Role
from fuwu.org.services import staff_create
from fuwu.testing.cast import Cast, build_cast
from fuwu.workorders.models import WorkOrder

SHANGHAI = ZoneInfo("Asia/Shanghai")
POST = "呼叫中心值班"
PATTERN = "供暖季24小时倒班"  # utility preset: 08:00, 24 hours
_numbers = count(1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


PLANNED = at(2026, 11, 2, 9, 0)  # when the head makes the roster (a Monday of the heating season)


def add_agent(cast: Cast, username: str = "agent3", name: str = "客服小王") -> Any:
    return staff_create(
        organisation=cast.organisation,
        username=username,
        full_name=name,
        department=cast.service,
        roles=[Role.AGENT],
        phone="13800009999",
        password="test12345",
    )


@pytest.fixture
def centre(db: None) -> Cast:
    """The cast in a utility organisation (自来水/供暖 call centre), with a third agent ``agent3``."""
    cast = build_cast("utility")
    cast.agent3 = add_agent(cast)  # type: ignore[attr-defined]
    return cast


@pytest.fixture
def put_on(centre):
    """``put_on(person, start, hours=24, post=POST, department=None, by=None)`` → a shift created by
    the service head at ``PLANNED``."""

    def make(person: Any, start: datetime, hours: int = 24, **overrides: Any) -> Shift:
        values: dict[str, Any] = {
            "organisation": centre.organisation,
            "by": centre.head_service,
            "department": centre.service,
            "post": POST,
            "person": person,
            "starts_at": start,
            "ends_at": start + timedelta(hours=hours),
            "now": PLANNED,
        }
        values.update(overrides)
        return services.shift_create(**values)

    return make


@pytest.fixture
def hotline(centre):
    return service_type_create(
        organisation=centre.organisation,
        by=centre.admin,
        code="heating",
        name="暖气不热",
        category="free",
        sla_class="standard",
        default_department=centre.service,
    )


@pytest.fixture
def household(centre):
    from fuwu.customers.services import customer_create

    return customer_create(
        organisation=centre.organisation,
        by=centre.agent,
        name="王先生",
        department=centre.service,
        addresses=[{"building": "12号楼", "unit": "3单元", "room": "1502室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )


@pytest.fixture
def work_order(centre, hotline, household):
    """``work_order(department=…, assignee=…, status="dispatched", **overrides)`` as test data."""

    def make(department: Any = None, assignee: Any = None, **overrides: Any) -> WorkOrder:
        department = department or centre.service
        values: dict[str, Any] = {
            "organisation": centre.organisation,
            "number": f"WO-{next(_numbers):05d}",
            "channel": "phone",
            "service_type": hotline,
            "customer": household,
            "sla_class": "standard",
            "caller_name": "王先生",
            "caller_phone": "13912345678",
            "description": "12号楼3单元1502室 暖气不热",
            "first_contact_owner": assignee or centre.head_service,
            "intake_department": department,
            "department": department,
            "assignee": assignee,
            "status": "dispatched",
            "received_at": PLANNED,
        }
        values.update(overrides)
        return WorkOrder.objects.create(**values)

    return make


@pytest.fixture
def complaint(centre):
    def make(department: Any = None, **overrides: Any) -> Complaint:
        department = department or centre.service
        values: dict[str, Any] = {
            "organisation": centre.organisation,
            "number": f"2611-{next(_numbers):04d}",
            "channel": "phone",
            "subject": "接线员态度差",
            "description": "来电时接线员不耐烦",
            "object": "service_attitude",
            "severity": "general",
            "handler_role": "department_head",
            "first_contact_owner": centre.head_service,
            "intake_department": department,
            "department": department,
            "responsible_department": department,
            "received_at": PLANNED,
            "registered_at": PLANNED,
        }
        values.update(overrides)
        return Complaint.objects.create(**values)

    return make
