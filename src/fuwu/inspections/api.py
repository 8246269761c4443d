"""``/api/v1/inspections``: plan, list, read and carry out service-quality inspections (服务质量巡检);
``/api/v1/rectifications``: the rectification orders (整改单) their failed items raise;
``/api/v1/checklists``: the checklists (服务质量巡检表) and their versions.

Every endpoint on one record first looks it up through the caller's visibility (``selectors``): a
record outside it answers 404 whatever else is wrong with the request, the same answer as for one
that does not exist. Then, as for work orders:

- 422 ``invalid``: a field is missing or wrong (``fields`` names each one, ``answers[0].score``,
  ``definition.sections[0].items[1].weight``); nothing is written. A related record given by id
  (``department_id``, ``inspector_id``, ``template_id``) that the caller may not see is a field
  error that does not name it.
- 409 ``conflict``: not possible in the record's current state (items not filled in yet, an order
  acknowledged already …); the body carries ``allowed_actions`` and ``status``.
- 403 ``permission_denied``: the state allows the action, the caller's role does not (a technician
  submitting, the person who rectified verifying their own work …).

Each action is ``POST /api/v1/inspections/{id}/<action>`` (the values of ``rules.Action``) or
``POST /api/v1/rectifications/{id}/<action>`` (``rules.RectificationAction``) and answers the record
as its ``GET`` shows it after the change. Photos are multipart: ``POST /inspections/{id}/photos``
(fields ``item_code`` and ``photos``, several files) and ``POST /rectifications/{id}/record-done``
(fields ``action_taken`` and, optionally, ``photos``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File as FileParam
from ninja import Form, Query, Router, UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import AfterValidator

from fuwu import visibility
from fuwu.capa.models import Disposition
from fuwu.lib.display import system_text
from fuwu.lib.endpoints import PathId, action_route, caller, found, ref, visible
from fuwu.lib.errors import FieldErrors
from fuwu.lib.inputs import DESCRIPTION_LENGTH
from fuwu.lib.paging import page_count, page_rows
from fuwu.org.models import User

from . import selectors, services
from .definition import CODE_PATTERN, MAX_ITEMS, ChecklistDefinition
from .display import VERDICTS
from .models import (
    CODE_LENGTH,
    ChecklistTemplate,
    Inspection,
    ItemKind,
    Photo,
    Purpose,
    Rectification,
    RectificationStatus,
    Result,
    Status,
    TemplateVersion,
)
from .rules import Action, RectificationAction
from .sampling import METHOD_LABELS
from .schemas import (
    ChecklistActiveIn,
    ChecklistDefinitionIn,
    ChecklistFilters,
    ChecklistIn,
    ChecklistOut,
    ChecklistPage,
    ChecklistVersionIn,
    InspectionFilters,
    InspectionIn,
    InspectionOut,
    InspectionPage,
    InspectionReasonIn,
    InspectionReassignIn,
    InspectionRecordIn,
    InspectionStartIn,
    InspectionSubmitIn,
    RectificationDispositionIn,
    RectificationFilters,
    RectificationNoteIn,
    RectificationOut,
    RectificationPage,
    RectificationReasonIn,
    RectificationVerifyIn,
)
from .services.carrying_out import MAX_PHOTOS_PER_FINDING, units_of

router = Router(tags=["Inspections"])
rectification_router = Router(tags=["Rectifications"])
checklist_router = Router(tags=["Checklists"])

UNITS_SHOWN = 1000  # unit numbers of a sample listed in an answer (a whole lot can be 10⁶)


def _inspection(user: User, pk: int) -> Inspection:
    return visibility.get_visible_or_404(selectors.inspections(user, now=timezone.now()), pk=pk)


def _rectification(user: User, pk: int) -> Rectification:
    return visibility.get_visible_or_404(selectors.rectifications(user, now=timezone.now()), pk=pk)


def _checklist(user: User, pk: int) -> ChecklistTemplate:
    return visibility.get_visible_or_404(selectors.templates(user).select_related("created_by"), pk=pk)


# The records named in paths (path parameters are resolved first): each must be visible to the
# caller, else 404 — before the body is read; the record found is kept on the request.
VisibleInspectionId = Annotated[PathId, AfterValidator(visible("inspection", _inspection))]
VisibleRectificationId = Annotated[PathId, AfterValidator(visible("rectification", _rectification))]
VisibleChecklistId = Annotated[PathId, AfterValidator(visible("checklist", _checklist))]


class Labels:
    """Labels in the request's language, computed once per request (not per row)."""

    def __init__(self) -> None:
        self.status = {value: str(label) for value, label in Status.choices}
        self.rectification_status = {value: str(label) for value, label in RectificationStatus.choices}
        self.kind = {value: str(label) for value, label in ItemKind.choices}
        self.result = {value: str(label) for value, label in Result.choices}
        self.disposition = {value: str(label) for value, label in Disposition.choices}
        self.purpose = {value: str(label) for value, label in Purpose.choices}
        self.method = {str(value): str(label) for value, label in METHOD_LABELS.items()}


def photo_out(photo: Photo) -> dict[str, Any]:
    return {
        "id": photo.pk,
        "url": photo.image.url,
        "content_type": photo.content_type,
        "size": photo.size,
        "uploaded_at": photo.uploaded_at,
    }


# --- checklists -------------------------------------------------------------------------------


def _item_count(data: Any) -> int:
    sections = data.get("sections", []) if isinstance(data, dict) else []
    return sum(len(section.get("items", [])) for section in sections if isinstance(section, dict))


def checklist_row(template: ChecklistTemplate, labels: Labels) -> dict[str, Any]:
    versions: list[TemplateVersion] = list(template.versions.all())  # newest first (prefetched)
    latest = versions[0]
    return {
        "id": template.pk,
        "code": template.code,
        "name": template.name,
        "purpose": template.purpose,
        "purpose_label": labels.purpose.get(template.purpose, template.purpose),
        "is_active": template.is_active,
        "version": latest.number,
        "item_count": _item_count(latest.definition),
        "published_at": latest.published_at,
        "url": reverse("api:checklist_get", args=[template.pk]),
    }


def checklist_detail(template: ChecklistTemplate) -> dict[str, Any]:
    prefetch_related_objects([template], "versions__published_by")
    return {
        **checklist_row(template, Labels()),
        "created_at": template.created_at,
        "created_by": ref(template.created_by),
        "versions": [
            {
                "number": version.number,
                "note": version.note,
                "published_at": version.published_at,
                "published_by": ref(version.published_by),
                "item_count": _item_count(version.definition),
                "definition": version.definition,
            }
            for version in template.versions.all()
        ],
    }


def definition_errors(data: ChecklistDefinitionIn, errors: FieldErrors, field: str = "definition") -> None:
    """What spans several fields of a definition (the schema checks each field alone), named by
    path in the caller's language; the service's own check then finds nothing left."""
    seen: set[str] = set()
    total = 0
    for s, section in enumerate(data.sections):
        for n, item in enumerate(section.items):
            total += 1
            path = f"{field}.sections[{s}].items[{n}]"
            if item.code in seen:
                errors.add(f"{path}.code", _("is used by another item of this checklist"))
            seen.add(item.code)
            if item.kind == ItemKind.SCORE and item.pass_at > item.max_score:
                errors.add(
                    f"{path}.pass_at",
                    _("must not be more than max_score (%(max)s)") % {"max": item.max_score},
                )
    if total > MAX_ITEMS:
        errors.add(f"{field}.sections", _("at most %(n)s items in all") % {"n": MAX_ITEMS})
    needed = {"ratio": ("ratio",), "fixed": ("count",), "iso2859": ("level", "aql")}
    for name in needed.get(data.sampling.method, ()):
        if getattr(data.sampling, name) is None:
            errors.add(f"{field}.sampling.{name}", _("is required for this sampling method"))


def _definition_data(data: ChecklistDefinitionIn) -> dict[str, Any]:
    errors = FieldErrors()
    definition_errors(data, errors)
    errors.raise_if_any()
    return data.model_dump(mode="json")


@checklist_router.get("", response=ChecklistPage, summary="List checklists (服务质量巡检表)")
def list_checklists(request: HttpRequest, filters: Query[ChecklistFilters]) -> dict[str, Any]:
    """By name. Every member of staff may read the organisation's checklists."""
    user = caller(request)
    templates = selectors.templates(user)
    if filters.active is not None:
        templates = templates.filter(is_active=filters.active)
    page = page_rows(templates, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(templates, offset=filters.offset, limit=filters.limit)
    labels = Labels()
    return {"items": [checklist_row(t, labels) for t in page], "count": count, "count_exact": exact}


@checklist_router.post("", response={201: ChecklistOut}, summary="Create a checklist with its first version")
def create_checklist(request: HttpRequest, payload: ChecklistIn) -> HttpStatus[dict[str, Any]]:
    """The quality role, directors and administrators keep checklists."""
    user = caller(request)
    data = _definition_data(payload.definition)
    assert user.organisation is not None  # API authentication admits members of an organisation only
    version = services.template_create(
        organisation=user.organisation,
        by=user,
        code=payload.code,
        name=payload.name,
        definition_data=data,
        purpose=payload.purpose,
        note=payload.note,
    )
    return HttpStatus(201, checklist_detail(_checklist(user, version.template_id)))


@checklist_router.get(
    "/{checklist_id}",
    response=ChecklistOut,
    url_name="checklist_get",
    summary="One checklist with every version",
)
def get_checklist(request: HttpRequest, checklist_id: VisibleChecklistId) -> dict[str, Any]:
    _user, template = found(request, "checklist", checklist_id, _checklist)
    return checklist_detail(template)


@checklist_router.post(
    "/{checklist_id}/versions",
    response={201: ChecklistOut},
    operation_id="checklist_publish",
    summary="Publish a new version (inspections planned from now on use it)",
)
def publish_checklist(
    request: HttpRequest, checklist_id: VisibleChecklistId, payload: ChecklistVersionIn
) -> HttpStatus[dict[str, Any]]:
    """Published versions never change: an inspection keeps the version it was made with."""
    user, template = found(request, "checklist", checklist_id, _checklist)
    data = _definition_data(payload.definition)
    services.template_publish(
        template=template, by=user, definition_data=data, note=payload.note, name=payload.name
    )
    return HttpStatus(201, checklist_detail(_checklist(user, checklist_id)))


@checklist_router.post(
    "/{checklist_id}/active",
    response=ChecklistOut,
    operation_id="checklist_set_active",
    summary="Put a checklist in use or retire it",
)
def set_checklist_active(
    request: HttpRequest, checklist_id: VisibleChecklistId, payload: ChecklistActiveIn
) -> dict[str, Any]:
    """A retired checklist plans no new inspections; those planned keep it."""
    user, template = found(request, "checklist", checklist_id, _checklist)
    services.template_set_active(template=template, by=user, active=payload.active)
    return checklist_detail(_checklist(user, checklist_id))


# --- inspections ------------------------------------------------------------------------------


def inspection_row(inspection: Inspection, labels: Labels) -> dict[str, Any]:
    version = inspection.template_version
    return {
        "id": inspection.pk,
        "number": inspection.number,
        "status": inspection.status,
        "status_label": labels.status.get(inspection.status, inspection.status),
        "department": ref(inspection.department),
        "site": inspection.site,
        "inspector": ref(inspection.inspector),
        "due_at": inspection.due_at,
        "is_overdue": bool(getattr(inspection, "is_overdue", False)),
        "score": inspection.score,
        "passed": inspection.passed,
        "failed_items": inspection.failed_items,
        "checklist": {"id": version.template_id, "name": version.template.name, "version": version.number},
        "url": reverse("api:inspection_get", args=[inspection.pk]),
    }


def _sampling(inspection: Inspection, checklist: ChecklistDefinition, labels: Labels) -> dict[str, Any]:
    stored: dict[str, Any] = inspection.sampling if isinstance(inspection.sampling, dict) else {}
    method = str(stored.get("method") or checklist.sampling.method)
    units, complete = units_of(stored, UNITS_SHOWN)
    verdict = stored.get("verdict")
    nonconforming = stored.get("nonconforming", inspection.nonconforming_units)
    return {
        "method": method,
        "method_label": labels.method.get(method, method),
        "unit": str(stored.get("unit", checklist.sampling.unit) or ""),
        "population": inspection.population,
        "sample_size": stored.get("sample_size"),
        "units": units,
        "units_complete": complete,
        "whole_lot": stored.get("whole_lot"),
        "code_letter": stored.get("code_letter"),
        "accept": stored.get("accept"),
        "reject": stored.get("reject"),
        "nonconforming": nonconforming,
        "verdict": verdict,
        "verdict_label": str(VERDICTS.get(verdict, "")) if verdict else "",
    }


def inspection_detail(inspection: Inspection, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    labels = Labels()
    checklist = services.definition_of(inspection.template_version)
    order = {item.code: index for index, (_section, item) in enumerate(checklist.items())}
    findings = sorted(inspection.findings.all(), key=lambda f: (order.get(f.item_code, len(order)), f.pk))
    answered = {f.item_code for f in findings}
    return {
        **inspection_row(inspection, labels),
        "confidentiality": inspection.confidentiality,
        "schedule": inspection.schedule,
        "period_start": inspection.period_start,
        "period_end": inspection.period_end,
        "assigned_because": system_text(inspection.assigned_because),
        "started_at": inspection.started_at,
        "submitted_at": inspection.submitted_at,
        "created_at": inspection.created_at,
        "created_by": ref(inspection.created_by),
        "points": inspection.points,
        "max_points": inspection.max_points,
        "pass_mark": checklist.pass_mark,
        "summary": inspection.summary,
        "cancel_reason": inspection.cancel_reason,
        "findings": [
            {
                "item_code": f.item_code,
                "section": f.section,
                "item": f.item,
                "kind": f.kind,
                "kind_label": labels.kind.get(f.kind, f.kind),
                "weight": f.weight,
                "result": f.result,
                "result_label": labels.result.get(f.result, f.result),
                "score": f.score,
                "note": f.note,
                "photos": [photo_out(p) for p in f.photos.all()],
                "recorded_by": ref(f.recorded_by),
                "recorded_at": f.recorded_at,
            }
            for f in findings
        ],
        "unanswered": [
            {
                "item_code": item.code,
                "section": section.title,
                "item": item.text,
                "kind": item.kind,
                "kind_label": labels.kind.get(item.kind, item.kind),
                "weight": item.weight,
                "max_score": item.max_score,
                "pass_at": item.pass_at,
                "photo_on_fail": item.photo_on_fail,
                "critical": item.critical,
                "guidance": item.guidance,
            }
            for section, item in checklist.items()
            if item.code not in answered
        ],
        "sampling": _sampling(inspection, checklist, labels),
        "rectifications": [
            {
                "id": r.pk,
                "number": r.number,
                "status": r.status,
                "status_label": labels.rectification_status.get(r.status, r.status),
            }
            for r in inspection.rectifications.all()
        ],
        "allowed_actions": [a.value for a in services.allowed_actions(user, inspection, now)],
    }


def _inspection_answer(request: HttpRequest, inspection_id: int) -> dict[str, Any]:
    """The inspection as the caller sees it now (read again after an action)."""
    user = caller(request)
    now = timezone.now()
    inspection = selectors.inspection_detail(user, inspection_id, now=now)
    if inspection is None:
        raise Http404
    return inspection_detail(inspection, user, now)


def _visible_inspection(request: HttpRequest, inspection_id: int) -> tuple[User, Inspection]:
    return found(request, "inspection", inspection_id, _inspection)


@router.get("", response=InspectionPage, summary="List inspections (filters, paging)")
def list_inspections(request: HttpRequest, filters: Query[InspectionFilters]) -> dict[str, Any]:
    """Latest due first; with ``open``, ``overdue`` or ``mine`` soonest due first. ``count`` is exact
    up to 1,000 (or to the end of the page asked for)."""
    user = caller(request)
    inspections = selectors.filtered_inspections(
        user,
        now=timezone.now(),
        status=filters.status,
        department_id=filters.department_id,
        mine=filters.mine,
        overdue=filters.overdue,
        open_only=filters.open,
    )
    # The drawn sample (up to 10⁶ unit numbers) is not part of a row.
    page = page_rows(inspections.defer("sampling"), filters.offset, filters.offset + filters.limit)
    count, exact = page_count(inspections, offset=filters.offset, limit=filters.limit)
    labels = Labels()
    return {"items": [inspection_row(i, labels) for i in page], "count": count, "count_exact": exact}


@router.post("", response={201: InspectionOut}, summary="Plan an inspection by hand")
def create_inspection(request: HttpRequest, payload: InspectionIn) -> HttpStatus[dict[str, Any]]:
    """The quality role and directors for any department, heads for their own (and those below)."""
    user = caller(request)
    template = selectors.templates(user).filter(pk=payload.template_id).first()
    department = visibility.departments_for_user(user).filter(pk=payload.department_id).first()
    inspector = visibility.staff_for_user(user).filter(pk=payload.inspector_id).first()
    assert user.organisation is not None  # API authentication admits members of an organisation only
    inspection = services.inspection_create(
        organisation=user.organisation,
        by=user,
        template=template,
        department=department,
        inspector=inspector,
        due_on=payload.due_on,
        site=payload.site,
    )
    return HttpStatus(201, _inspection_answer(request, inspection.pk))


@router.get(
    "/{inspection_id}",
    response=InspectionOut,
    url_name="inspection_get",
    summary="One inspection with its findings, open items, sample, orders and actions",
)
def get_inspection(request: HttpRequest, inspection_id: VisibleInspectionId) -> dict[str, Any]:
    return _inspection_answer(request, inspection_id)


@router.post(
    "/{inspection_id}/photos",
    response={201: InspectionOut},
    operation_id="inspection_add_photos",
    summary="Add photos to a recorded item (multipart, several)",
)
def add_photos(
    request: HttpRequest,
    inspection_id: VisibleInspectionId,
    item_code: Annotated[str, Form(..., min_length=1, max_length=CODE_LENGTH, pattern=CODE_PATTERN)],
    photos: Annotated[list[UploadedFile], FileParam(max_length=MAX_PHOTOS_PER_FINDING)],
) -> HttpStatus[dict[str, Any]]:
    """JPEG, PNG, WebP or GIF, each at most 10 MB, at most 9 per item; the item is recorded first."""
    user, inspection = _visible_inspection(request, inspection_id)
    services.inspection_add_photos(inspection=inspection, by=user, item_code=item_code, photos=photos)
    return HttpStatus(201, _inspection_answer(request, inspection_id))


action = action_route(router, kind="inspection", parameter="inspection_id", response=InspectionOut)


@action(Action.START, "Start on site (how many units there are to sample from)")
def start(
    request: HttpRequest, inspection_id: VisibleInspectionId, payload: InspectionStartIn
) -> dict[str, Any]:
    user, inspection = _visible_inspection(request, inspection_id)
    services.inspection_start(inspection=inspection, by=user, population=payload.population)
    return _inspection_answer(request, inspection_id)


@action(Action.RECORD, "Record (or correct) what was found, item by item")
def record(
    request: HttpRequest, inspection_id: VisibleInspectionId, payload: InspectionRecordIn
) -> dict[str, Any]:
    """A failed pass/fail item says what does not conform (``note``); a scored item's result follows
    from its score. Recording starts a planned inspection."""
    user, inspection = _visible_inspection(request, inspection_id)
    answers = [services.AnswerIn(a.item_code, a.result, a.score, a.note) for a in payload.answers]
    services.inspection_record(inspection=inspection, by=user, answers=answers)
    return _inspection_answer(request, inspection_id)


@action(Action.SUBMIT, "Submit: the score is computed, each failed item becomes a rectification order")
def submit(
    request: HttpRequest, inspection_id: VisibleInspectionId, payload: InspectionSubmitIn
) -> dict[str, Any]:
    user, inspection = _visible_inspection(request, inspection_id)
    services.inspection_submit(
        inspection=inspection,
        by=user,
        summary=payload.summary,
        nonconforming_units=payload.nonconforming_units,
    )
    return _inspection_answer(request, inspection_id)


@action(Action.REASSIGN, "Hand the inspection to another inspector")
def reassign(
    request: HttpRequest, inspection_id: VisibleInspectionId, payload: InspectionReassignIn
) -> dict[str, Any]:
    user, inspection = _visible_inspection(request, inspection_id)
    inspector = visibility.staff_for_user(user).filter(pk=payload.inspector_id).first()
    services.inspection_reassign(inspection=inspection, by=user, inspector=inspector, reason=payload.reason)
    return _inspection_answer(request, inspection_id)


@action(Action.CANCEL, "Cancel with a reason")
def cancel(
    request: HttpRequest, inspection_id: VisibleInspectionId, payload: InspectionReasonIn
) -> dict[str, Any]:
    user, inspection = _visible_inspection(request, inspection_id)
    services.inspection_cancel(inspection=inspection, by=user, reason=payload.reason)
    return _inspection_answer(request, inspection_id)


# --- rectification orders ---------------------------------------------------------------------


def rectification_row(rectification: Rectification, labels: Labels) -> dict[str, Any]:
    status = rectification.status
    return {
        "id": rectification.pk,
        "number": rectification.number,
        "status": status,
        "status_label": labels.rectification_status.get(status, status),
        "department": ref(rectification.department),
        "inspection": {"id": rectification.inspection_id, "number": rectification.inspection.number},
        "item_code": rectification.finding.item_code,
        "item": rectification.finding.item,
        "issued_at": rectification.issued_at,
        "due_at": rectification.due_at,
        "is_overdue": bool(getattr(rectification, "is_overdue", False)),
        "acknowledged_by": ref(rectification.acknowledged_by),
        "acknowledged_at": rectification.acknowledged_at,
        "url": reverse("api:rectification_get", args=[rectification.pk]),
    }


def rectification_detail(rectification: Rectification, user: User) -> dict[str, Any]:
    labels = Labels()
    r = rectification
    capa = r.capa if r.capa is not None and visibility.may_see(user, r.capa) else None
    return {
        **rectification_row(r, labels),
        "confidentiality": r.confidentiality,
        "section": r.finding.section,
        "finding_note": r.finding.note,
        "finding_photos": [photo_out(p) for p in r.finding.photos.all()],
        "acknowledge_note": r.acknowledge_note,
        "disposition": r.disposition,
        "disposition_label": labels.disposition.get(r.disposition, r.disposition) if r.disposition else "",
        "disposition_note": r.disposition_note,
        "disposition_by": ref(r.disposition_by),
        "disposition_at": r.disposition_at,
        "action_taken": r.action_taken,
        "done_by": ref(r.done_by),
        "done_at": r.done_at,
        "photos": [photo_out(p) for p in r.photos.all()],
        "verified_by": ref(r.verified_by),
        "verified_at": r.verified_at,
        "verification_note": r.verification_note,
        "failed_verifications": r.failed_verifications,
        "capa": {"id": capa.pk, "number": capa.number} if capa is not None else None,
        "allowed_actions": [a.value for a in services.allowed_rectification_actions(user, r)],
    }


def _rectification_answer(request: HttpRequest, rectification_id: int) -> dict[str, Any]:
    user = caller(request)
    rectification = selectors.rectification_detail(user, rectification_id, now=timezone.now())
    if rectification is None:
        raise Http404
    return rectification_detail(rectification, user)


def _visible_rectification(request: HttpRequest, rectification_id: int) -> tuple[User, Rectification]:
    return found(request, "rectification", rectification_id, _rectification)


@rectification_router.get(
    "", response=RectificationPage, summary="List rectification orders (filters, paging)"
)
def list_rectifications(request: HttpRequest, filters: Query[RectificationFilters]) -> dict[str, Any]:
    """Newest first; with ``open`` or ``overdue`` soonest due first."""
    user = caller(request)
    rectifications = selectors.filtered_rectifications(
        user,
        now=timezone.now(),
        status=filters.status,
        department_id=filters.department_id,
        open_only=filters.open,
        overdue=filters.overdue,
        inspection_id=filters.inspection_id,
    )
    page = page_rows(rectifications, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(rectifications, offset=filters.offset, limit=filters.limit)
    labels = Labels()
    return {"items": [rectification_row(r, labels) for r in page], "count": count, "count_exact": exact}


@rectification_router.get(
    "/{rectification_id}",
    response=RectificationOut,
    url_name="rectification_get",
    summary="One rectification order with its finding, what was done, verification and actions",
)
def get_rectification(request: HttpRequest, rectification_id: VisibleRectificationId) -> dict[str, Any]:
    return _rectification_answer(request, rectification_id)


rectification_action = action_route(
    rectification_router, kind="rectification", parameter="rectification_id", response=RectificationOut
)


@rectification_action(RectificationAction.ACKNOWLEDGE, "Acknowledge (sign) the order: rectification begins")
def acknowledge(
    request: HttpRequest, rectification_id: VisibleRectificationId, payload: RectificationNoteIn
) -> dict[str, Any]:
    """The responsible department's head (签字确认)."""
    user, rectification = _visible_rectification(request, rectification_id)
    services.rectification_acknowledge(rectification=rectification, by=user, note=payload.note)
    return _rectification_answer(request, rectification_id)


@rectification_action(
    RectificationAction.DECIDE_DISPOSITION, "Decide on the nonconformity (redo, contain, tell, concession)"
)
def decide_disposition(
    request: HttpRequest, rectification_id: VisibleRectificationId, payload: RectificationDispositionIn
) -> dict[str, Any]:
    user, rectification = _visible_rectification(request, rectification_id)
    services.rectification_decide(
        rectification=rectification, by=user, disposition=payload.disposition, note=payload.note
    )
    return _rectification_answer(request, rectification_id)


@rectification_action(RectificationAction.RECORD_DONE, "Record what was done, with photos (multipart)")
def record_done(
    request: HttpRequest,
    rectification_id: VisibleRectificationId,
    action_taken: Annotated[str, Form(..., min_length=1, max_length=DESCRIPTION_LENGTH)],
    photos: Annotated[list[UploadedFile], FileParam([], max_length=MAX_PHOTOS_PER_FINDING)] = [],  # noqa: B006
) -> dict[str, Any]:
    """Multipart form: ``action_taken`` and up to 9 ``photos`` (JPEG, PNG, WebP or GIF). The
    rectification's clock stops and the verification's starts."""
    user, rectification = _visible_rectification(request, rectification_id)
    services.rectification_record_done(
        rectification=rectification, by=user, action_taken=action_taken, photos=photos
    )
    return _rectification_answer(request, rectification_id)


@rectification_action(RectificationAction.VERIFY, "Verify: passed closes the order, failed reopens it")
def verify(
    request: HttpRequest, rectification_id: VisibleRectificationId, payload: RectificationVerifyIn
) -> dict[str, Any]:
    """The inspector or the quality role, never whoever recorded what was done."""
    user, rectification = _visible_rectification(request, rectification_id)
    services.rectification_verify(
        rectification=rectification, by=user, passed=payload.passed, note=payload.note
    )
    return _rectification_answer(request, rectification_id)


@rectification_action(RectificationAction.CANCEL, "Cancel with a reason")
def cancel_rectification(
    request: HttpRequest, rectification_id: VisibleRectificationId, payload: RectificationReasonIn
) -> dict[str, Any]:
    user, rectification = _visible_rectification(request, rectification_id)
    services.rectification_cancel(rectification=rectification, by=user, reason=payload.reason)
    return _rectification_answer(request, rectification_id)
