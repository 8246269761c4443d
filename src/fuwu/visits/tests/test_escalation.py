"""A return visit's deadline is a clock of the clocks engine: the one sweep warns the visitor
before it, escalates a visit not made to the heads of the visitor's department at the deadline and
to the director a day later, each level once; a visit answered, not reached after the last attempt
or cancelled stops counting. A complaint's visit has no clock of its own (the complaint's
return-visit clock keeps its deadline)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType

from fuwu.clocks.sweep import sweep
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event
from fuwu.visits import services
from fuwu.visits.models import Visit, VisitClock, VisitEscalation

from .conftest import at

GOOD = {"timeliness": "满意", "skill": "满意", "attitude": "满意"}
DUE = at(2026, 11, 24, 17, 30)  # a work order done Monday 11-23: its visit is due Tuesday's close


def levels(visit: Visit) -> list[tuple[int, str]]:
    return list(VisitEscalation.objects.filter(visit=visit).order_by("level").values_list("level", "role"))


def notified(person, visit: Visit, kind: str) -> int:
    return Notification.objects.filter(
        recipient=person,
        kind=kind,
        subject_type=ContentType.objects.get_for_model(Visit),
        subject_id=visit.pk,
    ).count()


def test_a_visit_not_made_escalates_once_per_level(cast, steps):
    visit = Visit.objects.get(work_order=steps.done())
    (clock,) = VisitClock.objects.filter(visit=visit)
    assert (clock.due_at, clock.met_at, clock.is_active) == (DUE, None, True)

    sweep(DUE - timedelta(minutes=1))
    assert levels(visit) == []
    assert notified(cast.agent, visit, "approaching") == 1  # the visitor is warned

    # at the deadline: the heads of the visitor's department (客服部), once
    sweep(DUE)
    sweep(DUE + timedelta(minutes=5))
    assert levels(visit) == [(1, "department_head")]
    assert VisitEscalation.objects.get(visit=visit, level=1).notified == [cast.head_service.pk]
    assert notified(cast.agent, visit, "breached") == 1

    # a day later the director, once
    sweep(DUE + timedelta(minutes=1439))
    assert levels(visit) == [(1, "department_head")]
    for minutes in (1440, 1441, 3000):
        sweep(DUE + timedelta(minutes=minutes))
    assert levels(visit) == [(1, "department_head"), (2, "director")]
    assert Event.objects.filter(subject_id=visit.pk, action="visit.escalated").count() == 2


def test_a_visit_made_in_time_or_cancelled_never_escalates(cast, steps):
    answered = Visit.objects.get(work_order=steps.done())
    services.visit_record_answer(answered, by=cast.agent, answers=GOOD, now=at(2026, 11, 24, 10, 0))
    clock = VisitClock.objects.get(visit=answered)
    assert clock.met_at == at(2026, 11, 24, 10, 0)
    assert not clock.is_breached(DUE + timedelta(days=3))
    cancelled = Visit.objects.get(work_order=steps.done(), status="due")
    services.visit_cancel(cancelled, by=cast.head_repair, reason="客户已搬走", now=at(2026, 11, 24, 9, 0))
    assert VisitClock.objects.get(visit=cancelled).is_active is False
    sweep(DUE + timedelta(days=3))
    assert levels(answered) == levels(cancelled) == []


def test_not_reached_after_the_last_attempt_is_made_and_a_reopened_order_stops_its_clock(cast, steps):
    from fuwu.workorders import services as wo

    visit = Visit.objects.get(work_order=steps.done())
    for hour in (9, 11, 14):
        services.visit_attempt(visit, by=cast.agent, outcome="unreachable", now=at(2026, 11, 24, hour, 0))
        visit.refresh_from_db()
    assert visit.status == "unreachable"
    assert VisitClock.objects.get(visit=visit).met_at == at(2026, 11, 24, 14, 0)
    order = steps.done()
    due = Visit.objects.get(work_order=order)
    wo.work_order_reopen(
        work_order=order, by=cast.head_repair, reason="客户反映仍漏水", now=at(2026, 11, 24, 9, 0)
    )
    assert VisitClock.objects.get(visit=due).is_active is False
    sweep(DUE + timedelta(days=3))
    assert levels(due) == []


def test_a_complaints_visit_has_the_complaints_clock_only(cast, complain):
    from .test_services import replied

    complaint = replied(cast, complain(now=at(2026, 11, 3, 9)))
    visit = Visit.objects.get(complaint=complaint, status="due")
    assert not VisitClock.objects.filter(visit=visit).exists()
    assert complaint.clocks.filter(kind="return_visit", is_active=True, met_at__isnull=True).exists()
