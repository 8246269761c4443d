"""Intake: the new work order page and the lookups it asks while a call is taken."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.customers.selectors import customer_suggestions, products_for_user
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.lib.forms import add_service_errors
from fuwu.lib.inputs import parse_id
from fuwu.org.models import User
from fuwu.policy.selectors import active_policy
from fuwu.visibility import PhoneShown

from .. import forms as wo_forms
from .. import permissions, selectors, services
from .common import organisation_of, staff, status_colour
from .detail import _renamed


def _department_choices(user: User) -> list[tuple[int, str]]:
    return [
        (d.pk, d.name)
        for d in visibility.departments_for_user(user).filter(is_active=True).only("pk", "name", "path")
    ]


def _service_type_context(user: User, service_type: Any, checked: Iterable[str] = ()) -> dict[str, Any]:
    if service_type is None:
        return {"service_type": None}
    policy = active_policy(organisation_of(user))
    sla = policy.sla.classes.get(service_type.sla_class)
    return {
        "service_type": service_type,
        "materials": list(service_type.materials.all()),
        "checked": set(checked),
        "sla_label": getattr(sla, "label", "") or service_type.sla_class,
        "department": service_type.default_department,
        "category": service_type.get_category_display(),
    }


@login_required
def work_order_create(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not permissions.may_take_calls(user):
        raise PermissionDenied(_("Your role does not receive requests: ask an agent to log it."))
    form = wo_forms.IntakeForm(request.POST or None, request.FILES or None, user=user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                work_order = services.work_order_create(
                    organisation=organisation_of(user),
                    by=user,
                    channel=data["channel"],
                    service_type=data["service_type"],
                    description=data["description"],
                    priority=data["priority"],
                    customer=data["customer"],
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    building=data["building"],
                    unit=data["unit"],
                    room=data["room"],
                    address=data["address"],
                    product=data["product"],
                    distance_km=data["distance_km"],
                    department=data["department"],
                    materials_received=request.POST.getlist("materials_received"),
                    first_contact_owner=data.get("first_contact_owner"),
                    photos=data["photos"],
                )
            except ValidationFailed as exc:
                add_service_errors(form, _renamed(exc))
            except PermissionDeniedError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request, _("Work order %(number)s received.") % {"number": work_order.number}
                )
                return redirect("workorders:detail", pk=work_order.pk)
    service_type = (
        form.cleaned_data.get("service_type") if form.is_bound and hasattr(form, "cleaned_data") else None
    )
    customer = form.cleaned_data.get("customer") if form.is_bound and hasattr(form, "cleaned_data") else None
    context = {
        "form": form,
        **_service_type_context(user, service_type, request.POST.getlist("materials_received")),
        "picked": customer,
        "history": _customer_history(user, customer),
        "history_customer": customer,
        "products": list(customer.products.all()) if customer else [],
        "product_id": request.POST.get("product", ""),
        "department_choices": _department_choices(user),
        "department_value": request.POST.get("department", ""),
    }
    return render(request, "workorders/intake.html", context, status=status)


def _customer_history(user: User, customer: Any) -> dict[str, Any] | None:
    """The caller's recent work orders (visible ones only) for the intake page."""
    if customer is None:
        return None
    rows, open_count = selectors.recent_of_customer(user=user, customer=customer)
    return {
        "rows": [{"wo": wo, "status_colour": status_colour(wo.status)} for wo in rows],
        "open_count": open_count,
    }


def _matching_phone(phones: list[Any], digits: str) -> Any:
    """The number the agent is typing (``digits`` a part of it), else the customer's first."""
    return next((p for p in phones if digits and digits in p.digits), phones[0] if phones else None)


@login_required
def intake_lookup(request: HttpRequest) -> HttpResponse:
    """Customers matching what the agent types (``customers.selectors.customer_suggestions``): the
    caller's phone (exact number first, then any part of at least four digits), or a building, room
    or name; says when more matched than are shown. A single customer with the caller's whole number
    is the caller: their recent work orders are shown with them."""
    user = staff(request)
    phone = request.GET.get("caller_phone", "").strip()[:30]
    text = request.GET.get("lookup", "").strip()[:100]
    digits = "".join(ch for ch in phone if ch.isdigit())
    found = customer_suggestions(user=user, phone=phone, text=text)
    shown = PhoneShown(user)
    matches = []
    for customer in found.customers:
        phones = list(customer.phones.all())
        addresses = list(customer.addresses.all())
        typed = _matching_phone(phones, digits)
        matches.append(
            {
                "customer": customer,
                "phones": [shown(p.number) for p in phones],
                "phone": typed.number if typed is not None and shown.full else "",
                "address": addresses[0] if addresses else None,
            }
        )
    caller = found.customers[0] if found.exact_phone and len(found.customers) == 1 else None
    return render(
        request,
        "workorders/_customer_matches.html",
        {
            "matches": matches,
            "searched": found.searched,
            "exact": found.exact_phone,
            "more": found.more,
            "total": found.total,
            "total_exact": found.total_exact,
            "history": _customer_history(user, caller),
        },
    )


@login_required
def intake_history(request: HttpRequest) -> HttpResponse:
    """The recent work orders of the customer just picked (nothing for a customer not visible)."""
    user = staff(request)
    value = request.GET.get("customer", "")
    customer = (
        visibility.customers_for_user(user).filter(pk=value).first()
        if value.isdigit() and len(value) < 19
        else None
    )
    return render(
        request,
        "workorders/_customer_history.html",
        {"history": _customer_history(user, customer), "history_customer": customer},
    )


@login_required
def intake_products(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    customer_id = parse_id(request.GET.get("customer"))
    products = list(products_for_user(user).filter(customer_id=customer_id)) if customer_id else []
    return render(request, "workorders/_products.html", {"products": products, "product_id": ""})


@login_required
def intake_service_type(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    value = parse_id(request.GET.get("service_type"))
    service_type = (
        visibility.service_types_for_user(user)
        .select_related("default_department")
        .filter(pk=value, is_active=True)
        .first()
        if value
        else None
    )
    return render(
        request,
        "workorders/_service_type.html",
        {
            **_service_type_context(user, service_type),
            "oob": True,
            "department_choices": _department_choices(user),
            "department_value": service_type.default_department_id if service_type else "",
        },
    )
