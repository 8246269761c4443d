"""The customer list (客户名录) as an Excel export: the customer list's filters, visibility and
phone masking (the CSV export of ``views.customer_export`` stays as it is)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.exports.registers import Column, Kind, Parameters, Register, register
from fuwu.visibility import PhoneShown

from . import selectors
from .models import Customer, CustomerKind

FILTERS = ("q", "phone", "building", "room", "kind", "department_id")


def page_parameters(request: Any) -> dict[str, Any]:
    """The customer list page's filters, read by the page's own code."""
    from .views import _filters

    return {name: value for name, value in _filters(request).items() if value not in (None, "")}


def _arguments(parameters: Parameters) -> dict[str, Any]:
    arguments: dict[str, Any] = {name: parameters.get(name) or None for name in FILTERS}
    department = arguments["department_id"]
    arguments["department_id"] = department if isinstance(department, int) and department > 0 else None
    if arguments["kind"] not in CustomerKind.values:
        arguments["kind"] = None
    return {
        name: value if value is None or name == "department_id" else str(value)
        for name, value in arguments.items()
    }


def records(user: Any, parameters: Parameters) -> Any:
    return selectors.customers_list(user=user, **_arguments(parameters)).prefetch_related("agreements")


class Context:
    def __init__(self, user: Any) -> None:
        from django.utils import timezone

        self.shown = PhoneShown(user)
        self.kind = {value: str(label) for value, label in CustomerKind.choices}
        self.today = timezone.localdate()


def _current_agreements(customer: Customer, context: Context) -> str:
    from fuwu.lib.display import join_list

    return join_list(a.number or a.title for a in customer.agreements.all() if a.is_current(context.today))


COLUMNS = [
    Column(_("Name"), lambda c, x: c.name, width=20),
    Column(_("Kind"), lambda c, x: x.kind.get(c.kind, ""), width=10),
    Column(_("Service department"), lambda c, x: c.department.name if c.department else "", width=14),
    Column(_("Phone"), lambda c, x: " ".join(x.shown(p.number) for p in c.phones.all()), width=28),
    Column(_("Address"), lambda c, x: "; ".join(a.label for a in c.addresses.all()), width=32),
    Column(_("Current service agreements"), _current_agreements, width=20),
    Column(_("Notes"), lambda c, x: c.notes, width=30),
    Column(_("Created at"), lambda c, x: c.created_at, width=17, kind=Kind.DATETIME),
]


def filters(user: Any, parameters: Parameters) -> list[tuple[Any, Any]]:
    arguments = _arguments(parameters)
    pairs: list[tuple[Any, Any]] = []
    if arguments["kind"]:
        pairs.append((_("Kind"), CustomerKind(arguments["kind"]).label))
    if arguments["department_id"]:
        found = visibility.departments_for_user(user).filter(pk=arguments["department_id"]).first()
        pairs.append((_("Service department"), found.name if found else "—"))
    for name, label in (
        ("q", _("Search")),
        ("phone", _("Phone")),
        ("building", _("Building")),
        ("room", _("Room")),
    ):
        if arguments[name]:
            pairs.append((label, arguments[name]))
    return pairs


CUSTOMER_LIST = register(
    Register(
        kind="customers",
        title=_("Customer list"),
        filename="customers",
        columns=COLUMNS,
        records=records,
        context=Context,
        filters=filters,
        from_request=page_parameters,
        list_url="customers:list",
    )
)
