"""``/api/v1/complaints``: register, list, read and act on complaints (投诉); raise one from a work
order (``POST /api/v1/work-orders/{id}/complaints``); the penalty proposals a user may see
(``/api/v1/complaint-penalties``).

Every endpoint on one complaint first looks it up through the caller's visibility: a complaint
outside it answers 404 whatever else is wrong with the request (its number is never named). Then:

- 422 ``invalid``: a field is missing or wrong (``fields`` names each one); nothing is written. A
  related record given by id that is not in the caller's organisation or visibility is a field
  error too.
- 409 ``conflict``: the action is not possible in the complaint's current state; the body carries
  ``allowed_actions`` (what the caller may do now) and ``status``.
- 403 ``permission_denied``: the state allows the action, the caller's role does not.

Each action is ``POST /api/v1/complaints/{id}/<action>`` (the values of ``rules.Action``) and
answers 200 with the complaint as ``GET /api/v1/complaints/{id}`` shows it after the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status as HttpStatus
from pydantic import AfterValidator

from fuwu import visibility
from fuwu.clocks.deadlines import remaining_business_minutes
from fuwu.customers.models import Product
from fuwu.lib.endpoints import PathId, action_route, caller, found, ref, visible
from fuwu.lib.errors import FieldErrors
from fuwu.lib.paging import page_count, page_rows
from fuwu.org.models import User
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for
from fuwu.visibility import PhoneShown
from fuwu.workcal.selectors import work_calendar_for
from fuwu.workorders import selectors as work_order_selectors
from fuwu.workorders.models import WorkOrder

from . import selectors, services
from .models import (
    AnswerOutcome,
    Channel,
    Complaint,
    ComplaintCost,
    ComplaintObject,
    PenaltyProposal,
    Status,
    Validity,
)
from .rules import Action
from .schemas import (
    ComplaintAddCostIn,
    ComplaintAppealIn,
    ComplaintAssessIn,
    ComplaintAssignResponsibilityIn,
    ComplaintClassifyAnswerIn,
    ComplaintCreated,
    ComplaintCustomerAnswerIn,
    ComplaintDecideAppealIn,
    ComplaintExecuteIn,
    ComplaintFilters,
    ComplaintFromWorkOrderIn,
    ComplaintIn,
    ComplaintMergeIn,
    ComplaintNoteIn,
    ComplaintOut,
    ComplaintPage,
    ComplaintPenaltyDecideIn,
    ComplaintPenaltyFilters,
    ComplaintPenaltyOut,
    ComplaintPenaltyPage,
    ComplaintProposePlanIn,
    ComplaintReasonIn,
    ComplaintReassignIn,
    ComplaintReplyIn,
    ComplaintRequestExtensionIn,
    ComplaintVerifyCostIn,
)

router = Router(tags=["complaints"])
work_order_router = Router(tags=["complaints"])
penalty_router = Router(tags=["complaints"])


# --- helpers ------------------------------------------------------------------------------------


def _complaint(user: User, pk: int) -> Complaint:
    return visibility.get_visible_or_404(selectors.complaints_for_user(user), pk=pk)


def _penalty(user: User, pk: int) -> PenaltyProposal:
    return visibility.get_visible_or_404(selectors.penalties_for_user(user), pk=pk)


def _work_order(user: User, pk: int) -> WorkOrder:
    return work_order_selectors.work_order_get(user=user, pk=pk)


# The records named in paths (path parameters are resolved first): each must be visible to the
# caller, else 404 — before the body is read; the record found is kept on the request.
VisibleComplaintId = Annotated[PathId, AfterValidator(visible("complaint", _complaint))]
VisiblePenaltyId = Annotated[PathId, AfterValidator(visible("penalty", _penalty))]
VisibleWorkOrderId = Annotated[PathId, AfterValidator(visible("work_order", _work_order))]


def _complaint_ref(obj: Any, visible: set[int]) -> dict[str, Any] | None:
    if obj is None or obj.pk not in visible:
        return None
    return {"id": obj.pk, "number": obj.number}


def _check_product(user: User, product_id: int | None, errors: FieldErrors) -> None:
    """A product is named only if its customer is visible to the caller (else it would bring along a
    customer the caller may not see)."""
    if product_id is None:
        return
    visible = Product.objects.filter(customer__in=visibility.customers_for_user(user), pk=product_id)
    if not visible.exists():
        errors.add("product_id", _("no such product"))


# --- serialisation ------------------------------------------------------------------------------


class Labels:
    """Choice labels in the request's language, translated once per request (not per row)."""

    def __init__(self) -> None:
        self.status = {value: str(label) for value, label in Status.choices}
        self.channel = {value: str(label) for value, label in Channel.choices}
        self.object = {value: str(label) for value, label in ComplaintObject.choices}
        self.validity = {value: str(label) for value, label in Validity.choices}


def complaint_row(
    c: Complaint, user: User, shown: PhoneShown, labels: Labels | None = None
) -> dict[str, Any]:
    """A list row; ``c`` comes from ``selectors.complaint_list`` (annotated, related joined)."""
    labels = labels or Labels()
    identity = selectors.shows_identity(user, c)
    answer = c.answer
    return {
        "id": c.pk,
        "number": c.number,
        "status": c.status,
        "status_label": labels.status.get(c.status, c.status),
        "channel": c.channel,
        "channel_label": labels.channel.get(c.channel, c.channel),
        "object": c.object,
        "object_label": labels.object.get(c.object, c.object),
        "severity": c.severity,
        "validity": c.validity,
        "validity_label": labels.validity.get(c.validity, c.validity),
        "subject": c.subject,
        "customer": ref(c.customer) if identity else None,
        "caller_name": c.caller_name if identity else "",
        "caller_phone": shown(c.caller_phone) if identity else "",
        "identity_protected": c.identity_protected,
        "department": ref(c.department),
        "handler": ref(c.handler),
        "first_contact_owner": ref(c.first_contact_owner),
        "received_at": c.received_at,
        "is_overdue": bool(getattr(c, "is_overdue", False)),
        "next_due_at": getattr(c, "next_due_at", None),
        "is_repeat": c.repeat_of_id is not None,
        "answer": answer.outcome
        if answer is not None and answer.outcome in (AnswerOutcome.SATISFIED, AnswerOutcome.UNSATISFIED)
        else "",
        "rehandle_count": c.rehandle_count,
    }


# Timeline changes that name another complaint: hidden when the caller may not see it.
_COMPLAINT_REF_KEYS = ("merged_into", "merged_from", "repeat_of")


def _referenced_ids(events: Iterable[Event]) -> set[int]:
    found: set[int] = set()
    for event in events:
        for key in _COMPLAINT_REF_KEYS:
            change = (event.changes or {}).get(key)
            if isinstance(change, dict):
                for side in ("before", "after"):
                    value = change.get(side)
                    if isinstance(value, dict) and isinstance(value.get("id"), int):
                        found.add(value["id"])
                    elif isinstance(value, int) and not isinstance(value, bool):
                        found.add(value)
    return found


def _scrubbed(changes: dict[str, Any], visible: set[int]) -> dict[str, Any]:
    out = dict(changes)
    for key in _COMPLAINT_REF_KEYS:
        change = out.get(key)
        if not isinstance(change, dict):
            continue
        kept = dict(change)
        for side in ("before", "after"):
            value = kept.get(side)
            pk = value.get("id") if isinstance(value, dict) else value
            if isinstance(pk, int) and not isinstance(pk, bool) and pk not in visible:
                kept[side] = None
        out[key] = kept
    return out


def _event_out(event: Event, shown: PhoneShown, visible: set[int]) -> dict[str, Any]:
    return {
        "at": event.at,
        "action": event.action,
        "actor": event.actor_label,
        "changes": shown.in_value(_scrubbed(event.changes or {}, visible)),
        "reason": event.reason,
    }


def _years(moments: Iterable[datetime]) -> set[int]:
    years = [timezone.localtime(m).year for m in moments]
    return set(range(min(years), max(years) + 1)) if years else set()


def _clocks(c: Complaint, now: datetime) -> list[dict[str, Any]]:
    clocks = selectors.complaint_clocks(c)
    running = [k for k in clocks if k.met_at is None]
    calendar = None
    if running:
        calendar = work_calendar_for(
            c.organisation,
            years=_years([now, *(k.due_at for k in running), *(k.paused_at for k in running if k.paused_at)]),
        )
    out = []
    for k in clocks:
        remaining = None
        if k.met_at is None and calendar is not None:
            remaining = remaining_business_minutes(calendar, k.paused_at or now, k.due_at)
        out.append(
            {
                "kind": k.kind,
                "kind_label": k.get_kind_display(),
                "amount": k.amount,
                "unit": k.unit,
                "started_at": k.started_at,
                "due_at": k.due_at,
                "met_at": k.met_at,
                "overdue": k.is_breached(k.paused_at or now),
                "paused": k.paused_at is not None,
                "paused_at": k.paused_at,
                "remaining_business_minutes": remaining,
                "escalation_level": k.escalation_level,
                "extended_count": k.extended_count,
            }
        )
    return out


def penalty_out(p: PenaltyProposal) -> dict[str, Any]:
    """A penalty proposal (``complaint``, ``person``, ``department`` and ``decided_by`` joined)."""
    return {
        "id": p.pk,
        "complaint": {"id": p.complaint_id, "number": p.complaint.number},
        "person": ref(p.person),
        "department": ref(p.department),
        "catalogue_code": p.catalogue_code,
        "catalogue_label": p.catalogue_label,
        "approver_role": p.approver_role,
        "proposed_amount": p.proposed_amount,
        "points": p.points,
        "status": p.status,
        "status_label": p.get_status_display(),
        "amount": p.amount,
        "decided_by": ref(p.decided_by),
        "decided_at": p.decided_at,
        "decision_note": p.decision_note,
        "appeal_status": p.appeal_status,
        "appeal_status_label": p.get_appeal_status_display(),
        "appeal_text": p.appeal_text,
        "appealed_at": p.appealed_at,
        "appeal_note": p.appeal_note,
        "appeal_decided_at": p.appeal_decided_at,
        "created_at": p.created_at,
    }


def complaint_detail(
    c: Complaint, user: User, shown: PhoneShown, now: datetime | None = None
) -> dict[str, Any]:
    """The whole complaint as ``GET /complaints/{id}`` shows it; ``c`` from ``selectors.complaint_detail``."""
    now = now or timezone.now()
    identity = selectors.shows_identity(user, c)
    events = list(events_for(c))
    callers = list(c.callers.all())
    wanted = {pk for pk in (c.repeat_of_id, c.merged_into_id) if pk is not None}
    wanted |= {x.merged_from_id for x in callers if x.merged_from_id is not None}
    wanted |= _referenced_ids(events)
    visible = (
        set(selectors.complaints_for_user(user).filter(pk__in=wanted).values_list("pk", flat=True))
        if wanted
        else set()
    )
    visible.add(c.pk)
    work_order = None
    if c.work_order is not None and visibility.work_orders_for_user(user).filter(pk=c.work_order.pk).exists():
        work_order = {"id": c.work_order.pk, "number": c.work_order.number}
    row = complaint_row(c, user, shown)
    clocks = _clocks(c, now)
    unmet = [k for k in clocks if k["met_at"] is None]
    row["is_overdue"] = any(k["overdue"] for k in unmet)
    row["next_due_at"] = min((k["due_at"] for k in unmet), default=None)
    product = c.product
    return {
        **row,
        "cause_type": c.cause_type,
        "handler_role": c.handler_role,
        "description": c.description,
        "demand": c.demand,
        "address": c.address if identity else "",
        "confidentiality": c.confidentiality,
        "work_order": work_order,
        "service_type": ref(c.service_type),
        "product": {"id": product.pk, "name": product.name, "model": product.model, "serial": product.serial}
        if product is not None and identity
        else None,
        "intake_department": ref(c.intake_department),
        "logged_by": ref(c.logged_by),
        "registered_at": c.registered_at,
        "assessment_note": c.assessment_note,
        "assessed_by": ref(c.assessed_by),
        "assessed_at": c.assessed_at,
        "cause": c.cause,
        "responsible_department": ref(c.responsible_department),
        "responsible_people": [ref(p) for p in c.responsible_people.all()],
        "responsibility_at": c.responsibility_at,
        "plan": c.plan,
        "plan_proposed_by": ref(c.plan_proposed_by),
        "plan_proposed_at": c.plan_proposed_at,
        "plan_approved_by": ref(c.plan_approved_by),
        "plan_approved_at": c.plan_approved_at,
        "execution_note": c.execution_note,
        "executed_by": ref(c.executed_by),
        "executed_at": c.executed_at,
        "reply": c.reply,
        "reply_method": c.reply_method,
        "replied_by": ref(c.replied_by),
        "replied_at": c.replied_at,
        "acknowledged_at": c.acknowledged_at,
        "investigation_started_at": c.investigation_started_at,
        "closed_at": c.closed_at,
        "closed_by": ref(c.closed_by),
        "close_note": c.close_note,
        "archived_at": c.archived_at,
        "contact_attempts": c.contact_attempts,
        "reminder_count": c.reminder_count,
        "return_count": c.return_count,
        "reassign_count": c.reassign_count,
        "repeat_of": _complaint_ref(c.repeat_of, visible),
        "merged_into": _complaint_ref(c.merged_into, visible),
        "clocks": clocks,
        "callers": [
            {
                "id": x.pk,
                "name": x.name if identity else "",
                "phone": shown(x.phone) if identity else "",
                "customer": ref(x.customer) if identity else None,
                "merged_from": _complaint_ref(x.merged_from, visible),
                "added_at": x.added_at,
                "replied_at": x.replied_at,
            }
            for x in callers
        ],
        "answers": [
            {
                "id": a.pk,
                "round": a.round,
                "outcome": a.outcome,
                "outcome_label": a.get_outcome_display(),
                "method": a.method,
                "comment": a.comment,
                "recorded_by": ref(a.recorded_by),
                "recorded_at": a.recorded_at,
                "reasonable": a.reasonable,
                "reasonable_note": a.reasonable_note,
                "classified_by": ref(a.classified_by),
                "classified_at": a.classified_at,
            }
            for a in c.answers.all()
        ],
        "costs": [
            {
                "id": k.pk,
                "kind": k.kind,
                "kind_label": k.get_kind_display(),
                "description": k.description,
                "amount": k.amount,
                "department": ref(k.department),
                "status": k.status,
                "status_label": k.get_status_display(),
                "recorded_by": ref(k.recorded_by),
                "recorded_at": k.recorded_at,
                "verified_by": ref(k.verified_by),
                "verified_at": k.verified_at,
                "verification_note": k.verification_note,
            }
            for k in c.costs.all()
        ],
        "penalties": [penalty_out(_with_complaint(p, c)) for p in c.penalties.all()],
        "approvals": [
            {
                "id": a.pk,
                "kind": a.kind,
                "kind_label": a.get_kind_display(),
                "status": a.status,
                "status_label": a.get_status_display(),
                "approver_role": a.approver_role,
                "reason": a.reason,
                "requested_by": ref(a.requested_by),
                "requested_at": a.requested_at,
                "decided_by": ref(a.decided_by),
                "decided_at": a.decided_at,
                "decision_note": a.decision_note,
            }
            for a in c.approvals.all()
        ],
        "timeline": [_event_out(e, shown, visible) for e in events],
        "allowed_actions": [a.value for a in services.allowed_actions(user, c)],
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def _with_complaint(p: PenaltyProposal, c: Complaint) -> PenaltyProposal:
    p.complaint = c
    return p


def _detail(request: HttpRequest, complaint_id: int, *, after_action: bool = True) -> dict[str, Any]:
    """The complaint as the caller sees it. After the caller's own action that took it out of their
    sight (a head returning it: it leaves their department) the answer still shows it this once, as
    the action left it — the caller saw it a moment ago; any later request answers 404."""
    user = caller(request)
    try:
        c = selectors.complaint_detail(user, complaint_id)
    except Http404:
        if not after_action:
            raise
        c = selectors.with_detail_links(
            selectors.with_detail_related(Complaint.objects.filter(pk=complaint_id), user).get()
        )
    return complaint_detail(c, user, PhoneShown(user))


def _created(c: Complaint, user: User) -> dict[str, Any]:
    """The answer to registering ``c``, from the complaint as the service wrote it (its clocks as
    inserted, not read back); one query only when it repeats an earlier complaint."""
    repeat_of = None
    if c.repeat_of is not None and selectors.complaints_for_user(user).filter(pk=c.repeat_of.pk).exists():
        repeat_of = {"id": c.repeat_of.pk, "number": c.repeat_of.number}
    clocks = sorted(c.started_clocks, key=lambda k: (k.due_at, k.pk))  # type: ignore[attr-defined]
    return {
        "id": c.pk,
        "number": c.number,
        "status": c.status,
        "status_label": c.get_status_display(),
        "channel": c.channel,
        # in UTC, as every other answer gives times (computed deadlines are in Shanghai time)
        "received_at": c.received_at.astimezone(UTC),
        "customer": ref(c.customer) if selectors.shows_identity(user, c) else None,
        "first_contact_owner": ref(c.first_contact_owner),
        "logged_by": ref(c.logged_by),
        "department": ref(c.department),
        "work_order": {"id": c.work_order.pk, "number": c.work_order.number} if c.work_order else None,
        "repeat_of": repeat_of,
        "clocks": [
            {
                "kind": k.kind,
                "started_at": k.started_at.astimezone(UTC),
                "due_at": k.due_at.astimezone(UTC),
                "met_at": k.met_at.astimezone(UTC) if k.met_at else None,
                "calendar_confirmed": k.calendar_confirmed,
            }
            for k in clocks
        ],
        "url": f"/api/v1/complaints/{c.pk}",
    }


def _visible(request: HttpRequest, complaint_id: int) -> tuple[User, Complaint]:
    """The caller and the complaint the path named (already looked up through visibility)."""
    return found(request, "complaint", complaint_id, _complaint)


# --- list, create, read -------------------------------------------------------------------------


@router.get("", response=ComplaintPage, summary="List complaints (tabs, filters, keyword search, paging)")
def list_complaints(request: HttpRequest, filters: Query[ComplaintFilters]) -> dict[str, Any]:
    """Newest first. ``count`` is the number of complaints matching the filters (all pages), counted
    exactly up to 1,000 (or to the end of the page asked for, if further); beyond that ``count_exact``
    is false and ``count`` is that lower bound."""
    user = caller(request)
    complaints = selectors.complaint_list(
        user,
        tab=filters.tab,
        q=filters.q or "",
        status=filters.status,
        department_id=filters.department,
        object=filters.object,
        validity=filters.validity,
        channel=filters.channel,
        date_from=filters.received_from,
        date_to=filters.received_to,
    )
    page = page_rows(complaints, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(complaints, offset=filters.offset, limit=filters.limit)
    shown, labels = PhoneShown(user), Labels()
    return {
        "items": [complaint_row(c, user, shown, labels) for c in page],
        "count": count,
        "count_exact": exact,
    }


@router.post("", response={201: ComplaintCreated}, summary="Register a complaint")
def create_complaint(request: HttpRequest, payload: ComplaintIn) -> HttpStatus[dict[str, Any]]:
    """The caller becomes the first-contact owner; ``channel`` defaults to ``api``. Answers the
    number, status and deadlines, and the earlier complaint it repeats; the whole record is at
    ``url`` (``GET /complaints/{id}``)."""
    user = caller(request)
    errors = FieldErrors()
    _check_product(user, payload.product_id, errors)
    errors.raise_if_any()
    assert user.organisation is not None  # API authentication admits members of an organisation only
    c = services.complaint_create(
        organisation=user.organisation,
        by=user,
        data=services.ComplaintInput(**payload.model_dump()),
    )
    return HttpStatus(201, _created(c, user))


@router.get(
    "/{complaint_id}", response=ComplaintOut, summary="One complaint with clocks, timeline and actions"
)
def get_complaint(request: HttpRequest, complaint_id: VisibleComplaintId) -> dict[str, Any]:
    return _detail(request, complaint_id, after_action=False)


@work_order_router.post(
    "/{work_order_id}/complaints",
    response={201: ComplaintCreated},
    summary="Raise a complaint about a work order",
    operation_id="work_order_raise_complaint",
)
def raise_from_work_order(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: ComplaintFromWorkOrderIn
) -> HttpStatus[dict[str, Any]]:
    """Its customer, caller, address, product, service type and department come along; the people
    who worked on it are named as the suggested responsible; both timelines say so."""
    user, work_order = found(request, "work_order", work_order_id, _work_order)
    c = services.complaint_from_work_order(
        work_order,
        by=user,
        subject=payload.subject,
        description=payload.description,
        object=payload.object,
        severity=payload.severity,
        demand=payload.demand,
    )
    return HttpStatus(201, _created(c, user))


# --- actions ------------------------------------------------------------------------------------

# ``POST /{complaint_id}/<verb>`` answering the complaint after the change.
action = action_route(router, kind="complaint", parameter="complaint_id", response=ComplaintOut)


@action(Action.ACKNOWLEDGE, "Acknowledge receipt to the complainant")
def acknowledge(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintNoteIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_acknowledge(c, by=user, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.ASSESS, "Assess: valid or invalid, object, cause type, severity")
def assess(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintAssessIn
) -> dict[str, Any]:
    """Invalid (a misunderstanding): the plan and execution steps stop; it is still replied to."""
    user, c = _visible(request, complaint_id)
    services.complaint_assess(
        c,
        by=user,
        validity=payload.validity,
        object=payload.object,
        cause_type=payload.cause_type,
        severity=payload.severity or c.severity,
        note=payload.note,
    )
    return _detail(request, complaint_id)


@action(Action.START_INVESTIGATION, "Start the investigation")
def start_investigation(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintNoteIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_start_investigation(c, by=user, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.ASSIGN_RESPONSIBILITY, "Record the cause and the responsible department and people")
def assign_responsibility(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintAssignResponsibilityIn
) -> dict[str, Any]:
    """Decided by the policy's ``complaints.responsibility_role`` (or a director). A valid complaint
    creates a pending penalty proposal for each person (the policy's catalogue entry)."""
    user, c = _visible(request, complaint_id)
    services.complaint_assign_responsibility(
        c, by=user, cause=payload.cause, department_id=payload.department_id, person_ids=payload.person_ids
    )
    return _detail(request, complaint_id)


@action(Action.PROPOSE_PLAN, "Propose the handling plan (approved where the severity asks)")
def propose_plan(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintProposePlanIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_propose_plan(c, by=user, plan=payload.plan)
    return _detail(request, complaint_id)


@action(Action.APPROVE_PLAN, "Approve the handling plan")
def approve_plan(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintNoteIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_decide_plan(c, by=user, approved=True, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.DENY_PLAN, "Deny the handling plan (a new one is proposed)")
def deny_plan(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintNoteIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_decide_plan(c, by=user, approved=False, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.REQUEST_EXTENSION, "Ask the policy's approver to extend a step's deadline")
def request_extension(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintRequestExtensionIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_request_extension(
        c, by=user, clock=payload.clock, amount=payload.amount, unit=payload.unit, reason=payload.reason
    )
    return _detail(request, complaint_id)


@action(Action.APPROVE_EXTENSION, "Approve the extension")
def approve_extension(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintNoteIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_decide_extension(c, by=user, approved=True, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.DENY_EXTENSION, "Deny the extension")
def deny_extension(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintNoteIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_decide_extension(c, by=user, approved=False, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.EXECUTE, "Record the plan's execution")
def execute(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintExecuteIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_execute(c, by=user, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.REPLY, "Reply to the customer (every caller); the return visit falls due")
def reply(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintReplyIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_reply(c, by=user, text=payload.text, method=payload.method)
    return _detail(request, complaint_id)


@action(Action.RECORD_CUSTOMER_ANSWER, "Record the customer's answer (or a failed contact attempt)")
def record_customer_answer(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintCustomerAnswerIn
) -> dict[str, Any]:
    """Satisfied: it may close. Unsatisfied: re-handling (重办), and the later answer counts.
    Unreachable: counted; after the policy's number of attempts it may close."""
    user, c = _visible(request, complaint_id)
    services.complaint_record_answer(
        c, by=user, outcome=payload.outcome, method=payload.method, comment=payload.comment
    )
    return _detail(request, complaint_id)


@action(Action.CLASSIFY_ANSWER, "Mark an unsatisfied answer reasonable or unreasonable")
def classify_answer(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintClassifyAnswerIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_classify_answer(c, by=user, reasonable=payload.reasonable, reason=payload.reason)
    return _detail(request, complaint_id)


@action(Action.REOPEN, "Reopen a closed complaint for re-handling")
def reopen(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintReasonIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_reopen(c, by=user, reason=payload.reason)
    return _detail(request, complaint_id)


@action(Action.RETURN, "Return a complaint the department does not own (at most the policy's times)")
def return_complaint(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintReasonIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_return(c, by=user, reason=payload.reason)
    return _detail(request, complaint_id)


@action(Action.REASSIGN, "Reassign to another department (and handler)")
def reassign(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintReassignIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_reassign(
        c, by=user, department_id=payload.department_id, handler_id=payload.handler_id, reason=payload.reason
    )
    return _detail(request, complaint_id)


@action(Action.MERGE, "Merge a duplicate into another complaint about the same event (并单)")
def merge(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintMergeIn
) -> dict[str, Any]:
    """Every caller of the duplicate joins ``into``'s callers and is answered with it."""
    user, c = _visible(request, complaint_id)
    into = selectors.complaints_for_user(user).filter(pk=payload.into).first()
    if into is None:
        errors = FieldErrors()
        errors.add("into", _("no such complaint"))
        errors.raise_if_any()
    assert into is not None
    services.complaint_merge(c, by=user, into=into, reason=payload.reason)
    return _detail(request, complaint_id)


@action(Action.REMIND, "Send a reminder (催办) to whoever handles it")
def remind(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintNoteIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_remind(c, by=user, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.CLOSE, "Close (after the customer's answer, or the policy's failed contact attempts)")
def close(request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintNoteIn) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_close(c, by=user, note=payload.note)
    return _detail(request, complaint_id)


@action(Action.ARCHIVE, "Archive a closed complaint")
def archive(request: HttpRequest, complaint_id: VisibleComplaintId) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_archive(c, by=user)
    return _detail(request, complaint_id)


@action(Action.ADD_COST, "Record a cost (repair, parts, freight, travel, compensation)")
def add_cost(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintAddCostIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    services.complaint_add_cost(
        c,
        by=user,
        kind=payload.kind,
        amount=payload.amount,
        description=payload.description,
        department_id=payload.department_id,
    )
    return _detail(request, complaint_id)


@action(Action.VERIFY_COST, "Verify (and allocate) or reject a cost: the finance role")
def verify_cost(
    request: HttpRequest, complaint_id: VisibleComplaintId, payload: ComplaintVerifyCostIn
) -> dict[str, Any]:
    user, c = _visible(request, complaint_id)
    cost = ComplaintCost.objects.filter(pk=payload.cost_id, complaint=c).select_related("complaint").first()
    if cost is None:
        errors = FieldErrors()
        errors.add("cost_id", _("no such cost of this complaint"))
        errors.raise_if_any()
    assert cost is not None
    services.complaint_verify_cost(
        cost, by=user, approved=payload.approved, department_id=payload.department_id, note=payload.note
    )
    return _detail(request, complaint_id)


# --- penalties ----------------------------------------------------------------------------------


def _penalties(user: User) -> QuerySet[PenaltyProposal]:
    return selectors.penalties_for_user(user).select_related(
        "complaint", "person", "department", "decided_by"
    )


@penalty_router.get(
    "", response=ComplaintPenaltyPage, summary="Penalty proposals the caller may see, newest first"
)
def list_penalties(request: HttpRequest, filters: Query[ComplaintPenaltyFilters]) -> dict[str, Any]:
    """The caller's own; those they may decide (a head: of their department and below); all of the
    organisation for the quality role, directors and administrators."""
    user = caller(request)
    shown = _penalties(user)
    if filters.status:
        shown = shown.filter(status=filters.status)
    if filters.appeal_status:
        shown = shown.filter(appeal_status=filters.appeal_status)
    if filters.mine:
        shown = shown.filter(person=user.pk)
    if filters.complaint is not None:
        shown = shown.filter(complaint_id=filters.complaint)
    page = shown[filters.offset : filters.offset + filters.limit]
    return {"items": [penalty_out(p) for p in page], "count": shown.count()}


def _penalty_answer(user: User, penalty_id: int) -> dict[str, Any]:
    found = _penalties(user).filter(pk=penalty_id).first()
    if found is None:  # a decision never takes a proposal out of its decider's sight; if it did: 404
        raise Http404
    return penalty_out(found)


def _visible_penalty(request: HttpRequest, penalty_id: int) -> tuple[User, PenaltyProposal]:
    return found(request, "penalty", penalty_id, _penalty)


@penalty_router.get("/{penalty_id}", response=ComplaintPenaltyOut, summary="One penalty proposal")
def get_penalty(request: HttpRequest, penalty_id: VisiblePenaltyId) -> dict[str, Any]:
    return _penalty_answer(caller(request), penalty_id)


@penalty_router.post(
    "/{penalty_id}/decide",
    response=ComplaintPenaltyOut,
    summary="Confirm, change (within the catalogue's range) or waive a penalty proposal",
    operation_id="complaint_penalty_decide",
)
def decide_penalty(
    request: HttpRequest, penalty_id: VisiblePenaltyId, payload: ComplaintPenaltyDecideIn
) -> dict[str, Any]:
    user, p = _visible_penalty(request, penalty_id)
    services.penalty_decide(p, by=user, decision=payload.decision, amount=payload.amount, note=payload.note)
    return _penalty_answer(user, penalty_id)


@penalty_router.post(
    "/{penalty_id}/appeal",
    response=ComplaintPenaltyOut,
    summary="Appeal a confirmed penalty (only the person, once)",
    operation_id="complaint_penalty_appeal",
)
def appeal_penalty(
    request: HttpRequest, penalty_id: VisiblePenaltyId, payload: ComplaintAppealIn
) -> dict[str, Any]:
    user, p = _visible_penalty(request, penalty_id)
    services.penalty_appeal(p, by=user, text=payload.text)
    return _penalty_answer(user, penalty_id)


@penalty_router.post(
    "/{penalty_id}/decide-appeal",
    response=ComplaintPenaltyOut,
    summary="Decide an appeal: upheld lifts the penalty (a director or the quality role)",
    operation_id="complaint_penalty_decide_appeal",
)
def decide_appeal(
    request: HttpRequest, penalty_id: VisiblePenaltyId, payload: ComplaintDecideAppealIn
) -> dict[str, Any]:
    user, p = _visible_penalty(request, penalty_id)
    services.penalty_decide_appeal(p, by=user, upheld=payload.upheld, note=payload.note)
    return _penalty_answer(user, penalty_id)
