"""Work-order fixtures: a service type, a customer and a helper to receive a request at a set time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fuwu.catalogue.services import service_type_create
from fuwu.customers.services import customer_create
from fuwu.lib.errors import BusinessError
from fuwu.org.services import duty_create
from fuwu.workorders.services import work_order_create

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def allowed_actions(error: BusinessError) -> list[str]:
    """The actions a refusal (409) names as possible instead."""
    actions = error.extra["allowed_actions"]
    assert isinstance(actions, list)
    return actions


@pytest.fixture
def leak_repair(cast):
    """漏水维修: paid, routed to 工程维修部, two materials on its checklist, standard SLA class."""
    return service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="water-leak",
        name="漏水维修",
        category="paid",
        sla_class="standard",
        default_department=cast.repair,
        materials=[{"name": "身份证明", "is_required": True}, {"name": "漏水照片", "is_required": True}],
        fee_items=[{"name": "上门检查费", "unit": "次", "price": "30.00"}],
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
def intake_duty(cast):
    return duty_create(
        department=cast.service,
        name="报修热线",
        kind="queue",
        primary=cast.agent,
        backup=cast.agent2,
        by=cast.admin,
    )


@pytest.fixture
def receive(cast, leak_repair, household):
    """``receive(**overrides)`` → a work order received by the agent on the phone."""

    def make(**overrides: Any):
        values: dict[str, Any] = {
            "organisation": cast.organisation,
            "by": cast.agent,
            "channel": "phone",
            "service_type": leak_repair,
            "customer": household,
            "description": "12号楼3单元1502室 卫生间漏水",
            "now": at(2026, 11, 23, 10, 0),
        }
        values.update(overrides)
        return work_order_create(**values)

    return make


# --- building work orders in a given state through the services ------------------------------

# A 1×1 PNG, as the signature pad sends it.
PNG_DATA_URL = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="


def png_file(name: str = "photo.png") -> Any:
    """A small real PNG as an uploaded file (a service report's photo)."""
    import base64

    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, base64.b64decode(PNG_DATA_URL.split(",", 1)[1]), content_type="image/png")


@pytest.fixture
def enquiry(cast):
    """咨询: a free service type without a default department (a request stays "received")."""
    return service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="enquiry",
        name="咨询",
        category="free",
        sla_class="standard",
    )


class Steps:
    """Drives a work order of the shared cast through the services, one step at a time, at set times
    (Monday 2026-11-23 from 10:00, a working day)."""

    def __init__(self, cast: Any, receive: Any, enquiry: Any) -> None:
        self.cast, self.receive, self.enquiry = cast, receive, enquiry

    def fresh(self, order: Any) -> Any:
        return type(order).objects.get(pk=order.pk)

    def received(self) -> Any:
        return self.receive(service_type=self.enquiry)

    def routed(self) -> Any:
        return self.receive()

    def dispatched(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.routed()
        return wo.work_order_dispatch(
            work_order=order, by=self.cast.head_repair, technician=self.cast.tech, now=at(2026, 11, 23, 10, 3)
        )

    def on_site(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.dispatched()
        return wo.work_order_arrive(work_order=order, by=self.cast.tech, now=at(2026, 11, 23, 10, 40))

    def awaiting_materials(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.routed()
        wo.work_order_notice_missing(work_order=order, by=self.cast.agent, now=at(2026, 11, 23, 10, 2))
        return self.fresh(order)

    def awaiting_approval(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.routed()
        wo.work_order_request_rejection(
            work_order=order,
            by=self.cast.agent,
            kind="rejection",
            reason="公共管道, 不属于户内维修",
            answer="该漏水属公共管道, 请联系物业管理处",
            now=at(2026, 11, 23, 10, 2),
        )
        return self.fresh(order)

    def deferred(self) -> Any:
        """暂缓办理: "cannot be done now" approved by the head, can be done from Monday 2026-11-30."""
        from datetime import date

        from fuwu.workorders import services as wo

        order = self.routed()
        wo.work_order_request_rejection(
            work_order=order,
            by=self.cast.agent,
            kind="cannot_do_now",
            reason="需整栋停水更换立管",
            answer="需整栋停水更换立管, 物业统一安排后上门维修",
            deferred_until=date(2026, 11, 30),
            now=at(2026, 11, 23, 10, 2),
        )
        wo.work_order_approve_rejection(
            work_order=order, by=self.cast.head_repair, note="同意暂缓", now=at(2026, 11, 23, 10, 30)
        )
        return self.fresh(order)

    def done(self, warranty_status: str = "not_applicable") -> Any:
        from fuwu.workorders import services as wo

        order = self.on_site()
        wo.work_order_complete(
            work_order=order,
            by=self.cast.tech,
            findings="角阀老化",
            work_done="更换角阀",
            warranty_status=warranty_status,
            minutes_spent=35,
            now=at(2026, 11, 23, 11, 20),
        )
        return self.fresh(order)

    def done_with_fee(self) -> Any:
        """Done, the paid service approved by the head, one fee line not collected yet."""
        from fuwu.workorders import services as wo

        order = self.done()
        wo.work_order_decide_paid_service(
            work_order=order, by=self.cast.head_repair, approve=True, now=at(2026, 11, 23, 11, 25)
        )
        wo.work_order_record_fee(
            work_order=order,
            by=self.cast.tech,
            fee_item=order.service_type.fee_items.get(),
            now=at(2026, 11, 23, 11, 26),
        )
        return self.fresh(order)

    def done_refused(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.done()
        wo.work_order_refuse_confirmation(
            work_order=order, by=self.cast.tech, reason="客户认为仍在渗水", now=at(2026, 11, 23, 11, 30)
        )
        return self.fresh(order)

    def confirmed(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.done()
        wo.work_order_confirm(
            work_order=order,
            by=self.cast.tech,
            method="signature",
            signature=PNG_DATA_URL,
            confirmed_by_name="王先生",
            now=at(2026, 11, 23, 11, 30),
        )
        return self.fresh(order)

    def visited(self) -> Any:
        # No service leads to "visited" yet (return visits are another module): set it directly.
        order = self.confirmed()
        type(order).objects.filter(pk=order.pk).update(status="visited")
        return self.fresh(order)

    def closed(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.confirmed()
        return wo.work_order_close(work_order=order, by=self.cast.agent, now=at(2026, 11, 23, 14, 0))

    def rejected(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.awaiting_approval()
        return wo.work_order_approve_rejection(
            work_order=order, by=self.cast.head_repair, now=at(2026, 11, 23, 10, 30)
        )

    def cancelled(self) -> Any:
        from fuwu.workorders import services as wo

        order = self.routed()
        return wo.work_order_cancel(
            work_order=order, by=self.cast.agent, reason="客户自行修好", now=at(2026, 11, 23, 10, 10)
        )

    def with_extension_pending(self, order: Any) -> Any:
        from fuwu.workorders import services as wo

        wo.work_order_request_extension(
            work_order=order,
            by=self.cast.agent,
            clock="resolution",
            amount=2,
            unit="working_days",
            reason="需订购配件",
            now=at(2026, 11, 23, 10, 50),
        )
        return self.fresh(order)


@pytest.fixture
def steps(cast, receive, enquiry):
    return Steps(cast, receive, enquiry)
