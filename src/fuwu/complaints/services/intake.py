"""Intake: a new complaint on any channel, from scratch or raised from a work order.

Three steps, as for work orders: check the input (``_checked_intake``: 403, then 422 naming every
wrong field), read what the complaint needs (``_read_for_intake``: policy, calendar, repeat
detection, heads to tell), then write it in one transaction (``_write_complaint``: the number, the
row, its first caller, its clocks, its first timeline event, the work order's event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.catalogue.models import ServiceType
from fuwu.customers.models import Customer, Product
from fuwu.lib.errors import FieldErrors, PermissionDeniedError
from fuwu.lib.inputs import DESCRIPTION_LENGTH, MAX_INT
from fuwu.lib.search import search_text
from fuwu.lib.worktime import WorkCalendar
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.numbering.services import next_number
from fuwu.org.models import Confidentiality, Department, Organisation, Role, User
from fuwu.policy.schema import PolicyDocument
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import policy_and_calendar_for
from fuwu.workorders.models import WorkOrder

from ..models import (
    ACKNOWLEDGED_AT_INTAKE,
    REGISTERED_LATER,
    Caller,
    Channel,
    ClockKind,
    Complaint,
    ComplaintObject,
    Status,
)
from ..permissions import may_take_complaints
from .context import _optional_text, _required_text, planned_clocks

# The oldest a complaint's receipt may be when it is registered (a letter found a year later is not
# a complaint to handle against today's deadlines): a bound by sense.
MAX_BACKDATING = timedelta(days=366)
# Clocks every complaint starts with at receipt (execution starts with the plan, the visit with the reply).
INTAKE_CLOCKS = (ClockKind.ACKNOWLEDGE, ClockKind.INVESTIGATION, ClockKind.PLAN, ClockKind.REPLY)


@dataclass
class ComplaintInput:
    """What a new complaint is registered with (field names are the API's)."""

    channel: str
    subject: str
    description: str
    object: str = ComplaintObject.OTHER
    severity: str = ""
    demand: str = ""
    customer_id: int | None = None
    caller_name: str = ""
    caller_phone: str = ""
    address: str = ""
    work_order_id: int | None = None
    service_type_id: int | None = None
    product_id: int | None = None
    department_id: int | None = None
    confidentiality: int = 0
    received_at: datetime | None = None
    identity_protected: bool = False
    # Who receives a complaint nobody took (the public page): the intake duty's handler by default.
    first_contact_owner_id: int | None = None


@dataclass
class _Intake:
    organisation: Organisation
    by: User | None
    owner: User
    now: datetime
    received_at: datetime
    data: ComplaintInput
    subject: str
    description: str
    demand: str
    caller_name: str
    caller_phone: str
    address: str
    customer: Customer | None
    work_order: WorkOrder | None
    service_type: ServiceType | None
    product: Product | None
    department: Department | None
    confidentiality: int
    severity: str
    handler_role: str
    version_id: int | None = None
    policy: PolicyDocument | None = None
    calendar: WorkCalendar | None = None
    repeat_of: Complaint | None = None
    heads: list[User] = field(default_factory=list)
    intake_department: Department | None = None
    people_involved: list[User] = field(default_factory=list)


def default_severity(policy: PolicyDocument) -> str:
    """The first level handled by a department head, else the first level."""
    levels = policy.complaints.severity_levels
    return next((lv.code for lv in levels if lv.handler_role == Role.DEPARTMENT_HEAD), levels[0].code)


def _choices(values: list[str]) -> str:
    return _("must be one of %(choices)s") % {"choices": ", ".join(values)}


def _valid_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_INT


def _missing(field_name: str) -> str:
    return {
        "customer_id": _("no such customer"),
        "product_id": _("no such product"),
        "service_type_id": _("no such service type"),
        "department_id": _("no such department"),
        "first_contact_owner_id": _("no such member of staff"),
    }.get(field_name) or _("no such work order")


def _get(model: Any, pk: int | None, field_name: str, errors: FieldErrors, **scope: Any) -> Any:
    if pk is None:
        return None
    if not _valid_id(pk):
        errors.add(field_name, _missing(field_name))
        return None
    found = model._default_manager.filter(pk=pk, **scope).first()
    if found is None:
        errors.add(field_name, _missing(field_name))
    return found


def complaint_create(
    *, organisation: Organisation, by: User | None, data: ComplaintInput, now: datetime | None = None
) -> Complaint:
    """Register a complaint. The receiver becomes its first-contact owner for good; only people who
    register complaints may (``permissions.may_take_complaints``), else 403; ``by=None`` is the
    public page (the intake duty's handler receives it)."""
    intake = _checked_intake(organisation=organisation, by=by, data=data, now=now or timezone.now())
    _read_for_intake(intake)
    with transaction.atomic():
        return _write_complaint(intake)


def complaint_from_work_order(
    work_order: WorkOrder,
    *,
    by: User,
    subject: str,
    description: str,
    object: str = ComplaintObject.OTHER,
    severity: str = "",
    demand: str = "",
    channel: str = Channel.WORK_ORDER,
    now: datetime | None = None,
) -> Complaint:
    """A complaint about a work order: its customer, caller, place, product, service type and
    department come along; the people who worked on it are named in the first event (the suggested
    responsible); the work order's timeline says so too. The caller has checked that ``by`` sees
    the work order."""
    data = ComplaintInput(
        channel=channel,
        subject=subject,
        description=description,
        object=object,
        severity=severity,
        demand=demand,
        customer_id=work_order.customer_id,
        caller_name=work_order.caller_name,
        caller_phone=work_order.caller_phone,
        address=work_order.location[:300],
        work_order_id=work_order.pk,
        service_type_id=work_order.service_type_id,
        product_id=work_order.product_id,
        department_id=work_order.department_id,
        confidentiality=work_order.confidentiality,
    )
    return complaint_create(organisation=work_order.organisation, by=by, data=data, now=now)


def _checked_intake(
    *, organisation: Organisation, by: User | None, data: ComplaintInput, now: datetime
) -> _Intake:
    from fuwu.customers.services import normalise_phone, phone_problem
    from fuwu.workorders.services.intake import intake_handler

    if by is not None and not may_take_complaints(by):
        raise PermissionDeniedError(_("Your role does not register complaints: ask an agent to register it."))
    errors = FieldErrors()
    if data.channel not in Channel.values:
        errors.add("channel", _choices(Channel.values))
    if data.object not in ComplaintObject.values:
        errors.add("object", _choices(ComplaintObject.values))
    subject = _required_text(data.subject, "subject", errors, limit=200)
    description = _required_text(data.description, "description", errors, limit=DESCRIPTION_LENGTH)
    demand = _optional_text(data.demand, "demand", errors, limit=DESCRIPTION_LENGTH)
    caller_name = _optional_text(data.caller_name, "caller_name", errors, limit=100)
    caller_phone = normalise_phone(_optional_text(data.caller_phone, "caller_phone", errors, limit=30))
    address = _optional_text(data.address, "address", errors, limit=300)
    if data.confidentiality not in Confidentiality.values or isinstance(data.confidentiality, bool):
        errors.add("confidentiality", _choices([str(v) for v in Confidentiality.values]))
    if not isinstance(data.identity_protected, bool):
        errors.add("identity_protected", _("must be true or false"))

    # When it was received: not in the future; earlier only for papers registered later and the API.
    received_at = data.received_at or now
    if data.received_at is not None:
        if timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        if received_at > now:
            errors.add("received_at", _("must not be in the future"))
        elif received_at < now - MAX_BACKDATING:
            errors.add(
                "received_at", _("must be within the last %(days)s days") % {"days": MAX_BACKDATING.days}
            )
        elif received_at < now and data.channel not in (*REGISTERED_LATER, Channel.API):
            errors.add(
                "received_at",
                _(
                    "may be earlier than now only for letters, faxes, e-mails, suggestion-box notes and the API"
                ),
            )

    # First-contact owner: the receiver; the public page's complaints go to the intake duty.
    owner: User | None = by
    if by is None:
        owner = (
            _get(
                User, data.first_contact_owner_id, "first_contact_owner_id", errors, organisation=organisation
            )
            if data.first_contact_owner_id is not None
            else intake_handler(organisation, now)
        )
        if owner is None and "first_contact_owner_id" not in errors.fields:
            errors.add("first_contact_owner_id", _("no intake duty is set up to receive this complaint"))
    if owner is not None and (owner.organisation_id != organisation.pk or not owner.is_active):
        errors.add("first_contact_owner_id", _("must be an active member of staff"))

    viewer = owner if by is None else by
    customer = _get(Customer, data.customer_id, "customer_id", errors, organisation=organisation)
    if (
        customer is not None
        and viewer is not None
        and not visibility.customers_for_user(viewer).filter(pk=customer.pk).exists()
    ):
        errors.add("customer_id", _missing("customer_id"))
        customer = None
    work_order = _get(WorkOrder, data.work_order_id, "work_order_id", errors, organisation=organisation)
    if (
        work_order is not None
        and viewer is not None
        and not visibility.work_orders_for_user(viewer).filter(pk=work_order.pk).exists()
    ):
        errors.add("work_order_id", _missing("work_order_id"))
        work_order = None
    service_type = _get(
        ServiceType, data.service_type_id, "service_type_id", errors, organisation=organisation
    )
    product = _get(Product, data.product_id, "product_id", errors, customer__organisation=organisation)
    if (
        product is not None
        and viewer is not None
        and not visibility.customers_for_user(viewer).filter(pk=product.customer_id).exists()
    ):
        # A product is known through its customer: one the user may not see does not exist for them.
        errors.add("product_id", _missing("product_id"))
        product = None
    if product is not None:
        if customer is None and data.customer_id is None:
            customer = product.customer
        elif customer is not None and product.customer_id != customer.pk:
            errors.add("product_id", _("is not a product of this customer"))
    if work_order is not None and customer is None and data.customer_id is None:
        customer = work_order.customer
    department = _get(Department, data.department_id, "department_id", errors, organisation=organisation)
    if department is None and data.department_id is None:
        if work_order is not None:
            department = work_order.department
        elif service_type is not None:
            department = service_type.default_department
        elif customer is not None:
            department = customer.department

    if customer is not None:
        caller_name = caller_name or customer.name
        if not caller_phone:
            first = customer.phones.order_by("-is_primary", "pk").first()
            caller_phone = first.number if first else ""
        if not address:
            first_address = customer.addresses.order_by("order", "pk").first()
            if first_address is not None:
                address = " ".join(
                    p
                    for p in (
                        first_address.text,
                        first_address.building,
                        first_address.unit,
                        first_address.room,
                    )
                    if p
                )[:300]
    if caller_phone and (problem := phone_problem(caller_phone)):
        errors.add("caller_phone", problem)
    # Someone must be answerable, except for an anonymous note (suggestion box, letter, public page).
    if not (caller_phone or customer or data.customer_id) and data.channel not in (
        *REGISTERED_LATER,
        Channel.WEB,
    ):
        errors.add("caller_phone", _("is required"))
    errors.raise_if_any()
    assert owner is not None

    confidentiality = max(
        int(data.confidentiality),
        customer.confidentiality if customer is not None else 0,
        work_order.confidentiality if work_order is not None else 0,
    )
    # The first-contact owner follows the complaint to its end: it may not be above their clearance.
    if confidentiality > owner.clearance:
        field_name = (
            "confidentiality"
            if data.confidentiality > owner.clearance
            else (
                "customer_id"
                if customer is not None and customer.confidentiality > owner.clearance
                else "work_order_id"
            )
        )
        errors.add(
            field_name,
            _(
                "is above the clearance of %(owner)s, who receives this complaint and must be able to follow it"
            )
            % {"owner": owner},
        )
        errors.raise_if_any()
    return _Intake(
        organisation=organisation,
        by=by,
        owner=owner,
        now=now,
        received_at=received_at,
        data=data,
        subject=subject,
        description=description,
        demand=demand,
        caller_name=caller_name,
        caller_phone=caller_phone,
        address=address,
        customer=customer,
        work_order=work_order,
        service_type=service_type,
        product=product,
        department=department,
        confidentiality=confidentiality,
        severity=data.severity,
        handler_role="",
    )


def _find_repeat(intake: _Intake) -> Complaint | None:
    """An earlier complaint this one repeats (``services.repeats``, when installed)."""
    try:
        repeats = import_module("fuwu.complaints.services.repeats")
    except ModuleNotFoundError as exc:
        if exc.name != "fuwu.complaints.services.repeats":
            raise
        return None
    assert intake.policy is not None
    found: Complaint | None = repeats.find_repeat_of(
        organisation_id=intake.organisation.pk,
        customer_id=intake.customer.pk if intake.customer else None,
        caller_phone=intake.caller_phone,
        address=intake.address,
        service_type_id=intake.service_type.pk if intake.service_type else None,
        product_id=intake.product.pk if intake.product else None,
        work_order_id=intake.work_order.pk if intake.work_order else None,
        received_at=intake.received_at,
        window_days=intake.policy.complaints.repeat_window_days,
    )
    return found


def _read_for_intake(intake: _Intake) -> None:
    """The policy version it pins and the calendar, the severity's level, the complaint it repeats,
    the heads of the department it arrives in, the people who worked on its work order."""
    from fuwu.org.selectors import heads_of

    intake.version_id, intake.policy, intake.calendar = policy_and_calendar_for(intake.organisation)
    levels = {level.code: level for level in intake.policy.complaints.severity_levels}
    severity = intake.severity or default_severity(intake.policy)
    if severity not in levels:
        errors = FieldErrors()
        errors.add("severity", _choices(list(levels)))
        errors.raise_if_any()
    intake.severity = severity
    intake.handler_role = levels[severity].handler_role
    intake.repeat_of = _find_repeat(intake)
    intake.heads = heads_of(intake.department)
    intake.intake_department = intake.owner.department
    if intake.work_order is not None:
        intake.people_involved = [
            p for p in (intake.work_order.assignee, *intake.work_order.team.all()) if p is not None
        ]


def complaint_search_text(complaint: Complaint, customer: Customer | None) -> str:
    return search_text(
        complaint.number,
        complaint.subject,
        complaint.description,
        complaint.caller_name,
        complaint.caller_phone,
        complaint.address,
        customer.name if customer else "",
    )


def _write_complaint(intake: _Intake) -> Complaint:
    assert intake.policy is not None
    assert intake.calendar is not None
    from fuwu.clocks import services as clock_engine

    policy, now, owner, by = intake.policy, intake.now, intake.owner, intake.by
    acknowledged = intake.data.channel in ACKNOWLEDGED_AT_INTAKE
    # A minor complaint is explained on the spot by the agent who took it (004 3.3).
    handler = owner if intake.handler_role == Role.AGENT and owner.has_role(Role.AGENT) else None
    complaint = Complaint(
        organisation=intake.organisation,
        number=next_number(
            organisation_id=intake.organisation.pk,
            kind="complaint",
            numbering=policy.numbering,
            on=timezone.localtime(now).date(),
        ),
        policy_version_id=intake.version_id,
        status=Status.ACKNOWLEDGED if acknowledged else Status.RECEIVED,
        channel=intake.data.channel,
        customer=intake.customer,
        caller_name=intake.caller_name,
        caller_phone=intake.caller_phone,
        address=intake.address,
        identity_protected=intake.data.identity_protected,
        work_order=intake.work_order,
        service_type=intake.service_type,
        product=intake.product,
        subject=intake.subject,
        description=intake.description,
        demand=intake.demand,
        confidentiality=intake.confidentiality,
        object=intake.data.object,
        severity=intake.severity,
        handler_role=intake.handler_role,
        first_contact_owner=owner,
        intake_department=intake.intake_department,
        logged_by=by,
        received_at=intake.received_at,
        registered_at=now,
        department=intake.department,
        handler=handler,
        repeat_of=intake.repeat_of,
        acknowledged_at=now if acknowledged else None,
    )
    complaint.search_text = complaint_search_text(complaint, intake.customer)
    complaint.save(force_insert=True)
    Caller.objects.create(
        complaint=complaint,
        name=intake.caller_name,
        phone=intake.caller_phone,
        customer=intake.customer,
        added_at=now,
    )
    # The clocks count from receipt (a letter's from the day it arrived).
    complaint.started_clocks = clock_engine.start(  # type: ignore[attr-defined]
        complaint,
        planned_clocks(policy, INTAKE_CLOCKS, met=[ClockKind.ACKNOWLEDGE] if acknowledged else []),
        policy=policy,
        calendar=intake.calendar,
        at=intake.received_at,
    )
    changes: dict[str, Any] = {
        "number": {"after": complaint.number},
        "channel": {"after": complaint.channel},
        "object": {"after": complaint.object},
        "severity": {"after": complaint.severity},
        "first_contact_owner": {"after": owner.pk},
        "department": {"after": intake.department.pk if intake.department else None},
        "status": {"after": complaint.status},
    }
    if intake.received_at != now:
        changes["received_at"] = {"after": intake.received_at}
    if handler is not None:
        changes["handler"] = {"after": handler.pk}
    if intake.work_order is not None:
        changes["work_order"] = {"after": intake.work_order.pk}
    if intake.people_involved:
        changes["people_involved"] = {"after": [p.pk for p in intake.people_involved]}
    if intake.repeat_of is not None:
        changes["repeat_of"] = {"after": intake.repeat_of.pk}
    record_event(
        subject=complaint,
        action="complaint.created",
        actor=by,
        at=now,
        organisation=intake.organisation,
        first=True,
        changes=changes,
    )
    if intake.work_order is not None:
        record_event(
            subject=intake.work_order,
            action="work_order.complaint_raised",
            actor=by,
            at=now,
            organisation=intake.organisation,
            changes={"complaint": {"after": complaint.pk}},
        )
    if intake.department is not None:
        notify(
            intake.heads,
            kind=NotificationKind.ASSIGNED,
            subject=complaint,
            title=_("Complaint %(number)s arrived in the %(department)s queue")
            % {"number": complaint.number, "department": intake.department.name},
        )
    return complaint
