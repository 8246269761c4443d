"""Business actions on customers. Each is one transaction with one event on the customer's timeline.

Lists given to a service (``addresses``, ``phones``, ``contacts``) are mappings with the model's
field names; on update a given list replaces the customer's whole list. Every wrong field is
reported at once, named by its path (``phones[1].number``), before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.lib.errors import FieldErrors, PermissionDeniedError
from fuwu.lib.search import search_text
from fuwu.org.models import Confidentiality, Department, Organisation, User
from fuwu.timeline.services import field_changes, record_event, snapshot

from .models import Address, Contact, Customer, CustomerKind, Phone, Product, ServiceAgreement
from .selectors import customer_find_by_phone

__all__ = [
    "agreement_add",
    "agreement_update",
    "customer_create",
    "customer_find_by_phone",
    "customer_update",
    "normalise_phone",
    "phone_add",
    "phone_problem",
    "product_add",
    "product_update",
]

MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
_SPACES = re.compile(r"\s+")


def normalise_phone(number: str) -> str:
    return _SPACES.sub("", number or "").replace("—", "-").replace("－", "-")


def phone_digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def phone_problem(number: str) -> str | None:
    """Why ``number`` is not a Chinese mobile (1[3-9] + 9 digits) or landline with area code."""
    if not number:
        return _("is required")
    if MOBILE.fullmatch(number) or LANDLINE.fullmatch(number):
        return None
    return _(
        "must be a mobile number (11 digits starting 13–19) or a landline with area code "
        "(e.g. 0571-88886666), got %(number)s"
    ) % {"number": number}


def _require_editor(by: User | None, organisation_id: int) -> None:
    """``by`` None is the system (command line, data fills)."""
    if by is None:
        return
    if not visibility.can_edit_customers(by) or by.organisation_id != organisation_id:
        raise PermissionDeniedError(_("You are not allowed to change customers."))


def _text(
    values: Mapping[str, Any],
    key: str,
    limit: int,
    errors: FieldErrors,
    field: str,
    *,
    required: bool = False,
) -> str:
    value = values.get(key)
    value = "" if value is None else str(value).strip()
    if required and not value:
        errors.add(field, _("is required"))
    elif len(value) > limit:
        errors.add(field, _("must have at most %(n)s characters") % {"n": limit})
    return value


def _check_customer_fields(
    values: Mapping[str, Any], errors: FieldErrors, *, organisation_id: int, by: User | None
) -> None:
    if "name" in values:
        _text(values, "name", 200, errors, "name", required=True)
    if "kind" in values and values["kind"] not in CustomerKind.values:
        errors.add("kind", _("must be one of %(choices)s") % {"choices": ", ".join(CustomerKind.values)})
    if "department" in values:
        department = values["department"]
        if department is not None and (
            not isinstance(department, Department) or department.organisation_id != organisation_id
        ):
            errors.add("department", _("belongs to another organisation"))
    if "confidentiality" in values:
        level = values["confidentiality"]
        if level not in Confidentiality.values:
            errors.add(
                "confidentiality",
                _("must be one of %(choices)s")
                % {"choices": ", ".join(str(v) for v in Confidentiality.values)},
            )
        elif by is not None and level > by.clearance:
            errors.add("confidentiality", _("cannot be above your own clearance"))


def _clean_addresses(items: Iterable[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, str]]:
    cleaned = []
    for index, item in enumerate(items):
        prefix = f"addresses[{index}]"
        row = {
            "building": _text(item, "building", 50, errors, f"{prefix}.building"),
            "unit": _text(item, "unit", 50, errors, f"{prefix}.unit"),
            "room": _text(item, "room", 50, errors, f"{prefix}.room"),
            "text": _text(item, "text", 300, errors, f"{prefix}.text"),
        }
        if not any(row.values()):
            errors.add(f"{prefix}.text", _("give a building and room or an address"))
        cleaned.append(row)
    return cleaned


def _clean_phones(items: Iterable[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    cleaned: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        prefix = f"phones[{index}]"
        number = normalise_phone(str(item.get("number") or ""))
        problem = phone_problem(number)
        if problem:
            errors.add(f"{prefix}.number", problem)
        elif phone_digits(number) in seen:
            errors.add(
                f"{prefix}.number",
                _("is the same as phones[%(index)s]") % {"index": seen[phone_digits(number)]},
            )
        else:
            seen[phone_digits(number)] = index
        label = _text(item, "label", 50, errors, f"{prefix}.label")
        cleaned.append({"number": number, "label": label, "is_primary": bool(item.get("is_primary"))})
    if cleaned and not any(p["is_primary"] for p in cleaned):
        cleaned[0]["is_primary"] = True
    return cleaned


def _clean_contacts(items: Iterable[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, str]]:
    cleaned = []
    for index, item in enumerate(items):
        prefix = f"contacts[{index}]"
        row = {
            "name": _text(item, "name", 100, errors, f"{prefix}.name", required=True),
            "phone": normalise_phone(str(item.get("phone") or "")),
            "relation": _text(item, "relation", 50, errors, f"{prefix}.relation"),
        }
        if row["phone"] and (problem := phone_problem(row["phone"])):
            errors.add(f"{prefix}.phone", problem)
        cleaned.append(row)
    return cleaned


def _replace_lists(
    customer: Customer,
    *,
    addresses: list[dict[str, str]] | None,
    phones: list[dict[str, Any]] | None,
    contacts: list[dict[str, str]] | None,
) -> None:
    if addresses is not None:
        Address.objects.filter(customer=customer).delete()
        Address.objects.bulk_create(
            [Address(customer=customer, order=i, **row) for i, row in enumerate(addresses)]
        )
    if phones is not None:
        Phone.objects.filter(customer=customer).delete()
        Phone.objects.bulk_create(
            [Phone(customer=customer, digits=phone_digits(row["number"]), **row) for row in phones]
        )
    if contacts is not None:
        Contact.objects.filter(customer=customer).delete()
        Contact.objects.bulk_create([Contact(customer=customer, **row) for row in contacts])


def _address_labels(customer: Customer) -> list[str]:
    return [a.label for a in Address.objects.filter(customer=customer)]


def _phone_numbers(customer: Customer) -> list[str]:
    return list(Phone.objects.filter(customer=customer).values_list("number", flat=True))


def refresh_search_text(customer: Customer) -> None:
    """Re-cut the customer's search words from its current name, notes and related rows."""
    parts: list[str] = [customer.name, customer.notes]
    for address in Address.objects.filter(customer=customer):
        parts += [address.label, address.text, address.building, address.unit, address.room]
    for phone in Phone.objects.filter(customer=customer):
        parts += [phone.number, phone.digits]
    for contact in Contact.objects.filter(customer=customer):
        parts += [contact.name, contact.phone]
    for agreement in ServiceAgreement.objects.filter(customer=customer):
        parts += [agreement.number, agreement.title]
    for product in Product.objects.filter(customer=customer):
        parts += [product.name, product.model, product.serial]
    customer.search_text = search_text(*parts)
    customer.save(update_fields=["search_text", "updated_at"])


@transaction.atomic
def customer_create(
    *,
    organisation: Organisation,
    by: User | None,
    name: str,
    kind: str = CustomerKind.HOUSEHOLD,
    department: Department | None = None,
    confidentiality: int = Confidentiality.NONE,
    notes: str = "",
    addresses: Sequence[Mapping[str, Any]] = (),
    phones: Sequence[Mapping[str, Any]] = (),
    contacts: Sequence[Mapping[str, Any]] = (),
) -> Customer:
    _require_editor(by, organisation.pk)
    errors = FieldErrors()
    values = {"name": name, "kind": kind, "department": department, "confidentiality": confidentiality}
    _check_customer_fields(values, errors, organisation_id=organisation.pk, by=by)
    clean_addresses = _clean_addresses(addresses, errors)
    clean_phones = _clean_phones(phones, errors)
    clean_contacts = _clean_contacts(contacts, errors)
    errors.raise_if_any()
    customer = Customer.objects.create(
        organisation=organisation,
        name=name.strip(),
        kind=kind,
        department=department,
        confidentiality=confidentiality,
        notes=(notes or "").strip(),
    )
    _replace_lists(customer, addresses=clean_addresses, phones=clean_phones, contacts=clean_contacts)
    refresh_search_text(customer)
    record_event(
        subject=customer,
        action="customer.created",
        actor=by,
        changes={
            "name": {"after": customer.name},
            "kind": {"after": kind},
            "department": {"after": str(department) if department else None},
            "addresses": {"after": _address_labels(customer)},
            "phones": {"after": [p["number"] for p in clean_phones]},
        },
    )
    return customer


CUSTOMER_FIELDS = ["name", "kind", "department", "confidentiality", "notes"]


@transaction.atomic
def customer_update(*, customer: Customer, by: User | None, reason: str = "", **values: Any) -> Customer:
    """Change any of ``name, kind, department, confidentiality, notes, addresses, phones, contacts``."""
    _require_editor(by, customer.organisation_id)
    allowed = {*CUSTOMER_FIELDS, "addresses", "phones", "contacts"}
    errors = FieldErrors()
    for key in sorted(set(values) - allowed):
        errors.add(key, _("cannot be changed here"))
    _check_customer_fields(values, errors, organisation_id=customer.organisation_id, by=by)
    addresses = _clean_addresses(values["addresses"], errors) if values.get("addresses") is not None else None
    phones = _clean_phones(values["phones"], errors) if values.get("phones") is not None else None
    contacts = _clean_contacts(values["contacts"], errors) if values.get("contacts") is not None else None
    errors.raise_if_any()

    before = snapshot(customer, CUSTOMER_FIELDS)
    before_addresses, before_phones = _address_labels(customer), _phone_numbers(customer)
    for key in CUSTOMER_FIELDS:
        if key in values:
            value = values[key]
            setattr(customer, key, value.strip() if isinstance(value, str) else value)
    changes = field_changes(customer, before, CUSTOMER_FIELDS)
    _replace_lists(customer, addresses=addresses, phones=phones, contacts=contacts)
    if addresses is not None and (after := _address_labels(customer)) != before_addresses:
        changes["addresses"] = {"before": before_addresses, "after": after}
    if phones is not None and (after := _phone_numbers(customer)) != before_phones:
        changes["phones"] = {"before": before_phones, "after": after}
    if contacts is not None:
        changes.setdefault("contacts", {"after": [c["name"] for c in contacts]})
    if not changes:
        return customer
    customer.save(update_fields=[*CUSTOMER_FIELDS, "updated_at"])
    refresh_search_text(customer)
    record_event(subject=customer, action="customer.updated", actor=by, changes=changes, reason=reason)
    return customer


@transaction.atomic
def phone_add(
    *, customer: Customer, by: User | None, number: str, label: str = "", is_primary: bool = False
) -> Phone:
    _require_editor(by, customer.organisation_id)
    errors = FieldErrors()
    number = normalise_phone(number)
    if problem := phone_problem(number):
        errors.add("number", problem)
    elif Phone.objects.filter(customer=customer, digits=phone_digits(number)).exists():
        errors.add("number", _("is already a phone of this customer"))
    if len(label or "") > 50:
        errors.add("label", _("must have at most %(n)s characters") % {"n": 50})
    errors.raise_if_any()
    if is_primary:
        Phone.objects.filter(customer=customer, is_primary=True).update(is_primary=False)
    phone = Phone.objects.create(
        customer=customer,
        number=number,
        digits=phone_digits(number),
        label=(label or "").strip(),
        is_primary=is_primary or not Phone.objects.filter(customer=customer).exists(),
    )
    refresh_search_text(customer)
    record_event(
        subject=customer, action="customer.phone_added", actor=by, changes={"phone": {"after": number}}
    )
    return phone


# --- products (三包) ------------------------------------------------------------------------

PRODUCT_FIELDS = ["name", "model", "serial", "sale_date", "warranty_ends_on", "running_hours", "mileage_km"]


def _check_product(values: Mapping[str, Any], errors: FieldErrors) -> None:
    if "name" in values:
        _text(values, "name", 200, errors, "name", required=True)
    for key, limit in (("model", 100), ("serial", 100)):
        if key in values:
            _text(values, key, limit, errors, key)
    for key in ("sale_date", "warranty_ends_on"):
        if values.get(key) is not None and not isinstance(values[key], date):
            errors.add(key, _("must be a date (YYYY-MM-DD)"))
    for key in ("running_hours", "mileage_km"):
        value = values.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            errors.add(key, _("must be a whole number, 0 or more"))


def _check_warranty(product: Product, errors: FieldErrors) -> None:
    if product.sale_date and product.warranty_ends_on and product.warranty_ends_on < product.sale_date:
        errors.add("warranty_ends_on", _("cannot be before the sale date"))


@transaction.atomic
def product_add(
    *,
    customer: Customer,
    by: User | None,
    name: str,
    model: str = "",
    serial: str = "",
    sale_date: date | None = None,
    warranty_ends_on: date | None = None,
    running_hours: int | None = None,
    mileage_km: int | None = None,
) -> Product:
    _require_editor(by, customer.organisation_id)
    values = {
        "name": name,
        "model": model,
        "serial": serial,
        "sale_date": sale_date,
        "warranty_ends_on": warranty_ends_on,
        "running_hours": running_hours,
        "mileage_km": mileage_km,
    }
    errors = FieldErrors()
    _check_product(values, errors)
    errors.raise_if_any()
    product = Product(
        customer=customer, **{k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    )
    _check_warranty(product, errors)
    errors.raise_if_any()
    product.save()
    refresh_search_text(customer)
    record_event(
        subject=customer,
        action="customer.product_added",
        actor=by,
        changes={"product": {"after": {k: getattr(product, k) for k in PRODUCT_FIELDS}}},
    )
    return product


@transaction.atomic
def product_update(*, product: Product, by: User | None, reason: str = "", **values: Any) -> Product:
    customer = product.customer
    _require_editor(by, customer.organisation_id)
    errors = FieldErrors()
    for key in sorted(set(values) - set(PRODUCT_FIELDS)):
        errors.add(key, _("cannot be changed here"))
    _check_product(values, errors)
    errors.raise_if_any()
    before = snapshot(product, PRODUCT_FIELDS)
    for key, value in values.items():
        setattr(product, key, value.strip() if isinstance(value, str) else value)
    _check_warranty(product, errors)
    if errors.fields:
        for key, value in before.items():
            setattr(product, key, value)
        errors.raise_if_any()
    changes = field_changes(product, before, PRODUCT_FIELDS)
    if not changes:
        return product
    product.save(update_fields=[*PRODUCT_FIELDS, "updated_at"])
    refresh_search_text(customer)
    record_event(
        subject=customer,
        action="customer.product_updated",
        actor=by,
        reason=reason,
        changes={"product": {"after": str(product)}, **changes},
    )
    return product


# --- service agreements (居家服务协议书) ------------------------------------------------------

AGREEMENT_FIELDS = ["number", "title", "starts_on", "ends_on"]


def _check_agreement(agreement: ServiceAgreement, errors: FieldErrors, organisation_id: int) -> None:
    if not agreement.number:
        errors.add("number", _("is required"))
    elif len(agreement.number) > 50:
        errors.add("number", _("must have at most %(n)s characters") % {"n": 50})
    elif (
        ServiceAgreement.objects.filter(customer__organisation_id=organisation_id, number=agreement.number)
        .exclude(pk=agreement.pk)
        .exists()
    ):
        errors.add("number", _("is already used by another agreement"))
    if not agreement.title:
        errors.add("title", _("is required"))
    elif len(agreement.title) > 200:
        errors.add("title", _("must have at most %(n)s characters") % {"n": 200})
    if not isinstance(agreement.starts_on, date):
        errors.add("starts_on", _("must be a date (YYYY-MM-DD)"))
    if agreement.ends_on is not None and not isinstance(agreement.ends_on, date):
        errors.add("ends_on", _("must be a date (YYYY-MM-DD)"))
    elif (
        isinstance(agreement.starts_on, date)
        and agreement.ends_on is not None
        and agreement.ends_on <= agreement.starts_on
    ):
        errors.add("ends_on", _("must be after the start"))


@transaction.atomic
def agreement_add(
    *,
    customer: Customer,
    by: User | None,
    number: str,
    starts_on: date,
    ends_on: date | None = None,
    title: str = "居家服务协议书",
) -> ServiceAgreement:
    _require_editor(by, customer.organisation_id)
    agreement = ServiceAgreement(
        customer=customer,
        number=(number or "").strip(),
        title=(title or "").strip(),
        starts_on=starts_on,
        ends_on=ends_on,
    )
    errors = FieldErrors()
    _check_agreement(agreement, errors, customer.organisation_id)
    errors.raise_if_any()
    agreement.save()
    refresh_search_text(customer)
    record_event(
        subject=customer,
        action="customer.agreement_added",
        actor=by,
        changes={"agreement": {"after": {k: getattr(agreement, k) for k in AGREEMENT_FIELDS}}},
    )
    return agreement


@transaction.atomic
def agreement_update(
    *, agreement: ServiceAgreement, by: User | None, reason: str = "", **values: Any
) -> ServiceAgreement:
    customer = agreement.customer
    _require_editor(by, customer.organisation_id)
    errors = FieldErrors()
    for key in sorted(set(values) - set(AGREEMENT_FIELDS)):
        errors.add(key, _("cannot be changed here"))
    errors.raise_if_any()
    before = snapshot(agreement, AGREEMENT_FIELDS)
    for key, value in values.items():
        setattr(agreement, key, value.strip() if isinstance(value, str) else value)
    _check_agreement(agreement, errors, customer.organisation_id)
    if errors.fields:
        for key, value in before.items():
            setattr(agreement, key, value)
        errors.raise_if_any()
    changes = field_changes(agreement, before, AGREEMENT_FIELDS)
    if not changes:
        return agreement
    agreement.save(update_fields=AGREEMENT_FIELDS)
    refresh_search_text(customer)
    record_event(
        subject=customer,
        action="customer.agreement_updated",
        actor=by,
        reason=reason,
        changes={"agreement": {"after": str(agreement)}, **changes},
    )
    return agreement
