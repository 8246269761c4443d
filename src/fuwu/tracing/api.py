"""``/api/v1/batches``: register, list, trace, read and act on batches of customers' items
(消毒供应中心 对外服务: 回收 → 清点 → 清洗 → 检查包装 → 灭菌 → 成品验收 → 配送).

Every endpoint on one batch first looks it up through the caller's visibility: one outside it
answers 404 whatever else is wrong with the request. Then, as for the other processes:

- 422 ``invalid``: a field is missing or wrong (``fields`` names each one); nothing is written. A
  count differing from the one expected without a reason in ``note`` is a 422 on ``note``.
- 409 ``conflict``: not possible in the batch's current state — a step signed out of order, a
  signature while the step waits for its second person, the batch closed; the body carries
  ``allowed_actions``, ``status`` and ``next_step``.
- 403 ``permission_denied``: the state allows the action, the caller may not take it (not of the
  department handling the batch; the person who signed a double-check step confirming it).

Each action is ``POST /api/v1/batches/{id}/<action>`` (the values of ``rules.Action``) and answers
the batch as ``GET /api/v1/batches/{id}`` shows it after the change. Nothing deletes a batch: it is
kept until ``retain_until`` (the policy's ``retention.traceable_items_years`` after it closed).
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
from fuwu.exports import services as export_services
from fuwu.exports.api import XLSX_RESPONSE, ExportOut, export_out
from fuwu.exports.views import file_response
from fuwu.lib.endpoints import PathId, action_route, caller, found, ref, visible
from fuwu.lib.errors import FieldErrors
from fuwu.lib.paging import page_count, page_rows
from fuwu.org.models import User
from fuwu.visibility import PhoneShown

from . import selectors, services
from .display import status_shown
from .exports import BATCH_REGISTER, as_parameters
from .models import Batch, StepCount, StepSignature
from .permissions import works_in
from .rules import Action, Counts
from .schemas import (
    BatchConfirmIn,
    BatchCorrectIn,
    BatchCountIn,
    BatchFeedbackIn,
    BatchFilters,
    BatchIn,
    BatchOut,
    BatchPage,
    BatchQuery,
    BatchReturnIn,
    BatchSignIn,
    BatchTraceOut,
    BatchTraceQuery,
)

router = Router(tags=["traceable item batches"])


def _batch(user: User, pk: int) -> Batch:
    return selectors.batch_get(user=user, pk=pk)


# ``{batch_id}``: the batch must be visible to the caller, else 404 — before the body is read.
VisibleBatchId = Annotated[PathId, AfterValidator(visible("batch", _batch))]


def _visible(request: HttpRequest, batch_id: int) -> tuple[User, Batch]:
    return found(request, "batch", batch_id, _batch)


def batch_row(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.pk,
        "number": batch.number,
        "unit_name": batch.unit_name,
        "customer_id": batch.customer_id,
        "received_on": batch.received_on,
        "method": batch.method,
        "method_label": batch.method_shown(),
        "destination": batch.destination,
        "department": ref(batch.department),
        "status": batch.status,
        "status_label": status_shown(batch),
        "next_step": batch.next_step or None,
        "next_step_label": batch.next_step_label or None,
        "awaiting_check": batch.awaiting_check,
        "has_discrepancy": batch.has_discrepancy,
        "is_open": not batch.is_closed,
        "is_overdue": bool(getattr(batch, "is_overdue", False)),
        "items": [
            {"id": i.pk, "name": i.name, "packages": i.packages, "pieces": i.pieces}
            for i in batch.items.all()
        ],
        "registered_by": ref(batch.registered_by),
        "registered_at": batch.registered_at,
        "closed_at": batch.closed_at,
        "retain_until": batch.retain_until,
    }


def _count(count: StepCount | None) -> dict[str, Any] | None:
    if count is None:
        return None
    return {
        "item_id": count.item_id,
        "packages": count.packages,
        "pieces": count.pieces,
        "expected_packages": count.expected_packages,
        "expected_pieces": count.expected_pieces,
        "differs": count.differs,
    }


def _entry(entry: StepSignature | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "signed_by": ref(entry.signed_by),
        "signed_at": entry.signed_at,
        "note": entry.note,
        "reason": entry.reason,
        "confirmed_by": ref(entry.confirmed_by),
        "confirmed_at": entry.confirmed_at,
        "counts": [_count(c) for c in entry.counts.all()],
    }


def _return(item_return: Any, names: dict[int, str], now: datetime) -> dict[str, Any]:
    return {
        "id": item_return.pk,
        "step": item_return.step,
        "step_label": item_return.step_label,
        "problem": item_return.problem,
        "returned_by": ref(item_return.returned_by),
        "returned_at": item_return.returned_at,
        "lines": [
            {
                "item_id": line.item_id,
                "item": names.get(line.item_id, ""),
                "packages": line.packages,
                "pieces": line.pieces,
            }
            for line in item_return.lines.all()
        ],
        "feedback_due_at": item_return.feedback_due_at,
        "feedback": item_return.feedback,
        "suggestion": item_return.suggestion,
        "recipient": item_return.recipient,
        "feedback_by": ref(item_return.feedback_by),
        "feedback_at": item_return.feedback_at,
        "feedback_late": item_return.feedback_late,
        "feedback_overdue": item_return.feedback_overdue(now),
    }


def batch_detail(batch: Batch, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    shown = PhoneShown(user)
    state = services.BatchState.of(batch)
    remaining = state.remaining()
    names = {item.pk: item.name for item in state.items}
    row = batch_row(batch)
    row["is_overdue"] = any(r.feedback_overdue(now) for r in state.returns)
    row["items"] = [
        {
            **item,
            "remaining": dict(zip(("packages", "pieces"), remaining.get(item["id"], (0, 0)), strict=True)),
        }
        for item in row["items"]
    ]
    return {
        **row,
        "method_other": batch.method_other,
        "note": batch.note,
        "steps": [
            {
                "code": step.step.code,
                "label": step.step.label,
                "double_check": step.step.double_check,
                "state": step.state,
                "signature": _entry(step.signature),
                "corrections": [_entry(c) for c in step.corrections],
                "has_discrepancy": step.has_discrepancy,
            }
            for step in selectors.steps_shown(state)
        ],
        "returns": [_return(r, names, now) for r in state.returns],
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "actor": e.actor_label,
                "changes": shown.in_value(e.changes or {}),
                "reason": e.reason,
            }
            for e in selectors.timeline_of(batch)
        ],
        "allowed_actions": [a.value for a in services.allowed_actions(user, batch)],
    }


def _detail(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    user = caller(request)
    return batch_detail(selectors.batch_get(user=user, pk=batch_id), user)


def list_arguments(filters: BatchQuery) -> dict[str, Any]:
    """The list's filters as ``selectors.batches_list`` arguments (422 naming a wrong one)."""
    errors = FieldErrors()
    if filters.received_from and filters.received_to and filters.received_to < filters.received_from:
        errors.add("received_to", _("must not be before received_from"))
    errors.raise_if_any()
    return {
        "is_open": None if filters.status is None else filters.status == "open",
        "step": filters.step,
        "department_id": filters.department,
        "received_from": filters.received_from,
        "received_to": filters.received_to,
        "overdue": filters.overdue,
        "q": filters.q,
    }


def _counts(rows: list[BatchCountIn], field: str) -> dict[int, Counts]:
    """Counts by item id; an item twice is a 422 on its second row."""
    errors = FieldErrors()
    counts: dict[int, Counts] = {}
    for index, row in enumerate(rows):
        if row.item_id in counts:
            errors.add(f"{field}[{index}].item_id", _("this item is counted twice"))
        counts[row.item_id] = (row.packages, row.pieces)
    errors.raise_if_any()
    return counts


@router.get("", response=BatchPage, summary="List batches (filters, paging)")
def list_batches(request: HttpRequest, filters: Query[BatchFilters]) -> dict[str, Any]:
    """Newest first. ``count`` is exact up to 1,000 (or to the end of the page asked for)."""
    user = caller(request)
    batches = selectors.batches_list(user=user, **list_arguments(filters))
    page = page_rows(batches, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(batches, offset=filters.offset, limit=filters.limit)
    return {"items": [batch_row(b) for b in page], "count": count, "count_exact": exact}


@router.get(
    "/export.xlsx",
    response={200: None, 202: ExportOut},
    summary="Export the batch register to Excel (the list's filters; one row per item)",
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def export_batches(request: HttpRequest, filters: Query[BatchQuery]) -> Any:
    """Up to the export engine's limit the answer is the file (200); beyond, 202 with a background
    export to poll."""
    user = caller(request)
    parameters = as_parameters(list_arguments(filters))
    outcome = export_services.request_export(user=user, kind=BATCH_REGISTER.kind, parameters=parameters)
    if outcome.export is not None:
        return HttpStatus(202, export_out(outcome.export))
    assert outcome.content is not None
    return file_response(outcome.content, outcome.filename, export_services.XLSX_TYPE)


@router.get(
    "/trace", response=BatchTraceOut, summary="Trace items: every matching batch, each item end to end"
)
def trace(request: HttpRequest, filters: Query[BatchTraceQuery]) -> dict[str, Any]:
    """Batches whose number, unit or an item's name contains every word of ``q`` (newest first, at
    most ``limit``), each item through every step: who signed and checked it when, the count at each
    step (after corrections, and the one first signed), its returns and their written feedback."""
    user = caller(request)
    if filters.received_from and filters.received_to and filters.received_to < filters.received_from:
        errors = FieldErrors()
        errors.add("received_to", _("must not be before received_from"))
        errors.raise_if_any()
    result = selectors.trace(
        user=user,
        q=filters.q,
        limit=filters.limit,
        received_from=filters.received_from,
        received_to=filters.received_to,
    )
    now = timezone.now()
    return {
        "q": result.q,
        "more": result.more,
        "batches": [
            {
                "id": t.batch.pk,
                "number": t.batch.number,
                "unit_name": t.batch.unit_name,
                "received_on": t.batch.received_on,
                "method_label": t.batch.method_shown(),
                "destination": t.batch.destination,
                "department": ref(t.batch.department),
                "status": t.batch.status,
                "status_label": status_shown(t.batch),
                "closed_at": t.batch.closed_at,
                "retain_until": t.batch.retain_until,
                "items": [
                    {
                        "id": item.item.pk,
                        "name": item.item.name,
                        "packages": item.item.packages,
                        "pieces": item.item.pieces,
                        "steps": [
                            {
                                "code": s.step.step.code,
                                "label": s.step.step.label,
                                "state": s.step.state,
                                "signed_by": ref(s.step.signature.signed_by) if s.step.signature else None,
                                "signed_at": s.step.signature.signed_at if s.step.signature else None,
                                "confirmed_by": ref(s.step.signature.confirmed_by)
                                if s.step.signature
                                else None,
                                "confirmed_at": s.step.signature.confirmed_at if s.step.signature else None,
                                "count": _count(s.count),
                                "corrected": bool(s.step.corrections),
                                "first_count": _count(s.first_count),
                            }
                            for s in item.steps
                        ],
                        "returns": [
                            {
                                "return_id": r.item_return.pk,
                                "step_label": r.item_return.step_label,
                                "packages": r.line.packages,
                                "pieces": r.line.pieces,
                                "problem": r.item_return.problem,
                                "returned_by": ref(r.item_return.returned_by),
                                "returned_at": r.item_return.returned_at,
                                "feedback_due_at": r.item_return.feedback_due_at,
                                "feedback": r.item_return.feedback,
                                "suggestion": r.item_return.suggestion,
                                "feedback_by": ref(r.item_return.feedback_by),
                                "feedback_at": r.item_return.feedback_at,
                                "feedback_late": r.item_return.feedback_late,
                                "feedback_overdue": r.item_return.feedback_overdue(now),
                            }
                            for r in item.returns
                        ],
                    }
                    for item in t.items
                ],
            }
            for t in result.batches
        ],
    }


@router.post("", response={201: BatchOut}, summary="Register a batch handed over by a customer unit")
def create_batch(request: HttpRequest, payload: BatchIn) -> HttpStatus[dict[str, Any]]:
    user = caller(request)
    errors = FieldErrors()
    department = user.department
    if payload.department_id is not None:
        department = (
            visibility.departments_for_user(user).filter(pk=payload.department_id, is_active=True).first()
        )
        if department is None:
            errors.add("department_id", _("no such department"))
        elif not works_in(user, department):
            errors.add("department_id", _("you do not work in this department"))
    customer = None
    if payload.customer_id is not None:
        customer = visibility.customers_for_user(user).filter(pk=payload.customer_id).first()
        if customer is None:
            errors.add("customer_id", _("no such customer unit"))
    errors.raise_if_any()
    assert user.organisation is not None
    batch = services.batch_register(
        organisation=user.organisation,
        by=user,
        department=department,
        customer=customer,
        unit_name=payload.unit_name,
        received_on=payload.received_on,
        items=[services.ItemInput(i.name, i.packages, i.pieces) for i in payload.items],
        method=payload.method,
        method_other=payload.method_other,
        destination=payload.destination,
        note=payload.note,
    )
    return HttpStatus(201, _detail(request, batch.pk))


@router.get(
    "/{batch_id}", response=BatchOut, summary="One batch with its steps, counts, returns and timeline"
)
def get_batch(request: HttpRequest, batch_id: VisibleBatchId) -> dict[str, Any]:
    user, batch = _visible(request, batch_id)
    return batch_detail(batch, user)


action = action_route(router, kind="batch", parameter="batch_id", response=BatchOut)


@action(Action.SIGN, "Sign the next step with the count of every item")
def sign(request: HttpRequest, batch_id: VisibleBatchId, payload: BatchSignIn) -> dict[str, Any]:
    user, batch = _visible(request, batch_id)
    services.batch_sign(
        batch=batch, by=user, step=payload.step, counts=_counts(payload.counts, "counts"), note=payload.note
    )
    return _detail(request, batch_id)


@action(Action.CONFIRM, "Confirm a double-check step as the second person (not the one who signed it)")
def confirm(request: HttpRequest, batch_id: VisibleBatchId, payload: BatchConfirmIn) -> dict[str, Any]:
    user, batch = _visible(request, batch_id)
    services.batch_confirm(batch=batch, by=user, step=payload.step, note=payload.note)
    return _detail(request, batch_id)


@action(Action.CORRECT, "Correct a signed step's counts (a new entry with its reason)")
def correct(request: HttpRequest, batch_id: VisibleBatchId, payload: BatchCorrectIn) -> dict[str, Any]:
    user, batch = _visible(request, batch_id)
    services.batch_correct(
        batch=batch,
        by=user,
        step=payload.step,
        counts=_counts(payload.counts, "counts"),
        reason=payload.reason,
    )
    return _detail(request, batch_id)


@action(Action.RETURN, "Return items as nonconforming, with the problem (written feedback falls due)")
def return_items(request: HttpRequest, batch_id: VisibleBatchId, payload: BatchReturnIn) -> dict[str, Any]:
    user, batch = _visible(request, batch_id)
    services.batch_return(
        batch=batch, by=user, lines=_counts(payload.lines, "lines"), problem=payload.problem
    )
    return _detail(request, batch_id)


@action(Action.FEEDBACK, "Record the written feedback to the unit on returned items, with the advice")
def feedback(request: HttpRequest, batch_id: VisibleBatchId, payload: BatchFeedbackIn) -> dict[str, Any]:
    user, batch = _visible(request, batch_id)
    services.batch_feedback(
        batch=batch,
        by=user,
        return_id=payload.return_id,
        feedback=payload.feedback,
        suggestion=payload.suggestion,
        recipient=payload.recipient,
    )
    return _detail(request, batch_id)
