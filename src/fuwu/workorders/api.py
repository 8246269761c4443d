"""``/api/v1/work-orders``: receive, list, read and act on work orders (服务工单).

Every endpoint on one work order first looks it up through the caller's visibility: a work order
outside it answers 404 whatever else is wrong with the request. Then:

- 422 ``invalid``: a field is missing or wrong (``fields`` names each one); nothing is written.
  A related record given by id (``department_id``, ``technician_id``…) that is not in the caller's
  organisation or visibility is a field error too.
- 409 ``conflict``: the action is not possible in the work order's current state; the body carries
  ``allowed_actions`` (what the caller may do now) and ``status``.
- 403 ``permission_denied``: the state allows the action, the caller's role does not.

Each action is ``POST /api/v1/work-orders/{id}/<action>`` (the values of ``rules.Action``) and
answers 200 with the work order as ``GET /api/v1/work-orders/{id}`` shows it after the change.
A paper voucher for ``confirm`` is sent as a base64 data URL in ``voucher`` (JSON, like the
on-screen signature); photos are uploaded with ``POST /api/v1/work-orders/{id}/photos``
(multipart, field ``photos``, several files).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File as FileParam
from ninja import Query, Router, UploadedFile
from ninja.responses import Status as HttpStatus
from pydantic import AfterValidator

from fuwu import visibility
from fuwu.catalogue.models import FeeItem
from fuwu.customers.models import Product
from fuwu.exports import services as export_services
from fuwu.exports.api import XLSX_RESPONSE, ExportOut, export_out
from fuwu.exports.views import file_response
from fuwu.lib.endpoints import PathId, action_route, caller, found, ref, visible
from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.lib.inputs import MAX_BIGINT
from fuwu.lib.paging import page_count, page_rows
from fuwu.org.models import User
from fuwu.timeline.models import Event
from fuwu.visibility import PhoneShown

from . import selectors, services
from .approvals import Details
from .exports import WORK_ORDER_REGISTER, as_parameters
from .models import Priority, Status, WorkOrder
from .rules import Action
from .schemas import (
    ApproveRejectionIn,
    CloseIn,
    CollectFeeIn,
    CompleteIn,
    ConfirmIn,
    DenyRejectionIn,
    DispatchIn,
    DispatchSuggestionOut,
    MaterialsReceivedIn,
    NoteIn,
    NoticeMissingIn,
    ReasonIn,
    RecordFeeIn,
    RecordWarrantyIn,
    ReplyIn,
    RequestExtensionIn,
    RequestRejectionIn,
    ResumeIn,
    RouteIn,
    WorkOrderCreated,
    WorkOrderFilters,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPage,
    WorkOrderQuery,
)

router = Router(tags=["work orders"])

M = TypeVar("M", bound=Model)


# --- helpers ----------------------------------------------------------------------------------


def _work_order(user: User, pk: int) -> WorkOrder:
    return selectors.work_order_get(user=user, pk=pk)


# ``{work_order_id}`` of every endpoint on one work order (path parameters are resolved first): the
# work order must be visible to the caller, else 404; the one found is kept on the request.
VisibleWorkOrderId = Annotated[PathId, AfterValidator(visible("work_order", _work_order))]


def _lookup(
    queryset: QuerySet[M] | Callable[[], QuerySet[M]],
    pk: int | None,
    field: str,
    message: str,
    errors: FieldErrors,
) -> M | None:
    """The record with ``pk`` in ``queryset`` (already narrowed to the caller's organisation and
    visibility); a field error when there is none. ``queryset`` may be a function that builds it:
    then it is built only when an id is given."""
    if pk is None:
        return None
    found = (queryset() if callable(queryset) else queryset).filter(pk=pk).first()
    if found is None:
        errors.add(field, message)
    return found


def _me_or_id(value: str | None, user: User, field: str, errors: FieldErrors) -> int | None:
    if value is None or value == "":
        return None
    if value == "me":
        return user.pk
    if value.isascii() and value.isdigit() and 0 < int(value) <= MAX_BIGINT:
        return int(value)
    errors.add(field, _("must be the id of a member of staff or “me”"))
    return None


# --- serialisation ----------------------------------------------------------------------------


class Labels:
    """Status and priority labels in the request's language, translated once per request (not per row)."""

    def __init__(self) -> None:
        self.status = {value: str(label) for value, label in Status.choices}
        self.priority = {value: str(label) for value, label in Priority.choices}


def work_order_row(wo: WorkOrder, shown: PhoneShown, labels: Labels | None = None) -> dict[str, Any]:
    """A list row; ``wo`` comes from ``selectors.work_orders_list`` (annotated, related joined)."""
    labels = labels or Labels()
    return {
        "id": wo.pk,
        "number": wo.number,
        "status": wo.status,
        "status_label": labels.status.get(wo.status, wo.status),
        "priority": wo.priority,
        "priority_label": labels.priority.get(wo.priority, wo.priority),
        "channel": wo.channel,
        "service_type": ref(wo.service_type),
        "customer": ref(wo.customer),
        "caller_name": wo.caller_name,
        "caller_phone": shown(wo.caller_phone),
        "location": wo.location,
        "department": ref(wo.department),
        "assignee": ref(wo.assignee),
        "first_contact_owner": ref(wo.first_contact_owner),
        "received_at": wo.received_at,
        "is_overdue": bool(getattr(wo, "is_overdue", False)),
        "next_due_at": getattr(wo, "next_due_at", None),
    }


def _event_out(event: Event, shown: PhoneShown) -> dict[str, Any]:
    return {
        "at": event.at,
        "action": event.action,
        "actor": event.actor_label,
        "changes": shown.in_value(event.changes or {}),
        "reason": event.reason,
    }


def work_order_detail(
    wo: WorkOrder, user: User, shown: PhoneShown, now: datetime | None = None
) -> dict[str, Any]:
    """The whole work order as ``GET /work-orders/{id}`` shows it; ``wo`` from ``selectors.work_order_get``."""
    now = now or timezone.now()
    states = selectors.clock_states(wo, now=now)
    unmet = [s for s in states if s.clock.met_at is None]
    row = work_order_row(wo, shown)
    row["is_overdue"] = any(s.is_breached for s in unmet)
    row["next_due_at"] = min((s.clock.due_at for s in unmet), default=None)
    product = wo.product
    return {
        **row,
        "resume_status": wo.resume_status,
        "channel_label": wo.get_channel_display(),
        "sla_class": wo.sla_class,
        "product": {"id": product.pk, "name": product.name, "model": product.model, "serial": product.serial}
        if product
        else None,
        "building": wo.building,
        "unit": wo.unit,
        "room": wo.room,
        "address": wo.address,
        "distance_km": wo.distance_km,
        "description": wo.description,
        "confidentiality": wo.confidentiality,
        "intake_department": ref(wo.intake_department),
        "logged_by": ref(wo.logged_by),
        "team": [ref(m) for m in wo.team.all()],
        "dispatched_at": wo.dispatched_at,
        "accepted_at": wo.accepted_at,
        "arrived_at": wo.arrived_at,
        "done_at": wo.done_at,
        "confirmed_at": wo.confirmed_at,
        "closed_at": wo.closed_at,
        "deferred_until": wo.deferred_until,
        "warranty_finding": wo.warranty_finding,
        "is_paid": wo.is_paid,
        "confirmation_refused": wo.confirmation_refused,
        "reminder_count": wo.reminder_count,
        "reopen_count": wo.reopen_count,
        "clocks": [
            {
                "kind": s.clock.kind,
                "kind_label": s.clock.get_kind_display(),
                "amount": s.clock.amount,
                "unit": s.clock.unit,
                "started_at": s.clock.started_at,
                "due_at": s.clock.due_at,
                "met_at": s.clock.met_at,
                "paused": s.is_paused,
                "paused_at": s.clock.paused_at,
                "breached": s.is_breached,
                "remaining_business_minutes": s.remaining_business_minutes,
                "calendar_confirmed": s.clock.calendar_confirmed,
                "escalation_level": s.clock.escalation_level,
                "extended_count": s.clock.extended_count,
            }
            for s in states
        ],
        "materials": [
            {
                "id": m.pk,
                "name": m.name,
                "is_required": m.is_required,
                "from_checklist": m.from_checklist,
                "is_received": m.is_received,
                "received_at": m.received_at,
            }
            for m in wo.materials.all()
        ],
        "notices": [
            {
                "id": n.pk,
                "kind": n.kind,
                "kind_label": n.get_kind_display(),
                "items": list(n.items),
                "text": n.text,
                "reason": n.reason,
                "sent_by": ref(n.sent_by),
                "sent_at": n.sent_at,
            }
            for n in wo.notices.all()
        ],
        "approvals": [
            {
                "id": a.pk,
                "kind": a.kind,
                "kind_label": a.get_kind_display(),
                "status": a.status,
                "status_label": a.get_status_display(),
                "approver_role": a.approver_role,
                "reason": a.reason,
                "answer": a.answer,
                "clock_kind": Details.of(a).clock_kind,
                "extension_amount": Details.of(a).extension_amount,
                "extension_unit": Details.of(a).extension_unit,
                "deferred_until": Details.of(a).deferred_until,
                "requested_by": ref(a.requested_by),
                "requested_at": a.requested_at,
                "decided_by": ref(a.decided_by),
                "decided_at": a.decided_at,
                "decision_note": a.decision_note,
            }
            for a in wo.approvals.all()
        ],
        "reports": [
            {
                "id": r.pk,
                "findings": r.findings,
                "warranty_status": r.warranty_status,
                "warranty_label": r.get_warranty_status_display(),
                "disassembly_signs": r.disassembly_signs,
                "running_hours": r.running_hours,
                "mileage_km": r.mileage_km,
                "work_done": r.work_done,
                "parts": [
                    {
                        "name": p.get("name", ""),
                        "model": p.get("model", ""),
                        "quantity": str(p.get("quantity", "")),
                    }
                    for p in r.parts or []
                ],
                "minutes_spent": r.minutes_spent,
                "completed_by": ref(r.completed_by),
                "completed_at": r.completed_at,
            }
            for r in wo.reports.all()
        ],
        "confirmations": [
            {
                "id": c.pk,
                "method": c.method,
                "method_label": c.get_method_display(),
                "confirmed_by_name": c.confirmed_by_name,
                "evidence_url": c.evidence.url if c.evidence else None,
                "satisfied": c.satisfied,
                "comment": c.comment,
                "confirmed_at": c.confirmed_at,
            }
            for c in wo.confirmations.all()
        ],
        "fees": [
            {
                "id": f.pk,
                "fee_item_id": f.fee_item_id,
                "description": f.description,
                "quantity": f.quantity,
                "unit_price": f.unit_price,
                "amount": f.amount,
                "is_collected": f.is_collected,
                "receipt_number": f.receipt_number,
                "collected_at": f.collected_at,
            }
            for f in wo.fees.all()
        ],
        "photos": [
            {
                "id": p.pk,
                "report_id": p.report_id,
                "url": p.image.url,
                "content_type": p.content_type,
                "size": p.size,
                "uploaded_at": p.uploaded_at,
            }
            for p in wo.photos.all()
        ],
        "events": [_event_out(e, shown) for e in selectors.timeline_of(wo)],
        "allowed_actions": [a.value for a in services.allowed_actions(user, wo, services.policy_of(wo))],
        "created_at": wo.created_at,
        "updated_at": wo.updated_at,
    }


def _detail(request: HttpRequest, work_order_id: int) -> dict[str, Any]:
    user = caller(request)
    wo = selectors.work_order_get(user=user, pk=work_order_id)
    return work_order_detail(wo, user, PhoneShown(user))


# --- list, create, read -----------------------------------------------------------------------


def _list_arguments(filters: WorkOrderQuery, user: User) -> dict[str, Any]:
    """The list's filters as ``selectors.work_orders_list`` arguments (422 naming a wrong one)."""
    errors = FieldErrors()
    statuses = [s.strip() for value in filters.status for s in value.split(",") if s.strip()]
    unknown = [s for s in statuses if s not in Status.values]
    if unknown:
        errors.add("status", _("must be one of %(choices)s") % {"choices": ", ".join(Status.values)})
    assignee_id = _me_or_id(filters.assignee, user, "assignee", errors)
    owner_id = _me_or_id(filters.first_contact_owner, user, "first_contact_owner", errors)
    errors.raise_if_any()
    return {
        "statuses": statuses,
        "department_id": filters.department,
        "assignee_id": assignee_id,
        "first_contact_owner_id": owner_id,
        "service_type_id": filters.service_type,
        "channel": filters.channel,
        "priority": filters.priority,
        "received_from": filters.received_from,
        "received_to": filters.received_to,
        "overdue": filters.overdue,
        "q": filters.q,
        "view": filters.view,
        "mine": filters.mine,
        "sort": filters.sort,
    }


@router.get("", response=WorkOrderPage, summary="List work orders (filters, keyword search, paging)")
def list_work_orders(request: HttpRequest, filters: Query[WorkOrderFilters]) -> dict[str, Any]:
    """Newest first, or as ``sort`` says (the ``overdue``, ``queue`` and ``due_today`` views: most
    overdue, then the earliest deadline, then priority). ``view`` is the same work list as the list
    page's tab of that name. ``count`` is the number of work orders matching the filters (all pages), counted
    exactly up to 1,000 (or to the end of the page asked for, if further); beyond that ``count_exact``
    is false and ``count`` is that lower bound — page on until a page comes back short."""
    user = caller(request)
    work_orders = selectors.work_orders_list(user=user, **_list_arguments(filters, user))
    shown = PhoneShown(user)
    page = page_rows(work_orders, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(work_orders, offset=filters.offset, limit=filters.limit)
    labels = Labels()
    return {"items": [work_order_row(wo, shown, labels) for wo in page], "count": count, "count_exact": exact}


@router.get(
    "/export.xlsx",
    response={200: None, 202: ExportOut},
    summary="Export the work-order register to Excel (the list's filters)",
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def export_work_orders(request: HttpRequest, filters: Query[WorkOrderQuery]) -> Any:
    """The work orders ``GET /work-orders`` lists with the same filters (all of them, not a page),
    as an Excel workbook, phones masked as for the caller. Up to 2,000 rows the answer is the file
    (200); beyond, 202 with a background export to poll at ``url`` and download at
    ``download_url`` once ``status`` is ``done``."""
    user = caller(request)
    parameters = as_parameters(_list_arguments(filters, user))
    outcome = export_services.request_export(user=user, kind=WORK_ORDER_REGISTER.kind, parameters=parameters)
    if outcome.export is not None:
        return HttpStatus(202, export_out(outcome.export))
    assert outcome.content is not None
    return file_response(outcome.content, outcome.filename, export_services.XLSX_TYPE)


@router.post("", response={201: WorkOrderCreated}, summary="Receive a request (create a work order)")
def create_work_order(request: HttpRequest, payload: WorkOrderIn) -> HttpStatus[dict[str, Any]]:
    """The caller becomes the first-contact owner (a gatekeeper names the owner instead).
    ``channel`` defaults to ``api``. Answers the number, status and deadlines; the whole record is at
    ``url`` (``GET /work-orders/{id}``). Photos: ``POST /work-orders/{id}/photos``."""
    user = caller(request)
    errors = FieldErrors()
    # Querysets are built only for the ids given (building one costs ORM work on every create).
    service_type = _lookup(
        lambda: (
            visibility.service_types_for_user(user)
            .filter(is_active=True)
            .select_related("default_department")
        ),
        payload.service_type_id,
        "service_type_id",
        _("no such service type"),
        errors,
    )
    customer = _lookup(
        lambda: visibility.customers_for_user(user),
        payload.customer_id,
        "customer_id",
        _("no such customer"),
        errors,
    )
    product = _lookup(
        lambda: Product.objects.filter(customer__in=visibility.customers_for_user(user)),
        payload.product_id,
        "product_id",
        _("no such product"),
        errors,
    )
    department = _lookup(
        lambda: visibility.departments_for_user(user).filter(is_active=True),
        payload.department_id,
        "department_id",
        _("no such department"),
        errors,
    )
    owner = _lookup(
        lambda: visibility.staff_for_user(user).select_related("department"),
        payload.first_contact_owner_id,
        "first_contact_owner_id",
        _("no such member of staff"),
        errors,
    )
    if payload.confidentiality > user.clearance:
        errors.add("confidentiality", _("must be at most %(limit)s") % {"limit": user.clearance})
    if customer is None and payload.customer_id is None and not payload.caller_phone.strip():
        errors.add("caller_phone", _("is required"))
    errors.raise_if_any()
    assert user.organisation is not None  # API authentication admits members of an organisation only
    wo = services.work_order_create(
        organisation=user.organisation,
        by=user,
        channel=payload.channel,
        service_type=service_type,
        description=payload.description,
        priority=payload.priority,
        customer=customer,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        building=payload.building,
        unit=payload.unit,
        room=payload.room,
        address=payload.address,
        product=product,
        distance_km=payload.distance_km,
        department=department,
        confidentiality=payload.confidentiality,
        materials_received=payload.materials_received,
        first_contact_owner=owner,
    )
    owner_ref = wo.first_contact_owner
    return HttpStatus(
        201,
        {
            "id": wo.pk,
            "number": wo.number,
            "status": wo.status,
            "status_label": wo.get_status_display(),
            "priority": wo.priority,
            "channel": wo.channel,
            "received_at": wo.received_at,
            "customer": {"id": wo.customer.pk, "name": wo.customer.name},
            "first_contact_owner": {"id": owner_ref.pk, "name": owner_ref.display_name},
            "logged_by": {"id": wo.logged_by.pk, "name": wo.logged_by.display_name} if wo.logged_by else None,
            "department": {"id": wo.department.pk, "name": wo.department.name} if wo.department else None,
            "clocks": [
                {
                    "kind": c.kind,
                    "due_at": c.due_at,
                    "met_at": c.met_at,
                    "calendar_confirmed": c.calendar_confirmed,
                }
                # the clocks as inserted, not read back
                for c in sorted(wo.started_clocks, key=lambda c: (c.due_at, c.pk))  # type: ignore[attr-defined]
            ],
            "url": f"/api/v1/work-orders/{wo.pk}",
        },
    )


@router.get(
    "/{work_order_id}", response=WorkOrderOut, summary="One work order with clocks, timeline and actions"
)
def get_work_order(request: HttpRequest, work_order_id: VisibleWorkOrderId) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    return work_order_detail(wo, user, PhoneShown(user))


@router.get(
    "/{work_order_id}/dispatch-suggestions",
    response=list[DispatchSuggestionOut],
    summary="Technicians to dispatch to: available first, then the least open work",
)
def dispatch_suggestions(request: HttpRequest, work_order_id: VisibleWorkOrderId) -> list[dict[str, Any]]:
    """The technicians of the work order's department and below (else of the organisation), as the
    dispatch form offers them (``selectors.dispatch_suggestions``): those at work first, then by
    their open work; an absent one names who takes the work (A/B)."""
    user, wo = _visible(request, work_order_id)
    return [
        {
            "technician": ref(s.person),
            "open_count": s.open_count,
            "absent_until": s.absence.ends_at if s.absence else None,
            "handler": ref(s.handler),
        }
        for s in selectors.dispatch_suggestions(wo, user, timezone.now())
    ]


@router.post(
    "/{work_order_id}/photos", response={201: WorkOrderOut}, summary="Add photos (multipart, several)"
)
def add_photos(
    request: HttpRequest,
    work_order_id: VisibleWorkOrderId,
    photos: Annotated[list[UploadedFile], FileParam(max_length=services.MAX_PHOTOS)],
) -> HttpStatus[dict[str, Any]]:
    """JPEG, PNG, WebP or GIF, each at most 10 MB, at most 12 per work order."""
    user, wo = _visible(request, work_order_id)
    services.work_order_add_photos(work_order=wo, by=user, photos=photos)
    return HttpStatus(201, _detail(request, work_order_id))


# --- actions ----------------------------------------------------------------------------------

action = action_route(router, kind="work_order", parameter="work_order_id", response=WorkOrderOut)


def _visible(request: HttpRequest, work_order_id: int) -> tuple[User, WorkOrder]:
    """The caller and the work order the path named (already looked up through visibility)."""
    return found(request, "work_order", work_order_id, _work_order)


@action(Action.ROUTE, "Route (or transfer) to a department's queue")
def route(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: RouteIn) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    errors = FieldErrors()
    department = _lookup(
        visibility.departments_for_user(user),
        payload.department_id,
        "department_id",
        _("no such department"),
        errors,
    )
    errors.raise_if_any()
    assert department is not None
    services.work_order_route(work_order=wo, by=user, department=department, reason=payload.reason)
    return _detail(request, work_order_id)


@action(Action.DISPATCH, "Dispatch to a technician (or a team with its leader)")
def dispatch(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: DispatchIn) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    errors = FieldErrors()
    staff = visibility.staff_for_user(user)
    message = _("no such member of staff")
    technician = _lookup(staff, payload.technician_id, "technician_id", message, errors)
    team = [_lookup(staff, pk, f"team_ids[{i}]", message, errors) for i, pk in enumerate(payload.team_ids)]
    errors.raise_if_any()
    assert technician is not None
    services.work_order_dispatch(
        work_order=wo,
        by=user,
        technician=technician,
        team=[m for m in team if m is not None],
        reason=payload.reason,
    )
    return _detail(request, work_order_id)


@action(Action.ACCEPT, "Accept the dispatched work")
def accept(request: HttpRequest, work_order_id: VisibleWorkOrderId) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_accept(work_order=wo, by=user)
    return _detail(request, work_order_id)


@action(Action.ARRIVE, "Arrive on site")
def arrive(request: HttpRequest, work_order_id: VisibleWorkOrderId) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_arrive(work_order=wo, by=user)
    return _detail(request, work_order_id)


@action(Action.REPLY, "Send the written reply a distance band commits to")
def reply(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: ReplyIn) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_reply(work_order=wo, by=user, text=payload.text)
    return _detail(request, work_order_id)


@action(Action.NOTICE_MISSING, "One-time notice of every missing material (一次性告知)")
def notice_missing(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: NoticeMissingIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_notice_missing(
        work_order=wo,
        by=user,
        received=payload.received,
        extra_items=payload.extra_items,
        reason=payload.reason,
    )
    return _detail(request, work_order_id)


@action(Action.MATERIALS_RECEIVED, "Record materials that arrived")
def materials_received(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: MaterialsReceivedIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_materials_received(work_order=wo, by=user, received=payload.received)
    return _detail(request, work_order_id)


@action(Action.REQUEST_REJECTION, "Ask a head to approve a refusal (红灯)")
def request_rejection(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: RequestRejectionIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_request_rejection(
        work_order=wo,
        by=user,
        kind=payload.kind,
        reason=payload.reason,
        answer=payload.answer,
        deferred_until=payload.deferred_until,
    )
    return _detail(request, work_order_id)


@action(Action.APPROVE_REJECTION, "Approve the refusal (the answer goes to the customer) or the deferral")
def approve_rejection(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: ApproveRejectionIn
) -> dict[str, Any]:
    """A refusal approved: the answer goes to the customer and the work order is ``rejected``. A
    ``cannot_do_now`` approved: the customer is told why and from which day it can be done (the one
    asked for, or ``deferred_until``), and the work order is ``deferred``, still open."""
    user, wo = _visible(request, work_order_id)
    services.work_order_approve_rejection(
        work_order=wo, by=user, note=payload.note, deferred_until=payload.deferred_until
    )
    return _detail(request, work_order_id)


@action(Action.RESUME, "Take a deferred work order up again before its day")
def resume(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: ResumeIn) -> dict[str, Any]:
    """Back to the status it had when the deferral was asked; its clocks restart, moved by the time
    they stood still. On the day itself the periodic sweep does this."""
    user, wo = _visible(request, work_order_id)
    services.work_order_resume(work_order=wo, by=user, reason=payload.reason)
    return _detail(request, work_order_id)


@action(Action.RECORD_WARRANTY, "Record the warranty finding on site (paid or free)")
def record_warranty(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: RecordWarrantyIn
) -> dict[str, Any]:
    """Out of warranty or misuse: the work is paid; where the policy asks, the head is asked to approve
    the paid service at once and notified. Fees may be recorded meanwhile; they are collected once
    approved. Completing afterwards keeps this decision (no second approval)."""
    user, wo = _visible(request, work_order_id)
    services.work_order_record_warranty(
        work_order=wo, by=user, warranty_status=payload.warranty_status, note=payload.note
    )
    return _detail(request, work_order_id)


@action(Action.DENY_REJECTION, "Deny the refusal: the work goes on")
def deny_rejection(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: DenyRejectionIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_deny_rejection(work_order=wo, by=user, note=payload.note)
    return _detail(request, work_order_id)


@action(Action.REQUEST_EXTENSION, "Ask the policy's approver to extend a deadline")
def request_extension(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: RequestExtensionIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_request_extension(
        work_order=wo,
        by=user,
        clock=payload.clock,
        amount=payload.amount,
        unit=payload.unit,
        reason=payload.reason,
    )
    return _detail(request, work_order_id)


@action(Action.APPROVE_EXTENSION, "Approve the extension")
def approve_extension(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: NoteIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_approve_extension(work_order=wo, by=user, note=payload.note)
    return _detail(request, work_order_id)


@action(Action.DENY_EXTENSION, "Deny the extension")
def deny_extension(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: NoteIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_deny_extension(work_order=wo, by=user, note=payload.note)
    return _detail(request, work_order_id)


@action(Action.COMPLETE, "Complete: the technician's service report")
def complete(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: CompleteIn) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_complete(
        work_order=wo,
        by=user,
        findings=payload.findings,
        work_done=payload.work_done,
        warranty_status=payload.warranty_status,
        minutes_spent=payload.minutes_spent,
        disassembly_signs=payload.disassembly_signs,
        running_hours=payload.running_hours,
        mileage_km=payload.mileage_km,
        parts=[p.model_dump() for p in payload.parts],
        photo_ids=payload.photo_ids,
    )
    return _detail(request, work_order_id)


@action(Action.SEND_CONFIRMATION_CODE, "Send the customer a confirmation code by SMS")
def send_confirmation_code(request: HttpRequest, work_order_id: VisibleWorkOrderId) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_send_confirmation_code(work_order=wo, by=user)
    return _detail(request, work_order_id)


_DATA_URL = re.compile(r"^data:(image/[a-z+.-]+);base64,(.*)$", re.DOTALL)


def _voucher_file(data_url: str) -> SimpleUploadedFile | None:
    """The paper voucher photo from its data URL (the service checks it is a picture)."""
    match = _DATA_URL.match(data_url.strip())
    if match is None:
        return None
    try:
        raw = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError):
        return None
    return SimpleUploadedFile("voucher", raw, content_type=match.group(1))


@action(Action.CONFIRM, "Record the customer's confirmation of completed work")
def confirm(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: ConfirmIn) -> dict[str, Any]:
    """Only on completed work. ``paper_voucher``: ``voucher`` is a ``data:image/…;base64,…`` URL."""
    user, wo = _visible(request, work_order_id)
    voucher = None
    if payload.method == "paper_voucher" and payload.voucher:
        voucher = _voucher_file(payload.voucher)
        if voucher is None:
            raise ValidationFailed.field(
                "voucher", _("must be a picture as a data URL (data:image/jpeg;base64,…)")
            )
    services.work_order_confirm(
        work_order=wo,
        by=user,
        method=payload.method,
        confirmed_by_name=payload.confirmed_by_name,
        signature=payload.signature,
        code=payload.code,
        voucher=voucher,
        satisfied=payload.satisfied,
        comment=payload.comment,
    )
    return _detail(request, work_order_id)


@action(Action.REFUSE_CONFIRMATION, "The customer refuses to confirm (the head decides)")
def refuse_confirmation(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: ReasonIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_refuse_confirmation(work_order=wo, by=user, reason=payload.reason)
    return _detail(request, work_order_id)


@action(Action.RECORD_FEE, "Record a fee line (collected only with a receipt number)")
def record_fee(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: RecordFeeIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    errors = FieldErrors()
    fee_item = _lookup(
        FeeItem.objects.filter(service_type__organisation=user.organisation),
        payload.fee_item_id,
        "fee_item_id",
        _("no such fee item"),
        errors,
    )
    errors.raise_if_any()
    services.work_order_record_fee(
        work_order=wo,
        by=user,
        fee_item=fee_item,
        description=payload.description,
        quantity=payload.quantity,
        unit_price=payload.unit_price,
        receipt_number=payload.receipt_number,
    )
    return _detail(request, work_order_id)


@action(Action.COLLECT_FEE, "Mark a fee collected, with the invoice or receipt number")
def collect_fee(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: CollectFeeIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_collect_fee(
        work_order=wo, by=user, fee_line_id=payload.fee_line_id, receipt_number=payload.receipt_number
    )
    return _detail(request, work_order_id)


@action(Action.APPROVE_PAID_SERVICE, "Approve the paid service")
def approve_paid_service(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: NoteIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_decide_paid_service(work_order=wo, by=user, approve=True, note=payload.note)
    return _detail(request, work_order_id)


@action(Action.DENY_PAID_SERVICE, "Deny the paid service (uncollected fees are dropped)")
def deny_paid_service(
    request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: NoteIn
) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_decide_paid_service(work_order=wo, by=user, approve=False, note=payload.note)
    return _detail(request, work_order_id)


@action(Action.CLOSE, "Close")
def close(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: CloseIn) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_close(work_order=wo, by=user, reason=payload.reason)
    return _detail(request, work_order_id)


@action(Action.CANCEL, "Cancel")
def cancel(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: ReasonIn) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_cancel(work_order=wo, by=user, reason=payload.reason)
    return _detail(request, work_order_id)


@action(Action.REOPEN, "Reopen (re-handle) with a reason")
def reopen(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: ReasonIn) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_reopen(work_order=wo, by=user, reason=payload.reason)
    return _detail(request, work_order_id)


@action(Action.REMIND, "Send a reminder (催办) to whoever handles it")
def remind(request: HttpRequest, work_order_id: VisibleWorkOrderId, payload: NoteIn) -> dict[str, Any]:
    user, wo = _visible(request, work_order_id)
    services.work_order_remind(work_order=wo, by=user, note=payload.note)
    return _detail(request, work_order_id)
