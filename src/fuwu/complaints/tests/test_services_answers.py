"""The customer decides the end: close only after the reply and the answer (or the policy's failed
contact attempts); an unsatisfied answer reopens for re-handling and the later answer counts;
invalid complaints are answered and counted apart; unsatisfied answers judged by the quality role."""

from __future__ import annotations

import pytest

from fuwu.complaints import selectors, services
from fuwu.complaints.models import Complaint, ComplaintAnswer, ComplaintClock, Status
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.timeline.models import Event

from .conftest import allowed_actions, at


def replied(cast, complaint, day=4):
    """Take a valid complaint through its steps to the reply (head of repair handles, approves)."""
    c = services.complaint_start_investigation(complaint, by=cast.head_repair, now=at(2026, 11, day, 9))
    c = services.complaint_assess(
        c,
        by=cast.quality,
        validity="valid",
        object="efficiency",
        severity="general",
        note="属实",
        now=at(2026, 11, day, 9, 30),
    )
    c = services.complaint_assign_responsibility(
        c,
        by=cast.quality,
        cause="排班不足",
        department_id=cast.repair.pk,
        person_ids=[],
        now=at(2026, 11, day, 10),
    )
    c = services.complaint_propose_plan(c, by=cast.head_repair, plan="加派人手", now=at(2026, 11, day, 11))
    c = services.complaint_decide_plan(c, by=cast.head_repair, approved=True, now=at(2026, 11, day, 11, 5))
    c = services.complaint_execute(c, by=cast.head_repair, note="已加派", now=at(2026, 11, day, 14))
    return services.complaint_reply(
        c, by=cast.head_repair, text="已处理", method="phone", now=at(2026, 11, day, 15)
    )


def actions(event_subject) -> list[str]:
    return list(
        Event.objects.for_subject(event_subject).order_by("at", "id").values_list("action", flat=True)
    )


def test_close_is_refused_before_the_customer_answered(cast, complain):
    c = complain(now=at(2026, 11, 3, 9))
    with pytest.raises(ConflictError) as early:
        services.complaint_close(c, by=cast.agent, note="结束")
    assert "close" not in allowed_actions(early.value)
    c = replied(cast, c)
    with pytest.raises(ConflictError) as waiting:
        services.complaint_close(c, by=cast.agent, note="结束")
    assert "record-customer-answer" in allowed_actions(waiting.value)
    assert Complaint.objects.get(pk=c.pk).status == Status.REPLIED


def test_unsatisfied_answer_reopens_for_rehandling_and_the_later_answer_counts(cast, complain):
    c = replied(cast, complain(now=at(2026, 11, 3, 9)))
    first = services.complaint_record_answer(
        c, by=cast.quality, outcome="unsatisfied", method="phone", comment="还是慢", now=at(2026, 11, 5, 10)
    )
    c = Complaint.objects.get(pk=c.pk)
    assert c.status == Status.REHANDLING
    assert c.rehandle_count == 1
    assert c.answer == first
    # responsibility is kept; new plan and reply deadlines run from the answer
    assert c.responsibility_at is not None
    plan = ComplaintClock.objects.get(complaint=c, kind="plan", is_active=True)
    assert plan.started_at == at(2026, 11, 5, 10)
    assert plan.met_at is None
    assert ComplaintClock.objects.filter(complaint=c, kind="plan").count() == 2
    figures = selectors.complaint_figures(Complaint.objects.filter(pk=c.pk))
    assert figures["unsatisfied"] == 1
    assert figures["rehandled"] == 1

    # re-handled and asked again: satisfied now — that answer is the one every figure counts
    c = services.complaint_propose_plan(c, by=cast.head_repair, plan="专人跟进", now=at(2026, 11, 6, 9))
    c = services.complaint_decide_plan(c, by=cast.head_repair, approved=True, now=at(2026, 11, 6, 9, 5))
    c = services.complaint_execute(c, by=cast.head_repair, note="已跟进", now=at(2026, 11, 6, 14))
    c = services.complaint_reply(
        c, by=cast.head_repair, text="已再次处理", method="phone", now=at(2026, 11, 6, 15)
    )
    later = services.complaint_record_answer(
        c, by=cast.quality, outcome="satisfied", method="phone", now=at(2026, 11, 9, 10)
    )
    c = Complaint.objects.get(pk=c.pk)
    assert c.answer == later
    assert later.round == 1
    assert first.round == 0
    assert c.rehandle_count == 1
    figures = selectors.complaint_figures(Complaint.objects.filter(pk=c.pk))
    assert figures["satisfied"] == 1
    assert figures["unsatisfied"] == 0
    assert figures["rehandlings"] == 1
    c = services.complaint_close(c, by=cast.agent, now=at(2026, 11, 9, 11))
    # reopened later: counted as another re-handling
    c = services.complaint_reopen(c, by=cast.agent, reason="客户再次来电", now=at(2026, 11, 12, 9))
    assert c.status == Status.REHANDLING
    assert c.rehandle_count == 2
    assert c.closed_at is None


def test_failed_contact_attempts_allow_closing_after_the_policy_number(cast, complain):
    c = replied(cast, complain(now=at(2026, 11, 3, 9)))
    for attempt in range(1, 4):
        services.complaint_record_answer(
            c, by=cast.quality, outcome="unreachable", method="phone", now=at(2026, 11, 5, 9 + attempt)
        )
        c = Complaint.objects.get(pk=c.pk)
        assert c.contact_attempts == attempt
        assert c.answer is None  # an attempt is not an answer
        if attempt < 3:
            with pytest.raises(ConflictError):
                services.complaint_close(c, by=cast.agent, note="联系不上")
    # closing without the customer's answer needs a note
    with pytest.raises(ValidationFailed) as no_note:
        services.complaint_close(c, by=cast.agent)
    assert "note" in no_note.value.fields
    c = services.complaint_close(c, by=cast.agent, note="三次联系不上", now=at(2026, 11, 5, 15))
    assert c.status == Status.CLOSED
    assert not ComplaintClock.objects.filter(complaint=c, is_active=True, met_at__isnull=True).exists()
    assert ComplaintAnswer.objects.filter(complaint=c, outcome="unreachable").count() == 3


def test_the_quality_role_judges_an_unsatisfied_answer_and_an_unreasonable_one_may_close(cast, complain):
    c = replied(cast, complain(now=at(2026, 11, 3, 9)))
    services.complaint_record_answer(
        c, by=cast.quality, outcome="unsatisfied", method="phone", now=at(2026, 11, 5, 10)
    )
    c = Complaint.objects.get(pk=c.pk)
    with pytest.raises(PermissionDeniedError):
        services.complaint_classify_answer(c, by=cast.head_repair, reasonable=False, reason="无理要求")
    with pytest.raises(ValidationFailed) as no_reason:
        services.complaint_classify_answer(c, by=cast.quality, reasonable=False, reason="  ")
    assert "reason" in no_reason.value.fields
    c = services.complaint_classify_answer(
        c, by=cast.quality, reasonable=False, reason="要求超出合同范围", now=at(2026, 11, 5, 11)
    )
    assert c.answer is not None
    assert c.answer.reasonable is False
    assert "close" in services.allowed_actions(cast.agent, c)
    assert "classify-answer" not in services.allowed_actions(cast.quality, c)
    figures = selectors.complaint_figures(Complaint.objects.filter(pk=c.pk))
    assert figures["unsatisfied_unreasonable"] == 1
    assert figures["unsatisfied_reasonable"] == 0
    c = services.complaint_close(c, by=cast.quality, note="不合理诉求，已解释", now=at(2026, 11, 5, 12))
    assert c.status == Status.CLOSED


def test_a_reasonable_unsatisfied_answer_does_not_let_it_close(cast, complain):
    c = replied(cast, complain(now=at(2026, 11, 3, 9)))
    services.complaint_record_answer(
        c, by=cast.quality, outcome="unsatisfied", method="phone", now=at(2026, 11, 5, 10)
    )
    c = services.complaint_classify_answer(
        Complaint.objects.get(pk=c.pk),
        by=cast.quality,
        reasonable=True,
        reason="确实未解决",
        now=at(2026, 11, 5, 11),
    )
    assert "close" not in services.allowed_actions(cast.director, c)
    assert selectors.complaint_figures(Complaint.objects.filter(pk=c.pk))["unsatisfied_reasonable"] == 1


def test_an_invalid_complaint_is_answered_and_counted_apart(cast, complain):
    valid = replied(cast, complain(now=at(2026, 11, 3, 9)))
    services.complaint_record_answer(
        valid, by=cast.quality, outcome="satisfied", method="phone", now=at(2026, 11, 5, 9)
    )
    c = complain(now=at(2026, 11, 3, 9), object="fees", subject="收费不合理")
    c = services.complaint_assess(
        c,
        by=cast.quality,
        validity="invalid",
        object="fees",
        severity="general",
        note="客户误解收费标准",
        now=at(2026, 11, 3, 10),
    )
    # no plan to make or execute: its clocks stop, the reply is still due
    assert not ComplaintClock.objects.filter(complaint=c, kind="plan", is_active=True).exists()
    assert ComplaintClock.objects.get(complaint=c, kind="reply", is_active=True).met_at is None
    assert "assign-responsibility" not in services.allowed_actions(cast.quality, c)
    assert "reply" in services.allowed_actions(cast.head_repair, c)
    c = services.complaint_reply(
        c, by=cast.head_repair, text="向客户解释收费标准", method="phone", now=at(2026, 11, 3, 11)
    )
    services.complaint_record_answer(
        c, by=cast.quality, outcome="satisfied", method="phone", now=at(2026, 11, 4, 9)
    )
    c = services.complaint_close(Complaint.objects.get(pk=c.pk), by=cast.agent, now=at(2026, 11, 4, 10))
    assert c.status == Status.CLOSED
    figures = selectors.complaint_figures(Complaint.objects.all())
    assert figures["total"] == 2
    assert figures["valid"] == 1
    assert figures["invalid"] == 1
    assert figures["satisfied"] == 1  # the valid one only
    assert figures["invalid_answered"] == 1
    assert c.penalties.count() == 0


def test_each_action_writes_one_event(cast, complain):
    c = complain(now=at(2026, 11, 3, 9), channel="email", caller_phone="13912345678")
    c = services.complaint_acknowledge(c, by=cast.agent, now=at(2026, 11, 3, 9, 30))
    c = services.complaint_remind(c, by=cast.agent, note="请尽快", now=at(2026, 11, 3, 10))
    c = services.complaint_remind(c, by=cast.director, now=at(2026, 11, 3, 11))
    assert c.reminder_count == 2
    assert actions(c) == [
        "complaint.created",
        "complaint.acknowledged",
        "complaint.reminded",
        "complaint.reminded",
    ]
    assert cast.head_repair.notifications.filter(kind="reminder").count() == 2
