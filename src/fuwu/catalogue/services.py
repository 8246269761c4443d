"""Business actions on the service catalogue (administrators only). One timeline event each.

``materials`` and ``fee_items`` are lists of mappings with the model's field names; on update a
given list replaces the whole list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.lib.errors import FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.org.models import Department, Organisation, User
from fuwu.policy.selectors import sla_class_names
from fuwu.timeline.services import field_changes, record_event, snapshot

from .models import FeeItem, MaterialItem, ServiceCategory, ServiceType

CODE = re.compile(r"[-a-zA-Z0-9_]+")
FIELDS = [
    "code",
    "name",
    "category",
    "default_department",
    "sla_class",
    "description",
    "asks_running_hours",
    "asks_mileage",
    "is_active",
]


def _require_administrator(by: User | None, organisation_id: int) -> None:
    if by is None:
        return
    if not visibility.can_manage_organisation(by) or by.organisation_id != organisation_id:
        raise PermissionDeniedError(_("Only administrators change the service catalogue."))


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _check(
    values: Mapping[str, Any],
    errors: FieldErrors,
    *,
    organisation: Organisation,
    service_type: ServiceType | None,
) -> None:
    if "code" in values:
        code = _text(values["code"])
        if not code:
            errors.add("code", _("is required"))
        elif len(code) > 40 or not CODE.fullmatch(code):
            errors.add("code", _("use at most 40 letters, digits, - or _"))
        elif (
            ServiceType.objects.filter(organisation=organisation, code=code)
            .exclude(pk=service_type.pk if service_type else 0)
            .exists()
        ):
            errors.add("code", _("is already used by another service type"))
    if "name" in values:
        name = _text(values["name"])
        if not name:
            errors.add("name", _("is required"))
        elif len(name) > 100:
            errors.add("name", _("must have at most %(n)s characters") % {"n": 100})
    if "category" in values and values["category"] not in ServiceCategory.values:
        errors.add(
            "category", _("must be one of %(choices)s") % {"choices": ", ".join(ServiceCategory.values)}
        )
    if "sla_class" in values:
        names = sla_class_names(organisation)
        if _text(values["sla_class"]) not in names:
            errors.add(
                "sla_class",
                _("must be an SLA class of the policy: %(names)s") % {"names": ", ".join(sorted(names))},
            )
    if "default_department" in values:
        department = values["default_department"]
        if department is not None and (
            not isinstance(department, Department) or department.organisation_id != organisation.pk
        ):
            errors.add("default_department", _("belongs to another organisation"))


def _clean_materials(items: Iterable[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    cleaned = []
    for index, item in enumerate(items):
        name = _text(item.get("name"))
        if not name:
            errors.add(f"materials[{index}].name", _("is required"))
        elif len(name) > 200:
            errors.add(f"materials[{index}].name", _("must have at most %(n)s characters") % {"n": 200})
        cleaned.append({"name": name, "is_required": bool(item.get("is_required", True)), "order": index})
    return cleaned


def _clean_fee_items(items: Iterable[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    cleaned = []
    for index, item in enumerate(items):
        prefix = f"fee_items[{index}]"
        name = _text(item.get("name"))
        if not name:
            errors.add(f"{prefix}.name", _("is required"))
        try:
            price = Decimal(str(item.get("price"))).quantize(Decimal("0.01"))
            if price < 0 or price >= Decimal("100000000"):
                raise InvalidOperation
        except (InvalidOperation, ValueError, TypeError):
            errors.add(f"{prefix}.price", _("must be an amount of 0 or more, e.g. 50.00"))
            price = Decimal(0)
        unit, note = _text(item.get("unit")), _text(item.get("note"))
        if len(unit) > 30:
            errors.add(f"{prefix}.unit", _("must have at most %(n)s characters") % {"n": 30})
        if len(note) > 200:
            errors.add(f"{prefix}.note", _("must have at most %(n)s characters") % {"n": 200})
        cleaned.append({"name": name, "unit": unit, "price": price, "note": note})
    return cleaned


def _materials_summary(service_type: ServiceType) -> list[str]:
    return [
        f"{m.name}{'' if m.is_required else ' (' + _('optional') + ')'}"
        for m in MaterialItem.objects.filter(service_type=service_type)
    ]


def _fees_summary(service_type: ServiceType) -> list[str]:
    return [str(f) for f in FeeItem.objects.filter(service_type=service_type)]


def _replace_lists(
    service_type: ServiceType, materials: list[dict[str, Any]] | None, fee_items: list[dict[str, Any]] | None
) -> None:
    if materials is not None:
        MaterialItem.objects.filter(service_type=service_type).delete()
        MaterialItem.objects.bulk_create([MaterialItem(service_type=service_type, **m) for m in materials])
    if fee_items is not None:
        _replace_fee_items(service_type, fee_items)


def _replace_fee_items(service_type: ServiceType, fee_items: list[dict[str, Any]]) -> None:
    """The fee schedule becomes ``fee_items``. An item that work orders have charged keeps its row
    (the fee lines point at it) and is changed in place when the new schedule names it; removing it
    is refused, so that recorded fees never lose the item they were charged by."""
    from fuwu.workorders.models import FeeLine

    existing = {item.name: item for item in FeeItem.objects.filter(service_type=service_type)}
    wanted = {item["name"]: item for item in fee_items}
    charged = set(
        FeeLine.objects.filter(fee_item__in=list(existing.values())).values_list("fee_item__name", flat=True)
    )
    kept = [name for name in existing if name not in wanted and name in charged]
    if kept:
        raise ValidationFailed.field(
            "fee_items",
            _("%(items)s cannot be removed: work orders were charged by it") % {"items": "、".join(kept)},
        )
    for name, item in existing.items():
        if name in wanted:
            for key, value in wanted[name].items():
                setattr(item, key, value)
            item.save()
        else:
            item.delete()
    FeeItem.objects.bulk_create(
        [FeeItem(service_type=service_type, **f) for name, f in wanted.items() if name not in existing]
    )


@transaction.atomic
def service_type_create(
    *,
    organisation: Organisation,
    by: User | None,
    code: str,
    name: str,
    category: str,
    sla_class: str,
    default_department: Department | None = None,
    description: str = "",
    is_active: bool = True,
    asks_running_hours: bool = False,
    asks_mileage: bool = False,
    materials: Sequence[Mapping[str, Any]] = (),
    fee_items: Sequence[Mapping[str, Any]] = (),
) -> ServiceType:
    _require_administrator(by, organisation.pk)
    values = {
        "code": code,
        "name": name,
        "category": category,
        "sla_class": sla_class,
        "default_department": default_department,
    }
    errors = FieldErrors()
    _check(values, errors, organisation=organisation, service_type=None)
    clean_materials = _clean_materials(materials, errors)
    clean_fees = _clean_fee_items(fee_items, errors)
    errors.raise_if_any()
    service_type = ServiceType.objects.create(
        organisation=organisation,
        code=_text(code),
        name=_text(name),
        category=category,
        sla_class=_text(sla_class),
        default_department=default_department,
        description=_text(description),
        is_active=is_active,
        asks_running_hours=asks_running_hours,
        asks_mileage=asks_mileage,
    )
    _replace_lists(service_type, clean_materials, clean_fees)
    record_event(
        subject=service_type,
        action="service_type.created",
        actor=by,
        changes={
            **{key: {"after": getattr(service_type, key)} for key in FIELDS},
            "materials": {"after": _materials_summary(service_type)},
            "fee_items": {"after": _fees_summary(service_type)},
        },
    )
    return service_type


@transaction.atomic
def service_type_update(
    *, service_type: ServiceType, by: User | None, reason: str = "", **values: Any
) -> ServiceType:
    """Change any of the fields of ``FIELDS`` and the ``materials`` / ``fee_items`` lists."""
    organisation = service_type.organisation
    _require_administrator(by, organisation.pk)
    errors = FieldErrors()
    for key in sorted(set(values) - {*FIELDS, "materials", "fee_items"}):
        errors.add(key, _("cannot be changed here"))
    _check(values, errors, organisation=organisation, service_type=service_type)
    materials = _clean_materials(values["materials"], errors) if values.get("materials") is not None else None
    fee_items = _clean_fee_items(values["fee_items"], errors) if values.get("fee_items") is not None else None
    errors.raise_if_any()

    before = snapshot(service_type, FIELDS)
    before_materials, before_fees = _materials_summary(service_type), _fees_summary(service_type)
    for key in FIELDS:
        if key in values:
            value = values[key]
            setattr(service_type, key, value.strip() if isinstance(value, str) else value)
    changes = field_changes(service_type, before, FIELDS)
    _replace_lists(service_type, materials, fee_items)
    if materials is not None and (after := _materials_summary(service_type)) != before_materials:
        changes["materials"] = {"before": before_materials, "after": after}
    if fee_items is not None and (after := _fees_summary(service_type)) != before_fees:
        changes["fee_items"] = {"before": before_fees, "after": after}
    if not changes:
        return service_type
    service_type.save(update_fields=[*FIELDS, "updated_at"])
    record_event(
        subject=service_type, action="service_type.updated", actor=by, changes=changes, reason=reason
    )
    return service_type
