"""Intake: the new complaint page (a hotline call, a letter, the suggestion box, or raised from a work
order) and the look-ups it asks while the agent types: the caller's customer record with their recent
work orders and complaints."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.customers.selectors import customer_suggestions
from fuwu.lib.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from fuwu.lib.forms import add_service_errors
from fuwu.lib.inputs import parse_id
from fuwu.org.models import User
from fuwu.policy.selectors import active_policy
from fuwu.visibility import PhoneShown
from fuwu.workorders import selectors as wo_selectors
from fuwu.workorders.views.common import status_colour as wo_status_colour

from .. import forms as cp_forms
from .. import permissions, selectors, services
from ..models import OPEN_STATUSES, REGISTERED_LATER, Channel
from .common import organisation_of, staff, status_colour
from .detail import _renamed

RECENT_COMPLAINTS_SHOWN = 5


def customer_history(user: User, customer: Any) -> dict[str, Any] | None:
    """The caller's recent work orders and complaints (only those the agent may see)."""
    if customer is None:
        return None
    orders, open_orders = wo_selectors.recent_of_customer(user=user, customer=customer)
    visible = selectors.complaints_for_user(user).filter(customer=customer)
    complaints = list(visible.order_by("-received_at", "-id")[:RECENT_COMPLAINTS_SHOWN])
    open_complaints = visible.filter(status__in=OPEN_STATUSES).count() if complaints else 0
    return {
        "orders": [{"wo": wo, "status_colour": wo_status_colour(wo.status)} for wo in orders],
        "open_orders": open_orders,
        "complaints": [{"c": c, "status_colour": status_colour(c.status)} for c in complaints],
        "open_complaints": open_complaints,
    }


def _work_order(user: User, value: Any) -> Any:
    """The work order a complaint is raised from (404 when the agent cannot see it)."""
    pk = parse_id(value)
    if not pk:
        return None
    work_order = (
        visibility.work_orders_for_user(user)
        .select_related("customer", "service_type", "product", "department", "assignee")
        .filter(pk=pk)
        .first()
    )
    if work_order is None:
        raise Http404
    return work_order


def _created(request: HttpRequest, complaint: Any) -> HttpResponse:
    text = _("Complaint %(number)s registered.") % {"number": complaint.number}
    if getattr(complaint, "repeat_of_id", None):
        text += " " + _("It repeats an earlier complaint of the same customer about the same matter.")
    messages.success(request, text)
    return redirect("complaints:detail", pk=complaint.pk)


@login_required
def complaint_create(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not permissions.may_take_complaints(user):
        raise PermissionDenied(_("Your role does not register complaints: ask an agent to register it."))
    policy = active_policy(organisation_of(user))
    work_order = _work_order(user, request.GET.get("work_order") or request.POST.get("work_order"))
    if work_order is not None:
        return _from_work_order(request, user, policy, work_order)
    form = cp_forms.IntakeForm(request.POST or None, user=user, policy=policy)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_create(
                    organisation=organisation_of(user),
                    by=user,
                    data=services.ComplaintInput(
                        channel=data["channel"],
                        subject=data["subject"],
                        description=data["description"],
                        object=data["object"],
                        severity=data["severity"],
                        demand=data["demand"],
                        customer_id=data["customer"].pk if data["customer"] else None,
                        caller_name=data["caller_name"],
                        caller_phone=data["caller_phone"],
                        address=data["address"],
                        service_type_id=data["service_type"].pk if data["service_type"] else None,
                        product_id=data["product"].pk if data["product"] else None,
                        department_id=data["department"].pk if data["department"] else None,
                        confidentiality=data["confidentiality"],
                        received_at=data["received_at"],
                        identity_protected=data["identity_protected"],
                    ),
                )
            except (ValidationFailed, NotFoundError) as exc:
                add_service_errors(form, _renamed(exc))
            except PermissionDeniedError as exc:
                form.add_error(None, str(exc.message))
            else:
                return _created(request, complaint)
    customer = form.cleaned_data.get("customer") if form.is_bound and hasattr(form, "cleaned_data") else None
    context = {
        "form": form,
        "picked": customer,
        "history": customer_history(user, customer),
        "history_customer": customer,
        "products": list(customer.products.all()) if customer else [],
        "product_id": request.POST.get("product", ""),
        "registered_later": " ".join(str(c) for c in REGISTERED_LATER),
    }
    return render(request, "complaints/intake.html", context, status=status)


def _from_work_order(request: HttpRequest, user: User, policy: Any, work_order: Any) -> HttpResponse:
    form = cp_forms.FromWorkOrderForm(
        request.POST or None,
        policy=policy,
        initial={"work_order": work_order.pk, "channel": Channel.WORK_ORDER},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = services.complaint_from_work_order(
                    work_order,
                    by=user,
                    subject=data["subject"],
                    description=data["description"],
                    object=data["object"],
                    severity=data["severity"],
                    demand=data["demand"],
                    channel=data["channel"],
                )
            except (ValidationFailed, NotFoundError) as exc:
                add_service_errors(form, _renamed(exc))
            except PermissionDeniedError as exc:
                form.add_error(None, str(exc.message))
            else:
                return _created(request, complaint)
    shown = PhoneShown(user)
    return render(
        request,
        "complaints/intake_work_order.html",
        {
            "form": form,
            "wo": work_order,
            "phone": shown(work_order.caller_phone),
            "history": customer_history(user, work_order.customer),
            "history_customer": work_order.customer,
        },
        status=status,
    )


def _matching_phone(phones: list[Any], digits: str) -> Any:
    return next((p for p in phones if digits and digits in p.digits), phones[0] if phones else None)


@login_required
def intake_lookup(request: HttpRequest) -> HttpResponse:
    """Customers matching the caller's phone (or a building, room or name) as the agent types; a single
    customer with the caller's whole number is the caller: their history comes with them."""
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
        address = addresses[0] if addresses else None
        matches.append(
            {
                "customer": customer,
                "phones": [shown(p.number) for p in phones],
                "phone": typed.number if typed is not None and shown.full else "",
                "address": address,
                "address_text": (address.label if address is not None else ""),
            }
        )
    caller = found.customers[0] if found.exact_phone and len(found.customers) == 1 else None
    return render(
        request,
        "complaints/_customer_matches.html",
        {
            "matches": matches,
            "searched": found.searched,
            "exact": found.exact_phone,
            "more": found.more,
            "total": found.total,
            "total_exact": found.total_exact,
            "history": customer_history(user, caller),
            "history_customer": caller,
        },
    )


@login_required
def intake_history(request: HttpRequest) -> HttpResponse:
    """The recent work orders and complaints of the customer just picked (nothing for one not visible)."""
    user = staff(request)
    value = parse_id(request.GET.get("customer"))
    customer = visibility.customers_for_user(user).filter(pk=value).first() if value else None
    return render(
        request,
        "complaints/_customer_history.html",
        {"history": customer_history(user, customer), "history_customer": customer},
    )
