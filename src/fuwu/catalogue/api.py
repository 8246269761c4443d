"""``/api/v1/service-types``: the service catalogue. Every member of staff reads; administrators change."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from fuwu import visibility
from fuwu.customers.selectors import staff, staff_organisation
from fuwu.lib.errors import ValidationFailed
from fuwu.lib.inputs import (
    Id,
    InputSchema,
    Keywords,
    Limit,
    LongText,
    Money,
    Offset,
    PatchSchema,
    QuerySchema,
    Reason,
)
from fuwu.org.models import Department

from . import selectors, services
from .models import ServiceType

router = Router(tags=["service types"])

Category = Literal["paid", "contract", "free", "internal"]


class MaterialIn(InputSchema):
    name: str = Field(..., max_length=200)
    is_required: bool = True


class FeeItemIn(InputSchema):
    name: str = Field(..., max_length=200)
    unit: str = Field("", max_length=30)
    price: Money
    note: str = Field("", max_length=200)


class ServiceTypeIn(InputSchema):
    code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=100)
    category: Category
    sla_class: str = Field(..., max_length=40)
    default_department_id: Id | None = None
    description: LongText = ""
    is_active: bool = True
    asks_running_hours: bool = Field(
        False,
        description="The service report asks for running hours (machines, "
        "vehicles); a product with running hours recorded asks for them anyway.",
    )
    asks_mileage: bool = Field(False, description="The service report asks for mileage (vehicles).")
    materials: Annotated[list[MaterialIn], Field(max_length=50)] = []
    fee_items: Annotated[list[FeeItemIn], Field(max_length=50)] = []


class ServiceTypePatch(PatchSchema):
    nullable = frozenset({"default_department_id"})
    code: str | None = Field(None, min_length=1, max_length=40)
    name: str | None = Field(None, min_length=1, max_length=100)
    category: Category | None = None
    sla_class: str | None = Field(None, min_length=1, max_length=40)
    default_department_id: Id | None = None
    description: LongText | None = None
    is_active: bool | None = None
    asks_running_hours: bool | None = None
    asks_mileage: bool | None = None
    materials: Annotated[list[MaterialIn], Field(max_length=50)] | None = None
    fee_items: Annotated[list[FeeItemIn], Field(max_length=50)] | None = None
    reason: Reason = ""


class ChecklistItemOut(Schema):
    id: int
    name: str
    is_required: bool
    order: int


class FeeItemOut(Schema):
    id: int
    name: str
    unit: str
    price: Decimal
    note: str


class ServiceTypeOut(Schema):
    id: int
    code: str
    name: str
    category: str
    category_label: str
    sla_class: str
    default_department_id: int | None
    default_department_name: str | None
    description: str
    is_active: bool
    asks_running_hours: bool
    asks_mileage: bool
    materials: list[ChecklistItemOut]
    fee_items: list[FeeItemOut]


class ServiceTypePage(Schema):
    items: list[ServiceTypeOut]
    count: int


class ServiceTypeFilters(QuerySchema):
    category: Category | None = None
    is_active: bool | None = None
    q: Keywords | None = None
    limit: Limit = 50
    offset: Offset = 0


def service_type_out(service_type: ServiceType) -> dict[str, Any]:
    department = service_type.default_department
    return {
        "id": service_type.pk,
        "code": service_type.code,
        "name": service_type.name,
        "category": service_type.category,
        "category_label": service_type.get_category_display(),
        "sla_class": service_type.sla_class,
        "default_department_id": service_type.default_department_id,
        "default_department_name": department.name if department else None,
        "description": service_type.description,
        "is_active": service_type.is_active,
        "asks_running_hours": service_type.asks_running_hours,
        "asks_mileage": service_type.asks_mileage,
        "materials": [
            {"id": m.pk, "name": m.name, "is_required": m.is_required, "order": m.order}
            for m in service_type.materials.all()
        ],
        "fee_items": [
            {"id": f.pk, "name": f.name, "unit": f.unit, "price": f.price, "note": f.note}
            for f in service_type.fee_items.all()
        ],
    }


def _department(user: Any, department_id: int | None) -> Department | None:
    if department_id is None:
        return None
    department = visibility.departments_for_user(user).filter(pk=department_id).first()
    if department is None:
        raise ValidationFailed.field("default_department_id", _("no such department"))
    return department


def _renamed(exc: ValidationFailed) -> ValidationFailed:
    if "default_department" in exc.fields:
        exc.fields["default_department_id"] = exc.fields.pop("default_department")
    return exc


@router.get("", response=ServiceTypePage, summary="List service types")
def list_service_types(request: HttpRequest, filters: Query[ServiceTypeFilters]) -> dict[str, Any]:
    service_types = selectors.service_types_list(
        user=staff(request), category=filters.category, is_active=filters.is_active, q=filters.q
    )
    page = service_types[filters.offset : filters.offset + filters.limit]
    return {"items": [service_type_out(s) for s in page], "count": service_types.count()}


@router.post("", response={201: ServiceTypeOut}, summary="Create a service type")
def create_service_type(request: HttpRequest, payload: ServiceTypeIn) -> Status[dict[str, Any]]:
    data = payload.model_dump()
    department = _department(staff(request), data.pop("default_department_id"))
    try:
        service_type = services.service_type_create(
            organisation=staff_organisation(request), by=staff(request), default_department=department, **data
        )
    except ValidationFailed as exc:
        raise _renamed(exc) from None
    return Status(201, service_type_out(selectors.service_type_get(user=staff(request), pk=service_type.pk)))


@router.get("/{service_type_id}", response=ServiceTypeOut, summary="One service type")
def get_service_type(request: HttpRequest, service_type_id: Id) -> dict[str, Any]:
    return service_type_out(selectors.service_type_get(user=staff(request), pk=service_type_id))


@router.api_operation(
    ["PATCH", "PUT"], "/{service_type_id}", response=ServiceTypeOut, summary="Change a service type"
)
def update_service_type(
    request: HttpRequest, service_type_id: Id, payload: ServiceTypePatch
) -> dict[str, Any]:
    service_type = selectors.service_type_get(user=staff(request), pk=service_type_id)
    data = payload.model_dump(exclude_unset=True)
    reason = data.pop("reason", "")
    if "default_department_id" in data:
        data["default_department"] = _department(staff(request), data.pop("default_department_id"))
    for key in (
        "code",
        "name",
        "category",
        "sla_class",
        "description",
        "is_active",
        "asks_running_hours",
        "asks_mileage",
        "materials",
        "fee_items",
    ):
        if key in data and data[key] is None:
            raise ValidationFailed.field(key, _("cannot be empty"))
    try:
        services.service_type_update(service_type=service_type, by=staff(request), reason=reason, **data)
    except ValidationFailed as exc:
        raise _renamed(exc) from None
    return service_type_out(selectors.service_type_get(user=staff(request), pk=service_type_id))
