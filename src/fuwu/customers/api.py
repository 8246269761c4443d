"""``/api/v1/customers``: customers, their phones, products and agreements.

Records outside the caller's visibility answer 404; visible but not changeable answers 403.
Phone numbers are masked unless the caller's role sees them whole (policy ``privacy``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from fuwu import visibility
from fuwu.lib.errors import ValidationFailed
from fuwu.lib.inputs import (
    Clearance,
    Day,
    Id,
    InputSchema,
    Keywords,
    Kilometres,
    Limit,
    LongText,
    Offset,
    PatchSchema,
    QuerySchema,
    Reason,
    RunningHours,
)
from fuwu.org.models import Department
from fuwu.visibility import PhoneShown

from . import selectors, services
from .models import Customer, Product, ServiceAgreement
from .selectors import staff, staff_organisation

router = Router(tags=["customers"])

Kind = Literal["person", "household", "organisation"]


# --- schemas ----------------------------------------------------------------------------------


class AddressIn(InputSchema):
    building: str = Field("", max_length=50)
    unit: str = Field("", max_length=50)
    room: str = Field("", max_length=50)
    text: str = Field("", max_length=300)


class PhoneIn(InputSchema):
    number: str = Field(..., max_length=30)
    label: str = Field("", max_length=50)
    is_primary: bool = False


class ContactIn(InputSchema):
    name: str = Field(..., max_length=100)
    phone: str = Field("", max_length=30)
    relation: str = Field("", max_length=50)


class CustomerIn(InputSchema):
    name: str = Field(..., max_length=200)
    kind: Kind = "household"
    department_id: Id | None = None
    confidentiality: Clearance = 0
    notes: LongText = ""
    addresses: Annotated[list[AddressIn], Field(max_length=20)] = []
    phones: Annotated[list[PhoneIn], Field(max_length=20)] = []
    contacts: Annotated[list[ContactIn], Field(max_length=20)] = []


class CustomerPatch(PatchSchema):
    nullable = frozenset({"department_id"})
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: Kind | None = None
    department_id: Id | None = None
    confidentiality: Clearance | None = None
    notes: LongText | None = None
    addresses: Annotated[list[AddressIn], Field(max_length=20)] | None = None
    phones: Annotated[list[PhoneIn], Field(max_length=20)] | None = None
    contacts: Annotated[list[ContactIn], Field(max_length=20)] | None = None
    reason: Reason = ""


class ProductIn(InputSchema):
    name: str = Field(..., max_length=200)
    model: str = Field("", max_length=100)
    serial: str = Field("", max_length=100)
    sale_date: Day | None = None
    warranty_ends_on: Day | None = None
    running_hours: RunningHours | None = None
    mileage_km: Kilometres | None = None


class ProductPatch(PatchSchema):
    nullable = frozenset({"sale_date", "warranty_ends_on", "running_hours", "mileage_km"})
    name: str | None = Field(None, min_length=1, max_length=200)
    model: str | None = Field(None, max_length=100)
    serial: str | None = Field(None, max_length=100)
    sale_date: Day | None = None
    warranty_ends_on: Day | None = None
    running_hours: RunningHours | None = None
    mileage_km: Kilometres | None = None
    reason: Reason = ""


class AgreementIn(InputSchema):
    number: str = Field(..., max_length=50)
    title: str = Field("居家服务协议书", max_length=200)
    starts_on: Day
    ends_on: Day | None = None


class AgreementPatch(PatchSchema):
    nullable = frozenset({"ends_on"})
    number: str | None = Field(None, min_length=1, max_length=50)
    title: str | None = Field(None, min_length=1, max_length=200)
    starts_on: Day | None = None
    ends_on: Day | None = None
    reason: Reason = ""


class AddressOut(Schema):
    id: int
    building: str
    unit: str
    room: str
    text: str
    label: str


class PhoneOut(Schema):
    id: int
    number: str
    label: str
    is_primary: bool


class ContactOut(Schema):
    id: int
    name: str
    phone: str
    relation: str


class ProductOut(Schema):
    id: int
    customer_id: int
    name: str
    model: str
    serial: str
    sale_date: date | None
    warranty_ends_on: date | None
    in_warranty: bool
    running_hours: int | None
    mileage_km: int | None


class AgreementOut(Schema):
    id: int
    customer_id: int
    number: str
    title: str
    starts_on: date
    ends_on: date | None
    is_current: bool


class CustomerRow(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    department_id: int | None
    department_name: str | None
    phones: list[str]
    addresses: list[str]


class CustomerOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    department_id: int | None
    department_name: str | None
    confidentiality: int
    notes: str
    addresses: list[AddressOut]
    phones: list[PhoneOut]
    contacts: list[ContactOut]
    agreements: list[AgreementOut]
    products: list[ProductOut]
    created_at: datetime
    updated_at: datetime


class CustomerPage(Schema):
    items: list[CustomerRow]
    count: int


class ProductPage(Schema):
    items: list[ProductOut]
    count: int


class AgreementPage(Schema):
    items: list[AgreementOut]
    count: int


class CustomerFilters(QuerySchema):
    kind: Kind | None = None
    department_id: Id | None = None
    building: Annotated[str, Field(max_length=50)] | None = None
    room: Annotated[str, Field(max_length=50)] | None = None
    q: Keywords | None = None
    phone: Annotated[str, Field(max_length=30)] | None = None
    limit: Limit = 50
    offset: Offset = 0


# --- serialisation ----------------------------------------------------------------------------


def product_out(product: Product, today: date) -> dict[str, Any]:
    return {
        "id": product.pk,
        "customer_id": product.customer_id,
        "name": product.name,
        "model": product.model,
        "serial": product.serial,
        "sale_date": product.sale_date,
        "warranty_ends_on": product.warranty_ends_on,
        "in_warranty": product.in_warranty(today),
        "running_hours": product.running_hours,
        "mileage_km": product.mileage_km,
    }


def agreement_out(agreement: ServiceAgreement, today: date) -> dict[str, Any]:
    return {
        "id": agreement.pk,
        "customer_id": agreement.customer_id,
        "number": agreement.number,
        "title": agreement.title,
        "starts_on": agreement.starts_on,
        "ends_on": agreement.ends_on,
        "is_current": agreement.is_current(today),
    }


def customer_row(customer: Customer, shown: PhoneShown) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "kind": customer.kind,
        "kind_label": customer.get_kind_display(),
        "name": customer.name,
        "department_id": customer.department_id,
        "department_name": customer.department.name if customer.department else None,
        "phones": [shown(p.number) for p in customer.phones.all()],
        "addresses": [a.label for a in customer.addresses.all()],
    }


def customer_out(customer: Customer, shown: PhoneShown) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        **customer_row(customer, shown),
        "confidentiality": customer.confidentiality,
        "notes": customer.notes,
        "addresses": [
            {
                "id": a.pk,
                "building": a.building,
                "unit": a.unit,
                "room": a.room,
                "text": a.text,
                "label": a.label,
            }
            for a in customer.addresses.all()
        ],
        "phones": [
            {"id": p.pk, "number": shown(p.number), "label": p.label, "is_primary": p.is_primary}
            for p in customer.phones.all()
        ],
        "contacts": [
            {"id": c.pk, "name": c.name, "phone": shown(c.phone), "relation": c.relation}
            for c in customer.contacts.all()
        ],
        "agreements": [agreement_out(a, today) for a in customer.agreements.all()],
        "products": [product_out(p, today) for p in customer.products.all()],
        "created_at": customer.created_at,
        "updated_at": customer.updated_at,
    }


def _department(user: Any, department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    department = visibility.departments_for_user(user).filter(pk=department_id).first()
    if department is None:
        raise ValidationFailed.field("department_id", _("no such department"))
    return department


def _renamed(exc: ValidationFailed) -> ValidationFailed:
    """Service field names → API field names (``department`` → ``department_id``)."""
    if "department" in exc.fields:
        exc.fields["department_id"] = exc.fields.pop("department")
    return exc


def _lists(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key in {"addresses", "phones", "contacts"}}


# --- customers --------------------------------------------------------------------------------


@router.get("", response=CustomerPage, summary="List customers (search, filters, paging)")
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> dict[str, Any]:
    customers = selectors.customers_list(
        user=staff(request),
        kind=filters.kind,
        department_id=filters.department_id,
        building=filters.building,
        room=filters.room,
        q=filters.q,
        phone=filters.phone,
    )
    shown = PhoneShown(staff(request))
    page = customers[filters.offset : filters.offset + filters.limit]
    return {"items": [customer_row(c, shown) for c in page], "count": customers.count()}


@router.get("/lookup", response=CustomerPage, summary="Find customers by an exact phone number (caller ID)")
def lookup_by_phone(
    request: HttpRequest, phone: Annotated[str, Field(max_length=30)], limit: Limit = 50
) -> dict[str, Any]:
    """The first ``limit`` customers with this number; ``count`` is how many have it in all."""
    customers = selectors.customer_find_by_phone(user=staff(request), number=phone)
    found = list(customers[:limit])
    shown = PhoneShown(staff(request))
    count = len(found) if len(found) < limit else customers.count()
    return {"items": [customer_row(c, shown) for c in found], "count": count}


class SuggestionPage(Schema):
    items: list[CustomerRow]
    count: int = Field(
        ...,
        description="Customers matching in all (a lower bound when `count_exact` is false): "
        "more than `items` means more matched than are shown.",
    )
    count_exact: bool
    more: bool = Field(
        ..., description="More customers matched than are shown: ask for more digits or words."
    )
    exact_phone: bool = Field(..., description="The items carry the caller's whole number.")


@router.get(
    "/suggestions",
    response=SuggestionPage,
    summary="Customers for what an agent types at intake (a phone or part of it, a building, room or name)",
)
def suggestions(
    request: HttpRequest,
    phone: Annotated[str, Field(max_length=30)] = "",
    q: Keywords = "",
    limit: Annotated[int, Field(ge=1, le=50)] = selectors.SUGGESTIONS_SHOWN,
) -> dict[str, Any]:
    """As the intake page suggests them: the whole number first, then any part of at least four
    digits; otherwise (or when the number finds nobody) the words of ``q`` (5栋2单元404 finds
    5号楼2单元404室; a surname such as 宋 finds every 宋)."""
    found = selectors.customer_suggestions(user=staff(request), phone=phone, text=q, limit=limit)
    shown = PhoneShown(staff(request))
    return {
        "items": [customer_row(c, shown) for c in found.customers],
        "count": found.total,
        "count_exact": found.total_exact,
        "more": found.more,
        "exact_phone": found.exact_phone,
    }


@router.post("", response={201: CustomerOut}, summary="Create a customer")
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status[dict[str, Any]]:
    data = payload.model_dump()
    department = _department(staff(request), data.pop("department_id"))
    try:
        customer = services.customer_create(
            organisation=staff_organisation(request),
            by=staff(request),
            department=department,
            **data,
        )
    except ValidationFailed as exc:
        raise _renamed(exc) from None
    return Status(
        201,
        customer_out(selectors.customer_get(user=staff(request), pk=customer.pk), PhoneShown(staff(request))),
    )


@router.get("/products/{product_id}", response=ProductOut, summary="One product")
def get_product(request: HttpRequest, product_id: Id) -> dict[str, Any]:
    return product_out(selectors.product_get(user=staff(request), pk=product_id), timezone.localdate())


@router.patch("/products/{product_id}", response=ProductOut, summary="Change a product")
def update_product(request: HttpRequest, product_id: Id, payload: ProductPatch) -> dict[str, Any]:
    product = selectors.product_get(user=staff(request), pk=product_id)
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason", "")
    product = services.product_update(product=product, by=staff(request), reason=reason, **data)
    return product_out(product, timezone.localdate())


@router.get("/agreements/{agreement_id}", response=AgreementOut, summary="One service agreement")
def get_agreement(request: HttpRequest, agreement_id: Id) -> dict[str, Any]:
    return agreement_out(selectors.agreement_get(user=staff(request), pk=agreement_id), timezone.localdate())


@router.patch("/agreements/{agreement_id}", response=AgreementOut, summary="Change a service agreement")
def update_agreement(request: HttpRequest, agreement_id: Id, payload: AgreementPatch) -> dict[str, Any]:
    agreement = selectors.agreement_get(user=staff(request), pk=agreement_id)
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason", "")
    agreement = services.agreement_update(agreement=agreement, by=staff(request), reason=reason, **data)
    return agreement_out(agreement, timezone.localdate())


@router.get("/{customer_id}", response=CustomerOut, summary="A customer's archive data")
def get_customer(request: HttpRequest, customer_id: Id) -> dict[str, Any]:
    return customer_out(
        selectors.customer_get(user=staff(request), pk=customer_id), PhoneShown(staff(request))
    )


@router.api_operation(["PATCH", "PUT"], "/{customer_id}", response=CustomerOut, summary="Change a customer")
def update_customer(request: HttpRequest, customer_id: Id, payload: CustomerPatch) -> dict[str, Any]:
    customer = selectors.customer_get(user=staff(request), pk=customer_id)
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason", "")
    if "department_id" in data:
        data["department"] = _department(staff(request), data.pop("department_id"))
    for key in ("name", "kind", "confidentiality", "notes", *_lists(data)):
        if key in data and data[key] is None:
            raise ValidationFailed.field(key, _("cannot be empty"))
    try:
        services.customer_update(customer=customer, by=staff(request), reason=reason, **data)
    except ValidationFailed as exc:
        raise _renamed(exc) from None
    return customer_out(
        selectors.customer_get(user=staff(request), pk=customer_id), PhoneShown(staff(request))
    )


@router.post("/{customer_id}/phones", response={201: PhoneOut}, summary="Add a phone number")
def add_phone(request: HttpRequest, customer_id: Id, payload: PhoneIn) -> Status[dict[str, Any]]:
    customer = selectors.customer_get(user=staff(request), pk=customer_id)
    phone = services.phone_add(customer=customer, by=staff(request), **payload.model_dump())
    shown = PhoneShown(staff(request))
    return Status(
        201,
        {"id": phone.pk, "number": shown(phone.number), "label": phone.label, "is_primary": phone.is_primary},
    )


@router.get("/{customer_id}/products", response=ProductPage, summary="A customer's products")
def list_products(request: HttpRequest, customer_id: Id) -> dict[str, Any]:
    customer = selectors.customer_get(user=staff(request), pk=customer_id)
    today = timezone.localdate()
    items = [product_out(p, today) for p in customer.products.all()]
    return {"items": items, "count": len(items)}


@router.post("/{customer_id}/products", response={201: ProductOut}, summary="Add a product")
def add_product(request: HttpRequest, customer_id: Id, payload: ProductIn) -> Status[dict[str, Any]]:
    customer = selectors.customer_get(user=staff(request), pk=customer_id)
    product = services.product_add(customer=customer, by=staff(request), **payload.model_dump())
    return Status(201, product_out(product, timezone.localdate()))


@router.get("/{customer_id}/agreements", response=AgreementPage, summary="A customer's service agreements")
def list_agreements(request: HttpRequest, customer_id: Id) -> dict[str, Any]:
    customer = selectors.customer_get(user=staff(request), pk=customer_id)
    today = timezone.localdate()
    items = [agreement_out(a, today) for a in customer.agreements.all()]
    return {"items": items, "count": len(items)}


@router.post("/{customer_id}/agreements", response={201: AgreementOut}, summary="Add a service agreement")
def add_agreement(request: HttpRequest, customer_id: Id, payload: AgreementIn) -> Status[dict[str, Any]]:
    customer = selectors.customer_get(user=staff(request), pk=customer_id)
    agreement = services.agreement_add(customer=customer, by=staff(request), **payload.model_dump())
    return Status(201, agreement_out(agreement, timezone.localdate()))
