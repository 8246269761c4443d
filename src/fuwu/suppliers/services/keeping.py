"""Registering a supplier (after its selection and contract, 000: 供方选择 → 合同), changing its
details, and deactivating it when the work ends: one transaction and one timeline event each.

Who: the quality role, directors, administrators, and the head of the managing department for
its own suppliers (``permissions``). A supplier starts qualified (it was selected); from then on
its standing follows its evaluations (``standing``)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import ConflictError, FieldErrors, PermissionDeniedError
from fuwu.lib.inputs import MAX_DAY, MIN_DAY, REASON_LENGTH, optional_text, required_text
from fuwu.org.models import Department, Organisation, User
from fuwu.timeline.services import field_changes, snapshot

from ..models import (
    CODE_LENGTH,
    CONTACT_LENGTH,
    NAME_LENGTH,
    PHONE_LENGTH,
    SERVICES_LENGTH,
    Standing,
    Supplier,
)
from ..permissions import keeps_all, may_keep_for, may_manage, may_register
from .context import event, locked, ref

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# A company's number as people write it: 0571-88886666, 400-820-8820, +86 138 0000 0000, (021) 6…
PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{2,29}$")
TEXT_FIELDS = {
    "name": NAME_LENGTH,
    "services": SERVICES_LENGTH,
    "contact_name": CONTACT_LENGTH,
}
EDITABLE = (
    "code",
    "name",
    "department",
    "services",
    "contact_name",
    "phone",
    "contract_starts_on",
    "contract_ends_on",
)


def _code(value: Any, errors: FieldErrors) -> str:
    code = required_text(value if isinstance(value, str) else None, "code", errors, CODE_LENGTH)
    if code and "code" not in errors.fields and not CODE.match(code):
        errors.add("code", _("use lower-case letters, digits, - and _"))
    return code


def _phone(value: Any, errors: FieldErrors) -> str:
    phone = optional_text(value if isinstance(value, str) else None, "phone", errors, PHONE_LENGTH)
    if phone and "phone" not in errors.fields and not PHONE.match(phone):
        errors.add("phone", _("digits, spaces, +, - and brackets only (0571-88886666, 400-820-8820)"))
    return phone


def _day(value: Any, field: str, errors: FieldErrors) -> date | None:
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors.add(field, _("must be a date (YYYY-MM-DD)"))
        return None
    if not MIN_DAY <= value <= MAX_DAY:
        errors.add(field, _("must be between %(first)s and %(last)s") % {"first": MIN_DAY, "last": MAX_DAY})
        return None
    return value


def _department(value: Any, organisation_id: int, by: User, errors: FieldErrors) -> Department | None:
    if not isinstance(value, Department) or value.organisation_id != organisation_id or not value.is_active:
        errors.add("department_id", _("no such department"))
        return None
    if not may_keep_for(by, value):
        errors.add("department_id", _("you may keep the suppliers of your own department only"))
        return None
    return value


def _checked(values: dict[str, Any], organisation_id: int, by: User, errors: FieldErrors) -> dict[str, Any]:
    """``values`` (any of ``EDITABLE``) checked and cleaned; each problem under its field's name."""
    clean: dict[str, Any] = {}
    if "code" in values:
        clean["code"] = _code(values["code"], errors)
    for field, limit in TEXT_FIELDS.items():
        if field in values:
            value = values[field] if isinstance(values[field], str) else None
            if field == "contact_name":
                clean[field] = optional_text(value, field, errors, limit)
            else:
                clean[field] = required_text(value, field, errors, limit)
    if "phone" in values:
        clean["phone"] = _phone(values["phone"], errors)
    if "department" in values:
        clean["department"] = _department(values["department"], organisation_id, by, errors)
    for field in ("contract_starts_on", "contract_ends_on"):
        if field in values:
            clean[field] = _day(values[field], field, errors)
    return clean


def _contract_in_order(starts: date | None, ends: date | None, errors: FieldErrors) -> None:
    if starts is not None and ends is not None and ends < starts:
        errors.add("contract_ends_on", _("must not be before the start"))


def _code_free(organisation_id: int, code: str, errors: FieldErrors, exclude: int | None = None) -> None:
    if not code or "code" in errors.fields:
        return
    taken = Supplier.objects.filter(organisation_id=organisation_id, code=code)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        errors.add("code", _("is used by another supplier"))


@transaction.atomic
def supplier_create(
    *,
    organisation: Organisation,
    by: User,
    code: str,
    name: str,
    department: Department | None,
    services: str,
    contact_name: str = "",
    phone: str = "",
    contract_starts_on: date | None = None,
    contract_ends_on: date | None = None,
    now: datetime | None = None,
) -> Supplier:
    """A supplier selected and under contract, managed by ``department`` (whose head inspects and
    evaluates it): qualified from now."""
    if not may_register(by) or by.organisation_id != organisation.pk:
        raise PermissionDeniedError(_("Your role does not allow keeping suppliers."))
    now = now or timezone.now()
    errors = FieldErrors()
    clean = _checked(
        {
            "code": code,
            "name": name,
            "department": department,
            "services": services,
            "contact_name": contact_name,
            "phone": phone,
            "contract_starts_on": contract_starts_on,
            "contract_ends_on": contract_ends_on,
        },
        organisation.pk,
        by,
        errors,
    )
    _contract_in_order(clean["contract_starts_on"], clean["contract_ends_on"], errors)
    _code_free(organisation.pk, clean["code"], errors)
    errors.raise_if_any()
    supplier = Supplier.objects.create(
        organisation=organisation,
        **clean,
        standing=Standing.QUALIFIED,
        standing_since=now,
        created_by=by,
        created_at=now,
    )
    changes: dict[str, Any] = {
        "name": {"after": supplier.name},
        "department": {"after": ref(supplier.department)},
        "services": {"after": supplier.services},
        "standing": {"after": supplier.standing},
    }
    for field in ("contract_starts_on", "contract_ends_on"):
        if clean[field] is not None:
            changes[field] = {"after": clean[field]}
    event(supplier, by, now, "supplier.created", changes, first=True)
    return supplier


def _may_change(by: User, supplier: Supplier) -> None:
    if not may_manage(by, supplier):
        raise PermissionDeniedError(_("Your role does not allow changing this supplier."))
    if not supplier.is_active:
        raise ConflictError(
            _("%(supplier)s is no longer active.") % {"supplier": supplier.name},
            extra={"allowed_actions": [], "status": "inactive"},
        )


@transaction.atomic
def supplier_update(
    *, supplier: Supplier, by: User, reason: str = "", now: datetime | None = None, **values: Any
) -> Supplier:
    """Change any of ``code, name, department, services, contact_name, phone, contract_starts_on,
    contract_ends_on`` (a key left out is kept). Moving a supplier to another department needs
    the right to keep the suppliers of both."""
    now = now or timezone.now()
    errors = FieldErrors()
    for key in sorted(set(values) - set(EDITABLE)):
        errors.add(key, _("cannot be changed here"))
    reason = optional_text(reason, "reason", errors, REASON_LENGTH)
    row = locked(supplier)
    _may_change(by, row)
    clean = _checked(values, row.organisation_id, by, errors)
    _contract_in_order(
        clean.get("contract_starts_on", row.contract_starts_on),
        clean.get("contract_ends_on", row.contract_ends_on),
        errors,
    )
    if "code" in clean:
        _code_free(row.organisation_id, clean["code"], errors, exclude=row.pk)
    errors.raise_if_any()
    plain = [field for field in EDITABLE if field != "department"]
    before = snapshot(row, plain)
    before_department = row.department
    for field, value in clean.items():
        setattr(row, field, value)
    changes = field_changes(row, before, plain)
    if row.department.pk != before_department.pk:
        changes["department"] = {"before": ref(before_department), "after": ref(row.department)}
    if not changes:
        return row
    row.save(update_fields=[*plain, "department"])
    event(row, by, now, "supplier.updated", changes, reason)
    return row


@transaction.atomic
def supplier_deactivate(
    *, supplier: Supplier, by: User, reason: str, now: datetime | None = None
) -> Supplier:
    """The work has ended (contract over, supplier replaced): no more inspections or evaluations
    are planned for it. Its history stays."""
    now = now or timezone.now()
    errors = FieldErrors()
    reason = required_text(reason, "reason", errors, REASON_LENGTH)
    row = locked(supplier)
    _may_change(by, row)
    errors.raise_if_any()
    row.is_active = False
    row.save(update_fields=["is_active"])
    event(row, by, now, "supplier.deactivated", {"is_active": {"before": True, "after": False}}, reason)
    return row


__all__ = ["EDITABLE", "keeps_all", "supplier_create", "supplier_deactivate", "supplier_update"]
