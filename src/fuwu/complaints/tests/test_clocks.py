"""Each step's deadline from the policy on the working-day calendar (2026: National Day Oct 1–7
off, Sunday Sep 27 and Saturday Oct 10 make-up working days; business hours 8:30–12:00 and
13:30–17:30), checked with a frozen clock just before, at and after it; steps that start later
(execution with the plan, the return visit with the reply); escalation once per level."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from fuwu.clocks.sweep import sweep
from fuwu.complaints import selectors, services
from fuwu.complaints.models import ComplaintClock, ComplaintEscalation
from fuwu.timeline.models import Event

from .conftest import at

MINUTE = timedelta(minutes=1)


def clock(complaint, kind):
    return ComplaintClock.objects.get(complaint=complaint, kind=kind, is_active=True)


def overdue_ids(user, now):
    return set(selectors.complaint_list(user, tab="overdue", now=now).values_list("pk", flat=True))


def test_a_letter_received_before_national_day_counts_from_receipt_across_the_holiday(cast, complain):
    # a letter that arrived on Wednesday 2026-09-30 at 16:00, registered the next working day
    letter = complain(channel="letter", received_at=at(2026, 9, 30, 16), now=at(2026, 10, 8, 9))
    # acknowledgement within 4 business hours: 1.5 h on Sep 30, then 2.5 h from Oct 8 8:30
    assert clock(letter, "acknowledge").due_at == at(2026, 10, 8, 11, 0)
    # investigation within 1 working day (seed 004): Oct 1–7 do not count
    assert clock(letter, "investigation").due_at == at(2026, 10, 8, 17, 30)
    assert clock(letter, "plan").due_at == at(2026, 10, 9, 17, 30)
    # reply within 3 working days: Oct 8, Oct 9 and the make-up Saturday Oct 10
    reply = clock(letter, "reply")
    assert reply.due_at == at(2026, 10, 10, 17, 30)
    assert reply.calendar_confirmed
    for moment, overdue in (
        (at(2026, 10, 10, 17, 29), False),
        (at(2026, 10, 10, 17, 30), False),
        (at(2026, 10, 10, 17, 31), True),
    ):
        assert reply.is_breached(moment) is overdue


def test_a_make_up_sunday_is_a_working_day(cast, complain):
    # a complaint on Saturday 2026-09-19: the investigation is due on the make-up Sunday Sep 20
    # (the working-day table: Sep 20 works for the Mid-Autumn holiday, Sep 25–27 off)
    complaint = complain(now=at(2026, 9, 19, 10))
    due = clock(complaint, "investigation").due_at
    assert due == at(2026, 9, 20, 17, 30)
    # the overdue list agrees, live (no sweep needed), just before, at and after the deadline
    assert complaint.pk not in overdue_ids(cast.director, due - MINUTE)
    assert complaint.pk not in overdue_ids(cast.director, due)
    assert complaint.pk in overdue_ids(cast.director, due + MINUTE)


def test_a_complaint_on_a_holiday_counts_from_the_holiday(complain):
    complaint = complain(now=at(2026, 10, 3, 11))
    assert clock(complaint, "investigation").due_at == at(2026, 10, 8, 17, 30)
    assert clock(complaint, "reply").due_at == at(2026, 10, 10, 17, 30)


@pytest.mark.parametrize(
    ("received", "investigation", "plan"),
    [
        # month end: Monday Nov 30 → Dec 1 and Dec 2
        (at(2026, 11, 30, 15), at(2026, 12, 1, 17, 30), at(2026, 12, 2, 17, 30)),
        # before the Mid-Autumn holiday (Sep 25–27 off): Thursday Sep 24 → Monday Sep 28, Tuesday Sep 29
        (at(2026, 9, 24, 11), at(2026, 9, 28, 17, 30), at(2026, 9, 29, 17, 30)),
        # quarter end: Wednesday Sep 30 → past National Day
        (at(2026, 9, 30, 9), at(2026, 10, 8, 17, 30), at(2026, 10, 9, 17, 30)),
        # month end on a Friday: Jul 31 → Monday Aug 3 and Tuesday Aug 4
        (at(2026, 7, 31, 17, 45), at(2026, 8, 3, 17, 30), at(2026, 8, 4, 17, 30)),
    ],
)
def test_deadlines_across_month_and_quarter_ends(complain, received, investigation, plan):
    complaint = complain(now=received)
    assert clock(complaint, "investigation").due_at == investigation
    assert clock(complaint, "plan").due_at == plan


def test_year_end_deadlines_into_an_unconfirmed_year_say_so(complain):
    # 2027's holidays are not published yet: the deadline is computed, and marked unconfirmed
    complaint = complain(now=at(2026, 12, 31, 10))
    investigation = clock(complaint, "investigation")
    assert investigation.due_at > at(2026, 12, 31, 17, 30)
    assert investigation.calendar_confirmed is False


def test_execution_starts_with_the_plan_and_the_visit_with_the_reply(cast, complain):
    complaint = complain(severity="minor", by=cast.agent, now=at(2026, 9, 29, 9))
    # a minor complaint: the agent who took it handles it, and the plan stands without approval
    assert complaint.handler == cast.agent
    complaint = services.complaint_start_investigation(complaint, by=cast.agent, now=at(2026, 9, 29, 10))
    complaint = services.complaint_assign_responsibility(
        complaint,
        by=cast.quality,
        cause="沟通不到位",
        department_id=cast.service.pk,
        person_ids=[],
        now=at(2026, 9, 29, 11),
    )
    complaint = services.complaint_propose_plan(
        complaint, by=cast.agent, plan="当面解释", now=at(2026, 9, 30, 16)
    )
    assert complaint.status == "planned"
    assert clock(complaint, "plan").met_at == at(2026, 9, 30, 16)
    # execution within 3 working days of the plan: Oct 8, 9 and the make-up Saturday
    assert clock(complaint, "execution").due_at == at(2026, 10, 10, 17, 30)
    complaint = services.complaint_execute(complaint, by=cast.agent, note="已解释", now=at(2026, 10, 8, 10))
    complaint = services.complaint_reply(
        complaint, by=cast.agent, text="已解释清楚", method="phone", now=at(2026, 10, 8, 11)
    )
    # the return visit within a week (seed 003), in calendar hours
    assert clock(complaint, "return_visit").due_at == at(2026, 10, 15, 11)
    from fuwu.visits.models import Visit

    assert Visit.objects.get(complaint=complaint).due_at == at(2026, 10, 15, 11)


def test_an_overdue_step_escalates_once_per_level(cast, complain):
    # received on Monday 2026-11-23 by phone; the investigation is due Tuesday 17:30
    complaint = complain(now=at(2026, 11, 23, 10))
    due = clock(complaint, "investigation").due_at
    assert due == at(2026, 11, 24, 17, 30)
    assert sweep(due - MINUTE).escalated == 0
    # level 1 (the department's head) when it is missed, once however often the sweep runs
    assert sweep(due + MINUTE).escalated == 1
    assert sweep(due + 10 * MINUTE).escalated == 0
    first = ComplaintEscalation.objects.get(complaint=complaint, level=1)
    assert first.role == "department_head"
    assert first.notified == [cast.head_repair.pk]
    # level 2 (the director) 240 minutes later, once
    assert sweep(due + 239 * MINUTE).escalated == 0
    assert sweep(due + 241 * MINUTE).escalated == 1
    assert sweep(due + 300 * MINUTE).escalated == 0
    assert ComplaintEscalation.objects.get(complaint=complaint, level=2).notified == [cast.director.pk]
    assert ComplaintEscalation.objects.filter(complaint=complaint).count() == 2
    escalated = Event.objects.for_subject(complaint).filter(action="complaint.escalated")
    assert escalated.count() == 2
    assert cast.head_repair.notifications.filter(
        kind__in=["breached", "escalated"], subject_id=complaint.pk
    ).exists()


def test_an_extension_approved_by_the_policy_approver_moves_the_deadline(cast, complain):
    complaint = complain(now=at(2026, 11, 23, 10))
    before = clock(complaint, "reply").due_at
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        complaint = services.complaint_request_extension(
            complaint, by=cast.head_repair, clock="reply", amount=2, unit="working_days", reason="需厂家配合"
        )
        # the head may not decide: the policy reserves extensions to the director
        assert "approve-extension" not in services.allowed_actions(cast.head_repair, complaint)
        complaint = services.complaint_decide_extension(complaint, by=cast.director, approved=True)
    # Thursday Nov 26 + 2 working days: Friday, then Monday Nov 30 (the weekend does not count)
    assert before == at(2026, 11, 26, 17, 30)
    assert clock(complaint, "reply").due_at == at(2026, 11, 30, 17, 30)
