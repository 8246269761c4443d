"""Level-1 visits from work orders and complaints: created by the subject's action, due the next
working day, made by the first-contact owner and never by the person rated; attempts and the
policy's limit; the customer's answers and what follows (re-handling, and the later answer
counts); "charged" on a free service flagged."""

from __future__ import annotations

import pytest
import time_machine

from fuwu.complaints.models import Complaint
from fuwu.complaints.models import Status as ComplaintStatus
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event
from fuwu.visits import services
from fuwu.visits.models import Consequence, Reason, Status, Visit, VisitAttempt
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status as WorkOrderStatus
from fuwu.workorders.models import WorkOrder

from .conftest import at

GOOD = {"timeliness": "满意", "skill": "满意", "attitude": "满意", "suggestions": "希望多上门"}
BAD = {"timeliness": "满意", "skill": "一般", "attitude": "不满意"}


def visit_of(order) -> Visit:
    return Visit.objects.get(work_order=order, status=Status.DUE)


def test_a_finished_work_order_gets_its_level_one_visit_the_next_working_day(cast, steps):
    order = steps.done()  # Monday 2026-11-23 11:20
    visit = visit_of(order)
    assert (visit.level, visit.reason, visit.visitor_role) == (1, Reason.WORK_ORDER_FINISHED, "agent")
    # due by the close of Tuesday, first call from the call hours' start on Tuesday
    assert visit.due_at == at(2026, 11, 24, 17, 30)
    assert visit.next_attempt_at == at(2026, 11, 24, 9, 0)
    # the first-contact owner visits; the technician is rated, never the visitor
    assert visit.visitor == cast.agent
    assert list(visit.rated_people.all()) == [cast.tech]
    assert (visit.contact_name, visit.department) == (order.caller_name, cast.repair)
    assert Event.objects.for_subject(visit).get().action == "visit.scheduled"
    # confirming the same order does not add a second visit
    steps_confirmed = steps.confirmed()
    assert Visit.objects.filter(work_order=steps_confirmed).count() == 1


def test_the_next_working_day_skips_the_weekend_and_holidays(cast, steps, receive):
    order = steps.on_site()
    # done on Friday 2026-12-25 evening: the next working day is Monday the 28th
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status="not_applicable",
        minutes_spent=35,
        now=at(2026, 12, 25, 18, 0),
    )
    visit = visit_of(order)
    assert visit.next_attempt_at == at(2026, 12, 28, 9, 0)
    assert visit.due_at == at(2026, 12, 28, 17, 30)


def test_the_owner_rated_by_the_visit_does_not_make_it(cast, steps):
    order = steps.on_site()
    # the agent who received it also did the work: nobody is given the visit, any agent takes it
    order.team.add(cast.agent)
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status="not_applicable",
        minutes_spent=35,
        now=at(2026, 11, 23, 11, 20),
    )
    visit = visit_of(order)
    assert visit.visitor is None
    with pytest.raises(PermissionDeniedError):
        services.visit_attempt(visit, by=cast.agent, outcome="unreachable", now=at(2026, 11, 24, 9, 5))
    taken = services.visit_attempt(visit, by=cast.agent2, outcome="unreachable", now=at(2026, 11, 24, 9, 5))
    assert taken.visitor == cast.agent2


def test_unreachable_is_tried_again_and_ends_apart_after_the_last_attempt(cast, steps):
    visit = visit_of(steps.done())
    v = services.visit_attempt(visit, by=cast.agent, outcome="unreachable", now=at(2026, 11, 24, 9, 5))
    # two business hours later
    assert (v.status, v.attempts, v.next_attempt_at) == (Status.DUE, 1, at(2026, 11, 24, 11, 5))
    # late in the day: two business hours run into the next morning, within the call hours
    v = services.visit_attempt(v, by=cast.agent, outcome="unreachable", now=at(2026, 11, 24, 17, 0))
    assert v.next_attempt_at == at(2026, 11, 25, 10, 0)
    # "call me later" was an answer of a person: not counted toward the limit
    v = services.visit_attempt(
        v,
        by=cast.agent,
        outcome="call_later",
        call_back_at=at(2026, 11, 25, 19, 0),
        now=at(2026, 11, 25, 10, 0),
    )
    assert (v.status, v.next_attempt_at) == (Status.DUE, at(2026, 11, 25, 19, 0))
    v = services.visit_attempt(v, by=cast.agent, outcome="unreachable", now=at(2026, 11, 25, 19, 0))
    assert v.status == Status.UNREACHABLE
    assert v.satisfied is None
    assert v.answered_at is None
    assert list(VisitAttempt.objects.filter(visit=v).values_list("outcome", flat=True)) == [
        "unreachable",
        "unreachable",
        "call_later",
        "unreachable",
    ]
    assert [e.action for e in Event.objects.for_subject(v).order_by("at", "id")][-1] == "visit.not_reached"
    with pytest.raises(ConflictError):
        services.visit_attempt(v, by=cast.agent, outcome="unreachable", now=at(2026, 11, 26, 9, 0))


def test_a_call_back_time_must_be_ahead_and_within_the_policy(cast, steps):
    visit = visit_of(steps.done())
    for moment, word in ((at(2026, 11, 24, 9, 0), "将来"), (at(2026, 12, 31, 9, 0), "不能晚于")):
        with pytest.raises(ValidationFailed) as refused:
            services.visit_attempt(
                visit, by=cast.agent, outcome="call_later", call_back_at=moment, now=at(2026, 11, 24, 9, 5)
            )
        assert list(refused.value.fields) == ["call_back_at"]
        assert word in refused.value.fields["call_back_at"][0]
    assert VisitAttempt.objects.filter(visit=visit).count() == 0


def test_a_satisfied_answer_marks_the_work_order_visited(cast, steps):
    order = steps.confirmed()
    visit = services.visit_record_answer(
        visit_of(order), by=cast.agent, answers=GOOD, now=at(2026, 11, 24, 9, 10)
    )
    assert (visit.status, visit.satisfied, visit.counts) == (Status.DONE, True, True)
    assert visit.answers == GOOD
    order = WorkOrder.objects.get(pk=order.pk)
    assert order.status == WorkOrderStatus.VISITED
    assert [e.action for e in Event.objects.for_subject(order).order_by("at", "id")][
        -1
    ] == "work_order.visited"


def test_an_unsatisfied_answer_reopens_the_work_order_and_the_later_answer_counts(cast, steps):
    order = steps.done()
    first = services.visit_record_answer(
        visit_of(order), by=cast.agent, answers=BAD, now=at(2026, 11, 24, 9, 10)
    )
    assert (first.satisfied, first.consequence) == (False, Consequence.REHANDLING)
    order = WorkOrder.objects.get(pk=order.pk)
    assert (order.status, order.reopen_count) == (WorkOrderStatus.ROUTED, 1)
    # handled again and done again: the customer is visited again
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech2, now=at(2026, 11, 24, 10)
    )
    wo.work_order_arrive(work_order=order, by=cast.tech2, now=at(2026, 11, 24, 11))
    wo.work_order_complete(
        work_order=order,
        by=cast.tech2,
        findings="阀芯损坏",
        work_done="更换阀芯",
        warranty_status="not_applicable",
        minutes_spent=20,
        now=at(2026, 11, 24, 11, 30),
    )
    second = visit_of(order)
    assert (second.reason, second.round) == (Reason.REHANDLED, 1)
    assert list(second.rated_people.all()) == [cast.tech2]
    second = services.visit_record_answer(second, by=cast.agent, answers=GOOD, now=at(2026, 11, 25, 9, 30))
    first.refresh_from_db()
    assert (first.counts, second.counts) == (False, True)
    counted = Visit.objects.filter(work_order=order, counts=True, answered_at__isnull=False)
    assert [v.satisfied for v in counted] == [True]


def test_a_reopened_work_order_cancels_its_due_visit(cast, steps):
    order = steps.done()
    visit = visit_of(order)
    wo.work_order_reopen(work_order=order, by=cast.agent, reason="客户来电仍漏水", now=at(2026, 11, 23, 15))
    visit.refresh_from_db()
    assert visit.status == Status.CANCELLED


def test_charged_for_a_free_service_is_flagged_to_the_quality_role(cast, steps):
    from fuwu.policy.presets import preset_text
    from fuwu.policy.services import policy_publish

    policy_publish(organisation=cast.organisation, text=preset_text("utility"), reason="供暖", by=cast.admin)
    order = steps.done(warranty_status="in_warranty")  # 三包: free
    assert not order.is_paid
    visit = services.visit_record_answer(
        visit_of(order),
        by=cast.agent,
        answers={"solved": "yes", "attitude": "满意", "charged": "yes", "score": 9},
        now=at(2026, 11, 24, 9, 10),
    )
    assert visit.charge_flagged
    assert visit.charged
    assert visit.satisfied
    flagged = Notification.objects.filter(kind="visit_charge_flagged")
    assert [n.recipient for n in flagged] == [cast.quality]


def test_answers_are_refused_by_field_and_nothing_is_stored(cast, steps):
    visit = visit_of(steps.done())
    with pytest.raises(ValidationFailed) as refused:
        services.visit_record_answer(
            visit, by=cast.agent, answers={"timeliness": "很好"}, now=at(2026, 11, 24, 9, 10)
        )
    fields = set(refused.value.fields)
    assert fields == {"answers.timeliness", "answers.skill", "answers.attitude"}
    visit.refresh_from_db()
    assert (visit.status, visit.attempts) == (Status.DUE, 0)
    assert not VisitAttempt.objects.filter(visit=visit).exists()


def test_reassign_checks_role_rating_and_clearance(cast, steps):
    visit = visit_of(steps.done())
    with pytest.raises(PermissionDeniedError):
        services.visit_reassign(visit, by=cast.agent2, visitor_id=cast.agent2.pk, reason="换人")
    for person in (cast.tech, cast.head_repair):
        with pytest.raises(ValidationFailed):
            services.visit_reassign(visit, by=cast.quality, visitor_id=person.pk, reason="换人")
    # the head of the visit's department (repair) or the quality role reassigns
    v = services.visit_reassign(visit, by=cast.quality, visitor_id=cast.agent2.pk, reason="小张休假")
    assert v.visitor == cast.agent2
    assert Notification.objects.filter(recipient=cast.agent2, kind="assigned").exists()
    v = services.visit_cancel(v, by=cast.head_repair, reason="客户已搬离")
    assert v.status == Status.CANCELLED


def replied(cast, complaint, day=4):
    from fuwu.complaints.tests.test_services_answers import replied as reply

    return reply(cast, complaint, day)


def test_a_complaint_reply_schedules_its_visit_and_the_visit_answers_the_complaint(cast, complain):
    c = replied(cast, complain(now=at(2026, 11, 3, 9)))  # replied Wednesday 11-04 15:00
    visit = Visit.objects.get(complaint=c, status=Status.DUE)
    assert (visit.level, visit.reason, visit.visitor_role, visit.visitor) == (
        1,
        Reason.COMPLAINT_REPLIED,
        "quality_inspector",
        None,
    )
    assert visit.due_at == at(2026, 11, 11, 15, 0)  # a week (168 calendar hours)
    assert visit.next_attempt_at == at(2026, 11, 5, 9, 0)
    # unreachable attempts count as the complaint's failed contacts
    visit = services.visit_attempt(visit, by=cast.quality, outcome="unreachable", now=at(2026, 11, 5, 9, 5))
    assert Complaint.objects.get(pk=c.pk).contact_attempts == 1
    visit = services.visit_record_answer(visit, by=cast.quality, answers=BAD, now=at(2026, 11, 5, 14, 0))
    c = Complaint.objects.get(pk=c.pk)
    assert c.answer is not None
    assert (c.status, c.rehandle_count, c.answer.outcome) == (ComplaintStatus.REHANDLING, 1, "unsatisfied")
    assert visit.consequence == Consequence.REHANDLING


def test_an_answer_recorded_on_the_complaint_ends_its_visit(cast, complain):
    from fuwu.complaints import services as complaints

    c = replied(cast, complain(now=at(2026, 11, 3, 9)))
    complaints.complaint_record_answer(
        c, by=cast.quality, outcome="satisfied", method="phone", now=at(2026, 11, 5, 10)
    )
    visit = Visit.objects.get(complaint=c)
    assert (visit.status, visit.satisfied, visit.counts) == (Status.DONE, True, True)


@time_machine.travel(at(2026, 11, 24, 8, 0), tick=False)
def test_the_agents_day_lists_due_visits_in_call_order(cast, steps):
    from django.utils import timezone

    from fuwu.visits.selectors import due_for

    first = visit_of(steps.done())
    later = visit_of(steps.done())
    services.visit_reschedule(later, by=cast.agent, at=at(2026, 11, 24, 8, 30), reason="客户约早上")
    today = list(due_for(cast.agent, timezone.now()))
    assert today == [later, first]
    assert list(due_for(cast.agent2, timezone.now())) == []
