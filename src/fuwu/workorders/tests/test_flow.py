"""The central workflow, from the phone call to the closed work order, through the services."""

from __future__ import annotations

from fuwu.notify.models import Notification, OutboxMessage
from fuwu.testing.sms import confirmation_code
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status

from .conftest import at


def test_phone_call_to_closed_work_order(cast, receive):
    order = receive()
    assert order.number == "GD2611-00001"
    assert order.status == Status.ROUTED  # the service type routes it to 工程维修部
    assert order.first_contact_owner == cast.agent

    order = wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    assert order.assignee == cast.tech
    wo.work_order_accept(work_order=order, by=cast.tech, now=at(2026, 11, 23, 10, 4))
    wo.work_order_arrive(work_order=order, by=cast.tech, now=at(2026, 11, 23, 10, 40))
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status="not_applicable",
        minutes_spent=35,
        now=at(2026, 11, 23, 11, 20),
    )
    wo.work_order_decide_paid_service(
        work_order=order, by=cast.head_repair, approve=True, now=at(2026, 11, 23, 11, 25)
    )
    wo.work_order_record_fee(
        work_order=order,
        by=cast.tech,
        fee_item=order.service_type.fee_items.get(),
        receipt_number="FP-0001",
        now=at(2026, 11, 23, 11, 26),
    )
    wo.work_order_send_confirmation_code(work_order=order, by=cast.tech, now=at(2026, 11, 23, 11, 27))
    sms = OutboxMessage.objects.filter(work_order=order).order_by("-id").first()
    code = confirmation_code(sms)
    wo.work_order_confirm(
        work_order=order,
        by=cast.tech,
        method="sms_code",
        code=code,
        confirmed_by_name="王先生",
        now=at(2026, 11, 23, 11, 28),
    )
    order = wo.work_order_close(work_order=order, by=cast.agent, now=at(2026, 11, 23, 14, 0))

    assert order.status == Status.CLOSED
    assert order.first_contact_owner == cast.agent
    assert Notification.objects.filter(recipient=cast.agent, kind="result", work_order=order).exists()
    actions = list(Event.objects.for_subject(order).values_list("action", flat=True))
    assert actions[0] == "work_order.received"
    assert actions[-1] == "work_order.closed"
    assert all(c.met_at is not None for c in order.clocks.all())
