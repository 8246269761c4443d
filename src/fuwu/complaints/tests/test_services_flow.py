"""A complaint from receipt to archive through the services, one timeline event per action, and
the gate's refusals (409 naming the allowed actions, 403 for the wrong role)."""

from __future__ import annotations

import pytest

from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.complaints import services
from fuwu.complaints.models import ComplaintClock, Status
from fuwu.lib.errors import ConflictError, PermissionDeniedError
from fuwu.timeline.models import Event
from fuwu.visits.models import Status as VisitStatus
from fuwu.visits.models import Visit

from .conftest import allowed_actions, at


def events(complaint) -> list[str]:
    return list(Event.objects.for_subject(complaint).order_by("at", "id").values_list("action", flat=True))


def test_receipt_to_archive(cast, complain):
    now = at(2026, 11, 3, 10)
    c = complain(now=now)
    c = services.complaint_start_investigation(c, by=cast.head_repair, now=at(2026, 11, 3, 11))
    assert c.status == Status.INVESTIGATING
    assert c.handler == cast.head_repair
    c = services.complaint_assess(
        c,
        by=cast.quality,
        validity="valid",
        object="service_attitude",
        severity="general",
        note="属实",
        now=at(2026, 11, 3, 12),
    )
    c = services.complaint_assign_responsibility(
        c,
        by=cast.quality,
        cause="维修工态度问题",
        department_id=cast.repair.pk,
        person_ids=[cast.tech.pk],
        now=at(2026, 11, 3, 13),
    )
    assert list(c.responsible_people.all()) == [cast.tech]
    c = services.complaint_propose_plan(
        c, by=cast.head_repair, plan="上门道歉并重新维修", now=at(2026, 11, 3, 14)
    )
    assert c.status == Status.PLAN_PROPOSED
    approval = Approval.objects.get(kind="complaint_plan")
    assert approval.status == ApprovalStatus.PENDING
    assert approval.approver_role == "department_head"
    with pytest.raises(PermissionDeniedError):
        services.complaint_decide_plan(c, by=cast.head_service, approved=True)
    c = services.complaint_decide_plan(c, by=cast.head_repair, approved=True, now=at(2026, 11, 3, 15))
    assert c.status == Status.PLANNED
    execution = ComplaintClock.objects.get(complaint=c, kind="execution", is_active=True)
    assert execution.started_at == at(2026, 11, 3, 15)
    c = services.complaint_execute(c, by=cast.head_repair, note="已道歉并修好", now=at(2026, 11, 4, 10))
    c = services.complaint_reply(
        c, by=cast.head_repair, text="已处理完毕", method="phone", now=at(2026, 11, 4, 11)
    )
    assert c.status == Status.REPLIED
    task = Visit.objects.get(complaint=c)
    assert task.visitor_role == "quality_inspector"
    assert task.status == VisitStatus.DUE
    with pytest.raises(ConflictError) as refused:
        services.complaint_close(c, by=cast.agent, note="x")
    assert "record-customer-answer" in allowed_actions(refused.value)
    answer = services.complaint_record_answer(
        c, by=cast.quality, outcome="satisfied", method="phone", now=at(2026, 11, 5, 10)
    )
    c.refresh_from_db()
    assert c.status == Status.ANSWERED
    assert c.answer == answer
    task.refresh_from_db()
    assert task.status == VisitStatus.DONE
    c = services.complaint_close(c, by=cast.agent, now=at(2026, 11, 5, 11))
    c = services.complaint_archive(c, by=cast.quality, now=at(2026, 11, 6, 11))
    assert c.status == Status.ARCHIVED
    assert events(c) == [
        "complaint.created",
        "complaint.investigation_started",
        "complaint.assessed",
        "complaint.responsibility_assigned",
        "complaint.plan_proposed",
        "complaint.plan_approved",
        "complaint.executed",
        "complaint.replied",
        "complaint.answer_recorded",
        "complaint.closed",
        "complaint.archived",
    ]
    assert not ComplaintClock.objects.filter(complaint=c, is_active=True, met_at__isnull=True).exists()
