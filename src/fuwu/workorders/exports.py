"""The work-order register (工单台账) as an Excel export: the rows of the work-order list with its
filters (page or API), as the requester may see them (visibility, clearance, phone masking)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu import visibility
from fuwu.exports.registers import Column, Kind, Parameters, Register, register
from fuwu.visibility import PhoneShown

from . import selectors
from .models import Channel, Priority, Status, WorkOrder

# The keyword arguments of ``selectors.work_orders_list`` an export may carry (JSON).
SELECTOR_ARGUMENTS = (
    "statuses",
    "department_id",
    "assignee_id",
    "first_contact_owner_id",
    "service_type_id",
    "channel",
    "priority",
    "received_from",
    "received_to",
    "overdue",
    "q",
    "view",
    "mine",
    "sort",
)


def as_parameters(arguments: dict[str, Any]) -> dict[str, Any]:
    """Selector arguments as JSON values (dates as ISO 8601), without the empty ones."""
    out: dict[str, Any] = {}
    for name in SELECTOR_ARGUMENTS:
        value = arguments.get(name)
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, list | tuple):
            value = [str(v) for v in value]
        out[name] = value
    return out


def _moment(value: Any) -> date | datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def selector_arguments(parameters: Parameters) -> dict[str, Any]:
    """JSON parameters back as ``selectors.work_orders_list`` keyword arguments."""
    statuses = [s for s in parameters.get("statuses") or [] if s in Status.values]
    text = {
        name: parameters.get(name) or None for name in ("channel", "priority", "q", "view", "mine", "sort")
    }
    overdue = parameters.get("overdue")
    return {
        "statuses": statuses or None,
        **{name: _int(parameters.get(name)) for name in SELECTOR_ARGUMENTS if name.endswith("_id")},
        **{name: str(value) if value is not None else None for name, value in text.items()},
        "received_from": _moment(parameters.get("received_from")),
        "received_to": _moment(parameters.get("received_to")),
        "overdue": overdue if isinstance(overdue, bool) else None,
    }


def page_parameters(request: Any) -> dict[str, Any]:
    """The filters of the work-order list page (its tab and filter form), read by the list's code."""
    from .forms import ListFilterForm
    from .views.lists import _filters, list_tab

    user = request.user
    form = ListFilterForm(request.GET or None, user=user)
    return as_parameters({**_filters(form), "view": list_tab(request.GET.get("tab"), user).value})


def records(user: Any, parameters: Parameters) -> Any:
    return selectors.work_orders_list(user=user, **selector_arguments(parameters))


class Context:
    """Computed once per export: the phone rule and the labels in the requester's language."""

    def __init__(self, user: Any) -> None:
        self.shown = PhoneShown(user)
        self.status = {value: str(label) for value, label in Status.choices}
        self.priority = {value: str(label) for value, label in Priority.choices}
        self.channel = {value: str(label) for value, label in Channel.choices}


def _name(person: Any) -> str:
    return person.display_name if person is not None else ""


def _address(wo: WorkOrder) -> str:
    location = wo.location
    return f"{location} {wo.address}" if wo.address and wo.address != location else location


COLUMNS = [
    Column(_("Number"), lambda wo, c: wo.number, width=18),
    Column(_("Received at"), lambda wo, c: wo.received_at, width=17, kind=Kind.DATETIME),
    Column(_("Status"), lambda wo, c: c.status.get(wo.status, ""), width=10),
    Column(_("Priority"), lambda wo, c: c.priority.get(wo.priority, ""), width=8),
    Column(_("Channel"), lambda wo, c: c.channel.get(wo.channel, ""), width=10),
    Column(_("Service type"), lambda wo, c: wo.service_type.name, width=14),
    Column(_("Customer"), lambda wo, c: wo.customer.name if wo.customer else "", width=16),
    Column(_("Caller"), lambda wo, c: wo.caller_name, width=10),
    Column(_("Phone"), lambda wo, c: c.shown(wo.caller_phone), width=14),
    Column(_("Address"), lambda wo, c: _address(wo), width=24),
    Column(_("Description"), lambda wo, c: wo.description, width=36),
    Column(_("Handling department"), lambda wo, c: wo.department.name if wo.department else "", width=14),
    Column(pgettext_lazy("work order", "Assignee"), lambda wo, c: _name(wo.assignee), width=10),
    Column(_("First-contact owner"), lambda wo, c: _name(wo.first_contact_owner), width=10),
    Column(_("Dispatched at"), lambda wo, c: wo.dispatched_at, width=17, kind=Kind.DATETIME),
    Column(_("Done at"), lambda wo, c: wo.done_at, width=17, kind=Kind.DATETIME),
    Column(_("Closed at"), lambda wo, c: wo.closed_at, width=17, kind=Kind.DATETIME),
    Column(_("Next deadline"), lambda wo, c: getattr(wo, "next_due_at", None), width=17, kind=Kind.DATETIME),
    Column(_("Overdue"), lambda wo, c: bool(getattr(wo, "is_overdue", False)), width=8),
    Column(_("Paid service"), lambda wo, c: wo.is_paid, width=8),
]


def filters(user: Any, parameters: Parameters) -> list[tuple[Any, Any]]:
    """The filters in use as (label, value) pairs in the requester's language."""
    from fuwu.lib.display import join_list, local_day, local_time, yes_no

    from .views.lists import TABS

    arguments = selector_arguments(parameters)
    pairs: list[tuple[Any, Any]] = []
    if arguments["view"]:
        tabs = {str(key): label for key, label in TABS}
        pairs.append((_("List"), tabs.get(arguments["view"], arguments["view"])))
    if arguments["mine"]:
        tabs = {str(key): label for key, label in TABS}
        pairs.append((_("Only mine"), tabs.get(arguments["mine"], arguments["mine"])))
    if arguments["statuses"]:
        pairs.append((_("Status"), join_list(Status(s).label for s in arguments["statuses"])))
    if arguments["priority"] in Priority.values:
        pairs.append((_("Priority"), Priority(arguments["priority"]).label))
    if arguments["channel"] in Channel.values:
        pairs.append((_("Channel"), Channel(arguments["channel"]).label))
    if arguments["service_type_id"]:
        found = visibility.service_types_for_user(user).filter(pk=arguments["service_type_id"]).first()
        pairs.append((_("Service type"), found.name if found else "—"))
    if arguments["department_id"]:
        found = visibility.departments_for_user(user).filter(pk=arguments["department_id"]).first()
        pairs.append((_("Department"), found.name if found else "—"))
    for name, label in (
        ("assignee_id", pgettext_lazy("work order", "Assignee")),
        ("first_contact_owner_id", _("First-contact owner")),
    ):
        if arguments[name]:
            found = visibility.staff_for_user(user).filter(pk=arguments[name]).first()
            pairs.append((label, found.display_name if found else "—"))
    for name, label in (("received_from", _("Received from")), ("received_to", _("Received until"))):
        value = arguments[name]
        if value is not None:
            pairs.append((label, local_time(value) if isinstance(value, datetime) else local_day(value)))
    if arguments["overdue"] is not None:
        pairs.append((_("Overdue"), yes_no(arguments["overdue"])))
    if arguments["q"]:
        pairs.append((_("Search"), arguments["q"]))
    return pairs


WORK_ORDER_REGISTER = register(
    Register(
        kind="work-orders",
        title=_("Work-order register"),
        filename="work-orders",
        columns=COLUMNS,
        records=records,
        context=Context,
        filters=filters,
        from_request=page_parameters,
        list_url="workorders:list",
    )
)
