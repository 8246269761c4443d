"""The sweep: approaching-deadline warnings and escalation levels, each fired once — also late (after a
downtime) and with two sweeps running at once."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connections, transaction

from fuwu.notify.models import Notification
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import Clock, ClockKind, Escalation
from fuwu.workorders.sweeps import _escalate, sweep

from .conftest import at

# A phone call at 10:00 on Monday 2026-11-23 (property preset): dispatch within 5 calendar minutes (due
# 10:05; chain: head at once, director 30 min later), arrival within 2 business hours (due 12:00; head,
# director 60 min later), resolution within 3 working days.
DISPATCH_DUE = at(2026, 11, 23, 10, 5)


def escalations(order, kind=ClockKind.DISPATCH):
    return list(
        Escalation.objects.filter(work_order=order, clock__kind=kind)
        .order_by("level")
        .values_list("level", "role")
    )


def test_each_level_fires_once_at_its_time(cast, receive):
    order = receive()

    # just before the deadline: nothing
    assert sweep(at(2026, 11, 23, 10, 4)).escalated == 0
    assert escalations(order) == []

    # at the deadline: level 1, to the head of the department
    assert sweep(DISPATCH_DUE).escalated == 1
    assert escalations(order) == [(1, "department_head")]
    fired = Escalation.objects.get(work_order=order, level=1)
    assert fired.notified == [cast.head_repair.pk]
    assert fired.fired_at == DISPATCH_DUE
    assert (
        Notification.objects.filter(recipient=cast.head_repair, work_order=order, kind="breached").count()
        == 1
    )
    # the technician is not assigned yet; the first-contact owner hears that the deadline was missed
    assert Notification.objects.filter(recipient=cast.agent, work_order=order, kind="breached").count() == 1
    clock = order.clocks.get(kind=ClockKind.DISPATCH)
    assert clock.breached_at == DISPATCH_DUE
    assert clock.escalation_level == 1
    assert clock.next_escalation_at == at(2026, 11, 23, 10, 35)

    # again at the deadline, and until the next level: nothing new
    assert sweep(DISPATCH_DUE).escalated == 0
    assert sweep(at(2026, 11, 23, 10, 34)).escalated == 0
    assert escalations(order) == [(1, "department_head")]

    # 30 minutes after the deadline: level 2, to the director
    assert sweep(at(2026, 11, 23, 10, 35)).escalated == 1
    assert escalations(order) == [(1, "department_head"), (2, "director")]
    assert (
        Notification.objects.filter(recipient=cast.director, work_order=order, kind="escalated").count() == 1
    )
    assert order.clocks.get(kind=ClockKind.DISPATCH).next_escalation_at is None

    # nothing is left to fire, however late
    assert sweep(at(2026, 11, 23, 11, 0)).escalated == 0
    assert Event.objects.for_subject(order).filter(action="work_order.escalated").count() == 2
    # first-contact ownership survives the escalation
    order.refresh_from_db()
    assert order.first_contact_owner == cast.agent


def test_a_sweep_after_a_downtime_fires_every_level_due_once(cast, receive):
    order = receive()
    # the sweep did not run until the next morning
    result = sweep(at(2026, 11, 24, 9, 0))
    # dispatch (10:05, 10:35) and arrival (12:00, 13:00) are past both levels; resolution is not due
    assert escalations(order, ClockKind.DISPATCH) == [(1, "department_head"), (2, "director")]
    assert escalations(order, ClockKind.ARRIVAL) == [(1, "department_head"), (2, "director")]
    assert escalations(order, ClockKind.RESOLUTION) == []
    assert result.escalated == 4
    assert sweep(at(2026, 11, 24, 9, 1)).escalated == 0
    assert Escalation.objects.filter(work_order=order).count() == 4


def test_a_step_done_in_time_does_not_escalate(cast, receive):
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 5)
    )
    assert sweep(at(2026, 11, 23, 10, 40)).escalated == 0
    assert escalations(order) == []


def test_a_paused_clock_does_not_escalate_and_resumes_later(cast, receive):
    order = receive()
    wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    # three minutes of the five were used; waiting for the customer's materials until 16:00
    assert sweep(at(2026, 11, 23, 15, 0)).escalated == 0
    wo.work_order_materials_received(
        work_order=order, by=cast.agent, received=["身份证明", "漏水照片"], now=at(2026, 11, 23, 16, 0)
    )
    # the dispatch deadline moved by the paused time (calendar minutes): 16:03
    assert order.clocks.get(kind=ClockKind.DISPATCH).due_at == at(2026, 11, 23, 16, 3)
    assert sweep(at(2026, 11, 23, 16, 2)).escalated == 0
    assert sweep(at(2026, 11, 23, 16, 3)).escalated == 1


def test_the_approaching_deadline_warning_fires_once(cast, receive):
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    arrival = order.clocks.get(kind=ClockKind.ARRIVAL)
    # arrival due at 12:00 after two business hours; the warning at 80 %: 11:36
    assert arrival.warn_at == at(2026, 11, 23, 11, 36)
    assert sweep(at(2026, 11, 23, 11, 35)).warned == 0
    assert sweep(at(2026, 11, 23, 11, 36)).warned == 1
    assert sweep(at(2026, 11, 23, 11, 37)).warned == 0
    warnings = Notification.objects.filter(work_order=order, kind="approaching")
    # to the technician who must arrive, and to the first-contact owner who follows it
    assert sorted(n.recipient.username for n in warnings) == ["agent", "tech"]


def test_two_sweeps_holding_the_same_stale_clock_fire_the_level_once(cast, receive):
    # given two sweeps that loaded the same clock before either fired it
    order = receive()
    first = Clock.objects.select_related("work_order").get(work_order=order, kind=ClockKind.DISPATCH)
    second = Clock.objects.select_related("work_order").get(work_order=order, kind=ClockKind.DISPATCH)
    # when both escalate at the deadline, one after the other
    assert _escalate(first, DISPATCH_DUE) == 1
    assert _escalate(second, DISPATCH_DUE) == 0
    # then the conditional update let only the first one claim the level
    assert escalations(order) == [(1, "department_head")]
    assert (
        Notification.objects.filter(recipient=cast.head_repair, work_order=order, kind="breached").count()
        == 1
    )
    assert Event.objects.for_subject(order).filter(action="work_order.escalated").count() == 1


def test_the_database_refuses_a_level_twice_and_the_sweep_gives_way(cast, receive):
    order = receive()
    clock = Clock.objects.select_related("work_order").get(work_order=order, kind=ClockKind.DISPATCH)
    # the unique constraint: one row per clock and level
    Escalation.objects.create(
        clock=clock, work_order=order, level=1, role="department_head", fired_at=DISPATCH_DUE
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(
            clock=clock, work_order=order, level=1, role="department_head", fired_at=DISPATCH_DUE
        )
    # a sweep whose claim passed but finds the level recorded gives way and writes nothing
    events = Event.objects.for_subject(order).count()
    assert _escalate(clock, DISPATCH_DUE) == 0
    clock.refresh_from_db()
    assert clock.escalation_level == 0  # its claim was rolled back with the rest
    assert Event.objects.for_subject(order).count() == events
    assert not Notification.objects.filter(work_order=order, kind="breached").exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_running_at_once_in_two_connections_never_duplicate(concurrent_db, cast, receive):
    # given 15 work orders whose dispatch and arrival clocks are both past both levels
    orders = [receive(description=f"{i}号楼 漏水") for i in range(15)]
    now = at(2026, 11, 24, 9, 0)
    start = threading.Barrier(2)
    results, errors = [], []

    def run() -> None:
        try:
            start.wait(timeout=30)
            results.append(sweep(now))
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    # when two sweeps start at the same instant, each in its own thread and database connection
    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then every level of every clock fired exactly once between them
    assert errors == []
    assert sum(r.escalated for r in results) == 15 * 4
    assert Escalation.objects.count() == 15 * 4
    for order in orders:
        assert escalations(order, ClockKind.DISPATCH) == [(1, "department_head"), (2, "director")]
        assert escalations(order, ClockKind.ARRIVAL) == [(1, "department_head"), (2, "director")]
        assert (
            Notification.objects.filter(recipient=cast.director, work_order=order, kind="escalated").count()
            == 2
        )
    assert Event.objects.filter(action="work_order.escalated").count() == 15 * 4
