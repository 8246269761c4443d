"""The clocks engine's sweep with work orders as its process: clocks left with no level by a shorter
chain move on and never stall other organisations' escalations; an absent head's escalation reaches
whoever handles their work (A/B)."""

from __future__ import annotations

from datetime import timedelta

from fuwu.catalogue.services import service_type_create
from fuwu.clocks.sweep import BATCH, sweep
from fuwu.customers.services import customer_create
from fuwu.notify.models import Notification
from fuwu.org.services import absence_record, duty_create
from fuwu.policy.presets import preset_text
from fuwu.policy.services import policy_publish
from fuwu.workorders.models import Clock, ClockKind, Escalation, WorkOrder

from .conftest import at

DISPATCH_DUE = at(2026, 11, 23, 10, 5)  # the cast's phone call at 10:00: dispatch within 5 minutes
TWO_LEVELS = (
    'dispatch = [{after_minutes = 0, role = "department_head"}, {after_minutes = 30, role = "director"}]'
)
ONE_LEVEL = 'dispatch = [{after_minutes = 0, role = "department_head"}]'


def escalations(order):
    return list(
        Escalation.objects.filter(work_order=order, clock__kind=ClockKind.DISPATCH)
        .order_by("level")
        .values_list("level", "role")
    )


def stale_work_order(cast, count: int) -> WorkOrder:
    """A work order of the other organisation (governed by its active policy: no stored version) whose
    ``count`` dispatch clocks fired level 1 at 08:05 under a two-level chain, level 2 due at 08:35;
    then a new policy version shortens the chain to one level."""
    other = cast.other_organisation
    preset = preset_text("property")
    assert TWO_LEVELS in preset
    service_type = service_type_create(
        organisation=other, by=None, code="repair", name="维修", category="paid", sla_class="standard"
    )
    customer = customer_create(organisation=other, by=None, name="李女士", phones=[{"number": "13700000000"}])
    received = at(2026, 11, 23, 8, 0)
    work_order = WorkOrder.objects.create(
        organisation=other,
        number="OTHER-0001",
        channel="phone",
        service_type=service_type,
        sla_class="standard",
        customer=customer,
        caller_name="李女士",
        caller_phone="13700000000",
        description="漏水",
        first_contact_owner=cast.outsider,
        received_at=received,
    )
    due = received + timedelta(minutes=5)
    Clock.objects.bulk_create(
        Clock(
            work_order=work_order,
            kind=ClockKind.DISPATCH,
            amount=5,
            unit="calendar_minutes",
            started_at=received,
            due_at=due,
            breached_at=due,
            escalation_level=1,
            next_escalation_at=due + timedelta(minutes=30),
        )
        for _ in range(count)
    )
    policy_publish(
        organisation=other,
        text=preset.replace(TWO_LEVELS, ONE_LEVEL),
        reason="派工只报主管",
        by=cast.outsider,
    )
    return work_order


def test_clocks_left_without_a_level_never_stall_another_organisations_escalation(cast, receive):
    # given more than a batch of clocks in the other organisation whose chain has no level left …
    stale = stale_work_order(cast, BATCH + 20)
    # … all due before the cast's work order, whose dispatch clock falls due at 10:05
    order = receive()
    # when the sweep runs at 10:05
    result = sweep(DISPATCH_DUE)
    # then the cast's clock escalated in the same sweep
    assert escalations(order) == [(1, "department_head")]
    assert result.escalated == 1
    # and the clocks with no level left moved on: nothing is due for them any more
    assert result.moved_on == BATCH + 20
    assert not stale.clocks.filter(next_escalation_at__isnull=False).exists()
    assert not Escalation.objects.filter(work_order=stale).exists()
    # so the next sweep reads none of them and fires the next level on time
    again = sweep(at(2026, 11, 23, 10, 35))
    assert (again.escalated, again.moved_on) == (1, 0)
    assert escalations(order) == [(1, "department_head"), (2, "director")]


def test_a_clock_whose_next_level_moved_later_waits_for_it(cast, receive):
    order = receive()
    clock = order.clocks.get(kind=ClockKind.DISPATCH)
    # a stored next escalation earlier than the chain says (the chain's level 1 is at the deadline)
    Clock.objects.filter(pk=clock.pk).update(next_escalation_at=DISPATCH_DUE - timedelta(minutes=3))
    result = sweep(DISPATCH_DUE - timedelta(minutes=1))
    assert (result.escalated, result.moved_on) == (0, 1)
    clock.refresh_from_db()
    assert clock.next_escalation_at == DISPATCH_DUE
    assert sweep(DISPATCH_DUE).escalated == 1


def test_an_absent_heads_escalation_goes_to_whoever_handles_their_work(cast, receive):
    # given the repair head is away on the day, and the service head is their B
    duty_create(
        department=cast.repair,
        name="维修主管",
        primary=cast.head_repair,
        backup=cast.head_service,
        by=cast.admin,
    )
    absence_record(
        person=cast.head_repair,
        kind="leave",
        starts_at=at(2026, 11, 23, 8, 0),
        ends_at=at(2026, 11, 24, 8, 0),
        by=cast.admin,
    )
    order = receive()
    # when the dispatch deadline is missed
    assert sweep(DISPATCH_DUE).escalated == 1
    # then level 1 reached B, not the absent head
    fired = Escalation.objects.get(work_order=order, level=1)
    assert fired.notified == [cast.head_service.pk]
    assert Notification.objects.filter(recipient=cast.head_service, kind="breached").count() == 1
    assert not Notification.objects.filter(recipient=cast.head_repair, kind="breached").exists()


def test_a_present_head_is_escalated_to_as_before(cast, receive):
    duty_create(
        department=cast.repair,
        name="维修主管",
        primary=cast.head_repair,
        backup=cast.head_service,
        by=cast.admin,
    )
    # the absence is over before the deadline
    absence_record(
        person=cast.head_repair,
        kind="leave",
        starts_at=at(2026, 11, 22, 8, 0),
        ends_at=at(2026, 11, 23, 9, 0),
        by=cast.admin,
    )
    order = receive()
    assert sweep(DISPATCH_DUE).escalated == 1
    assert Escalation.objects.get(work_order=order, level=1).notified == [cast.head_repair.pk]
