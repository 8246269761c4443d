"""``/api/v1/suppliers``: outsourced suppliers (外包供方) — list, read (with its standing and a
summary of its history), register, change, deactivate, and evaluate now.

Every member of staff of the organisation reads its suppliers; another organisation's supplier
answers 404 whatever else is wrong with the request. Then:

- 422 ``invalid``: a field is missing or wrong (``fields`` names each one); nothing is written.
- 409 ``conflict``: not possible now (the supplier is inactive, an evaluation of it is open, no
  evaluation checklist is in use).
- 403 ``permission_denied``: the caller's role does not allow it (suppliers are kept by the quality
  role, directors, administrators, and the head of the managing department for its own).

The history summary counts what the caller may see of the supplier's inspections and
rectification orders (``fuwu.inspections`` visibility).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status as HttpStatus
from pydantic import AfterValidator

from fuwu import visibility
from fuwu.inspections import selectors as inspection_selectors
from fuwu.lib.display import system_text
from fuwu.lib.endpoints import PathId, caller, found, ref, visible
from fuwu.lib.errors import FieldErrors
from fuwu.lib.paging import page_count, page_rows
from fuwu.org.models import Department, User
from fuwu.policy.selectors import active_policy
from fuwu.visibility import PhoneShown

from . import selectors, services
from .models import Standing, Supplier
from .permissions import may_evaluate, may_manage
from .schemas import (
    SupplierDeactivateIn,
    SupplierEvaluateIn,
    SupplierEvaluationOut,
    SupplierFilters,
    SupplierIn,
    SupplierOut,
    SupplierPage,
    SupplierPatch,
)

router = Router(tags=["suppliers"])


def _supplier(user: User, pk: int) -> Supplier:
    return selectors.supplier_get(user=user, pk=pk)


# ``{supplier_id}``: the supplier must be visible to the caller, else 404 — before the body is read.
VisibleSupplierId = Annotated[PathId, AfterValidator(visible("supplier", _supplier))]

STANDING_LABELS = dict(Standing.choices)


def supplier_row(supplier: Supplier) -> dict[str, Any]:
    return {
        "id": supplier.pk,
        "code": supplier.code,
        "name": supplier.name,
        "department": ref(supplier.department),
        "services": supplier.services,
        "standing": supplier.standing,
        "standing_label": str(STANDING_LABELS.get(supplier.standing, supplier.standing)),
        "standing_since": supplier.standing_since,
        "standing_score": supplier.standing_score,
        "contract_starts_on": supplier.contract_starts_on,
        "contract_ends_on": supplier.contract_ends_on,
        "is_active": supplier.is_active,
    }


def allowed_actions(user: User, supplier: Supplier) -> list[str]:
    found = []
    if supplier.is_active and may_manage(user, supplier):
        found += ["update", "deactivate"]
    if may_evaluate(user, supplier):
        found.append("evaluate")
    return found


def supplier_detail(supplier: Supplier, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    shown = PhoneShown(user)
    thresholds = active_policy(supplier.organisation).suppliers
    summary = selectors.history_summary(user, supplier, now=now)
    trend = selectors.evaluation_trend(user, supplier, now=now, thresholds=thresholds)
    evaluation = None
    if supplier.standing_evaluation_id is not None:
        number = (
            inspection_selectors.inspections(user, now=now)
            .filter(pk=supplier.standing_evaluation_id)
            .values_list("number", flat=True)
            .first()
        )
        if number is not None:
            evaluation = {"id": supplier.standing_evaluation_id, "number": number}
    return {
        **supplier_row(supplier),
        "contact_name": supplier.contact_name,
        "phone": supplier.phone,
        "standing_reason": system_text(supplier.standing_reason),
        "standing_evaluation": evaluation,
        "evaluated_at": supplier.evaluated_at,
        "created_by": ref(supplier.created_by),
        "created_at": supplier.created_at,
        "history": {
            "inspections": summary.inspections,
            "evaluations": summary.evaluations,
            "open_inspections": summary.open_inspections,
            "open_rectifications": summary.open_rectifications,
            "last_inspected_at": summary.last_inspected_at,
            "evaluation_scores": [
                {
                    "inspection_id": p.inspection_id,
                    "number": p.number,
                    "submitted_at": p.submitted_at,
                    "score": p.score,
                    "standing": p.standing.value,
                    "standing_label": str(p.standing.label),
                }
                for p in trend
            ],
        },
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "actor": e.actor_label,
                "changes": shown.in_value(e.changes or {}),
                "reason": system_text(e.reason),
            }
            for e in selectors.timeline_of(supplier)
        ],
        "allowed_actions": allowed_actions(user, supplier),
    }


def _detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = caller(request)
    return supplier_detail(selectors.supplier_get(user=user, pk=pk), user)


def _visible(request: HttpRequest, supplier_id: int) -> tuple[User, Supplier]:
    return found(request, "supplier", supplier_id, _supplier)


def _department(user: User, department_id: int) -> Department | None:
    """A department of the caller's organisation, else a 422 on ``department_id``."""
    department = visibility.departments_for_user(user).filter(pk=department_id, is_active=True).first()
    if department is None:
        errors = FieldErrors()
        errors.add("department_id", _("no such department"))
        errors.raise_if_any()
    return department


@router.get("", response=SupplierPage, summary="List suppliers (standing, department, words; paging)")
def list_suppliers(request: HttpRequest, filters: Query[SupplierFilters]) -> dict[str, Any]:
    """By name. ``count`` is exact up to 1,000 (or to the end of the page asked for)."""
    user = caller(request)
    suppliers = selectors.suppliers_list(
        user=user,
        standing=filters.standing,
        department_id=filters.department_id,
        active={"active": True, "inactive": False, "all": None}[filters.state],
        q=filters.q,
    )
    rows = page_rows(suppliers, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(suppliers, offset=filters.offset, limit=filters.limit)
    return {"items": [supplier_row(s) for s in rows], "count": count, "count_exact": exact}


@router.post("", response={201: SupplierOut}, summary="Register a supplier (it starts qualified)")
def create_supplier(request: HttpRequest, payload: SupplierIn) -> HttpStatus[dict[str, Any]]:
    user = caller(request)
    data = payload.model_dump()
    department = _department(user, data.pop("department_id"))
    assert user.organisation is not None
    supplier = services.supplier_create(
        organisation=user.organisation, by=user, department=department, **data
    )
    return HttpStatus(201, _detail(request, supplier.pk))


@router.get(
    "/{supplier_id}",
    response=SupplierOut,
    summary="One supplier: details, standing and why, its history summary and timeline",
)
def get_supplier(request: HttpRequest, supplier_id: VisibleSupplierId) -> dict[str, Any]:
    user, supplier = _visible(request, supplier_id)
    return supplier_detail(supplier, user)


@router.patch("/{supplier_id}", response=SupplierOut, summary="Change a supplier's details")
def update_supplier(
    request: HttpRequest, supplier_id: VisibleSupplierId, payload: SupplierPatch
) -> dict[str, Any]:
    user, supplier = _visible(request, supplier_id)
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason", "")
    if "department_id" in data:
        data["department"] = _department(user, data.pop("department_id"))
    services.supplier_update(supplier=supplier, by=user, reason=reason, **data)
    return _detail(request, supplier.pk)


@router.post(
    "/{supplier_id}/deactivate",
    response=SupplierOut,
    summary="Deactivate a supplier (no more inspections or evaluations are planned)",
    operation_id="supplier_deactivate",
)
def deactivate_supplier(
    request: HttpRequest, supplier_id: VisibleSupplierId, payload: SupplierDeactivateIn
) -> dict[str, Any]:
    user, supplier = _visible(request, supplier_id)
    services.supplier_deactivate(supplier=supplier, by=user, reason=payload.reason)
    return _detail(request, supplier.pk)


@router.post(
    "/{supplier_id}/evaluate",
    response={201: SupplierEvaluationOut},
    summary="Evaluate now: plan an evaluation of the supplier by hand",
    operation_id="supplier_evaluate",
)
def evaluate_supplier(
    request: HttpRequest, supplier_id: VisibleSupplierId, payload: SupplierEvaluateIn
) -> HttpStatus[dict[str, Any]]:
    """Answers the evaluation planned (an inspection with the organisation's evaluation checklist);
    its submission sets the standing."""
    user, supplier = _visible(request, supplier_id)
    inspector = None
    if payload.inspector_id is not None:
        inspector = visibility.staff_for_user(user).filter(pk=payload.inspector_id).first()
        if inspector is None:
            errors = FieldErrors()
            errors.add("inspector_id", _("no such member of staff"))
            errors.raise_if_any()
    inspection = services.supplier_evaluate(
        supplier=supplier, by=user, inspector=inspector, due_on=payload.due_on
    )
    return HttpStatus(
        201,
        {
            "id": inspection.pk,
            "number": inspection.number,
            "due_at": inspection.due_at,
            "inspector": ref(inspection.inspector),
            "supplier_id": supplier.pk,
        },
    )
