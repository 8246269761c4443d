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
