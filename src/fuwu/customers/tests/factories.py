"""Building customers for tests through the real services (so search words and events are right)."""

from __future__ import annotations

from typing import Any

from fuwu.customers.models import Customer
from fuwu.customers.services import customer_create
from fuwu.org.models import Department, Organisation


def make_customer(
    organisation: Organisation,
    name: str = "张三",
    *,
    department: Department | None = None,
    phones: tuple[str, ...] = ("13812345678",),
    building: str = "12",
    unit: str = "3",
    room: str = "1502",
    **values: Any,
) -> Customer:
    return customer_create(
        organisation=organisation,
        by=None,
        name=name,
        department=department,
        phones=[{"number": n} for n in phones],
        addresses=[{"building": building, "unit": unit, "room": room}] if building or room else [],
        **values,
    )
