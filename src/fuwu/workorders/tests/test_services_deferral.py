"""暂缓办理 (000 6.3): "cannot be done now" is not a refusal. Approved by the head, the customer is told
why and from which day it can be done; the request stays open, its clocks stand still (as the policy
says), and on that day it comes back to where it was. It may still be refused or completed later."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from fuwu.approvals.models import ApprovalStatus
from fuwu.lib.display import system_text
from fuwu.lib.errors import ValidationFailed
from fuwu.notify.models import Notification, OutboxMessage
from fuwu.policy.presets import preset_text
from fuwu.policy.services import policy_publish
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.approvals import Details
from fuwu.workorders.models import OPEN_STATUSES, ClockKind, Status
from fuwu.workorders.rules import Action
from fuwu.workorders.sweeps import sweep

from .conftest import at

WHY = "需整栋停水更换立管, 物业统一安排后上门维修"


def ask_deferral(cast, order, day=date(2026, 11, 30), when=None, by=None):
    return wo.work_order_request_rejection(
        work_order=order,
        by=by or cast.agent,
        kind="cannot_do_now",
        reason="立管老化, 需停水施工",
        answer=WHY,
        deferred_until=day,
        now=when or at(2026, 11, 23, 10, 30),
    )


def dispatched(cast, receive):
    order = receive()
    return wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )


def test_a_deferral_names_a_day_after_today_within_the_policys_bound(cast, receive):
    order = receive()
    # no day, today, a day beyond 20 working days (the property preset): each a field error
    for day, problem in [
        (None, "is required"),
        (date(2026, 11, 23), "after today"),
        (date(2026, 12, 22), "at most 20 working days ahead, by 2026-12-21"),
    ]:
        with translation.override("en"), pytest.raises(ValidationFailed) as refused:
            ask_deferral(cast, order, day=day)
        assert problem in refused.value.fields["deferred_until"][0], (day, refused.value.fields)
    # a refusal names no day
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_request_rejection(
            work_order=order,
            by=cast.agent,
            kind="rejection",
            reason="非户内",
            answer="不属维修范围",
            deferred_until=date(2026, 11, 30),
            now=at(2026, 11, 23, 10, 30),
        )
    assert "deferred_until" in refused.value.fields
    order.refresh_from_db()
    assert order.status == Status.ROUTED
    assert not order.approvals.exists()
    # the last day allowed is fine
    assert Details.of(ask_deferral(cast, order, day=date(2026, 12, 21))).deferred_until == date(2026, 12, 21)


def test_until_the_head_approves_nothing_is_told_and_the_head_is_asked_about_a_deferral(cast, receive):
    order = receive()
    request = ask_deferral(cast, order)
    order.refresh_from_db()
    assert order.status == Status.AWAITING_APPROVAL
    assert Details.of(request).deferred_until == date(2026, 11, 30)
    assert not OutboxMessage.objects.filter(work_order=order).exists()
    asked = Notification.objects.get(recipient=cast.head_repair, kind="approval_requested")
    assert "2026-11-30" in asked.title
    assert Event.objects.for_subject(order).filter(action="work_order.deferral_requested").exists()


@pytest.mark.parametrize("who", ["head_repair", "director"])
def test_an_approved_deferral_tells_the_customer_why_and_when_and_stays_open(cast, receive, who):
    # given a dispatched order whose deferral was asked at 10:30
    order = dispatched(cast, receive)
    ask_deferral(cast, order, by=cast.tech)
    # when the head approves it
    order = wo.work_order_approve_rejection(
        work_order=order, by=getattr(cast, who), note="同意暂缓", now=at(2026, 11, 23, 11, 0)
    )
    # then it is deferred, not refused: open, with its day, its clocks standing still
    assert order.status == Status.DEFERRED
    assert order.status in OPEN_STATUSES
    assert order.is_open
    assert order.deferred_until == date(2026, 11, 30)
    assert order.closed_at is None
    assert order.approvals.get().status == ApprovalStatus.APPROVED
    running = order.clocks.filter(is_active=True, met_at__isnull=True)
    assert running.exists()
    assert all(c.paused_at == at(2026, 11, 23, 10, 30) for c in running)
    # and the customer was told why and from when, in one message
    sms = OutboxMessage.objects.get(work_order=order)
    assert WHY in sms.body
    assert "2026-11-30" in sms.body
    assert Notification.objects.filter(
        recipient=cast.agent, kind="result", title__contains="2026-11-30"
    ).exists()
    assert Event.objects.for_subject(order).filter(action="work_order.deferred").exists()
    assert not Event.objects.for_subject(order).filter(action="work_order.rejection_approved").exists()


def test_on_its_day_the_sweep_brings_it_back_where_it_was_with_the_deadlines_moved(cast, receive):
    # given a dispatched order (arrival due 12:00 on Monday 23rd) deferred from 10:30 until Monday 30th
    order = dispatched(cast, receive)
    assert order.clocks.get(kind=ClockKind.ARRIVAL).due_at == at(2026, 11, 23, 12, 0)
    ask_deferral(cast, order, by=cast.tech)
    wo.work_order_approve_rejection(work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 11, 0))
    # the day before, nothing happens
    assert sweep(at(2026, 11, 29, 23, 59)).resumed == 0
    order.refresh_from_db()
    assert order.status == Status.DEFERRED
    # when the sweep runs on the day
    assert sweep(at(2026, 11, 30, 0, 1)).resumed == 1
    # then it is dispatched again, to the same technician, its clocks running, moved by the wait:
    # 90 business minutes were left at 10:30, so the arrival is due at 10:00 on the 30th
    order.refresh_from_db()
    assert (order.status, order.assignee, order.deferred_until, order.resume_status) == (
        Status.DISPATCHED,
        cast.tech,
        None,
        "",
    )
    arrival = order.clocks.get(kind=ClockKind.ARRIVAL)
    assert arrival.paused_at is None
    assert arrival.due_at == at(2026, 11, 30, 10, 0)
    event = Event.objects.for_subject(order).get(action="work_order.resumed")
    assert event.actor is None
    # (the sweep writes in the site's language; a reader gets it in theirs)
    with translation.override("en"):
        titles = [system_text(n.title) for n in Notification.objects.filter(recipient=cast.tech)]
    assert f"{order.number} can be done now (deferred until 2026-11-30)" in titles
    # once only
    assert sweep(at(2026, 11, 30, 0, 2)).resumed == 0
    # and the work is completed as usual
    wo.work_order_arrive(work_order=order, by=cast.tech, now=at(2026, 11, 30, 9, 30))
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="立管已换",
        work_done="更换角阀",
        warranty_status="not_applicable",
        minutes_spent=40,
        now=at(2026, 11, 30, 10, 30),
    )
    order.refresh_from_db()
    assert order.status == Status.DONE


def test_staff_may_resume_before_the_day(cast, receive):
    order = receive()
    ask_deferral(cast, order)
    order = wo.work_order_approve_rejection(
        work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 11, 0)
    )
    assert Action.RESUME in wo.allowed_actions(cast.agent, order)
    order = wo.work_order_resume(
        work_order=order, by=cast.agent, reason="停水提前完成", now=at(2026, 11, 25, 9, 0)
    )
    assert (order.status, order.deferred_until) == (Status.ROUTED, None)
    assert not order.clocks.filter(paused_at__isnull=False).exists()


def test_a_deferred_request_may_still_be_refused_through_the_approval(cast, receive):
    order = receive()
    ask_deferral(cast, order)
    wo.work_order_approve_rejection(work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 11, 0))
    # a refusal asked later, denied: back to deferred, the clocks still standing
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="业主拒绝停水",
        answer="无法施工, 请自行联系",
        now=at(2026, 11, 24, 9, 0),
    )
    order = wo.work_order_deny_rejection(
        work_order=order, by=cast.head_repair, note="继续暂缓", now=at(2026, 11, 24, 9, 30)
    )
    assert (order.status, order.deferred_until) == (Status.DEFERRED, date(2026, 11, 30))
    assert order.clocks.filter(is_active=True, met_at__isnull=True, paused_at__isnull=True).count() == 0
    # asked again and approved: refused, the day gone, nothing left to escalate
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="业主拒绝停水",
        answer="无法施工, 请自行联系",
        now=at(2026, 11, 24, 10, 0),
    )
    order = wo.work_order_approve_rejection(
        work_order=order, by=cast.head_repair, now=at(2026, 11, 24, 10, 30)
    )
    assert (order.status, order.deferred_until) == (Status.REJECTED, None)
    assert not order.clocks.filter(is_active=True, met_at__isnull=True).exists()
    assert sweep(at(2026, 11, 30, 0, 1)).resumed == 0


def test_deferred_again_it_still_comes_back_to_where_it_was_first(cast, receive):
    order = dispatched(cast, receive)
    ask_deferral(cast, order, by=cast.tech)
    wo.work_order_approve_rejection(work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 11, 0))
    ask_deferral(cast, order, day=date(2026, 12, 7), when=at(2026, 11, 27, 9, 0))
    order = wo.work_order_approve_rejection(
        work_order=order, by=cast.head_repair, now=at(2026, 11, 27, 9, 30)
    )
    assert order.deferred_until == date(2026, 12, 7)
    assert sweep(at(2026, 11, 30, 0, 1)).resumed == 0
    assert sweep(at(2026, 12, 7, 0, 1)).resumed == 1
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED


def test_deferred_while_waiting_for_materials_it_goes_back_to_waiting(cast, receive):
    order = receive()
    wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    ask_deferral(cast, order)
    wo.work_order_approve_rejection(work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 11, 0))
    order = wo.work_order_resume(work_order=order, by=cast.agent, now=at(2026, 11, 26, 9, 0))
    assert (order.status, order.resume_status) == (Status.AWAITING_MATERIALS, Status.ROUTED)
    assert order.clocks.filter(paused_at__isnull=False).exists()  # still waiting for the customer
    order = wo.work_order_materials_received(
        work_order=order, by=cast.agent, received=["身份证明", "漏水照片"], now=at(2026, 11, 26, 10, 0)
    )
    assert order.status == Status.ROUTED


def test_a_day_asked_for_that_has_passed_needs_a_new_one_from_the_head(cast, receive):
    order = receive()
    ask_deferral(cast, order, day=date(2026, 11, 25))
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_approve_rejection(work_order=order, by=cast.head_repair, now=at(2026, 11, 25, 9, 0))
    assert "2026-11-25" in refused.value.fields["deferred_until"][0]
    order.refresh_from_db()
    assert order.status == Status.AWAITING_APPROVAL
    order = wo.work_order_approve_rejection(
        work_order=order, by=cast.head_repair, deferred_until=date(2026, 12, 1), now=at(2026, 11, 25, 9, 0)
    )
    assert (order.status, order.deferred_until) == (Status.DEFERRED, date(2026, 12, 1))
    assert "2026-12-01" in OutboxMessage.objects.get(work_order=order).body


def test_a_policy_may_keep_the_clocks_running_while_deferred(cast, receive):
    text = preset_text("property").replace("deferral_pauses_clocks = true", "deferral_pauses_clocks = false")
    policy_publish(organisation=cast.organisation, text=text, reason="暂缓期间照常计时", by=cast.admin)
    order = dispatched(cast, receive)
    ask_deferral(cast, order, by=cast.tech)  # awaiting approval still pauses (pause_statuses)
    order = wo.work_order_approve_rejection(
        work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 11, 0)
    )
    arrival = order.clocks.get(kind=ClockKind.ARRIVAL)
    # the 30 business minutes waiting for the head are added; from then on the clock runs
    assert (arrival.paused_at, arrival.due_at) == (None, at(2026, 11, 23, 14, 0))
