"""``/api/v1/visits``: return visits (回访) — the caller's day, one visit with its questionnaire,
attempts and timeline, and its actions; ``/api/v1/visit-samples``: the month's samples of level-2
and level-3 visits, shown with their population, rule, seed and why each visit is in them, and
drawn once.

Every endpoint on one visit first looks it up through the caller's visibility: a visit outside it
answers 404. Then 422 (a field, named), 409 (the visit's state: ``allowed_actions``), 403 (the
caller may not). Each action is ``POST /api/v1/visits/{id}/<action>`` and answers the visit as
``GET /api/v1/visits/{id}`` shows it after the change.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status as HttpStatus
from pydantic import AfterValidator

from fuwu import visibility
from fuwu.complaints.selectors import complaints_for_user
from fuwu.lib.display import system_text
from fuwu.lib.endpoints import PathId, action_route, caller, found, ref, visible
from fuwu.lib.errors import FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.org.models import Role, User
from fuwu.timeline.selectors import events_for
from fuwu.visibility import PhoneShown

from . import selectors, services
from .display import planned_what, question_label
from .models import (
    AttemptOutcome,
    Method,
    Reason,
    Status,
    Visit,
    VisitSurveyLink,
)
from .permissions import VisitAction, may_draw_samples
from .presenting import samples_audit, seen_subjects, subject_ref, survey_links
from .schemas import (
    VisitAnswerIn,
    VisitAttemptIn,
    VisitFilters,
    VisitIn,
    VisitOut,
    VisitPage,
    VisitReasonIn,
    VisitReassignIn,
    VisitRescheduleIn,
    VisitSampleFilters,
    VisitSampleIn,
    VisitSamplesOut,
    VisitSendSurveyIn,
    VisitSurveySentOut,
)
from .services.context import policy_of_subject, questionnaire_of

router = Router(tags=["visits"])
sample_router = Router(tags=["visits"])


def _visit(user: User, pk: int) -> Visit:
    return visibility.get_visible_or_404(selectors.visits_for_user(user).select_related(*RELATED), pk=pk)


RELATED = (
    "work_order",
    "complaint",
    "customer",
    "department",
    "visitor",
    "organisation",
    "campaign",
    "agreement",
    "product",
)
VisibleVisitId = Annotated[PathId, AfterValidator(visible("visit", _visit))]


class Labels:
    def __init__(self) -> None:
        self.status = {v: str(label) for v, label in Status.choices}
        self.reason = {v: str(label) for v, label in Reason.choices}
        self.method = {v: str(label) for v, label in Method.choices}
        self.role = {v: str(label) for v, label in Role.choices}


def visit_row(
    v: Visit, shown: PhoneShown, seen: tuple[set[int], set[int]], labels: Labels, now: Any
) -> dict[str, Any]:
    return {
        "id": v.pk,
        "level": v.level,
        "reason": v.reason,
        "reason_label": labels.reason.get(v.reason, v.reason),
        "subject": subject_ref(v, seen),
        "customer": ref(v.customer),
        "contact_name": v.contact_name,
        "contact_phone": shown(v.contact_phone),
        "department": ref(v.department),
        "visitor_role": v.visitor_role,
        "visitor_role_label": labels.role.get(v.visitor_role, v.visitor_role),
        "visitor": ref(v.visitor),
        "method": v.method,
        "method_label": labels.method.get(v.method, v.method),
        "on_site_reasons": list(v.on_site_reasons or []),
        "status": v.status,
        "status_label": labels.status.get(v.status, v.status),
        "due_at": v.due_at,
        "next_attempt_at": v.next_attempt_at,
        "is_overdue": v.status == Status.DUE and v.due_at < now,
        "attempts": v.attempts,
        "satisfied": v.satisfied,
        "counts": v.counts,
        "planned_for": planned_what(v) if v.is_planned else "",
        "campaign": ref(v.campaign) if v.campaign_id else None,
    }


@router.get("", response=VisitPage, summary="List return visits (the caller's day, theirs, all they see)")
def list_visits(request: HttpRequest, filters: Query[VisitFilters]) -> dict[str, Any]:
    user = caller(request)
    now = timezone.now()
    visits = selectors.visits_for_user(user)
    if filters.tab == "today":
        visits = selectors.due_for(user, now, visits)
    elif filters.tab == "mine":
        visits = visits.filter(visitor=user).order_by("status", "next_attempt_at", "id")
    else:
        visits = visits.order_by("-created_at", "-id")
    if filters.status:
        visits = visits.filter(status=filters.status)
    if filters.level:
        visits = visits.filter(level=filters.level)
    if filters.work_order:
        visits = visits.filter(work_order_id=filters.work_order)
    if filters.complaint:
        visits = visits.filter(complaint_id=filters.complaint)
    count = visits.count()
    page = list(visits.select_related(*RELATED)[filters.offset : filters.offset + filters.limit])
    shown, labels = PhoneShown(user), Labels()
    seen = seen_subjects(user, page)
    return {"items": [visit_row(v, shown, seen, labels, now) for v in page], "count": count}


def _questionnaire(visit: Visit) -> list[dict[str, Any]]:
    policy = policy_of_subject(visit.subject)
    return [
        {
            "code": q.code,
            "text": question_label(q),
            "kind": q.kind,
            "choices": list(q.choices),
            "min_score": q.min_score,
            "max_score": q.max_score,
            "required": q.required,
        }
        for q in questionnaire_of(visit, policy)
    ]


def visit_detail(visit: Visit, user: User) -> dict[str, Any]:
    now = timezone.now()
    shown, labels = PhoneShown(user), Labels()
    seen = seen_subjects(user, [visit])
    outcomes = {v: str(label) for v, label in AttemptOutcome.choices}
    raised = None
    if visit.raised_complaint_id and visit.raised_complaint_id in seen[1]:
        assert visit.raised_complaint is not None
        raised = {
            "kind": "complaint",
            "id": visit.raised_complaint_id,
            "number": visit.raised_complaint.number,
        }
    return {
        **visit_row(visit, shown, seen, labels, now),
        "round": visit.round,
        "sample_id": visit.sample_id,
        "sample_note": system_text(visit.sample_note),
        "answered_at": visit.answered_at,
        "answers": visit.answers or {},
        "solved": visit.solved,
        "charged": visit.charged,
        "score": visit.score,
        "consequence": visit.consequence,
        "charge_flagged": visit.charge_flagged,
        "raised_complaint": raised,
        "ended_at": visit.ended_at,
        "created_at": visit.created_at,
        "questionnaire": _questionnaire(visit),
        "attempt_log": [
            {
                "number": a.number,
                "outcome": a.outcome,
                "outcome_label": outcomes.get(a.outcome, a.outcome),
                "method": a.method,
                "note": a.note,
                "next_attempt_at": a.next_attempt_at,
                "by": ref(a.by),
                "at": a.at,
            }
            for a in visit.attempt_log.select_related("by")
        ],
        "timeline": [
            {
                "at": e.at,
                "action": e.action,
                "actor": e.actor_label,
                "changes": shown.in_value(e.changes or {}),
                "reason": e.reason,
            }
            for e in events_for(visit)
        ],
        "survey_links": survey_links(visit, shown, now),
        "allowed_actions": [a.value for a in services.allowed_actions(user, visit)],
    }


def _detail(request: HttpRequest, visit_id: int) -> dict[str, Any]:
    user = caller(request)
    return visit_detail(_visit(user, visit_id), user)


@router.get(
    "/{visit_id}", response=VisitOut, summary="One visit with its questionnaire, attempts and timeline"
)
def get_visit(request: HttpRequest, visit_id: VisibleVisitId) -> dict[str, Any]:
    user, visit = found(request, "visit", visit_id, _visit)
    return visit_detail(visit, user)


@router.post("", response={201: VisitOut}, summary="Plan a visit by hand (about a work order or complaint)")
def create_visit(request: HttpRequest, payload: VisitIn) -> HttpStatus[dict[str, Any]]:
    """A follow-up the caller plans: about one work order or one complaint they see, due in the
    future, made by a person of the level's role who is not rated by it (or by anyone of it)."""
    from fuwu.complaints.models import Complaint
    from fuwu.workorders.models import WorkOrder

    from .services.manual import visit_create

    user = caller(request)
    errors = FieldErrors()
    if (payload.work_order_id is None) == (payload.complaint_id is None):
        errors.add("work_order_id", _("give a work order or a complaint, not both"))
        errors.raise_if_any()
    subject: WorkOrder | Complaint | None
    if payload.work_order_id is not None:
        subject = visibility.work_orders_for_user(user).filter(pk=payload.work_order_id).first()
        if subject is None:
            errors.add("work_order_id", _("no such work order"))
    else:
        subject = complaints_for_user(user).filter(pk=payload.complaint_id or 0).first()
        if subject is None:
            errors.add("complaint_id", _("no such complaint"))
    errors.raise_if_any()
    assert subject is not None
    visit = visit_create(
        subject,
        by=user,
        level=payload.level,
        method=payload.method,
        due_at=payload.due_at,
        visitor_id=payload.visitor_id,
        note=payload.note,
    )
    return HttpStatus(201, visit_detail(_visit(user, visit.pk), user))


action = action_route(router, kind="visit", parameter="visit_id", response=VisitOut)


@action(VisitAction.ATTEMPT, "Record an attempt that got no answer (not reachable, call me later)")
def attempt(request: HttpRequest, visit_id: VisibleVisitId, payload: VisitAttemptIn) -> dict[str, Any]:
    user, visit = found(request, "visit", visit_id, _visit)
    services.visit_attempt(
        visit,
        by=user,
        outcome=payload.outcome,
        method=payload.method,
        note=payload.note,
        call_back_at=payload.call_back_at,
    )
    return _detail(request, visit_id)


@action(VisitAction.RECORD_ANSWER, "Record the customer's answers to the questionnaire")
def record_answer(request: HttpRequest, visit_id: VisibleVisitId, payload: VisitAnswerIn) -> dict[str, Any]:
    user, visit = found(request, "visit", visit_id, _visit)
    services.visit_record_answer(
        visit, by=user, answers=payload.answers, method=payload.method, note=payload.note
    )
    return _detail(request, visit_id)


survey_action = action_route(router, kind="visit", parameter="visit_id", response=VisitSurveySentOut)


@survey_action(VisitAction.SEND_SURVEY, "Send the customer a one-time link to the survey page")
def send_survey(request: HttpRequest, visit_id: VisibleVisitId, payload: VisitSendSurveyIn) -> dict[str, Any]:
    """By SMS to the visit's contact phone, by e-mail to `email`, or for WeChat the link comes back
    in `survey_url` for the visitor to paste into the customer's chat (there is no API to a
    customer's WeChat). The link answers once, until the policy's `visits.survey_link_valid`; a
    link sent before is revoked. A message that could not be sent shows in `survey_delivery` and in
    the visit's `survey_links` and timeline: call, or send again."""
    user, visit = found(request, "visit", visit_id, _visit)
    sent = services.visit_send_survey(visit, by=user, method=payload.method, email=payload.email)
    delivery = VisitSurveyLink.objects.filter(pk=sent.link.pk).values_list("delivery", flat=True).get()
    return {**_detail(request, visit_id), "survey_url": sent.url, "survey_delivery": delivery}


@action(VisitAction.RESCHEDULE, "Move the visit to another time")
def reschedule(request: HttpRequest, visit_id: VisibleVisitId, payload: VisitRescheduleIn) -> dict[str, Any]:
    user, visit = found(request, "visit", visit_id, _visit)
    services.visit_reschedule(visit, by=user, at=payload.at, reason=payload.reason)
    return _detail(request, visit_id)


@action(VisitAction.REASSIGN, "Give the visit to another person of its role")
def reassign(request: HttpRequest, visit_id: VisibleVisitId, payload: VisitReassignIn) -> dict[str, Any]:
    user, visit = found(request, "visit", visit_id, _visit)
    services.visit_reassign(visit, by=user, visitor_id=payload.visitor_id, reason=payload.reason)
    return _detail(request, visit_id)


@action(VisitAction.CANCEL, "Cancel the visit")
def cancel(request: HttpRequest, visit_id: VisibleVisitId, payload: VisitReasonIn) -> dict[str, Any]:
    user, visit = found(request, "visit", visit_id, _visit)
    services.visit_cancel(visit, by=user, reason=payload.reason)
    return _detail(request, visit_id)


# --- samples ------------------------------------------------------------------------------------


def _month(text: str, field: str = "month") -> date:
    year, month = (int(part) for part in text.split("-"))
    try:
        return date(year, month, 1)
    except ValueError:
        raise ValidationFailed.field(field, _("must be a month as YYYY-MM")) from None


@sample_router.get("", response=VisitSamplesOut, summary="The month's visit samples, with their audit")
def list_samples(request: HttpRequest, filters: Query[VisitSampleFilters]) -> dict[str, Any]:
    """Each sample's population, rule, seed and strata; the sampled visits the caller sees, each
    with why it is in the sample. ``reproducible``: the stored seed re-draws the stored choice."""
    user = caller(request)
    return samples_audit(user, user.organisation, _month(filters.month))


@sample_router.post("", response={201: VisitSamplesOut}, summary="Draw the month's samples (once)")
def draw_samples(request: HttpRequest, payload: VisitSampleIn) -> HttpStatus[dict[str, Any]]:
    """Draws every sampled level of the policy for a month that is over: 409 once it is drawn (by
    hand or by the daily task) or while the month runs. The director, the quality role and
    administrators draw."""
    user = caller(request)
    if not may_draw_samples(user):
        raise PermissionDeniedError(_("Your role does not allow drawing the visit samples."))
    month = _month(payload.month)
    assert user.organisation is not None  # API authentication admits members of an organisation only
    services.draw_month(user.organisation, month, by=user)
    return HttpStatus(201, samples_audit(user, user.organisation, month))


__all__ = ["router", "sample_router"]
