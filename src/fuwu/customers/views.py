"""Customer pages: list with search, archive (客户档案), forms, export and imports."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu import visibility
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import parse_id
from fuwu.lib.tabular import spreadsheet_safe
from fuwu.org.imports import STAFF_COLUMNS, import_staff
from fuwu.timeline.selectors import events_for
from fuwu.visibility import PhoneShown

from . import selectors, services
from .forms import (
    AddressFormSet,
    AgreementForm,
    CustomerForm,
    ImportForm,
    PhoneFormSet,
    ProductForm,
    apply_errors,
    filled,
)
from .imports import CUSTOMER_COLUMNS, import_customers
from .models import Customer, CustomerKind
from .selectors import staff, staff_organisation

PAGE_SIZE = 25

# Sections of the archive that later releases fill (REQUIREMENTS §1: every request, complaint,
# visit, fee and survey of a customer on one page).
LATER_SECTIONS = [
    gettext_lazy("Complaints"),
    gettext_lazy("Fees"),
    gettext_lazy("Satisfaction surveys"),
]


def _require_editor(user: Any) -> None:
    if not visibility.can_edit_customers(user):
        raise PermissionDenied(_("You are not allowed to change customers."))


def _filters(request: HttpRequest) -> dict[str, Any]:
    get = request.GET
    department = get.get("department", "")
    return {
        "q": get.get("q", "").strip(),
        "phone": get.get("phone", "").strip(),
        "building": get.get("building", "").strip(),
        "room": get.get("room", "").strip(),
        "kind": get.get("kind", "") if get.get("kind", "") in CustomerKind.values else "",
        "department_id": parse_id(department),
    }


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    customers = selectors.customers_list(user=staff(request), **filters)
    page = Paginator(customers, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = PhoneShown(staff(request))
    rows = [
        {
            "customer": c,
            "phones": [shown(p.number) for p in c.phones.all()],
            "addresses": [a.label for a in c.addresses.all()],
        }
        for c in page.object_list
    ]
    return render(
        request,
        "customers/list.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "kinds": CustomerKind.choices,
            "departments": visibility.departments_for_user(staff(request)),
            "can_edit": visibility.can_edit_customers(staff(request)),
        },
    )


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (UTF-8 with BOM so Excel opens it); phones masked as on the page."""
    customers = selectors.customers_list(user=staff(request), **_filters(request))
    shown = PhoneShown(staff(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customers.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Name"), _("Kind"), _("Service department"), _("Phone"), _("Address")])
    for customer in customers.iterator(chunk_size=500):
        writer.writerow(
            [
                spreadsheet_safe(cell)
                for cell in (
                    customer.name,
                    customer.get_kind_display(),
                    customer.department.name if customer.department else "",
                    " ".join(shown(p.number) for p in customer.phones.all()),
                    "; ".join(a.label for a in customer.addresses.all()),
                )
            ]
        )
    return response


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=staff(request), pk=pk)
    shown = PhoneShown(staff(request))
    today = timezone.localdate()
    events = list(events_for(customer))  # shown for the reader by the template (fuwu.customers.display)
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "phones": [{"phone": p, "shown": shown(p.number)} for p in customer.phones.all()],
            "contacts": [{"contact": c, "shown": shown(c.phone)} for c in customer.contacts.all()],
            "agreements": [
                {"agreement": a, "is_current": a.is_current(today)} for a in customer.agreements.all()
            ],
            "products": [
                {"product": p, "in_warranty": p.in_warranty(today)} for p in customer.products.all()
            ],
            "events": events,
            "work_orders": _work_orders_of(request, customer),
            "later_sections": LATER_SECTIONS,
            "can_edit": visibility.can_edit_customers(staff(request)),
        },
    )


WORK_ORDERS_SHOWN = 20


def _work_orders_of(request: HttpRequest, customer: Customer) -> list[Any]:
    """The customer's latest work orders the user may see (one query)."""
    return list(
        visibility.work_orders_for_user(staff(request))
        .filter(customer=customer)
        .select_related("service_type", "department", "assignee")
        .order_by("-received_at", "-id")[:WORK_ORDERS_SHOWN]
    )


def _customer_form_page(request: HttpRequest, customer: Customer | None) -> HttpResponse:
    _require_editor(staff(request))
    # A role that sees numbers masked changes the other fields; its phones stay as they are.
    phones_editable = customer is None or visibility.sees_full_phone_numbers(staff(request))
    if request.method == "POST":
        form = CustomerForm(request.POST, user=staff(request))
        addresses = AddressFormSet(request.POST, prefix="addresses")
        phones = PhoneFormSet(request.POST, prefix="phones") if phones_editable else None
        if form.is_valid() and addresses.is_valid() and (phones is None or phones.is_valid()):
            address_forms = filled(addresses)
            phone_forms = filled(phones) if phones is not None else []
            values = {**form.cleaned_data, "addresses": [f.cleaned_data for f in address_forms]}
            if phones is not None:
                values["phones"] = [f.cleaned_data for f in phone_forms]
            try:
                if customer is None:
                    customer = services.customer_create(
                        organisation=staff_organisation(request), by=staff(request), **values
                    )
                    messages.success(request, _("Customer created."))
                else:
                    services.customer_update(customer=customer, by=staff(request), **values)
                    messages.success(request, _("Customer saved."))
                return redirect("customers:detail", pk=customer.pk)
            except ValidationFailed as exc:
                apply_errors(exc, form, {"addresses": address_forms, "phones": phone_forms})
            except PermissionDeniedError as exc:
                raise PermissionDenied(str(exc.message)) from exc
    elif customer is not None:
        form = CustomerForm(
            user=staff(request),
            initial={
                "name": customer.name,
                "kind": customer.kind,
                "department": customer.department,
                "confidentiality": customer.confidentiality,
                "notes": customer.notes,
            },
        )
        addresses = AddressFormSet(
            prefix="addresses",
            initial=[
                {"building": a.building, "unit": a.unit, "room": a.room, "text": a.text}
                for a in customer.addresses.all()
            ],
        )
        phones = (
            PhoneFormSet(
                prefix="phones",
                initial=[
                    {"number": p.number, "label": p.label, "is_primary": p.is_primary}
                    for p in customer.phones.all()
                ],
            )
            if phones_editable
            else None
        )
    else:
        form = CustomerForm(user=staff(request))
        addresses = AddressFormSet(prefix="addresses")
        phones = PhoneFormSet(prefix="phones")
    shown = PhoneShown(staff(request))
    return render(
        request,
        "customers/customer_form.html",
        {
            "form": form,
            "addresses": addresses,
            "phones": phones,
            "customer": customer,
            "masked_phones": [shown(p.number) for p in customer.phones.all()]
            if customer and phones is None
            else [],
        },
    )


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    return _customer_form_page(request, None)


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    # Editing shows numbers whole, so it is for roles that may change customers (agents, heads, admin).
    return _customer_form_page(request, selectors.customer_get(user=staff(request), pk=pk))


def _simple_form_page(
    request: HttpRequest,
    *,
    customer: Customer,
    form_class: type,
    initial: dict[str, Any],
    save: Any,
    title: str,
) -> HttpResponse:
    _require_editor(staff(request))
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("customers:detail", pk=customer.pk)
        except ValidationFailed as exc:
            apply_errors(exc, form)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
    return render(request, "customers/simple_form.html", {"form": form, "customer": customer, "title": title})


@login_required
def product_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=staff(request), pk=pk)
    return _simple_form_page(
        request,
        customer=customer,
        form_class=ProductForm,
        initial={},
        title=_("Add a product"),
        save=lambda data: services.product_add(customer=customer, by=staff(request), **data),
    )


@login_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(user=staff(request), pk=pk)
    fields = ["name", "model", "serial", "sale_date", "warranty_ends_on", "running_hours", "mileage_km"]
    return _simple_form_page(
        request,
        customer=product.customer,
        form_class=ProductForm,
        initial={f: getattr(product, f) for f in fields},
        title=_("Change product"),
        save=lambda data: services.product_update(product=product, by=staff(request), **data),
    )


@login_required
def agreement_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_get(user=staff(request), pk=pk)
    return _simple_form_page(
        request,
        customer=customer,
        form_class=AgreementForm,
        initial={},
        title=_("Add a service agreement"),
        save=lambda data: services.agreement_add(customer=customer, by=staff(request), **data),
    )


@login_required
def agreement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get(user=staff(request), pk=pk)
    fields = ["number", "title", "starts_on", "ends_on"]
    return _simple_form_page(
        request,
        customer=agreement.customer,
        form_class=AgreementForm,
        initial={f: getattr(agreement, f) for f in fields},
        title=_("Change service agreement"),
        save=lambda data: services.agreement_update(agreement=agreement, by=staff(request), **data),
    )


def _import_page(
    request: HttpRequest, *, importer: Any, columns: dict[str, tuple[str, ...]], title: str, done_url: str
) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importer(
                organisation=staff_organisation(request), file=upload, by=staff(request), filename=upload.name
            )
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        if result.ok:
            messages.success(request, _("Imported %(count)s rows.") % {"count": result.created})
            return redirect(done_url)
    return render(
        request,
        "customers/import.html",
        {
            "form": form,
            "result": result,
            "title": title,
            "columns": [(key, headers[0]) for key, headers in columns.items()],
        },
        status=422 if result is not None and not result.ok else 200,
    )


@login_required
def customer_import(request: HttpRequest) -> HttpResponse:
    _require_editor(staff(request))
    return _import_page(
        request,
        importer=import_customers,
        columns=CUSTOMER_COLUMNS,
        title=_("Import customers"),
        done_url="customers:list",
    )


@login_required
def staff_import(request: HttpRequest) -> HttpResponse:
    if not visibility.can_manage_organisation(staff(request)):
        raise PermissionDenied(_("Only administrators import staff."))
    return _import_page(
        request,
        importer=import_staff,
        columns=STAFF_COLUMNS,
        title=_("Import staff"),
        done_url="customers:import_staff",
    )
