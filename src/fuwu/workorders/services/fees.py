"""Fees: recorded, collected, and the paid-service decision."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.approvals.models import ApprovalStatus
from fuwu.approvals.registry import Decision
from fuwu.catalogue.models import FeeItem
from fuwu.lib.errors import FieldErrors
from fuwu.lib.inputs import decimal_fits, decimal_limit
from fuwu.org.models import User
from fuwu.policy.schema import PolicyDocument

from ..models import ApprovalKind, FeeLine, WorkOrder
from ..rules import Action
from .context import Context, _begin, _event, _save
from .red_light import _pending, _tell_requester


def _paid_service_approved(wo: WorkOrder, policy: PolicyDocument) -> bool:
    if not policy.approvals.paid_service_needs_approval:
        return True
    return wo.approvals.filter(kind=ApprovalKind.PAID_SERVICE, status=ApprovalStatus.APPROVED).exists()


@transaction.atomic
def work_order_record_fee(
    *,
    work_order: WorkOrder,
    by: User,
    fee_item: FeeItem | None = None,
    description: str = "",
    quantity: Decimal | str | int = 1,
    unit_price: Decimal | str | None = None,
    receipt_number: str = "",
    now: datetime | None = None,
) -> FeeLine:
    """A fee line from the service type's fee schedule (or described). Collected only with an
    invoice/receipt number, and only once a paid service is approved where the policy asks."""
    ctx = _begin(work_order, Action.RECORD_FEE, by, now)
    wo = ctx.work_order
    errors = FieldErrors()
    if not wo.is_paid:
        errors.add("fee_item_id", _("this work is free of charge (in warranty or not a paid service)"))
    if fee_item is not None and fee_item.service_type_id != wo.service_type_id:
        errors.add("fee_item_id", _("is not on this service type's fee schedule"))
    description = (description or (fee_item.name if fee_item else "")).strip()
    if not description:
        errors.add("description", _("is required"))
    try:
        qty = Decimal(str(quantity)).quantize(Decimal("0.01"))
        if qty <= 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("quantity", _("must be greater than %(limit)s") % {"limit": 0})
        qty = Decimal(0)
    price_source = unit_price if unit_price not in (None, "") else (fee_item.price if fee_item else None)
    try:
        price = Decimal(str(price_source)).quantize(Decimal("0.01"))
        if price < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("unit_price", _("must be an amount of 0 or more, e.g. 50.00"))
        price = Decimal(0)
    # Each value, and the amount derived from them, must fit its column: SQLite would store an
    # amount of 10¹⁶ and every page showing the work order would then fail to read it back.
    amount = (qty * price).quantize(Decimal("0.01"))
    for field, value in (("quantity", qty), ("unit_price", price)):
        if not decimal_fits(FeeLine, field, value):
            errors.add(field, _("must be below %(limit)s") % {"limit": decimal_limit(FeeLine, field)})
    if not errors and not decimal_fits(FeeLine, "amount", amount):
        errors.add(
            "unit_price",
            _("the amount (quantity × unit price) must be below %(limit)s")
            % {"limit": decimal_limit(FeeLine, "amount")},
        )
    receipt_number = (receipt_number or "").strip()
    if receipt_number and not _paid_service_approved(wo, ctx.policy):
        errors.add("receipt_number", _("the paid service is not approved yet; nothing may be collected"))
    errors.raise_if_any()
    line = FeeLine.objects.create(
        work_order=wo,
        fee_item=fee_item,
        description=description,
        quantity=qty,
        unit_price=price,
        amount=amount,
        is_collected=bool(receipt_number),
        receipt_number=receipt_number,
        collected_at=ctx.now if receipt_number else None,
        collected_by=by if receipt_number else None,
        recorded_by=by,
        recorded_at=ctx.now,
    )
    _event(
        ctx,
        "work_order.fee_recorded",
        {
            "fee": {
                "after": {
                    "item": description,
                    "amount": line.amount,
                    "receipt_number": receipt_number or None,
                }
            }
        },
    )
    return line


@transaction.atomic
def work_order_collect_fee(
    *, work_order: WorkOrder, by: User, fee_line_id: int, receipt_number: str, now: datetime | None = None
) -> FeeLine:
    """Mark a fee collected: only with the invoice/receipt number (no private collection)."""
    ctx = _begin(work_order, Action.COLLECT_FEE, by, now)
    wo = ctx.work_order
    errors = FieldErrors()
    line = wo.fees.filter(pk=fee_line_id, is_collected=False).first()
    if line is None:
        errors.add("fee_line_id", _("no uncollected fee line with this id"))
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        errors.add("receipt_number", _("a fee is only collected with an invoice or receipt number"))
    elif not _paid_service_approved(wo, ctx.policy):
        errors.add("receipt_number", _("the paid service is not approved yet; nothing may be collected"))
    errors.raise_if_any()
    assert line is not None
    line.is_collected, line.receipt_number, line.collected_at, line.collected_by = (
        True,
        receipt_number,
        ctx.now,
        by,
    )
    line.save(update_fields=["is_collected", "receipt_number", "collected_at", "collected_by"])
    _event(
        ctx,
        "work_order.fee_collected",
        {
            "fee": {
                "after": {"item": line.description, "amount": line.amount, "receipt_number": receipt_number}
            }
        },
    )
    return line


@transaction.atomic
def work_order_decide_paid_service(
    *, work_order: WorkOrder, by: User, approve: bool, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """Decided through the approvals engine, which calls ``apply_paid_service_decision``."""
    action = Action.APPROVE_PAID_SERVICE if approve else Action.DENY_PAID_SERVICE
    request = _pending(work_order, action, by, now, ApprovalKind.PAID_SERVICE)
    return approvals.decide(request, by=by, approved=approve, note=note, now=now)


def apply_paid_service_decision(decision: Decision) -> WorkOrder:
    """The approvals engine's handler for a paid service decided: approved, the fees may be
    collected; denied, the work is free and the fees not collected are dropped."""
    ctx: Context = decision.context
    approve, note = decision.approved, decision.note
    _tell_requester(ctx, decision.approval)
    changes: dict[str, Any] = {"paid_service": {"after": _("approved") if approve else _("denied")}}
    if not approve:  # no charge then: the fee lines not collected are dropped
        dropped = list(ctx.work_order.fees.filter(is_collected=False).values_list("description", flat=True))
        ctx.work_order.fees.filter(is_collected=False).delete()
        ctx.work_order.is_paid = False
        _save(ctx.work_order, "is_paid")
        changes["fees_dropped"] = {"after": dropped}
    _event(ctx, "work_order.paid_service_" + ("approved" if approve else "denied"), changes, note)
    return ctx.work_order
