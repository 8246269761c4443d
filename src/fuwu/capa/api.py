"""``/api/v1/capa``: raise, list, read and act on corrective and preventive actions (纠正/预防措施).

Every endpoint on one CAPA first looks it up through the caller's visibility: one outside it
answers 404 whatever else is wrong with the request. Then, as for work orders:

- 422 ``invalid``: a field is missing or wrong (``fields`` names each one); nothing is written. An
  affected record the caller may not see is a field error that does not name it.
- 409 ``conflict``: not possible in the CAPA's current state (an action item open, the verification
  interval not over, not verified yet …); the body carries ``allowed_actions`` and ``status``.
- 403 ``permission_denied``: the state allows the action, the caller's role does not (an owner of an
  action verifying its effectiveness, …).

Each action is ``POST /api/v1/capa/{id}/<action>`` (the values of ``rules.Action``) and answers the
CAPA as ``GET /api/v1/capa/{id}`` shows it after the change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status as HttpStatus
from pydantic import AfterValidator

from fuwu import visibility
from fuwu.exports import services as export_services
from fuwu.exports.api import XLSX_RESPONSE, ExportOut, export_out
from fuwu.exports.views import file_response
from fuwu.lib.endpoints import PathId, action_route, caller, found, ref, visible
from fuwu.lib.errors import FieldErrors
from fuwu.lib.paging import page_count, page_rows
from fuwu.org.models import User
from fuwu.policy.selectors import active_policy
from fuwu.visibility import PhoneShown

from . import selectors, services
from .display import categories_of
from .exports import CAPA_REGISTER, as_parameters
from .models import Capa, Disposition, Kind, Origin, Status, VerificationResult
from .rules import Action
from .schemas import (
    CapaAddItemIn,
    CapaAnalyseIn,
    CapaCompleteItemIn,
    CapaDispositionIn,
    CapaExtentIn,
    CapaFilters,
    CapaIn,
    CapaLinkRecordIn,
    CapaNoteIn,
    CapaOut,
    CapaPage,
    CapaQuery,
    CapaReasonIn,
    CapaReportOut,
    CapaReportQuery,
    CapaVerifyIn,
)

router = Router(tags=["corrective and preventive actions"])


def _capa(user: User, pk: int) -> Capa:
    return selectors.capa_get(user=user, pk=pk)


# ``{capa_id}``: the CAPA must be visible to the caller, else 404 — before the body is read.
VisibleCapaId = Annotated[PathId, AfterValidator(visible("capa", _capa))]


class Labels:
    """Labels in the request's language, computed once per request (not per row)."""

    def __init__(self, user: User) -> None:
        self.status = {value: str(label) for value, label in Status.choices}
        self.kind = {value: str(label) for value, label in Kind.choices}
        self.origin = {value: str(label) for value, label in Origin.choices}
        self.categories = categories_of(active_policy(user.organisation)) if user.organisation else {}


def capa_row(capa: Capa, labels: Labels) -> dict[str, Any]:
    return {
        "id": capa.pk,
        "number": capa.number,
        "kind": capa.kind,
        "kind_label": labels.kind.get(capa.kind, capa.kind),
        "status": capa.status,
        "status_label": labels.status.get(capa.status, capa.status),
        "origin": capa.origin,
        "origin_label": labels.origin.get(capa.origin, capa.origin),
        "category": capa.category,
        "category_label": labels.categories.get(capa.category, capa.category),
        "title": capa.title,
        "department": ref(capa.department),
        "raised_by": ref(capa.raised_by),
        "raised_at": capa.raised_at,
        "is_overdue": bool(getattr(capa, "is_overdue", False)),
        "next_due_at": getattr(capa, "next_due_at", None),
    }


def capa_detail(capa: Capa, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    shown = PhoneShown(user)
    labels = Labels(user)
    states = selectors.clock_states(capa, now=now)
    unmet = [s for s in states if s.clock.met_at is None]
    row = capa_row(capa, labels)
    row["is_overdue"] = any(s.is_breached for s in unmet)
    row["next_due_at"] = min((s.clock.due_at for s in unmet), default=None)
    disposition_labels = dict(Disposition.choices)
    result_labels = dict(VerificationResult.choices)
    return {
        **row,
        "confidentiality": capa.confidentiality,
        "problem": capa.problem,
        "root_cause": capa.root_cause,
        "root_cause_method": capa.root_cause_method,
        "disposition": capa.disposition,
        "disposition_label": str(disposition_labels.get(capa.disposition, "")),
        "disposition_note": capa.disposition_note,
        "disposition_by": ref(capa.disposition_by),
        "disposition_at": capa.disposition_at,
        "extent_scope": capa.extent_scope,
        "extent_found": capa.extent_found,
        "extent_note": capa.extent_note,
        "extent_checked_at": capa.extent_checked_at,
        "implemented_at": capa.implemented_at,
        "verify_from": capa.verify_from,
        "verification_result": capa.verification_result,
        "failed_verifications": capa.failed_verifications,
        "closed_at": capa.closed_at,
        "close_note": capa.close_note,
        "affected": [
            {"reference": a.reference, "label": a.label, "visible": a.visible, "url": a.url}
            for a in selectors.affected_shown(capa, user)
        ],
        "items": [
            {
                "id": i.pk,
                "description": i.description,
                "owner": ref(i.owner),
                "due_at": i.due_at,
                "round": i.round,
                "done_at": i.done_at,
                "done_by": ref(i.done_by),
                "evidence": i.evidence,
            }
            for i in capa.items.all()
        ],
        "verifications": [
            {
                "result": v.result,
                "result_label": str(result_labels.get(v.result, v.result)),
                "note": v.note,
                "verified_by": ref(v.verified_by),
                "verified_at": v.verified_at,
            }
            for v in capa.verifications.all()
        ],
        "clocks": [
            {
                "kind": s.clock.kind,
                "kind_label": s.clock.get_kind_display(),
                "item_id": s.item.pk if s.item else None,
                "started_at": s.clock.started_at,
                "due_at": s.clock.due_at,
                "met_at": s.clock.met_at,
                "breached": s.is_breached,
                "calendar_confirmed": s.clock.calendar_confirmed,
                "escalation_level": s.clock.escalation_level,
            }
            for s in states
        ],
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "actor": e.actor_label,
                "changes": shown.in_value(e.changes or {}),
                "reason": e.reason,
            }
            for e in selectors.timeline_of(capa)
        ],
        "allowed_actions": [a.value for a in services.allowed_actions(user, capa, now=now)],
    }


def _detail(request: HttpRequest, capa_id: int) -> dict[str, Any]:
    user = caller(request)
    return capa_detail(selectors.capa_get(user=user, pk=capa_id), user)


def list_arguments(filters: CapaQuery) -> dict[str, Any]:
    """The list's filters as ``selectors.capas_list`` arguments (422 naming a wrong one)."""
    errors = FieldErrors()
    statuses = [s.strip() for value in filters.status for s in value.split(",") if s.strip()]
    if any(s not in Status.values for s in statuses):
        errors.add("status", _("must be one of %(choices)s") % {"choices": ", ".join(Status.values)})
    if filters.raised_from and filters.raised_to and filters.raised_to < filters.raised_from:
        errors.add("raised_to", _("must not be before raised_from"))
    errors.raise_if_any()
    return {
        "statuses": statuses,
        "kind": filters.kind,
        "origin": filters.origin,
        "department_id": filters.department,
        "exact_department": filters.exact_department,
        "category": filters.category,
        "raised_from": filters.raised_from,
        "raised_to": filters.raised_to,
        "overdue": filters.overdue,
        "owner_id": filters.owner,
        "q": filters.q,
    }


@router.get("", response=CapaPage, summary="List corrective and preventive actions (filters, paging)")
def list_capas(request: HttpRequest, filters: Query[CapaFilters]) -> dict[str, Any]:
    """Newest first. ``count`` is exact up to 1,000 (or to the end of the page asked for)."""
    user = caller(request)
    capas = selectors.capas_list(user=user, **list_arguments(filters))
    page = page_rows(capas, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(capas, offset=filters.offset, limit=filters.limit)
    labels = Labels(user)
    return {"items": [capa_row(c, labels) for c in page], "count": count, "count_exact": exact}


@router.get(
    "/export.xlsx",
    response={200: None, 202: ExportOut},
    summary="Export the CAPA register to Excel (the list's filters)",
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def export_capas(request: HttpRequest, filters: Query[CapaQuery]) -> Any:
    """Up to the export engine's limit the answer is the file (200); beyond, 202 with a background
    export to poll."""
    user = caller(request)
    parameters = as_parameters(list_arguments(filters))
    outcome = export_services.request_export(user=user, kind=CAPA_REGISTER.kind, parameters=parameters)
    if outcome.export is not None:
        return HttpStatus(202, export_out(outcome.export))
    assert outcome.content is not None
    return file_response(outcome.content, outcome.filename, export_services.XLSX_TYPE)


@router.get(
    "/report/categories",
    response=CapaReportOut,
    summary="Recurring problem categories by period and department",
)
def report_categories(request: HttpRequest, filters: Query[CapaReportQuery]) -> dict[str, Any]:
    """Visible CAPAs (not cancelled) counted by period, department and problem category; each row's
    ``drill_down`` lists the CAPAs behind its figure."""
    user = caller(request)
    if filters.raised_from and filters.raised_to and filters.raised_to < filters.raised_from:
        errors = FieldErrors()
        errors.add("raised_to", _("must not be before raised_from"))
        errors.raise_if_any()
    rows = selectors.recurring_categories(
        user=user,
        period=filters.period,
        raised_from=filters.raised_from,
        raised_to=filters.raised_to,
        department_id=filters.department,
        kind=filters.kind,
    )
    policy = active_policy(user.organisation) if user.organisation else None
    categories = categories_of(policy) if policy else {}
    threshold = policy.capa.recurring_at_least if policy else 2
    return {
        "period": filters.period,
        "rows": [
            {
                "period_start": r.period_start,
                "period_end": r.period_end,
                "department": {"id": r.department_id, "name": r.department_name},
                "category": r.category,
                "category_label": categories.get(r.category, r.category),
                "count": r.count,
                "recurring": r.count >= threshold,
                "drill_down": "/api/v1/capa?" + urlencode(selectors.drill_down_filters(r)),
            }
            for r in rows
        ],
    }


@router.post("", response={201: CapaOut}, summary="Raise a corrective or preventive action")
def create_capa(request: HttpRequest, payload: CapaIn) -> HttpStatus[dict[str, Any]]:
    user = caller(request)
    errors = FieldErrors()
    department = (
        visibility.departments_for_user(user).filter(pk=payload.department_id, is_active=True).first()
    )
    if department is None:
        errors.add("department_id", _("no such department"))
    errors.raise_if_any()
    assert user.organisation is not None
    capa = services.capa_create(
        organisation=user.organisation,
        by=user,
        kind=payload.kind,
        title=payload.title,
        problem=payload.problem,
        category=payload.category,
        department=department,
        confidentiality=payload.confidentiality,
        affected=payload.affected,
    )
    return HttpStatus(201, _detail(request, capa.pk))


@router.get("/{capa_id}", response=CapaOut, summary="One CAPA with its items, clocks, timeline and actions")
def get_capa(request: HttpRequest, capa_id: VisibleCapaId) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    return capa_detail(capa, user)


def _visible(request: HttpRequest, capa_id: int) -> tuple[User, Capa]:
    return found(request, "capa", capa_id, _capa)


action = action_route(router, kind="capa", parameter="capa_id", response=CapaOut)


@action(Action.LINK_RECORD, "Link one more affected record (a complaint sharing the cause …)")
def link_record(request: HttpRequest, capa_id: VisibleCapaId, payload: CapaLinkRecordIn) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_link_record(capa=capa, by=user, reference=payload.reference)
    return _detail(request, capa_id)


@action(Action.ANALYSE, "Record the root cause and the method used")
def analyse(request: HttpRequest, capa_id: VisibleCapaId, payload: CapaAnalyseIn) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_analyse(capa=capa, by=user, root_cause=payload.root_cause, method=payload.method)
    return _detail(request, capa_id)


@action(Action.DECIDE_DISPOSITION, "Decide on the nonconforming service (redo, contain, tell, concession)")
def decide_disposition(
    request: HttpRequest, capa_id: VisibleCapaId, payload: CapaDispositionIn
) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_decide_disposition(capa=capa, by=user, disposition=payload.disposition, note=payload.note)
    return _detail(request, capa_id)


@action(Action.CHECK_EXTENT, "Record whether the same problem exists elsewhere")
def check_extent(request: HttpRequest, capa_id: VisibleCapaId, payload: CapaExtentIn) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_check_extent(
        capa=capa, by=user, scope=payload.scope, found=payload.found, note=payload.note
    )
    return _detail(request, capa_id)


@action(Action.ADD_ITEM, "Add an action item with its owner and deadline")
def add_item(request: HttpRequest, capa_id: VisibleCapaId, payload: CapaAddItemIn) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    errors = FieldErrors()
    owner = visibility.staff_for_user(user).filter(pk=payload.owner_id).first()
    if owner is None:
        errors.add("owner_id", _("no such member of staff"))
    errors.raise_if_any()
    services.capa_add_item(
        capa=capa, by=user, description=payload.description, owner=owner, due_on=payload.due_on
    )
    return _detail(request, capa_id)


@action(Action.COMPLETE_ITEM, "Record an action item done, with its evidence")
def complete_item(
    request: HttpRequest, capa_id: VisibleCapaId, payload: CapaCompleteItemIn
) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_complete_item(capa=capa, by=user, item_id=payload.item_id, evidence=payload.evidence)
    return _detail(request, capa_id)


@action(Action.IMPLEMENT, "Actions implemented: open the effectiveness verification")
def implement(request: HttpRequest, capa_id: VisibleCapaId, payload: CapaNoteIn) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_implement(capa=capa, by=user, note=payload.note)
    return _detail(request, capa_id)


@action(Action.VERIFY, "Verify effectiveness (not by an owner of the actions; after the interval)")
def verify(request: HttpRequest, capa_id: VisibleCapaId, payload: CapaVerifyIn) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_verify(capa=capa, by=user, result=payload.result, note=payload.note)
    return _detail(request, capa_id)


@action(Action.CLOSE, "Close (only once verified effective)")
def close(request: HttpRequest, capa_id: VisibleCapaId, payload: CapaNoteIn) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_close(capa=capa, by=user, note=payload.note)
    return _detail(request, capa_id)


@action(Action.CANCEL, "Cancel with a reason")
def cancel(request: HttpRequest, capa_id: VisibleCapaId, payload: CapaReasonIn) -> dict[str, Any]:
    user, capa = _visible(request, capa_id)
    services.capa_cancel(capa=capa, by=user, reason=payload.reason)
    return _detail(request, capa_id)
