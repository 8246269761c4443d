"""Registering complaints: numbers, clocks from receipt, the first caller, the work-order link,
refusals that write nothing."""

from __future__ import annotations

from fuwu.complaints.models import Caller, ComplaintClock, Status

from .conftest import at


def test_phone_complaint_is_numbered_acknowledged_and_clocked(cast, complain, household):
    complaint = complain(now=at(2026, 11, 3, 10))
    assert complaint.number == "2611-0001"
    assert complaint.status == Status.ACKNOWLEDGED
    assert complaint.first_contact_owner == cast.agent
    assert complaint.severity == "general"
    assert complaint.handler_role == "department_head"
    kinds = {c.kind: c for c in ComplaintClock.objects.filter(complaint=complaint)}
    assert set(kinds) == {"acknowledge", "investigation", "plan", "reply"}
    assert kinds["acknowledge"].met_at is not None
    assert Caller.objects.get(complaint=complaint).phone == "13912345678"


def test_a_complaint_raised_from_a_work_order_brings_its_facts_and_links_both_ways(
    cast, household, leak_repair
):
    from fuwu.complaints.services import complaint_from_work_order
    from fuwu.timeline.display import timeline_display
    from fuwu.timeline.models import Event
    from fuwu.workorders.models import WorkOrder
    from fuwu.workorders.services import work_order_create

    order = work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=leak_repair,
        customer=household,
        description="卫生间漏水",
        now=at(2026, 11, 2, 9),
    )
    WorkOrder.objects.filter(pk=order.pk).update(assignee=cast.tech)
    order.refresh_from_db()
    complaint = complaint_from_work_order(
        order,
        by=cast.agent,
        subject="维修工态度差",
        description="上门时态度恶劣",
        object="service_attitude",
        now=at(2026, 11, 3, 9),
    )
    assert complaint.channel == "work_order"
    assert complaint.work_order == order
    assert complaint.customer == household
    assert complaint.service_type == leak_repair
    assert complaint.department == cast.repair
    assert complaint.caller_phone == order.caller_phone
    assert list(order.complaints.all()) == [complaint]
    created = Event.objects.for_subject(complaint).get(action="complaint.created")
    assert created.changes["people_involved"] == {"after": [cast.tech.pk]}
    raised = Event.objects.for_subject(order).get(action="work_order.complaint_raised")
    assert raised.changes == {"complaint": {"after": complaint.pk}}
    assert timeline_display.is_labelled(WorkOrder, "complaint")
    assert "work_order.complaint_raised" in timeline_display.subjects[WorkOrder].actions


def test_a_public_page_complaint_goes_to_the_intake_duty(cast, household):
    from fuwu.complaints.services import ComplaintInput, complaint_create
    from fuwu.org.services import duty_create

    duty_create(
        department=cast.service,
        name="投诉热线",
        kind="queue",
        primary=cast.agent2,
        backup=cast.agent,
        by=cast.admin,
        is_intake=True,
    )
    complaint = complaint_create(
        organisation=cast.organisation,
        by=None,
        data=ComplaintInput(
            channel="web", subject="噪音", description="夜间施工噪音", caller_phone="13912345678"
        ),
        now=at(2026, 11, 3, 9),
    )
    assert complaint.first_contact_owner == cast.agent2
    assert complaint.logged_by is None
    assert complaint.status == Status.RECEIVED
    assert complaint.intake_department == cast.service
