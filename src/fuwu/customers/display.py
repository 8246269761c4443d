"""How customer records and their values are shown (loaded by the timeline app at start-up)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.lib.display import system_texts
from fuwu.timeline.display import Auto, Fields, Value, timeline_display

from .models import Customer, CustomerKind, Product, ServiceAgreement

PRODUCT_FIELDS = ("model", "serial", "sale_date", "warranty_ends_on", "running_hours", "mileage_km")
AGREEMENT_FIELDS = ("number", "title", "starts_on", "ends_on")


def _customers(viewer: Any, ids: set[Any]) -> Any:
    return visibility.customers_for_user(viewer).filter(pk__in=ids).only("pk", "name")


timeline_display.reference(
    Customer,
    visible=_customers,
    name=lambda customer: customer.name,
    url=lambda customer, viewer: reverse("customers:detail", args=[customer.pk]),
)

# Phone numbers inside any timeline (a customer's, a caller's, a member of staff's) are masked for
# the roles that see them masked everywhere else.
timeline_display.value_filter(lambda viewer: visibility.PhoneShown(viewer).in_value)

PRODUCT = Fields(
    {"name": Value(_("name")), **{name: Value.of(Product, name) for name in PRODUCT_FIELDS}}, model=Product
)
AGREEMENT = Fields(
    {name: Value.of(ServiceAgreement, name) for name in AGREEMENT_FIELDS}, model=ServiceAgreement
)

timeline_display.subject(
    Customer,
    actions={
        "customer.created": _("Customer record created"),
        "customer.updated": _("Customer record changed"),
        "customer.phone_added": _("Phone added"),
        "customer.product_added": _("Product added"),
        "customer.product_updated": _("Product changed"),
        "customer.agreement_added": _("Service agreement added"),
        "customer.agreement_updated": _("Service agreement changed"),
    },
    fields={
        "phone": Value(_("phone"), Auto()),
        "product": Value(_("product"), PRODUCT),
        "agreement": Value(_("service agreement"), AGREEMENT),
        # A product's or an agreement's own fields, changed (customer.product_updated / agreement_updated).
        **{name: Value.of(Product, name) for name in PRODUCT_FIELDS},
        **{name: Value.of(ServiceAgreement, name) for name in AGREEMENT_FIELDS},
    },
)

system_texts.register_choices(CustomerKind)
