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
        service_type = visibility.service_types_for_user(user).filter(pk=arguments["service_type_id"]).first()
        pairs.append((_("Service type"), service_type.name if service_type else "—"))
    if arguments["department_id"]:
        department = visibility.departments_for_user(user).filter(pk=arguments["department_id"]).first()
        pairs.append((_("Department"), department.name if department else "—"))
    for name, label in (
        ("assignee_id", pgettext_lazy("work order", "Assignee")),
        ("first_contact_owner_id", _("First-contact owner")),
    ):
        if arguments[name]:
            person = visibility.staff_for_user(user).filter(pk=arguments[name]).first()
            pairs.append((label, person.display_name if person else "—"))
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


# --- the service voucher (服务凭证) as PDF -------------------------------------------------------


def voucher_pdf(work_order: WorkOrder, viewer: Any, *, now: Any = None) -> bytes:
    """The printed voucher's content as an A4 PDF in the viewer's language, the caller's phone as
    the viewer may see it. ``work_order`` comes from ``selectors.work_order_get`` (visible to the
    viewer, its relations prefetched)."""
    from decimal import Decimal

    from django.utils import timezone
    from django.utils.translation import gettext as t
    from django.utils.translation import pgettext

    from fuwu.exports.pdf import FormPDF
    from fuwu.lib.display import EMPTY, join_list, local_day, local_time, money

    now = now or timezone.now()
    shown = PhoneShown(viewer)
    wo = work_order
    pdf = FormPDF(
        title=f"{wo.number} · {t('Service voucher')}",
        organisation=wo.organisation.name,
        footer=f"{t('No.')} {wo.number}",
    )
    pdf.add_page()
    pdf.heading(wo.organisation.name, size=12)
    pdf.heading(t("Service voucher"), size=18)
    pdf.paragraph(f"{t('No.')} {wo.number} · {t('Printed')} {local_time(now)}", size=9, align="C")
    pdf.ln(2)

    product = EMPTY
    if wo.product is not None:
        bits = [f"{wo.product.name} {wo.product.model}".strip()]
        if wo.product.serial:
            bits.append(f"{t('Serial number')} {wo.product.serial}")
        if wo.product.warranty_ends_on:
            bits.append(f"{t('Warranty ends on')} {local_day(wo.product.warranty_ends_on)}")
        product = " · ".join(bits)
    materials = list(wo.materials.all())  # ✓ received, □ not (the font has no ☐ ☑)
    team = list(wo.team.all())
    technician = EMPTY
    if wo.assignee is not None:
        technician = wo.assignee.display_name + (f" ({t('leader')})" if team else "")
        technician = ", ".join([technician, *(member.display_name for member in team)])
    clocks = [c for c in wo.clocks.all() if c.is_active]
    pdf.rows(
        [
            [(t("Task"), f"{wo.service_type.name} · {wo.get_priority_display()}\n{wo.description}")],
            [
                (t("Customer"), wo.customer.name if wo.customer else EMPTY),
                (t("Caller"), f"{wo.caller_name} {shown(wo.caller_phone)}".strip()),
            ],
            [(t("Address"), _address(wo) or EMPTY)],
            [(t("Product / model"), product)],
            [
                (
                    t("Materials"),
                    "   ".join(f"{'✓' if m.is_received else '□'} {m.name}" for m in materials) or EMPTY,
                )
            ],
            [
                (t("Technician"), technician),
                (t("Department"), wo.department.name if wo.department else EMPTY),
            ],
            [
                (
                    t("Received"),
                    f"{local_time(wo.received_at)} · {wo.first_contact_owner.display_name}"
                    if wo.first_contact_owner
                    else local_time(wo.received_at),
                ),
                (t("Dispatched"), local_time(wo.dispatched_at)),
            ],
            [(t("Arrived"), local_time(wo.arrived_at)), (t("Done"), local_time(wo.done_at))],
            [
                (
                    t("Deadlines"),
                    "   ".join(f"{c.get_kind_display()} {local_time(c.due_at)}" for c in clocks) or EMPTY,
                )
            ],
        ]
    )
    pdf.ln(3)
    report_rows: list[list[tuple[str, str]]] = []
    for report in wo.reports.all():
        findings = [report.findings, report.get_warranty_status_display()]
        if report.disassembly_signs:
            findings.append(t("signs of disassembly"))
        if report.running_hours is not None:
            findings.append(f"{t('Running hours')} {report.running_hours}")
        if report.mileage_km is not None:
            findings.append(f"{t('Mileage (km)')} {report.mileage_km}")
        parts = [
            f"{part.get('name', '')} {part.get('model', '')} × {part.get('quantity', '')}".strip()
            for part in report.parts or []
            if isinstance(part, dict)
        ]
        report_rows += [
            [(t("Findings"), " · ".join(findings))],
            [(pgettext("report field", "Work done"), "\n".join([report.work_done, *parts]))],
            [(t("Time spent"), t("%(minutes)s min") % {"minutes": report.minutes_spent})],
        ]
    if not report_rows:
        report_rows = [
            [(t("Findings"), " \n ")],
            [(pgettext("report field", "Work done"), " \n ")],
            [(t("Parts used"), " ")],
        ]
    fees = list(wo.fees.all())
    fee_lines = []
    for fee in fees:
        line = (
            f"{fee.description} {fee.quantity.normalize():f} × {money(fee.unit_price)} = {money(fee.amount)}"
        )
        if fee.is_collected:
            line += f" · {t('Invoice/receipt number')} {fee.receipt_number}"
        fee_lines.append(line)
    if fees:
        fee_lines.append(f"{t('Total')} {money(sum((f.amount for f in fees), start=Decimal(0)))}")
    elif wo.status in (Status.DONE, Status.CONFIRMED, Status.CLOSED):
        fee_lines.append(t("Free of charge"))
    fee_lines.append(t("Fees are paid to the company against an invoice or receipt only."))
    report_rows.append([(t("Fees"), "\n".join(fee_lines))])
    pdf.rows(report_rows)
    pdf.ln(4)

    confirmations = list(wo.confirmations.all())
    signed_by = join_list(c.confirmed_by_name for c in confirmations if c.confirmed_by_name)
    signed_at = join_list(local_time(c.confirmed_at) for c in confirmations)
    pdf.signature_boxes(
        [(t("Technician's signature"), ""), (t("Customer's signature"), signed_by), (t("Date"), signed_at)]
    )
    for confirmation in confirmations:
        if confirmation.method == "signature" and confirmation.evidence:
            try:
                with confirmation.evidence.open("rb") as picture:
                    pdf.image_box(picture)
            except (OSError, ValueError):  # the file is gone or not a picture: the name stands
                pass
    pdf.paragraph(
        t(
            "The customer signs only after the work is done. Signing in advance or on someone else's behalf is not allowed."
        ),
        size=8,
        grey=True,
    )
    return pdf.bytes()
