"""A paid job finished at the door: the technician records the warranty finding on site (判定保修状态),
the head is asked at once to approve the paid service, the fee is recorded meanwhile and collected
once approved; completing afterwards never asks a second time (三包, 004 第十条 部门经理核签)."""

from __future__ import annotations

import pytest

from fuwu.approvals.models import ApprovalStatus
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.org.services import staff_create
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status
from fuwu.workorders.rules import Action, PaidServiceStep, paid_service_step

from .conftest import at


def find(cast, order, warranty_status="out_of_warranty", by=None, when=None):
    return wo.work_order_record_warranty(
        work_order=order,
        by=by or cast.tech,
        warranty_status=warranty_status,
        note="燃气热水器已过三包期",
        now=when or at(2026, 11, 23, 10, 45),
    )


def complete(cast, order, warranty_status="out_of_warranty", when=None):
    return wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="热交换器漏水",
        work_done="更换热交换器",
        warranty_status=warranty_status,
        minutes_spent=50,
        now=when or at(2026, 11, 23, 11, 30),
    )


def paid_approvals(order):
    return order.approvals.filter(kind="paid_service")


@pytest.mark.parametrize(
    ("decision", "paid", "needs", "expected"),
    [
        (None, True, True, PaidServiceStep(is_paid=True, ask_approval=True)),
        ("pending", True, True, PaidServiceStep(is_paid=True)),
        ("approved", True, True, PaidServiceStep(is_paid=True)),
        ("denied", True, True, PaidServiceStep(is_paid=False)),
        (None, True, False, PaidServiceStep(is_paid=True)),
        ("pending", False, True, PaidServiceStep(is_paid=False, withdraw_pending=True)),
        (None, False, True, PaidServiceStep(is_paid=False)),
    ],
)
def test_the_rule_asks_once_and_a_heads_no_stands(decision, paid, needs, expected):
    assert paid_service_step(paid_finding=paid, needs_approval=needs, decision=decision) == expected


def test_on_site_the_finding_asks_the_head_at_once_and_the_fee_waits_for_the_approval(cast, steps):
    # given the technician at the door
    order = steps.on_site()
    # when he finds the product out of warranty
    order = find(cast, order)
    # then the work is paid, the head's approval is asked now and the head told, the order still on site
    assert (order.status, order.is_paid, order.warranty_finding) == (Status.ON_SITE, True, "out_of_warranty")
    approval = paid_approvals(order).get()
    assert approval.status == ApprovalStatus.PENDING
    assert "燃气热水器已过三包期" in approval.reason
    told = Notification.objects.get(recipient=cast.head_repair, kind="approval_requested")
    assert told.work_order == order
    assert Event.objects.for_subject(order).filter(action="work_order.warranty_recorded").exists()
    # a fee may be recorded at once, collecting waits for the head
    line = wo.work_order_record_fee(
        work_order=order,
        by=cast.tech,
        fee_item=order.service_type.fee_items.get(),
        now=at(2026, 11, 23, 10, 50),
    )
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_collect_fee(
            work_order=order,
            by=cast.tech,
            fee_line_id=line.pk,
            receipt_number="FP-0042",
            now=at(2026, 11, 23, 10, 51),
        )
    assert set(refused.value.fields) == {"receipt_number"}
    # the technician cannot approve; the head approves from the notification
    with pytest.raises(PermissionDeniedError):
        wo.work_order_decide_paid_service(
            work_order=order, by=cast.tech, approve=True, now=at(2026, 11, 23, 10, 52)
        )
    wo.work_order_decide_paid_service(
        work_order=order, by=cast.head_repair, approve=True, now=at(2026, 11, 23, 10, 55)
    )
    line = wo.work_order_collect_fee(
        work_order=order,
        by=cast.tech,
        fee_line_id=line.pk,
        receipt_number="FP-0042",
        now=at(2026, 11, 23, 11, 0),
    )
    assert (line.is_collected, line.receipt_number) == (True, "FP-0042")
    # completing out of warranty afterwards does not ask a second time
    complete(cast, order)
    order.refresh_from_db()
    assert (order.status, order.is_paid) == (Status.DONE, True)
    assert paid_approvals(order).count() == 1
    assert Notification.objects.filter(recipient=cast.head_repair, kind="approval_requested").count() == 1


def test_completing_while_the_approval_is_pending_keeps_that_one_request(cast, steps):
    order = find(cast, steps.on_site())
    complete(cast, order)
    order.refresh_from_db()
    assert paid_approvals(order).get().status == ApprovalStatus.PENDING
    assert order.is_paid


def test_after_the_head_said_no_the_work_stays_free_at_completion(cast, steps):
    order = find(cast, steps.on_site())
    wo.work_order_decide_paid_service(
        work_order=order, by=cast.head_repair, approve=False, note="老客户, 免费", now=at(2026, 11, 23, 11, 0)
    )
    # the finding recorded again, then the completion: no new request, still free
    find(cast, order, warranty_status="misuse", when=at(2026, 11, 23, 11, 10))
    complete(cast, order)
    order.refresh_from_db()
    assert not order.is_paid
    assert list(paid_approvals(order).values_list("status", flat=True)) == [ApprovalStatus.DENIED]
    assert Action.RECORD_FEE not in wo.allowed_actions(cast.tech, order)


def test_recording_the_finding_again_never_asks_twice(cast, steps):
    order = find(cast, steps.on_site())
    find(cast, order, warranty_status="misuse", when=at(2026, 11, 23, 10, 50))
    assert paid_approvals(order).count() == 1


def test_a_finding_corrected_to_in_warranty_withdraws_the_request_and_drops_the_fees(cast, steps):
    order = find(cast, steps.on_site())
    wo.work_order_record_fee(
        work_order=order, by=cast.tech, description="材料费", unit_price="80", now=at(2026, 11, 23, 10, 50)
    )
    order = find(cast, order, warranty_status="in_warranty", when=at(2026, 11, 23, 10, 55))
    assert not order.is_paid
    assert paid_approvals(order).get().status == ApprovalStatus.WITHDRAWN
    assert not order.fees.exists()
    # found paid once more: asked again (the withdrawn request does not count)
    order = find(cast, order, when=at(2026, 11, 23, 11, 0))
    assert paid_approvals(order).filter(status=ApprovalStatus.PENDING).count() == 1


def test_collected_fees_keep_the_work_paid(cast, steps):
    order = find(cast, steps.on_site())
    wo.work_order_decide_paid_service(
        work_order=order, by=cast.head_repair, approve=True, now=at(2026, 11, 23, 10, 50)
    )
    wo.work_order_record_fee(
        work_order=order,
        by=cast.tech,
        description="材料费",
        unit_price="80",
        receipt_number="FP-7",
        now=at(2026, 11, 23, 10, 55),
    )
    with pytest.raises(ValidationFailed) as refused:
        find(cast, order, warranty_status="in_warranty", when=at(2026, 11, 23, 11, 0))
    assert "warranty_status" in refused.value.fields


def test_the_finding_is_made_on_the_job_by_whoever_does_it(cast, steps):
    order = steps.dispatched()
    with pytest.raises(PermissionDeniedError):
        find(cast, order, by=cast.agent)
    done = steps.done()
    with pytest.raises(ConflictError):
        find(cast, done)
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_record_warranty(
            work_order=order, by=cast.tech, warranty_status="maybe", now=at(2026, 11, 23, 10, 45)
        )
    assert "warranty_status" in refused.value.fields


def test_heads_who_may_not_see_the_work_order_are_not_told_the_director_is(cast, receive):
    # given a confidential request (秘密) the head of the department is not cleared for, and a cleared technician
    cleared = staff_create(
        organisation=cast.organisation,
        username="tech_cleared",
        full_name="维修工老孙",
        department=cast.repair,
        roles=["technician"],
        phone="13800009999",
        password="test12345",
        clearance=1,
    )
    order = receive(confidentiality=1, by=cast.director)
    wo.work_order_dispatch(
        work_order=order, by=cast.director, technician=cleared, now=at(2026, 11, 23, 10, 3)
    )
    find(cast, order, by=cleared)
    assert paid_approvals(order).filter(status=ApprovalStatus.PENDING).exists()
    assert not Notification.objects.filter(recipient=cast.head_repair, kind="approval_requested").exists()
    assert Notification.objects.filter(recipient=cast.director, kind="approval_requested").exists()
