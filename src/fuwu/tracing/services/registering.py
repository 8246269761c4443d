"""Registering a batch at the counter (登记): the unit, its items with their counts, the method,
where it goes back to, and the department handling it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.customers.models import Customer, CustomerKind
from fuwu.lib.errors import FieldErrors, PermissionDeniedError
from fuwu.lib.inputs import MIN_DAY, REASON_LENGTH, choice, optional_text, required_text
from fuwu.numbering.services import next_number, numbering_for
from fuwu.org.models import Department, Organisation, User
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import policy_and_calendar_for

from .. import rules
from ..models import (
    DESTINATION_LENGTH,
    ITEM_NAME_LENGTH,
    MAX_ITEMS,
    MAX_PACKAGES,
    MAX_PIECES,
    METHOD_OTHER_LENGTH,
    REGISTERED,
    UNIT_LENGTH,
    Batch,
    BatchItem,
    Method,
)
from ..permissions import may_register, works_in


@dataclass(frozen=True)
class ItemInput:
    """One kind of item handed over: its name, packages (包数, 0 for loose pieces) and pieces (件数)."""

    name: str
    packages: Any
    pieces: Any


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def clean_items(items: Sequence[ItemInput], errors: FieldErrors) -> list[ItemInput]:
    if not items:
        errors.add("items", _("at least one item"))
        return []
    if len(items) > MAX_ITEMS:
        errors.add("items", _("at most %(n)s items") % {"n": MAX_ITEMS})
        return []
    cleaned = []
    for index, item in enumerate(items):
        name = required_text(item.name, f"items[{index}].name", errors, ITEM_NAME_LENGTH)
        packages, pieces = _whole(item.packages), _whole(item.pieces)
        if packages is None or not 0 <= packages <= MAX_PACKAGES:
            errors.add(
                f"items[{index}].packages", _("packages must be between 0 and %(n)s") % {"n": MAX_PACKAGES}
            )
        if pieces is None or not 1 <= pieces <= MAX_PIECES:
            errors.add(f"items[{index}].pieces", _("pieces must be between 1 and %(n)s") % {"n": MAX_PIECES})
        cleaned.append(ItemInput(name=name, packages=packages, pieces=pieces))
    return cleaned


@transaction.atomic
def batch_register(
    *,
    organisation: Organisation,
    by: User,
    department: Department | None,
    items: Sequence[ItemInput],
    method: str,
    destination: str,
    unit_name: str = "",
    customer: Customer | None = None,
    method_other: str = "",
    received_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Batch:
    """Register a batch handed over by a customer unit. ``customer``: the unit as a customer of
    kind organisation (the caller found it within ``by``'s visibility), its name the unit's unless
    ``unit_name`` says otherwise; without one, ``unit_name`` as typed. The first step of the
    policy's ``tracing.steps`` is then the one to sign."""
    if not may_register(by) or by.organisation_id != organisation.pk:
        raise PermissionDeniedError(_("Only members of staff of a department register batches."))
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    errors = FieldErrors()
    if department is None:
        errors.add("department_id", _("is required"))
    elif department.organisation_id != organisation.pk or not department.is_active:
        errors.add("department_id", _("no such department"))
    elif not works_in(by, department):
        errors.add("department_id", _("you do not work in this department"))
    if customer is not None and (
        customer.organisation_id != organisation.pk or customer.kind != CustomerKind.ORGANISATION
    ):
        errors.add("customer_id", _("no such customer unit"))
        customer = None
    unit_name = required_text(
        unit_name or (customer.name if customer is not None else ""), "unit_name", errors, UNIT_LENGTH
    )
    received_on = received_on or today
    if not MIN_DAY <= received_on <= today:
        errors.add("received_on", _("must be today or a day before"))
    cleaned = clean_items(items, errors)
    method = choice(method, Method, "method", errors)
    if method == Method.OTHER:
        method_other = required_text(method_other, "method_other", errors, METHOD_OTHER_LENGTH)
    else:
        method_other = ""
    destination = required_text(destination, "destination", errors, DESTINATION_LENGTH)
    note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    assert department is not None
    version_id, policy, _calendar = policy_and_calendar_for(organisation)
    first = rules.steps_of(policy)[0]
    batch = Batch.objects.create(
        organisation=organisation,
        number=next_number(
            organisation_id=organisation.pk,
            kind="batch",
            numbering=numbering_for(organisation, policy.numbering, "batch"),
            on=today,
        ),
        policy_version_id=version_id,
        department=department,
        customer=customer,
        unit_name=unit_name,
        received_on=received_on,
        method=method,
        method_other=method_other,
        destination=destination,
        note=note,
        status=REGISTERED,
        next_step=first.code,
        next_step_label=first.label,
        registered_by=by,
        registered_at=now,
    )
    BatchItem.objects.bulk_create(
        [
            BatchItem(batch=batch, position=index, name=item.name, packages=item.packages, pieces=item.pieces)
            for index, item in enumerate(cleaned)
        ]
    )
    record_event(
        subject=batch,
        action="batch.registered",
        actor=by,
        at=now,
        organisation=organisation,
        first=True,
        changes={
            "unit": {"after": unit_name},
            "received_on": {"after": received_on},
            "items": {
                "after": [{"item": i.name, "packages": i.packages, "pieces": i.pieces} for i in cleaned]
            },
            "method": {"after": method},
            "method_other": {"after": method_other or None},
            "destination": {"after": destination},
            "department": {"after": {"id": department.pk, "label": department.name}},
        },
        reason=note,
    )
    return batch
