"""Service catalogue pages: every member of staff reads, administrators change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.customers.forms import apply_errors
from fuwu.customers.selectors import staff, staff_organisation
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.policy.selectors import active_policy
from fuwu.timeline.selectors import events_for

from . import selectors, services
from .forms import FeeItemFormSet, MaterialFormSet, ServiceTypeForm, filled_rows
from .models import ServiceCategory, ServiceType


@login_required
def service_type_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    category = category if category in ServiceCategory.values else ""
    show_inactive = request.GET.get("inactive") == "1"
    q = request.GET.get("q", "").strip()
    service_types = selectors.service_types_list(
        user=staff(request), category=category or None, is_active=None if show_inactive else True, q=q
    )
    return render(
        request,
        "catalogue/list.html",
        {
            "service_types": service_types,
            "categories": ServiceCategory.choices,
            "category": category,
            "policy": active_policy(staff_organisation(request)),
            "q": q,
            "show_inactive": show_inactive,
            "can_edit": visibility.can_manage_organisation(staff(request)),
        },
    )


@login_required
def service_type_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service_type = selectors.service_type_get(user=staff(request), pk=pk)
    events = list(events_for(service_type))  # shown for the reader by the template (fuwu.catalogue.display)
    return render(
        request,
        "catalogue/detail.html",
        {
            "service_type": service_type,
            "events": events,
            "policy": active_policy(service_type.organisation),
            "can_edit": visibility.can_manage_organisation(staff(request)),
        },
    )


def _form_page(request: HttpRequest, service_type: ServiceType | None) -> HttpResponse:
    if not visibility.can_manage_organisation(staff(request)):
        raise PermissionDenied(_("Only administrators change the service catalogue."))
    if request.method == "POST":
        form = ServiceTypeForm(request.POST, user=staff(request))
        materials = MaterialFormSet(request.POST, prefix="materials")
        fees = FeeItemFormSet(request.POST, prefix="fees")
        if form.is_valid() and materials.is_valid() and fees.is_valid():
            material_forms, fee_forms = filled_rows(materials), filled_rows(fees)
            values: dict[str, Any] = {
                **form.cleaned_data,
                "materials": [f.cleaned_data for f in material_forms],
                "fee_items": [f.cleaned_data for f in fee_forms],
            }
            try:
                if service_type is None:
                    service_type = services.service_type_create(
                        organisation=staff_organisation(request), by=staff(request), **values
                    )
                else:
                    services.service_type_update(service_type=service_type, by=staff(request), **values)
                messages.success(request, _("Service type saved."))
                return redirect("catalogue:detail", pk=service_type.pk)
            except ValidationFailed as exc:
                apply_errors(exc, form, {"materials": material_forms, "fee_items": fee_forms})
            except PermissionDeniedError as exc:
                raise PermissionDenied(str(exc.message)) from exc
    elif service_type is not None:
        form = ServiceTypeForm(
            user=staff(request),
            initial={
                "code": service_type.code,
                "name": service_type.name,
                "category": service_type.category,
                "default_department": service_type.default_department,
                "sla_class": service_type.sla_class,
                "description": service_type.description,
                "is_active": service_type.is_active,
                "asks_running_hours": service_type.asks_running_hours,
                "asks_mileage": service_type.asks_mileage,
            },
        )
        materials = MaterialFormSet(
            prefix="materials",
            initial=[{"name": m.name, "is_required": m.is_required} for m in service_type.materials.all()],
        )
        fees = FeeItemFormSet(
            prefix="fees",
            initial=[
                {"name": f.name, "unit": f.unit, "price": f.price, "note": f.note}
                for f in service_type.fee_items.all()
            ],
        )
    else:
        form = ServiceTypeForm(user=staff(request))
        materials = MaterialFormSet(prefix="materials")
        fees = FeeItemFormSet(prefix="fees")
    return render(
        request,
        "catalogue/form.html",
        {
            "form": form,
            "materials": materials,
            "fees": fees,
            "service_type": service_type,
        },
    )


@login_required
def service_type_create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
def service_type_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, selectors.service_type_get(user=staff(request), pk=pk))
