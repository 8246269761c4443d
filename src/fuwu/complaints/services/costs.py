"""Costs of handling a complaint (repair, parts, freight, travel, compensation): recorded, verified
by finance (``complaints.cost_verifier_role``) and allocated to the department that bears them —
the responsible department, else the handling one; finance may allocate elsewhere (003 6:
公司财务部负责审核售后服务工作发生费用及落实摊销部门)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.lib.errors import ConflictError, FieldErrors
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Department, User

from ..models import MAX_AMOUNT, Complaint, ComplaintCost, CostKind, CostStatus
from ..rules import Action
from .context import Context, _begin, _event, _optional_text, _required_text

CENT = Decimal("0.01")
DESCRIPTION_LENGTH = 200  # ComplaintCost.description


def parse_amount(value: Any, field: str, errors: FieldErrors, *, zero: bool = False) -> Decimal | None:
    """A sum of money in yuan: more than 0 (or 0 itself when ``zero``), at most ``MAX_AMOUNT``, at
    most two decimals."""
    if isinstance(value, bool) or value is None or value == "":
        errors.add(field, _("is required"))
        return None
    try:
        amount = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        errors.add(field, _("must be an amount such as 120.50"))
        return None
    if not amount.is_finite():
        errors.add(field, _("must be an amount such as 120.50"))
        return None
    if amount < 0 or (amount == 0 and not zero):
        if zero:
            errors.add(field, _("must be %(limit)s or more") % {"limit": 0})
        else:
            errors.add(field, _("must be greater than %(limit)s") % {"limit": 0})
        return None
    if amount > MAX_AMOUNT:
        errors.add(field, _("must be at most %(limit)s") % {"limit": f"{MAX_AMOUNT:,}"})
        return None
    if amount != amount.quantize(CENT):
        errors.add(field, _("must have at most two decimals"))
        return None
    return amount.quantize(CENT)


def _department(organisation_id: int, department_id: Any, errors: FieldErrors) -> Department | None:
    if department_id is None:
        return None
    if isinstance(department_id, bool) or not isinstance(department_id, int):
        errors.add("department_id", _("no such department"))
        return None
    found = Department.objects.filter(pk=department_id, organisation_id=organisation_id).first()
    if found is None:
        errors.add("department_id", _("no such department"))
    return found


def _tell_verifiers(ctx: Context, cost: ComplaintCost) -> None:
    c = ctx.complaint
    verifiers = User.objects.filter(organisation_id=c.organisation_id, is_active=True).filter(
        User.role_q(ctx.policy.complaints.cost_verifier_role)
    )
    notify(
        [p for p in verifiers if ctx.by is None or p.pk != ctx.by.pk],
        kind=NotificationKind.APPROVAL_REQUESTED,
        subject=c,
        title=_("%(number)s: a cost of %(amount)s yuan waits for verification")
        % {"number": c.number, "amount": cost.amount},
        body=cost.description,
        now=ctx.now,
    )


@transaction.atomic
def complaint_add_cost(
    complaint: Complaint,
    *,
    by: User,
    kind: str,
    amount: Decimal | str | int | float | None,
    description: str = "",
    department_id: int | None = None,
    now: datetime | None = None,
) -> ComplaintCost:
    """A cost line, allocated to ``department_id`` or, by default, the responsible department, else
    the handling one. It waits for finance's verification."""
    errors = FieldErrors()
    if kind not in CostKind.values:
        errors.add("kind", _("must be one of %(choices)s") % {"choices": ", ".join(CostKind.values)})
    value = parse_amount(amount, "amount", errors)
    description = _optional_text(description, "description", errors, limit=DESCRIPTION_LENGTH)
    errors.raise_if_any()
    ctx = _begin(complaint, Action.ADD_COST, by, now)
    c = ctx.complaint
    department = _department(c.organisation_id, department_id, errors)
    errors.raise_if_any()
    if department is None:
        department = c.responsible_department or c.department or c.intake_department
    assert value is not None
    cost = ComplaintCost.objects.create(
        complaint=c,
        kind=kind,
        description=description,
        amount=value,
        department=department,
        recorded_by=by,
        recorded_at=ctx.now,
    )
    _event(
        ctx,
        "complaint.cost_added",
        {
            "cost": {
                "after": {
                    "id": cost.pk,
                    "kind": kind,
                    "amount": str(value),
                    "department": department.name if department else None,
                }
            }
        },
        description,
    )
    _tell_verifiers(ctx, cost)
    return cost


@transaction.atomic
def complaint_verify_cost(
    cost: ComplaintCost,
    *,
    by: User,
    approved: bool,
    department_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ComplaintCost:
    """Finance verifies (and allocates, to ``department_id`` or as recorded) or rejects a cost line
    (a note says why)."""
    errors = FieldErrors()
    note = (_optional_text if approved else _required_text)(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(cost.complaint, Action.VERIFY_COST, by, now)
    c = ctx.complaint
    locked = ComplaintCost.objects.select_for_update().filter(pk=cost.pk, complaint=c).first()
    if locked is None:
        errors.add("cost_id", _("no such cost of this complaint"))
        errors.raise_if_any()
    assert locked is not None
    if locked.status != CostStatus.RECORDED:
        raise ConflictError(
            _("This cost was already %(status)s; nothing was changed.")
            % {"status": locked.get_status_display()},
            extra={"status": locked.status},
        )
    department = _department(c.organisation_id, department_id, errors)
    if approved and department is None and locked.department_id is None:
        errors.add("department_id", _("is required: the department that bears the cost"))
    if not approved and department is not None:
        errors.add("department_id", _("only a verified cost is allocated"))
    errors.raise_if_any()
    before_department = locked.department
    changes: dict[str, Any] = {"cost": {"after": {"id": locked.pk, "amount": str(locked.amount)}}}
    if approved:
        locked.status = CostStatus.VERIFIED
        if department is not None and department.pk != locked.department_id:
            changes["allocated_to"] = {
                "before": before_department.name if before_department else None,
                "after": department.name,
            }
            locked.department = department
    else:
        locked.status = CostStatus.REJECTED
    changes["cost_status"] = {"before": CostStatus.RECORDED, "after": str(locked.status)}
    locked.verified_by, locked.verified_at, locked.verification_note = by, ctx.now, note
    locked.save(update_fields=["status", "department", "verified_by", "verified_at", "verification_note"])
    _event(ctx, "complaint.cost_verified" if approved else "complaint.cost_rejected", changes, note)
    return locked
