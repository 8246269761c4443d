"""Penalty proposals (004 客户投诉处罚: 30–100 yuan per case): created for the people a valid complaint
is attributed to, decided by the catalogue's approver (confirm, change within the range, waive) —
on the complaint's terms or from the shared approvals inbox — appealed once by the person only,
and seen only by the person, the approver and the organisation-wide roles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fuwu import visibility
from fuwu.approvals import selectors as inbox
from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.complaints.models import AppealStatus, PenaltyProposal, PenaltyStatus
from fuwu.complaints.selectors import penalties_for_user
from fuwu.complaints.services import (
    complaint_assess,
    complaint_assign_responsibility,
    complaint_start_investigation,
    penalty_appeal,
    penalty_decide,
    penalty_decide_appeal,
)
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event

from .conftest import at

NOW = at(2026, 11, 23, 10, 0)
ASSESSED = at(2026, 11, 23, 14)
ATTRIBUTED = at(2026, 11, 24, 9)


@pytest.fixture
def investigated(cast, complain):
    """王先生's complaint about 维修工老赵's attitude, under investigation."""

    def make(**values):
        c = complain(now=NOW, **values)
        complaint_start_investigation(c, by=cast.head_repair, now=at(2026, 11, 23, 11))
        return c

    return make


def assess(cast, c, validity="valid", object="service_attitude", when=ASSESSED):
    return complaint_assess(
        c, by=cast.quality, validity=validity, object=object, severity="general", note="已核实", now=when
    )


def attribute(cast, c, *people, when=ATTRIBUTED):
    return complaint_assign_responsibility(
        c,
        by=cast.quality,
        cause="上门服务态度恶劣",
        department_id=cast.repair.pk,
        person_ids=[p.pk for p in people],
        now=when,
    )


@pytest.fixture
def proposal(cast, investigated):
    c = investigated()
    assess(cast, c)
    attribute(cast, c, cast.tech)
    return PenaltyProposal.objects.get(complaint=c, person=cast.tech)


def fresh(p: PenaltyProposal) -> PenaltyProposal:
    return PenaltyProposal.objects.get(pk=p.pk)


def pending_approval(p: PenaltyProposal) -> Approval:
    return approvals.approvals_of(p).get(status=ApprovalStatus.PENDING)


# --- proposing --------------------------------------------------------------------------------


def test_a_valid_complaint_attributed_to_a_person_proposes_the_catalogue_entry(cast, proposal):
    p = proposal
    # property preset: service_attitude → bad_attitude, a fine of 30–100 yuan decided by a head.
    assert (p.catalogue_code, p.proposed_amount, p.points, p.approver_role, p.status) == (
        "bad_attitude",
        Decimal("30.00"),
        -5,
        "department_head",
        PenaltyStatus.PENDING,
    )
    assert p.department_id == cast.repair.pk
    request = pending_approval(p)
    assert request is not None
    assert (request.kind, request.approver_role) == ("complaint_penalty", "department_head")
    assert Event.objects.for_subject(p).get().action == "complaint.penalty_proposed"
    # The complaint's own timeline (which the whole department reads) names no amount.
    on_complaint = Event.objects.for_subject(p.complaint).get(action="complaint.responsibility_assigned")
    assert "30" not in str(on_complaint.changes.get("penalties_proposed"))
    assert Notification.objects.filter(recipient=cast.head_repair, subject_id=p.pk).exists()
    assert Notification.objects.filter(
        recipient=cast.tech, subject_id=p.pk, kind="complaint_penalty"
    ).exists()


def test_one_proposal_per_responsible_person(cast, investigated):
    c = investigated()
    assess(cast, c)
    attribute(cast, c, cast.tech, cast.plumber)
    assert set(c.penalties.values_list("person_id", flat=True)) == {cast.tech.pk, cast.plumber.pk}
    plumber = c.penalties.get(person=cast.plumber)
    assert plumber.department_id == cast.plumbing.pk


def test_no_proposal_for_an_unassessed_or_unlisted_complaint(cast, investigated):
    pending = investigated()
    attribute(cast, pending, cast.tech)  # validity not yet assessed
    assert not pending.penalties.exists()
    fees = investigated(customer_id=None, caller_phone="13700001234")
    assess(cast, fees, object="fees")  # the policy names no penalty for fees
    attribute(cast, fees, cast.tech)
    assert not fees.penalties.exists()


def test_found_valid_after_responsibility_was_decided_proposes_then(cast, investigated):
    c = investigated()
    attribute(cast, c, cast.tech, when=at(2026, 11, 23, 12))  # validity still open: no proposal yet
    assert not c.penalties.exists()

    assess(cast, c, when=at(2026, 11, 23, 15))

    proposal = c.penalties.get()
    assert (proposal.person_id, proposal.status) == (cast.tech.pk, PenaltyStatus.PENDING)
    assessed = Event.objects.for_subject(c).get(action="complaint.assessed")
    assert assessed.changes["penalties_proposed"] == {"after": [proposal.pk]}


def test_responsibility_moved_to_another_person_waives_the_first_proposal(cast, proposal):
    c = proposal.complaint
    attribute(cast, c, cast.tech2, when=at(2026, 11, 24, 10))
    first = fresh(proposal)
    assert first.status == PenaltyStatus.WAIVED
    assert approvals.approvals_of(first).get().status == ApprovalStatus.WITHDRAWN
    assert c.penalties.get(person=cast.tech2).status == PenaltyStatus.PENDING
    # Back to 老赵: a proposal waived by the system is proposed again; one decided is not.
    attribute(cast, c, cast.tech, cast.tech2, when=at(2026, 11, 24, 11))
    assert c.penalties.filter(person=cast.tech, status=PenaltyStatus.PENDING).count() == 1
    assert c.penalties.filter(person=cast.tech2).count() == 1


def test_an_assessment_turning_the_complaint_invalid_waives_its_proposals(cast, proposal):
    assert inbox.inbox(cast.head_repair).count() == 1
    assess(cast, proposal.complaint, validity="invalid", when=at(2026, 11, 24, 12))
    p = fresh(proposal)
    assert p.status == PenaltyStatus.WAIVED
    assert p.decided_by_id is None
    assert inbox.inbox(cast.head_repair).count() == 0


# --- deciding ---------------------------------------------------------------------------------


def test_the_head_confirms_or_changes_within_the_range(cast, proposal, investigated):
    confirmed = penalty_decide(proposal, by=cast.head_repair, decision="confirm", now=at(2026, 11, 25))
    confirmed = fresh(confirmed)
    assert (confirmed.status, confirmed.amount, confirmed.decided_by_id) == (
        PenaltyStatus.CONFIRMED,
        Decimal("30.00"),
        cast.head_repair.pk,
    )
    assert approvals.approvals_of(confirmed).get().status == ApprovalStatus.APPROVED
    assert [e.action for e in Event.objects.for_subject(confirmed).order_by("at", "id")] == [
        "complaint.penalty_proposed",
        "complaint.penalty_confirmed",
    ]
    with pytest.raises(ConflictError):
        penalty_decide(confirmed, by=cast.head_repair, decision="waive", note="再议")
    other = investigated(customer_id=None, caller_phone="13700004321")
    assess(cast, other)
    attribute(cast, other, cast.tech2)
    changed = penalty_decide(
        other.penalties.get(), by=cast.director, decision="change", amount="80", note="情节较重"
    )
    assert (fresh(changed).status, fresh(changed).amount) == (PenaltyStatus.CHANGED, Decimal("80.00"))


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"decision": "change", "amount": "150"}, "amount"),  # above the catalogue's 100
        ({"decision": "change", "amount": "20"}, "amount"),  # below its 30
        ({"decision": "change", "amount": "-1"}, "amount"),
        ({"decision": "change", "amount": "50.555"}, "amount"),
        ({"decision": "change", "amount": "5\x00"}, "amount"),
        ({"decision": "change"}, "amount"),
        ({"decision": "confirm", "amount": "50"}, "amount"),
        ({"decision": "waive"}, "note"),
        ({"decision": "waive", "note": "算了\x00"}, "note"),
        ({"decision": "pardon"}, "decision"),
    ],
)
def test_bad_decisions_are_field_errors_and_change_nothing(cast, proposal, values, field):
    with pytest.raises(ValidationFailed) as bad:
        penalty_decide(proposal, by=cast.head_repair, **values)
    assert field in bad.value.fields
    p = fresh(proposal)
    assert (p.status, p.amount, p.decided_by_id) == (PenaltyStatus.PENDING, None, None)
    assert pending_approval(p) is not None
    assert Event.objects.for_subject(p).count() == 1


def test_only_the_approver_or_a_director_decides(cast, proposal):
    for someone in (cast.tech, cast.tech2, cast.head_service, cast.quality, cast.agent):
        with pytest.raises(PermissionDeniedError):
            penalty_decide(proposal, by=someone, decision="confirm")
    assert fresh(proposal).status == PenaltyStatus.PENDING
    waived = penalty_decide(proposal, by=cast.director, decision="waive", note="初犯")
    assert fresh(waived).status == PenaltyStatus.WAIVED
    assert approvals.approvals_of(waived).get().status == ApprovalStatus.DENIED


def test_a_head_does_not_decide_his_own_penalty(cast, investigated):
    c = investigated()
    assess(cast, c)
    attribute(cast, c, cast.head_repair)
    own = c.penalties.get()
    with pytest.raises(PermissionDeniedError):
        penalty_decide(own, by=cast.head_repair, decision="waive", note="我自己")
    assert inbox.inbox(cast.head_repair).count() == 0
    assert inbox.inbox(cast.director).count() == 1


# --- the shared inbox -------------------------------------------------------------------------


def test_the_inbox_shows_the_proposal_to_the_approver_only(cast, proposal):
    rows = inbox.rows(cast.head_repair, inbox.inbox(cast.head_repair))
    assert len(rows) == 1
    row = rows[0]
    assert row.record_type == "complaints.penaltyproposal"
    assert proposal.complaint.number in row.record.title
    assert cast.tech.display_name in row.record.title
    assert row.note_required_on_deny
    for someone in (cast.head_service, cast.tech, cast.tech2, cast.agent, cast.quality):
        assert inbox.inbox(someone).count() == 0
    assert inbox.inbox(cast.director).count() == 1
    assert inbox.approves_anything(cast.head_repair)


def test_approve_in_the_inbox_confirms_or_changes_deny_waives(cast, proposal, investigated):
    request = inbox.approval_for_user_or_404(cast.head_repair, pending_approval(proposal).pk)
    approvals.approve(request, by=cast.head_repair, amount="60")
    assert (fresh(proposal).status, fresh(proposal).amount) == (PenaltyStatus.CHANGED, Decimal("60.00"))
    other = investigated(customer_id=None, caller_phone="13700007777")
    assess(cast, other)
    attribute(cast, other, cast.tech2)
    second = other.penalties.get()
    with pytest.raises(ValidationFailed):
        approvals.deny(pending_approval(second), by=cast.head_repair)  # a note says why
    approvals.deny(pending_approval(second), by=cast.head_repair, note="客户误会在先")
    assert fresh(second).status == PenaltyStatus.WAIVED


# --- appeals ----------------------------------------------------------------------------------


def test_only_the_person_appeals_once_while_confirmed(cast, proposal):
    with pytest.raises(ConflictError):
        penalty_appeal(proposal, by=cast.tech, text="我没有态度不好")  # not decided yet
    penalty_decide(proposal, by=cast.head_repair, decision="confirm")
    for someone in (cast.tech2, cast.head_repair, cast.director):
        with pytest.raises(PermissionDeniedError):
            penalty_appeal(proposal, by=someone, text="替他申诉")
    with pytest.raises(ValidationFailed) as bad:
        penalty_appeal(proposal, by=cast.tech, text=" ")
    assert "text" in bad.value.fields
    appealed = penalty_appeal(proposal, by=cast.tech, text="客户当时情绪激动，我没有态度恶劣")
    assert fresh(appealed).appeal_status == AppealStatus.PENDING
    with pytest.raises(ConflictError):
        penalty_appeal(proposal, by=cast.tech, text="再申诉一次")
    assert Notification.objects.filter(recipient=cast.quality, subject_id=proposal.pk).exists()


def test_the_appeal_is_decided_by_a_director_or_the_quality_role(cast, proposal, investigated):
    penalty_decide(proposal, by=cast.head_repair, decision="confirm")
    penalty_appeal(proposal, by=cast.tech, text="不服")
    for someone in (cast.head_repair, cast.tech, cast.tech2):
        with pytest.raises(PermissionDeniedError):
            penalty_decide_appeal(proposal, by=someone, upheld=True, note="撤销")
    with pytest.raises(ValidationFailed) as bad:
        penalty_decide_appeal(proposal, by=cast.quality, upheld=True, note="")
    assert "note" in bad.value.fields
    lifted = fresh(penalty_decide_appeal(proposal, by=cast.quality, upheld=True, note="录音证实无过错"))
    assert (lifted.status, lifted.appeal_status) == (PenaltyStatus.WAIVED, AppealStatus.UPHELD)
    with pytest.raises(ConflictError):
        penalty_decide_appeal(proposal, by=cast.director, upheld=False, note="再议")
    other = investigated(customer_id=None, caller_phone="13700008765")
    assess(cast, other)
    attribute(cast, other, cast.tech2)
    second = other.penalties.get()
    penalty_decide(second, by=cast.head_repair, decision="change", amount="50")
    penalty_appeal(second, by=cast.tech2, text="不服")
    kept = fresh(penalty_decide_appeal(second, by=cast.director, upheld=False, note="证据确凿"))
    assert (kept.status, kept.amount, kept.appeal_status) == (
        PenaltyStatus.CHANGED,
        Decimal("50.00"),
        AppealStatus.REJECTED,
    )


# --- who sees a penalty -----------------------------------------------------------------------


def test_penalties_are_seen_by_the_person_the_approver_and_organisation_wide_roles_only(cast, proposal):
    seeing = {cast.tech, cast.head_repair, cast.quality, cast.director, cast.admin}
    for person in cast.everyone():
        expected = person in seeing
        assert penalties_for_user(person).filter(pk=proposal.pk).exists() is expected, person
        assert visibility.may_see(person, proposal) is expected, person
    assert not visibility.may_see(cast.outsider, proposal)
    assert set(visibility.who_may_see(cast.everyone(), proposal)) == seeing
    # Only the person and the approver were told; a colleague of the same department was not.
    assert not Notification.objects.filter(recipient=cast.tech2, subject_id=proposal.pk).exists()
