"""Consequences of a valid complaint for the people it was attributed to (004 客户投诉处罚: 30–100
yuan per case): a penalty proposal per person from the catalogue entry the policy names for the
complaint's object (``complaints.penalties`` → ``rewards_penalties.catalogue``), decided by the
entry's approver (a head of the person's department, or a director) through the shared approvals
engine — confirm, change the amount within the entry's range, or waive — and open to one appeal by
the person, decided by a director or the quality role.

Who sees a proposal: the person, those who may decide it (the approver role within the person's
department, directors) and the organisation-wide roles (quality, directors, administrators) — not
the person's colleagues. Each proposal keeps its own timeline (never the complaint's, which the
whole department reads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu import visibility
from fuwu.approvals import registry
from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.approvals.registry import ApprovalProcess, Decision, RecordSummary
from fuwu.lib.errors import ConflictError, FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import REASON_LENGTH
from fuwu.notify import events, subjects
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Role, User
from fuwu.policy.schema import AmountRange, CatalogueEntry, PolicyDocument
from fuwu.timeline.services import record_event

from ..models import AppealStatus, Complaint, PenaltyProposal, PenaltyStatus, Validity
from ..selectors import penalties_for_user
from .context import Context, _optional_text, _required_text, policy_of
from .costs import parse_amount

KIND = "complaint_penalty"
# The person's notifications about their own penalty (proposed, decided, appeal decided).
EVENT = "complaint_penalty"
STANDING = (PenaltyStatus.PENDING, PenaltyStatus.CONFIRMED, PenaltyStatus.CHANGED)
DECISIONS = ("confirm", "change", "waive")


# --- who sees and who decides ----------------------------------------------------------------


def _head_path(user: User) -> str | None:
    if user.has_role(Role.DEPARTMENT_HEAD) and user.department is not None:
        return user.department.path
    return None


def penalty_viewers(people: Sequence[User], proposal: PenaltyProposal) -> set[int]:
    """Who of ``people`` sees ``proposal`` under ``selectors.penalties_for_user``'s rule, without a
    query per person."""
    allowed: set[int] = set()
    department = proposal.department
    for person in people:
        if person.organisation_id != proposal.organisation_id:
            continue
        if person.pk == proposal.person_id:
            allowed.add(person.pk)
            continue
        if visibility.sees_whole_organisation(person):
            allowed.add(person.pk)
            continue
        path = _head_path(person)
        if (
            path is not None
            and proposal.approver_role == Role.DEPARTMENT_HEAD
            and department is not None
            and department.path.startswith(path)
        ):
            allowed.add(person.pk)
    return allowed


def may_decide_penalty(user: User, proposal: PenaltyProposal) -> bool:
    """A director decides every proposal; a head those the catalogue gives a head to decide, of a
    person of their department or below. Nobody decides their own."""
    if user.organisation_id != proposal.organisation_id or user.pk == proposal.person_id:
        return False
    if user.has_role(Role.DIRECTOR):
        return True
    path = _head_path(user)
    department = proposal.department
    return (
        proposal.approver_role == Role.DEPARTMENT_HEAD
        and path is not None
        and department is not None
        and department.path.startswith(path)
    )


def may_decide_appeal(user: User, proposal: PenaltyProposal) -> bool:
    return (
        user.organisation_id == proposal.organisation_id
        and user.pk != proposal.person_id
        and user.has_role(Role.DIRECTOR, Role.QUALITY_INSPECTOR)
    )


def deciders_of(proposal: PenaltyProposal) -> list[User]:
    """Who is asked to decide: the heads nearest to the person's department (not the person), else
    the directors (also when the catalogue reserves the decision to a director)."""
    people = User.objects.filter(organisation_id=proposal.organisation_id, is_active=True).exclude(
        pk=proposal.person_id
    )
    department = proposal.department
    if proposal.approver_role == Role.DEPARTMENT_HEAD and department is not None:
        ancestors = [int(i) for i in department.path.strip("/").split("/") if i]
        heads = list(
            people.filter(User.role_q(Role.DEPARTMENT_HEAD), department_id__in=ancestors).select_related(
                "department"
            )
        )
        if heads:
            nearest = max(h.department.depth for h in heads if h.department is not None)
            return [h for h in heads if h.department is not None and h.department.depth == nearest]
    return list(people.filter(User.role_q(Role.DIRECTOR)))


# --- the catalogue ---------------------------------------------------------------------------


def _entry(policy: PolicyDocument, code: str) -> CatalogueEntry | None:
    return next((e for e in policy.rewards_penalties.catalogue if e.code == code), None)


def amount_range(policy: PolicyDocument, proposal: PenaltyProposal) -> AmountRange:
    """The range the approver may set: the catalogue entry's, else the complaint policy's."""
    entry = _entry(policy, proposal.catalogue_code)
    if entry is not None and entry.amount is not None:
        return entry.amount
    return policy.complaints.penalty


def _complaint_link(complaint: Complaint | int) -> str:
    pk = complaint if isinstance(complaint, int) else complaint.pk
    try:
        return reverse("complaints:detail", args=[pk])
    except NoReverseMatch:
        return ""


def _title(proposal: PenaltyProposal) -> str:
    return f"{proposal.complaint.number} · {proposal.person.display_name} · {proposal.catalogue_label}"


def _proposal_ref(proposal: PenaltyProposal) -> dict[str, Any]:
    # On the proposal's own timeline: the proposal needs no id of its own here.
    return {
        "person": {"id": proposal.person_id, "name": proposal.person.display_name},
        "penalty": proposal.catalogue_label,
        "amount": str(proposal.amount if proposal.amount is not None else proposal.proposed_amount),
    }


def _proposal_event(
    proposal: PenaltyProposal,
    action: str,
    by: User | None,
    now: datetime,
    changes: Mapping[str, Any],
    reason: str = "",
    first: bool = False,
) -> None:
    record_event(
        subject=proposal,
        action=action,
        actor=by,
        changes=changes,
        reason=reason,
        at=now,
        organisation=proposal.organisation,
        first=first,
    )


# --- proposing and waiving (inside the complaint's actions) ----------------------------------


def _blocks_new_proposal(proposal: PenaltyProposal) -> bool:
    """Whether a person (the approver, or the appeal's decider) decided the proposal: it is never
    proposed again for the same complaint. A proposal waived by the system (the person is no longer
    responsible, the complaint was found invalid or merged) may be proposed again."""
    return proposal.status in STANDING or proposal.decided_by_id is not None


def propose_for(complaint: Complaint, ctx: Context) -> list[PenaltyProposal]:
    """One pending proposal per responsible person of a valid complaint whose object the policy
    names (``complaints.penalties``), each asking the catalogue entry's approver through the
    approvals engine. Proposals of people no longer responsible are waived. Called by the
    responsibility action (inside its transaction, the complaint locked); returns the new ones."""
    c = complaint
    people = list(c.responsible_people.select_related("department"))
    keep = {p.pk for p in people}
    reason = _("no longer responsible for the complaint")
    for stale in (
        c.penalties.filter(status__in=STANDING)
        .exclude(person_id__in=keep)
        .select_related("person", "complaint", "organisation")
    ):
        _waive(stale, ctx, reason)
    if c.validity != Validity.VALID or not people:
        return []
    policy = ctx.policy
    code = policy.complaints.penalties.get(c.object)
    entry = _entry(policy, code) if code else None
    if entry is None:
        return []
    taken = {p.person_id for p in c.penalties.all() if _blocks_new_proposal(p)}
    amount = Decimal((entry.amount or policy.complaints.penalty).min).quantize(Decimal("0.01"))
    created: list[PenaltyProposal] = []
    for person in people:
        if person.pk in taken:
            continue
        proposal = PenaltyProposal.objects.create(
            organisation_id=c.organisation_id,
            complaint=c,
            person=person,
            department=person.department,
            catalogue_code=entry.code,
            catalogue_label=entry.label,
            approver_role=entry.approver,
            proposed_amount=amount,
            points=entry.points,
            created_at=ctx.now,
        )
        approvals.request(
            record=proposal,
            kind=KIND,
            approver_role=entry.approver,
            reason=_("%(number)s: %(penalty)s (%(amount)s yuan) for %(person)s")
            % {
                "number": c.number,
                "penalty": entry.label,
                "amount": amount,
                "person": person.display_name,
            },
            department=person.department,
            requested_by=ctx.by or c.first_contact_owner,
            now=ctx.now,
        )
        _proposal_event(
            proposal,
            "complaint.penalty_proposed",
            ctx.by,
            ctx.now,
            {"penalty": {"after": {**_proposal_ref(proposal), "approver": entry.approver}}},
            first=True,
        )
        created.append(proposal)
        notify(
            deciders_of(proposal),
            kind=NotificationKind.APPROVAL_REQUESTED,
            subject=proposal,
            title=_("%(number)s: a penalty for %(person)s waits for your decision")
            % {"number": c.number, "person": person.display_name},
            body=entry.label,
            now=ctx.now,
        )
        notify(
            [person],
            kind=EVENT,
            subject=proposal,
            title=_("%(number)s: a penalty is proposed for you (%(penalty)s)")
            % {"number": c.number, "penalty": entry.label},
            now=ctx.now,
        )
    return created


def _waive(proposal: PenaltyProposal, ctx: Context, reason: str) -> None:
    before = proposal.status
    approvals.withdraw(record=proposal, by=ctx.by, now=ctx.now, kinds=[KIND])
    proposal.status = PenaltyStatus.WAIVED
    proposal.decided_by, proposal.decided_at, proposal.decision_note = None, ctx.now, reason
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _proposal_event(
        proposal,
        "complaint.penalty_waived",
        ctx.by,
        ctx.now,
        {"penalty_status": {"before": before, "after": PenaltyStatus.WAIVED}},
        reason,
    )


def waive_standing(complaint: Complaint, ctx: Context, reason: str) -> list[PenaltyProposal]:
    """Waives every standing proposal of ``complaint`` (pending, confirmed or changed): found
    invalid, or merged into another complaint. Returns those waived."""
    waived = list(
        complaint.penalties.filter(status__in=STANDING).select_related("person", "complaint", "organisation")
    )
    for proposal in waived:
        _waive(proposal, ctx, reason)
    return waived


def waive_for_invalid(complaint: Complaint, ctx: Context) -> list[PenaltyProposal]:
    """An assessment found the complaint invalid: it never feeds a person's assessment (004), so
    its standing proposals are waived. Called by the assessment (inside its transaction)."""
    return waive_standing(complaint, ctx, _("the complaint was found invalid"))


# --- deciding and appealing -------------------------------------------------------------------


@dataclass
class PenaltyContext:
    proposal: PenaltyProposal
    complaint: Complaint
    by: User | None
    now: datetime
    policy: PolicyDocument


def _lock(proposal: PenaltyProposal | int, by: User | None, now: datetime | None) -> PenaltyContext:
    """The complaint's row, then the proposal's (the record before its parts)."""
    pk = proposal if isinstance(proposal, int) else proposal.pk
    complaint_id = PenaltyProposal.objects.filter(pk=pk).values_list("complaint_id", flat=True).first()
    if complaint_id is None:
        raise ValidationFailed.field("proposal", _("no such penalty proposal"))
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("organisation", "policy_version")
        .get(pk=complaint_id)
    )
    locked = (
        PenaltyProposal.objects.select_for_update(of=("self",))
        .select_related("person", "department", "organisation")
        .get(pk=pk)
    )
    locked.complaint = complaint
    return PenaltyContext(
        proposal=locked, complaint=complaint, by=by, now=now or timezone.now(), policy=policy_of(complaint)
    )


def _not_now(proposal: PenaltyProposal) -> ConflictError:
    return ConflictError(
        _("This penalty is %(status)s (appeal: %(appeal)s); nothing was changed.")
        % {"status": proposal.get_status_display(), "appeal": proposal.get_appeal_status_display()},
        extra={"status": proposal.status, "appeal_status": proposal.appeal_status},
    )


def _gate(approval: Approval, by: User, approved: bool, now: datetime) -> PenaltyContext:
    ctx = _lock(int(approval.object_id), by, now)
    if ctx.proposal.status != PenaltyStatus.PENDING:
        raise _not_now(ctx.proposal)
    return ctx


def _may_decide(user: User, approval: Approval, context: Any) -> bool:
    proposal = context.proposal
    return may_decide_penalty(user, proposal) and visibility.may_see(user, proposal)


def apply_penalty_decision(decision: Decision) -> PenaltyProposal:
    """The approvals engine's handler: approved = confirmed (``amount`` in the params changes it,
    within the entry's range), denied = waived."""
    ctx: PenaltyContext = decision.context
    p = ctx.proposal
    changes: dict[str, Any] = {}
    if decision.approved:
        wanted = decision.params.get("amount")
        amount = p.proposed_amount
        if wanted is not None:
            errors = FieldErrors()
            value = parse_amount(wanted, "amount", errors, zero=True)
            errors.raise_if_any()
            assert value is not None
            bounds = amount_range(ctx.policy, p)
            if not Decimal(bounds.min) <= value <= Decimal(bounds.max):
                raise ValidationFailed.field(
                    "amount",
                    _("must be between %(min)s and %(max)s yuan (the catalogue's range)")
                    % {"min": bounds.min, "max": bounds.max},
                )
            amount = value
        p.status = PenaltyStatus.CONFIRMED if amount == p.proposed_amount else PenaltyStatus.CHANGED
        p.amount = amount
        changes["amount"] = {"before": str(p.proposed_amount), "after": str(amount)}
    else:
        p.status = PenaltyStatus.WAIVED
    changes["penalty_status"] = {"before": PenaltyStatus.PENDING, "after": str(p.status)}
    p.decided_by, p.decided_at, p.decision_note = decision.by, decision.now, decision.note
    p.save(update_fields=["status", "amount", "decided_by", "decided_at", "decision_note"])
    _proposal_event(p, f"complaint.penalty_{p.status}", decision.by, decision.now, changes, decision.note)
    notify(
        [p.person],
        kind=EVENT,
        subject=p,
        title=_("%(number)s: your penalty was decided: %(status)s")
        % {"number": ctx.complaint.number, "status": p.get_status_display()},
        body=decision.note,
        now=decision.now,
    )
    return p


def _pending_request(proposal: PenaltyProposal) -> Approval | None:
    return (
        approvals.approvals_of(proposal)
        .filter(kind=KIND, status=ApprovalStatus.PENDING)
        .order_by("requested_at", "id")
        .first()
    )


def penalty_decide(
    proposal: PenaltyProposal,
    *,
    by: User,
    decision: str,
    amount: Decimal | str | int | float | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PenaltyProposal:
    """The approver confirms the proposed amount, changes it within the catalogue entry's range, or
    waives the proposal (a note says why). Decided through the approvals engine, so the shared inbox
    and this agree."""
    errors = FieldErrors()
    if decision not in DECISIONS:
        errors.add("decision", _("must be one of %(choices)s") % {"choices": ", ".join(DECISIONS)})
    if decision == "waive":
        note = _required_text(note, "note", errors)
    else:
        note = _optional_text(note, "note", errors)
    if decision == "change":
        if amount is None or amount == "":
            errors.add("amount", _("is required"))
    elif amount not in (None, ""):
        errors.add("amount", _("only a change names an amount"))
    errors.raise_if_any()
    request = _pending_request(proposal)
    if request is None:
        current = PenaltyProposal.objects.get(pk=proposal.pk)
        raise _not_now(current)
    if decision == "waive":
        result: PenaltyProposal = approvals.deny(request, by=by, note=note, now=now)
    elif decision == "change":
        result = approvals.approve(request, by=by, note=note, now=now, amount=amount)
    else:
        result = approvals.approve(request, by=by, note=note, now=now)
    return result


@transaction.atomic
def penalty_appeal(
    proposal: PenaltyProposal, *, by: User, text: str, now: datetime | None = None
) -> PenaltyProposal:
    """The person appeals a confirmed (or changed) penalty, once."""
    errors = FieldErrors()
    text = _required_text(text, "text", errors, limit=REASON_LENGTH)
    errors.raise_if_any()
    ctx = _lock(proposal, by, now)
    p = ctx.proposal
    if (
        p.status not in (PenaltyStatus.CONFIRMED, PenaltyStatus.CHANGED)
        or p.appeal_status != AppealStatus.NONE
    ):
        raise _not_now(p)
    if by.pk != p.person_id:
        raise PermissionDeniedError(_("Only the person it concerns may appeal a penalty."))
    p.appeal_status, p.appeal_text, p.appealed_at = AppealStatus.PENDING, text, ctx.now
    p.save(update_fields=["appeal_status", "appeal_text", "appealed_at"])
    _proposal_event(
        p,
        "complaint.penalty_appealed",
        by,
        ctx.now,
        {"appeal_status": {"before": AppealStatus.NONE, "after": AppealStatus.PENDING}},
        text,
    )
    deciders = User.objects.filter(organisation_id=p.organisation_id, is_active=True).filter(
        User.role_q(Role.DIRECTOR) | User.role_q(Role.QUALITY_INSPECTOR)
    )
    notify(
        [d for d in deciders if d.pk != by.pk],
        kind=NotificationKind.APPROVAL_REQUESTED,
        subject=p,
        title=_("%(number)s: %(person)s appeals a penalty")
        % {"number": ctx.complaint.number, "person": by.display_name},
        body=text,
        now=ctx.now,
    )
    return p


@transaction.atomic
def penalty_decide_appeal(
    proposal: PenaltyProposal, *, by: User, upheld: bool, note: str, now: datetime | None = None
) -> PenaltyProposal:
    """A director or the quality role decides an appeal: upheld, the penalty is lifted (waived);
    rejected, it stands."""
    errors = FieldErrors()
    note = _required_text(note, "note", errors)
    errors.raise_if_any()
    ctx = _lock(proposal, by, now)
    p = ctx.proposal
    if p.appeal_status != AppealStatus.PENDING:
        raise _not_now(p)
    if not may_decide_appeal(by, p):
        raise PermissionDeniedError(_("Only a director or the quality role decides an appeal."))
    changes: dict[str, Any] = {}
    after = AppealStatus.UPHELD if upheld else AppealStatus.REJECTED
    changes["appeal_status"] = {"before": AppealStatus.PENDING, "after": str(after)}
    fields = ["appeal_status", "appeal_decided_by", "appeal_decided_at", "appeal_note"]
    if upheld:
        changes["penalty_status"] = {"before": p.status, "after": PenaltyStatus.WAIVED}
        p.status = PenaltyStatus.WAIVED
        fields.append("status")
    p.appeal_status, p.appeal_decided_by, p.appeal_decided_at, p.appeal_note = after, by, ctx.now, note
    p.save(update_fields=fields)
    _proposal_event(
        p,
        "complaint.penalty_appeal_upheld" if upheld else "complaint.penalty_appeal_rejected",
        by,
        ctx.now,
        changes,
        note,
    )
    notify(
        [p.person],
        kind=EVENT,
        subject=p,
        title=_("%(number)s: your appeal was decided: %(status)s")
        % {"number": ctx.complaint.number, "status": p.get_appeal_status_display()},
        body=note,
        now=ctx.now,
    )
    return p


# --- the approvals inbox ----------------------------------------------------------------------


def inbox_q(user: User) -> Q:
    """The penalty approvals ``user`` may see and decide (``may_decide_penalty`` as a filter)."""
    visible = penalties_for_user(user).exclude(person_id=user.pk).filter(status=PenaltyStatus.PENDING)
    if user.has_role(Role.DIRECTOR):
        return Q(object_id__in=visible.values("pk"))
    path = _head_path(user)
    if path is None:
        return Q(pk__in=[])
    deciding = visible.filter(approver_role=Role.DEPARTMENT_HEAD, department__path__startswith=path)
    return Q(approver_role=Role.DEPARTMENT_HEAD, object_id__in=deciding.values("pk"))


def _describe(user: User, ids: Sequence[int]) -> Mapping[int, RecordSummary]:
    """One query for every proposal of the inbox's page."""
    found = penalties_for_user(user).filter(pk__in=ids).select_related("complaint", "person", "department")
    return {
        p.pk: RecordSummary(
            title=f"{p.complaint.number} · {p.person.display_name}",
            url=_complaint_link(p.complaint_id),
            summary=_("%(penalty)s · %(amount)s yuan")
            % {"penalty": p.catalogue_label, "amount": p.proposed_amount},
            department=p.department.name if p.department is not None else "",
        )
        for p in found
    }


def _approves_anything(user: User) -> bool:
    return user.has_role(Role.DIRECTOR) or (
        user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None
    )


def register() -> None:
    """Penalty proposals in the approvals engine (kind ``complaint_penalty``), the visibility rules
    and the notifications (subject: the complaint's number and the penalty)."""
    events.register(EVENT, gettext_lazy("A penalty concerning you"))
    visibility.register_rule(
        "complaints.PenaltyProposal", visible_for=penalties_for_user, who_may_see=penalty_viewers
    )
    subjects.register(
        "complaints.PenaltyProposal",
        title=_title,
        link=lambda proposal: _complaint_link(proposal.complaint_id),
    )
    registry.register(
        ApprovalProcess(
            model=PenaltyProposal,
            label=gettext_lazy("complaint penalty"),
            kinds=[
                registry.ApprovalKind(
                    KIND, gettext_lazy("Penalty for a complaint"), apply_penalty_decision, True
                )
            ],
            inbox_q=inbox_q,
            may_decide=_may_decide,
            describe=_describe,
            approves_anything=_approves_anything,
            gate=_gate,
        )
    )
