"""First-contact ownership (首接负责制) and the A/B hand-over (AB角): the receiver owns the request to its
end whoever handles it; an absent person's work goes to their B."""

from __future__ import annotations

import pytest
import time_machine

from fuwu.lib.errors import ValidationFailed
from fuwu.notify.models import Notification
from fuwu.numbering.models import Sequence
from fuwu.org.services import absence_record, duty_create, staff_create
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status, WorkOrder
from fuwu.workorders.sweeps import sweep

from .conftest import at


@pytest.fixture
def repair_ab(cast):
    """维修岗: A = 老赵 (tech), B = 小钱 (tech2)."""
    return duty_create(
        department=cast.repair, name="维修岗", primary=cast.tech, backup=cast.tech2, by=cast.admin
    )


@pytest.fixture
def gatekeeper(cast):
    return staff_create(
        organisation=cast.organisation,
        username="gate",
        full_name="门卫老刘",
        department=cast.service,
        roles=[],
        is_gatekeeper=True,
    )


def leave(person, starts_at, ends_at, recorded_at):
    with time_machine.travel(recorded_at, tick=False):
        return absence_record(
            person=person, kind="leave", starts_at=starts_at, ends_at=ends_at, note="年假", by=None
        )


# --- ownership --------------------------------------------------------------------------------


def test_ownership_survives_routing_transfer_dispatch_escalation_and_hand_over(cast, receive, repair_ab):
    # given a request the agent took on the phone (routed to 工程维修部 by its service type)
    order = receive()
    assert (order.first_contact_owner, order.intake_department, order.department) == (
        cast.agent,
        cast.service,
        cast.repair,
    )

    # transferred to another department, routed back, dispatched, escalated, handed over to B
    wo.work_order_route(
        work_order=order,
        by=cast.head_repair,
        department=cast.cleaning,
        reason="属保洁",
        now=at(2026, 11, 23, 10, 1),
    )
    wo.work_order_route(
        work_order=order,
        by=cast.agent,
        department=cast.repair,
        reason="仍属维修",
        now=at(2026, 11, 23, 10, 2),
    )
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    assert sweep(at(2026, 11, 23, 12, 1)).escalated == 1  # the arrival deadline (12:00) was missed
    leave(cast.tech, at(2026, 11, 23, 13, 0), at(2026, 11, 25, 17, 30), recorded_at=at(2026, 11, 23, 13, 5))

    # then the handler changed every time, the owner never
    order.refresh_from_db()
    assert order.assignee == cast.tech2
    assert order.first_contact_owner == cast.agent
    assert order.intake_department == cast.service
    actions = list(Event.objects.for_subject(order).values_list("action", flat=True))
    assert actions == [
        "work_order.received",
        "work_order.routed",
        "work_order.routed",
        "work_order.dispatched",
        "work_order.escalated",
        "work_order.handed_over",
    ]
    assert not any("first_contact_owner" in e.changes for e in Event.objects.for_subject(order)[1:])
    # and the owner's list keeps it until it is closed
    assert WorkOrder.objects.filter(first_contact_owner=cast.agent).get() == order


def test_a_transfer_to_another_department_takes_it_off_the_technicians_list(cast, receive):
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    order = wo.work_order_route(
        work_order=order, by=cast.head_repair, department=cast.cleaning, now=at(2026, 11, 23, 10, 20)
    )
    assert (order.status, order.department, order.assignee) == (Status.ROUTED, cast.cleaning, None)
    assert Notification.objects.filter(recipient=cast.head_repair, kind="assigned").exists()


def test_routing_back_to_the_same_departments_queue_unassigns_too(cast, receive):
    order = receive()
    wo.work_order_dispatch(
        work_order=order,
        by=cast.head_repair,
        technician=cast.tech,
        team=[cast.plumber],
        now=at(2026, 11, 23, 10, 3),
    )
    order = wo.work_order_route(
        work_order=order, by=cast.head_repair, department=cast.repair, now=at(2026, 11, 23, 10, 20)
    )
    assert (order.status, order.assignee, list(order.team.all())) == (Status.ROUTED, None, [])


def test_the_gatekeeper_logs_a_visitor_but_must_name_who_receives_them(
    cast, leak_repair, household, gatekeeper
):
    values = dict(
        organisation=cast.organisation,
        by=gatekeeper,
        channel="walk_in",
        service_type=leak_repair,
        customer=household,
        description="访客: 楼上漏水到我家",
        now=at(2026, 11, 23, 9, 0),
    )
    # without naming anyone: a field error, nothing written, no number used
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_create(**values)
    assert "first_contact_owner_id" in refused.value.fields
    # naming themself: refused as well, a gatekeeper is never the owner
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_create(**values, first_contact_owner=gatekeeper)
    assert "first_contact_owner_id" in refused.value.fields
    assert not WorkOrder.objects.exists()
    assert not Sequence.objects.exists()

    # naming the agent who receives the visitor: the agent owns it, the gatekeeper only logged it
    order = wo.work_order_create(**values, first_contact_owner=cast.agent)
    assert (order.first_contact_owner, order.logged_by, order.intake_department) == (
        cast.agent,
        gatekeeper,
        cast.service,
    )
    assert order.number == "GD2611-00001"
    received = Event.objects.for_subject(order).get(action="work_order.received")
    assert received.actor == gatekeeper
    assert "客服小张" in received.reason


@pytest.mark.parametrize("ending", ["done", "closed", "rejected", "cancelled"])
def test_the_owner_is_told_the_result_to_tell_the_customer(cast, steps, ending):
    order = getattr(steps, ending)()
    results = Notification.objects.filter(recipient=cast.agent, work_order=order, kind="result")
    assert results.exists()
    assert all(order.number in n.title for n in results)


# --- A/B at dispatch and when an absence starts -------------------------------------------------


def test_dispatch_to_an_absent_technician_goes_to_their_b_with_the_reason(cast, receive, repair_ab):
    # given 老赵 is on leave until Wednesday 17:30
    leave(cast.tech, at(2026, 11, 23, 8, 30), at(2026, 11, 25, 17, 30), recorded_at=at(2026, 11, 20, 9, 0))
    order = receive()
    # when the head dispatches to 老赵
    order = wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    # then 小钱 (B) has it, and the timeline says why and until when
    assert order.assignee == cast.tech2
    event = Event.objects.for_subject(order).get(action="work_order.dispatched")
    assert event.changes["addressed_to"]["after"]["id"] == cast.tech.pk
    assert "维修工老赵" in event.reason
    assert "2026-11-25 17:30" in event.reason
    assert Notification.objects.filter(recipient=cast.tech2, kind="assigned", work_order=order).exists()
    assert not Notification.objects.filter(recipient=cast.tech, work_order=order).exists()
    assert order.first_contact_owner == cast.agent


def test_dispatch_after_the_absence_ended_goes_to_a(cast, receive, repair_ab):
    leave(cast.tech, at(2026, 11, 20, 8, 30), at(2026, 11, 23, 10, 3), recorded_at=at(2026, 11, 19, 9, 0))
    order = wo.work_order_dispatch(
        work_order=receive(), by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    assert order.assignee == cast.tech


def open_work_of_tech(cast, steps):
    """Three orders of 老赵: dispatched, on site, done (the last is not open work any more)."""
    return steps.dispatched(), steps.on_site(), steps.done()


def test_an_absence_recorded_while_running_hands_open_work_to_b_at_once(cast, steps, repair_ab):
    dispatched, on_site, done = open_work_of_tech(cast, steps)
    # when 老赵's sick leave is recorded at 13:05, having started at 13:00
    absence = leave(
        cast.tech, at(2026, 11, 23, 13, 0), at(2026, 11, 24, 17, 30), recorded_at=at(2026, 11, 23, 13, 5)
    )
    # then his open work is 小钱's, with the reason; done work stays his; owners unchanged
    for order, assignee in ((dispatched, cast.tech2), (on_site, cast.tech2), (done, cast.tech)):
        order.refresh_from_db()
        assert order.assignee == assignee
        assert order.first_contact_owner == cast.agent
    event = Event.objects.for_subject(dispatched).get(action="work_order.handed_over")
    assert "维修工老赵" in event.reason
    assert "2026-11-24 17:30" in event.reason
    absence.refresh_from_db()
    assert absence.handed_over_at == at(2026, 11, 23, 13, 5)
    assert Notification.objects.filter(recipient=cast.tech2, kind="handed_over").count() == 1
    # and the sweep does not hand it over a second time
    assert sweep(at(2026, 11, 23, 13, 6)).handed_over == 0
    assert Event.objects.filter(action="work_order.handed_over").count() == 2


def test_an_absence_recorded_ahead_is_handed_over_by_the_sweep_when_it_starts(cast, steps, repair_ab):
    dispatched, on_site, _ = open_work_of_tech(cast, steps)
    # given a business trip recorded on Monday for Tuesday 08:30 to Thursday
    leave(cast.tech, at(2026, 11, 24, 8, 30), at(2026, 11, 26, 17, 30), recorded_at=at(2026, 11, 23, 15, 0))
    dispatched.refresh_from_db()
    assert dispatched.assignee == cast.tech  # nothing moves before it starts
    # when the sweep runs just before, at and after the start
    assert sweep(at(2026, 11, 24, 8, 29)).handed_over == 0
    assert sweep(at(2026, 11, 24, 8, 30)).handed_over == 2
    assert sweep(at(2026, 11, 24, 8, 31)).handed_over == 0
    # then the open work moved once, to B, and the owner is unchanged
    for order in (dispatched, on_site):
        order.refresh_from_db()
        assert (order.assignee, order.first_contact_owner) == (cast.tech2, cast.agent)
        assert Event.objects.for_subject(order).filter(action="work_order.handed_over").count() == 1


def test_without_a_b_the_work_goes_to_the_department_head(cast, steps):
    order = steps.dispatched()  # 老赵 has no A/B duty here
    leave(cast.tech, at(2026, 11, 23, 13, 0), at(2026, 11, 24, 17, 30), recorded_at=at(2026, 11, 23, 13, 5))
    order.refresh_from_db()
    assert order.assignee == cast.head_repair


def test_a_team_members_place_goes_to_their_b_when_their_absence_starts(cast, receive):
    from fuwu.org.services import absence_record, duty_create
    from fuwu.workorders import services as wo

    duty_create(
        department=cast.repair, name="水电维修", primary=cast.plumber, backup=cast.tech2, by=cast.admin
    )
    order = receive()
    wo.work_order_dispatch(
        work_order=order,
        by=cast.head_repair,
        technician=cast.tech,
        team=[cast.plumber],
        now=at(2026, 11, 23, 10, 5),
    )
    absence = absence_record(
        person=cast.plumber,
        kind="leave",
        starts_at=at(2026, 11, 23, 12, 0),
        ends_at=at(2026, 11, 25, 17, 30),
        by=cast.head_repair,
    )

    wo.hand_over_open_work(absence=absence, now=at(2026, 11, 23, 12, 0))

    assert set(order.team.all()) == {cast.tech2}
    order.refresh_from_db()
    assert order.assignee == cast.tech
    assert order.first_contact_owner == cast.agent


def test_work_handed_to_b_stays_in_as_view_and_b_handles_it(cast, receive, web):
    from fuwu.org.services import duty_create
    from fuwu.workorders import services as wo

    # given tech's work goes to tech2 (B) when tech's leave starts
    duty_create(department=cast.repair, name="报修受理", primary=cast.tech, backup=cast.tech2, by=cast.admin)
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 5)
    )
    from fuwu.org.models import Absence

    absence = Absence.objects.create(
        person=cast.tech, kind="leave", starts_at=at(2026, 11, 23, 12, 0), ends_at=at(2026, 11, 24, 17, 30)
    )
    wo.hand_over_open_work(absence=absence, now=at(2026, 11, 23, 12, 0))
    order.refresh_from_db()

    # then B handles it, and A still sees it in "assigned to me", marked as handled by B
    assert order.assignee == cast.tech2
    assert order.handed_over_from == cast.tech
    page = web(cast.tech).get("/work-orders/", {"tab": "assigned"}).content.decode()
    assert order.number in page
    assert "B角处理中" in page or "B handles" in page
