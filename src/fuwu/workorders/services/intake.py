"""Intake: a new work order from a call (customer matched or created, clocks started, heads told)
and photos added to it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.catalogue.models import MaterialItem, ServiceType
from fuwu.customers.models import Customer, Phone, Product
from fuwu.lib.errors import ConflictError, FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.lib.images import ImageRefused, check_image
from fuwu.lib.search import search_text
from fuwu.lib.worktime import WorkCalendar
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.numbering.services import next_number
from fuwu.org.models import Confidentiality, Department, Duty, Organisation, Role, User
from fuwu.org.selectors import duty_handler
from fuwu.policy.schema import PolicyDocument
from fuwu.timeline.services import record_event
from fuwu.visibility import customers_for_user
from fuwu.workcal.selectors import policy_and_calendar_for

from ..models import ENDED_STATUSES, Channel, Material, Photo, Priority, ServiceReport, Status, WorkOrder
from ..permissions import is_assigned, is_head_of, may_take_calls
from .clocks import _start_clocks
from .context import _required_text, allowed_actions
from .people import heads_of

MAX_PHOTOS = 12


def _check_photos(photos: Sequence[UploadedFile], errors: FieldErrors) -> list[tuple[UploadedFile, str]]:
    if len(photos) > MAX_PHOTOS:
        errors.add("photos", _("at most %(n)s photos per record") % {"n": MAX_PHOTOS})
        return []
    checked = []
    for index, photo in enumerate(photos):
        try:
            checked.append((photo, check_image(photo, photo.size)))
        except ImageRefused as refused:
            errors.add(f"photos[{index}]", str(refused))
    return checked


def _save_photos(
    work_order: WorkOrder,
    photos: list[tuple[UploadedFile, str]],
    by: User | None,
    report: ServiceReport | None = None,
) -> None:
    for photo, content_type in photos:
        extension = content_type.split("/")[1].replace("jpeg", "jpg")
        Photo.objects.create(
            work_order=work_order,
            image=ContentFile(photo.read(), name=f"{work_order.number}.{extension}"),
            content_type=content_type,
            size=photo.size or 0,
            uploaded_by=by,
            report=report,
        )


def intake_handler(organisation: Organisation, at: datetime) -> User | None:
    """Who receives requests no person took (public web form, e-mail robot): the intake duty's handler."""
    duty = (
        Duty.objects.filter(organisation=organisation, is_intake=True)
        .select_related("primary", "backup", "department")
        .order_by("pk")
        .first()
    )
    return duty_handler(duty, at).person if duty else None


def _match_customer(
    organisation: Organisation,
    by: User | None,
    owner: User,
    *,
    name: str,
    phone: str,
    building: str,
    unit: str,
    room: str,
    address: str,
    errors: FieldErrors,
) -> tuple[Customer | None, dict[str, Any]]:
    """The customer whose phone the caller gave, among those the first-contact owner may see; else
    what a new customer is created with (``_create_customer``) from what the caller said. A number on
    file only for a customer above the owner's clearance matches nothing (docs/adr/0005): the caller
    is recorded as told, nothing of the confidential record is revealed or inherited, and the owner
    keeps following what they received."""
    from fuwu.customers.services import phone_digits, phone_problem

    digits = phone_digits(phone)
    if digits:
        found = (
            customers_for_user(owner)
            .filter(organisation=organisation)
            .filter(pk__in=Phone.objects.filter(digits=digits).values("customer_id"))
            .order_by("pk")
            .first()
        )
        if found is not None:
            return found, {}
    if problem := phone_problem(phone):
        errors.add("caller_phone", problem)
    if not name:
        errors.add("caller_name", _("is required"))
    if errors:
        return None, {}
    editor = (
        by if by is not None and by.has_role(Role.AGENT, Role.ADMINISTRATOR, Role.DEPARTMENT_HEAD) else None
    )
    has_address = any((building, unit, room, address))
    return None, {
        "editor": editor,
        "name": name,
        "kind": "household" if has_address else "person",
        "addresses": [{"building": building, "unit": unit, "room": room, "text": address}]
        if has_address
        else [],
        "phones": [{"number": phone, "label": "", "is_primary": True}],
    }


def _create_customer(organisation: Organisation, *, editor: User | None, **values: Any) -> Customer:
    from fuwu.customers.services import customer_create

    return customer_create(organisation=organisation, by=editor, **values)


def _caller_phone_of(customer: Customer, caller_phone: str, errors: FieldErrors) -> str:
    """The number a known customer's work order keeps, and its SMS go to. Nothing typed: the customer's
    first number. One of their numbers, or a part of one (the digits typed before picking the
    suggestion, 1337590): that whole number as on file. Another whole number (a new phone): as typed.
    Anything else is refused: a fragment is never stored."""
    from fuwu.customers.services import normalise_phone, phone_digits, phone_problem

    phones = list(customer.phones.order_by("-is_primary", "pk"))
    typed = normalise_phone(caller_phone)
    if not typed:
        return phones[0].number if phones else ""
    digits = phone_digits(typed)
    if digits:
        for match in (lambda phone: phone.digits == digits, lambda phone: digits in phone.digits):
            found = next((phone for phone in phones if match(phone)), None)
            if found is not None:
                return found.number
    if problem := phone_problem(typed):
        errors.add("caller_phone", problem)
    return typed


def work_order_search_text(work_order: WorkOrder) -> str:
    """The words a keyword search finds the work order by (number, caller, place, problem, product)."""
    product = work_order.product
    return search_text(
        work_order.number,
        work_order.description,
        work_order.caller_name,
        work_order.caller_phone,
        work_order.location,
        work_order.address,
        work_order.customer.name,
        work_order.service_type.name,
        product.name if product else "",
        product.model if product else "",
    )


@dataclass
class _Intake:
    """Everything a new work order needs, read and checked before its transaction starts: inside it
    only the number and the inserts hold SQLite's write lock (``BEGIN IMMEDIATE``)."""

    organisation: Organisation
    by: User | None
    owner: User
    now: datetime
    channel: str
    priority: str
    service_type: ServiceType
    description: str
    customer: Customer | None  # None: a new customer from ``new_customer``
    new_customer: dict[str, Any]
    product: Product | None
    caller_name: str
    caller_phone: str
    building: str
    unit: str
    room: str
    address: str
    distance_km: int | None
    department: Department | None
    confidentiality: int
    received: set[str]
    photos: list[tuple[UploadedFile, str]]
    version_id: int | None = None
    policy: PolicyDocument | None = None
    calendar: WorkCalendar | None = None
    checklist: list[MaterialItem] = field(default_factory=list)
    heads: list[User] = field(default_factory=list)
    intake_department: Department | None = None


def work_order_create(
    *,
    organisation: Organisation,
    by: User | None,
    channel: str,
    service_type: ServiceType | None,
    description: str,
    priority: str = Priority.NORMAL,
    customer: Customer | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    building: str = "",
    unit: str = "",
    room: str = "",
    address: str = "",
    product: Product | None = None,
    distance_km: int | None = None,
    department: Department | None = None,
    confidentiality: int = 0,
    materials_received: Iterable[str] = (),
    first_contact_owner: User | None = None,
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> WorkOrder:
    """Receive a request on any channel. The receiver becomes its first-contact owner for good.
    Only people who take calls receive requests (``permissions.may_take_calls``); 403 otherwise.

    Three steps: check the request (``_checked_intake``), read what the work order needs
    (``_read_for_intake``), then write it in one transaction (``_write_work_order``)."""
    intake = _checked_intake(
        organisation=organisation,
        by=by,
        channel=channel,
        service_type=service_type,
        description=description,
        priority=priority,
        customer=customer,
        caller_name=caller_name,
        caller_phone=caller_phone,
        building=building,
        unit=unit,
        room=room,
        address=address,
        product=product,
        distance_km=distance_km,
        department=department,
        confidentiality=confidentiality,
        materials_received=materials_received,
        first_contact_owner=first_contact_owner,
        photos=photos,
        now=now or timezone.now(),
    )
    _read_for_intake(intake)
    with transaction.atomic():
        return _write_work_order(intake)


def _checked_intake(
    *,
    organisation: Organisation,
    by: User | None,
    channel: str,
    service_type: ServiceType | None,
    description: str,
    priority: str,
    customer: Customer | None,
    caller_name: str,
    caller_phone: str,
    building: str,
    unit: str,
    room: str,
    address: str,
    product: Product | None,
    distance_km: int | None,
    department: Department | None,
    confidentiality: int,
    materials_received: Iterable[str],
    first_contact_owner: User | None,
    photos: Sequence[UploadedFile],
    now: datetime,
) -> _Intake:
    """Every rule of a new request (403, then 422 naming the fields): who may receive it, who owns it,
    the customer (matched by phone, or the fields of a new one), the clearance it needs."""
    if by is not None and not may_take_calls(by):
        raise PermissionDeniedError(_("Your role does not receive requests: ask an agent to log it."))
    errors = FieldErrors()
    if channel not in Channel.values:
        errors.add("channel", _("must be one of %(choices)s") % {"choices": ", ".join(Channel.values)})
    if priority not in Priority.values:
        errors.add("priority", _("must be one of %(choices)s") % {"choices": ", ".join(Priority.values)})
    description = _required_text(description, "description", errors, limit=4000)
    if service_type is None or service_type.organisation_id != organisation.pk or not service_type.is_active:
        errors.add("service_type_id", _("no such service type"))
    if department is not None and department.organisation_id != organisation.pk:
        errors.add("department_id", _("no such department"))
    if distance_km is not None and distance_km < 0:
        errors.add("distance_km", _("must be at least %(limit)s") % {"limit": 0})

    # First-contact owner: the receiver; a gatekeeper logs the visitor and names who receives them.
    owner = by
    if by is not None and by.is_gatekeeper:
        if first_contact_owner is None:
            errors.add(
                "first_contact_owner_id", _("a gatekeeper logs the visitor and names who receives them")
            )
        owner = first_contact_owner
    elif by is None:
        owner = first_contact_owner or intake_handler(organisation, now)
        if owner is None:
            errors.add("first_contact_owner_id", _("no intake duty is set up to receive this request"))
    if owner is not None and (
        owner.organisation_id != organisation.pk or owner.is_gatekeeper or not owner.is_active
    ):
        errors.add("first_contact_owner_id", _("must be an active member of staff who is not on the gate"))

    if customer is not None:
        if customer.organisation_id != organisation.pk:
            errors.add("customer_id", _("no such customer"))
        caller_phone = _caller_phone_of(customer, caller_phone, errors)
        caller_name = caller_name or customer.name
        if not any((building, unit, room, address)):
            first_address = customer.addresses.order_by("order", "pk").first()
            if first_address is not None:
                building, unit, room, address = (
                    first_address.building,
                    first_address.unit,
                    first_address.room,
                    first_address.text,
                )
    if product is not None and (customer is None or product.customer_id != customer.pk):
        errors.add("product_id", _("is not a product of this customer"))
    if not caller_phone:
        errors.add("caller_phone", _("is required"))
    checked_photos = _check_photos(photos, errors)
    errors.raise_if_any()
    assert service_type is not None
    assert owner is not None

    new_customer: dict[str, Any] = {}
    if customer is None:
        customer, new_customer = _match_customer(
            organisation,
            by,
            owner,
            name=caller_name.strip(),
            phone=caller_phone.strip(),
            building=building,
            unit=unit,
            room=room,
            address=address,
            errors=errors,
        )
        errors.raise_if_any()
    # The first-contact owner follows the request to its end: it may not be above their clearance.
    customer_confidentiality = customer.confidentiality if customer is not None else Confidentiality.NONE
    if max(confidentiality, customer_confidentiality) > owner.clearance:
        field = "confidentiality" if confidentiality > owner.clearance else "customer_id"
        raise ValidationFailed.field(
            field,
            _("is above the clearance of %(owner)s, who receives this request and must be able to follow it")
            % {"owner": owner},
        )
    return _Intake(
        organisation=organisation,
        by=by,
        owner=owner,
        now=now,
        channel=channel,
        priority=priority,
        service_type=service_type,
        description=description,
        customer=customer,
        new_customer=new_customer,
        product=product,
        caller_name=caller_name,
        caller_phone=caller_phone,
        building=building,
        unit=unit,
        room=room,
        address=address,
        distance_km=distance_km,
        department=department or service_type.default_department,
        confidentiality=confidentiality,
        received={name.strip() for name in materials_received if name and name.strip()},
        photos=checked_photos,
    )


def _read_for_intake(intake: _Intake) -> None:
    """What the work order is written with: the policy version it pins and the calendar (one query),
    the service type's checklist, and the heads of the department it arrives in (told of it)."""
    intake.version_id, intake.policy, intake.calendar = policy_and_calendar_for(intake.organisation)
    intake.checklist = list(intake.service_type.materials.all().order_by("order", "pk"))
    intake.heads = heads_of(intake.department)
    intake.intake_department = intake.owner.department  # loaded now, not inside the transaction


def _write_work_order(intake: _Intake) -> WorkOrder:
    """The writes, in one transaction: the new customer if any, the number, the work order, its
    checklist, clocks and photos, the timeline's first event and the department heads' notification."""
    assert intake.policy is not None
    assert intake.calendar is not None
    policy, now, owner, by, department = intake.policy, intake.now, intake.owner, intake.by, intake.department
    customer = intake.customer or _create_customer(intake.organisation, **intake.new_customer)
    work_order = WorkOrder(
        organisation=intake.organisation,
        number=next_number(
            organisation_id=intake.organisation.pk,
            kind="work_order",
            numbering=policy.numbering,
            on=timezone.localtime(now).date(),
        ),
        policy_version_id=intake.version_id,
        status=Status.ROUTED if department else Status.RECEIVED,
        channel=intake.channel,
        priority=intake.priority,
        service_type=intake.service_type,
        sla_class=intake.service_type.sla_class
        if intake.service_type.sla_class in policy.sla.classes
        else policy.sla.default_class,
        customer=customer,
        product=intake.product,
        caller_name=intake.caller_name.strip() or customer.name,
        caller_phone=intake.caller_phone.strip(),
        building=intake.building.strip(),
        unit=intake.unit.strip(),
        room=intake.room.strip(),
        address=intake.address.strip(),
        distance_km=intake.distance_km,
        description=intake.description,
        confidentiality=max(intake.confidentiality, customer.confidentiality),
        first_contact_owner=owner,
        intake_department=intake.intake_department,
        logged_by=by,
        received_at=now,
        department=department,
    )
    work_order.search_text = work_order_search_text(work_order)
    work_order.save(force_insert=True)
    Material.objects.bulk_create(
        [
            Material(
                work_order=work_order,
                name=item.name,
                is_required=item.is_required,
                order=index,
                is_received=item.name in intake.received,
                received_at=now if item.name in intake.received else None,
            )
            for index, item in enumerate(intake.checklist)
        ]
    )
    # The inserted clocks, kept for the caller's answer (the API shows their deadlines) instead of read back.
    work_order.started_clocks = _start_clocks(work_order, policy, intake.calendar, now)  # type: ignore[attr-defined]
    _save_photos(work_order, intake.photos, by)
    record_event(
        subject=work_order,
        action="work_order.received",
        actor=by,
        at=now,
        organisation=intake.organisation,
        first=True,
        changes={
            "number": {"after": work_order.number},
            "channel": {"after": intake.channel},
            "first_contact_owner": {"after": owner},
            "department": {"after": department},
            "status": {"after": work_order.status},
        },
        reason=_("logged at the gate for %(owner)s") % {"owner": owner} if by and by.is_gatekeeper else "",
    )
    if department is not None:
        notify(
            intake.heads,
            kind=NotificationKind.ASSIGNED,
            subject=work_order,
            title=_("%(number)s arrived in the %(department)s queue")
            % {"number": work_order.number, "department": department.name},
        )
    return work_order


@transaction.atomic
def work_order_add_photos(
    *, work_order: WorkOrder, by: User, photos: Sequence[UploadedFile], now: datetime | None = None
) -> list[Photo]:
    """Add photos to a work order that has not ended (type and size checked, at most ``MAX_PHOTOS`` per
    record). Whoever may work on it may add them: agents, its first-contact owner, whoever is
    assigned, the department's head, a director."""
    locked = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("organisation", "department", "intake_department")
        .get(pk=work_order.pk)
    )
    if locked.status in ENDED_STATUSES:
        raise ConflictError(
            _("Photos cannot be added while the work order is %(status)s.")
            % {"status": locked.get_status_display()},
            extra={
                "allowed_actions": [a.value for a in allowed_actions(by, locked)],
                "status": locked.status,
            },
        )
    team_ids = {m.pk for m in locked.team.all()}
    if not (
        by.has_role(Role.AGENT, Role.DIRECTOR)
        or locked.first_contact_owner_id == by.pk
        or is_assigned(by, locked, team_ids)
        or is_head_of(by, locked.department)
        or is_head_of(by, locked.intake_department)
    ):
        raise PermissionDeniedError(_("Your role does not allow adding photos to this work order."))
    errors = FieldErrors()
    if not photos:
        errors.add("photos", _("is required"))
    elif locked.photos.count() + len(photos) > MAX_PHOTOS:
        errors.add("photos", _("at most %(n)s photos per record") % {"n": MAX_PHOTOS})
    checked = _check_photos(photos, errors) if not errors else []
    errors.raise_if_any()
    now = now or timezone.now()
    before = set(locked.photos.values_list("pk", flat=True))
    _save_photos(locked, checked, by)
    added = list(locked.photos.exclude(pk__in=before).order_by("pk"))
    record_event(
        subject=locked,
        action="work_order.photos_added",
        actor=by,
        at=now,
        organisation=locked.organisation,
        changes={"photos": {"after": [p.image.name for p in added]}},
    )
    return added
