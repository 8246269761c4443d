"""Red light (红灯): staff may explain, only a head (or director) may refuse; nothing negative reaches the
customer before approval and the work order stays open. Deadline extensions need the policy's approver."""

from __future__ import annotations

import pytest

from fuwu.approvals.models import ApprovalStatus
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification, OutboxMessage
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import ClockKind, Status

from .conftest import allowed_actions, at

ANSWER = "该漏水属公共管道, 请联系物业管理处"


def ask_refusal(cast, order, when=None, by=None):
    return wo.work_order_request_rejection(
        work_order=order,
        by=by or cast.agent,
        kind="rejection",
        reason="公共管道, 不属于户内维修",
        answer=ANSWER,
        now=when or at(2026, 11, 23, 10, 2),
    )


def answer_sent(order) -> bool:
    return OutboxMessage.objects.filter(work_order=order, body__contains=ANSWER).exists()


def test_a_refusal_waits_for_the_head_and_nothing_is_sent_before(cast, receive):
    order = receive()
    # when the agent asks to refuse
    request = ask_refusal(cast, order)
    order.refresh_from_db()
    # then the work order is open, awaiting approval, its clocks stand still, the customer hears nothing
    assert order.status == Status.AWAITING_APPROVAL
    assert order.is_open
    assert request.status == ApprovalStatus.PENDING
    assert request.approver_role == "department_head"
    assert not answer_sent(order)
    assert all(c.paused_at == at(2026, 11, 23, 10, 2) for c in order.clocks.filter(met_at__isnull=True))
    assert Notification.objects.filter(recipient=cast.head_repair, kind="approval_requested").exists()


@pytest.mark.parametrize("who", ["agent", "tech", "head_service", "quality"])
def test_only_the_head_of_the_department_or_a_director_may_approve(cast, receive, who):
    order = receive()
    ask_refusal(cast, order)
    events = Event.objects.for_subject(order).count()
    # an agent, a technician, the head of another department, the quality inspector: 403
    with pytest.raises(PermissionDeniedError):
        wo.work_order_approve_rejection(work_order=order, by=getattr(cast, who), now=at(2026, 11, 23, 10, 30))
    # and nothing changed: still waiting, nothing sent, no event
    order.refresh_from_db()
    assert order.status == Status.AWAITING_APPROVAL
    assert order.approvals.get().status == ApprovalStatus.PENDING
    assert not answer_sent(order)
    assert Event.objects.for_subject(order).count() == events


@pytest.mark.parametrize("who", ["head_repair", "director"])
def test_after_approval_the_answer_goes_out_and_the_order_is_rejected(cast, receive, who):
    order = receive()
    ask_refusal(cast, order)
    order = wo.work_order_approve_rejection(
        work_order=order, by=getattr(cast, who), note="同意", now=at(2026, 11, 23, 10, 30)
    )
    assert order.status == Status.REJECTED
    assert not order.is_open
    assert answer_sent(order)
    assert order.approvals.get().decided_by == getattr(cast, who)
    assert not order.clocks.filter(is_active=True, met_at__isnull=True).exists()  # nothing escalates any more
    assert Notification.objects.filter(recipient=cast.agent, kind="result", work_order=order).exists()
    assert Notification.objects.filter(recipient=cast.agent, kind="approval_decided").exists()


def test_a_head_of_a_parent_department_may_approve_for_a_sub_department(cast, receive):
    order = receive(department=cast.plumbing)
    ask_refusal(cast, order)
    assert (
        wo.work_order_approve_rejection(
            work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 10, 30)
        ).status
        == Status.REJECTED
    )


def test_before_routing_the_head_of_the_receiving_department_decides(cast, steps):
    order = steps.received()  # not routed: no department yet
    ask_refusal(cast, order)
    # the head told of it is the one of the receiving department (客服中心) and may approve
    assert Notification.objects.filter(recipient=cast.head_service, kind="approval_requested").exists()
    with pytest.raises(PermissionDeniedError):
        wo.work_order_approve_rejection(work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 10, 30))
    order = wo.work_order_approve_rejection(
        work_order=order, by=cast.head_service, now=at(2026, 11, 23, 10, 30)
    )
    assert order.status == Status.REJECTED


def test_a_denied_refusal_goes_back_to_work_with_the_clocks_moved(cast, receive):
    # given a dispatched order whose arrival is due at 12:00 (2 business hours from 10:00)
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    ask_refusal(cast, order, when=at(2026, 11, 23, 10, 30), by=cast.tech)
    # when the head denies it at 11:00 (30 business minutes later)
    order = wo.work_order_deny_rejection(
        work_order=order, by=cast.head_repair, note="属户内, 应维修", now=at(2026, 11, 23, 11, 0)
    )
    # then it is dispatched again, nothing was sent, and the deadlines moved by the 30 minutes
    assert order.status == Status.DISPATCHED
    assert order.resume_status == ""
    assert not answer_sent(order)
    arrival = order.clocks.get(kind=ClockKind.ARRIVAL)
    assert (arrival.paused_at, arrival.paused_minutes) == (None, 30)
    assert arrival.due_at == at(2026, 11, 23, 14, 0)  # 12:00 + 30 business minutes, after lunch
    # a note is required to deny
    ask_refusal(cast, order, when=at(2026, 11, 23, 11, 5), by=cast.tech)
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_deny_rejection(
            work_order=order, by=cast.head_repair, note=" ", now=at(2026, 11, 23, 11, 10)
        )
    assert "note" in refused.value.fields


def test_a_refusal_asked_while_waiting_for_materials_goes_back_to_waiting(cast, receive):
    # given an order waiting for the customer's materials since 10:02
    order = receive()
    wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    ask_refusal(cast, order, when=at(2026, 11, 23, 10, 30))
    # when the head denies the refusal
    order = wo.work_order_deny_rejection(
        work_order=order, by=cast.head_repair, note="等资料", now=at(2026, 11, 23, 11, 0)
    )
    # then it still waits for the materials, with its clocks still standing
    assert order.status == Status.AWAITING_MATERIALS
    dispatch = order.clocks.get(kind=ClockKind.DISPATCH)
    assert dispatch.paused_at == at(2026, 11, 23, 10, 2)
    assert dispatch.due_at == at(2026, 11, 23, 10, 5)
    # and when the materials arrive it goes back to the department's queue, the whole wait excluded
    order = wo.work_order_materials_received(
        work_order=order, by=cast.agent, received=["身份证明", "漏水照片"], now=at(2026, 11, 23, 11, 2)
    )
    assert order.status == Status.ROUTED
    dispatch.refresh_from_db()
    assert dispatch.due_at == at(2026, 11, 23, 11, 5)
    assert dispatch.paused_minutes == 60


def test_nothing_can_be_done_to_an_order_awaiting_approval_but_decide_or_wait(cast, receive):
    order = receive()
    ask_refusal(cast, order)
    with pytest.raises(ConflictError) as refused:
        wo.work_order_dispatch(
            work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
        )
    assert set(allowed_actions(refused.value)) >= {"approve-rejection", "deny-rejection"}
    with pytest.raises(ConflictError):
        ask_refusal(cast, order)  # one refusal at a time


# --- deadline extensions ----------------------------------------------------------------------


def test_an_extension_needs_the_policys_approver_and_moves_the_deadline(cast, receive):
    order = receive()
    wo.work_order_request_extension(
        work_order=order,
        by=cast.agent,
        clock="resolution",
        amount=2,
        unit="working_days",
        reason="需订购进口配件",
        now=at(2026, 11, 23, 11, 0),
    )
    # the property preset reserves extensions to the director
    assert Notification.objects.filter(recipient=cast.director, kind="approval_requested").exists()
    with pytest.raises(PermissionDeniedError):
        wo.work_order_approve_extension(work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 11, 30))
    wo.work_order_approve_extension(work_order=order, by=cast.director, now=at(2026, 11, 23, 11, 30))
    resolution = order.clocks.get(kind=ClockKind.RESOLUTION)
    assert resolution.due_at == at(2026, 11, 30, 17, 30)  # Thu 26th + 2 working days: Fri 27th, Mon 30th


def test_an_extension_of_a_clock_met_meanwhile_cannot_be_approved(cast, receive):
    order = receive()
    wo.work_order_request_extension(
        work_order=order,
        by=cast.agent,
        clock="dispatch",
        amount=30,
        unit="calendar_minutes",
        reason="人手不足",
        now=at(2026, 11, 23, 10, 1),
    )
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 4)
    )
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_approve_extension(work_order=order, by=cast.director, now=at(2026, 11, 23, 10, 10))
    assert "clock" in refused.value.fields
    wo.work_order_deny_extension(
        work_order=order, by=cast.director, note="已派工", now=at(2026, 11, 23, 10, 10)
    )
