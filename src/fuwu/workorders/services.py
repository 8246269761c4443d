"""Business actions on work orders: one function per verb, one transaction, one timeline event.

Every action runs the same gate first (``_begin``): lock the row, check the state allows the action
(409 with the actions that are allowed), then the role (403). Visibility (404) is the caller's
selector's job: a service is only ever handed a work order its user may see.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.catalogue.models import FeeItem, ServiceType
from fuwu.customers.models import Customer, Phone, Product
from fuwu.lib.errors import ConflictError, FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.lib.images import ImageRefused, check_image
from fuwu.lib.inputs import decimal_fits, decimal_limit
from fuwu.lib.search import search_text
from fuwu.lib.worktime import WorkCalendar
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify, send_sms
from fuwu.org.models import Absence, Department, Duty, Organisation, Role, User
from fuwu.org.selectors import duty_handler, person_handler
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, active_version_id, policy_document_for_version
from fuwu.policy.templatetags.policy_format import duration
from fuwu.timeline.services import record_event
from fuwu.visibility import below_clearance, customers_for_user
from fuwu.workcal.selectors import work_calendar_for

from . import rules
from .models import (
    ENDED_STATUSES,
    OPEN_STATUSES,
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    Channel,
    Clock,
    ClockKind,
    Confirmation,
    ConfirmationCode,
    ConfirmationMethod,
    FeeLine,
    Material,
    MissingMaterialsNotice,
    NoticeKind,
    Photo,
    Priority,
    ServiceReport,
    Status,
    WarrantyStatus,
    WorkOrder,
)
from .numbering import next_number
from .permissions import approvers_q, deciding_department, is_assigned, is_head_of, may, may_take_calls
from .rules import Action

MAX_PHOTOS = 12
CONFIRMATION_CODE_MINUTES = 15
MAX_CODE_ATTEMPTS = 5


# --- context --------------------------------------------------------------------------------


@dataclass
class Context:
    """What an action needs to know besides its own input: locked row, policy, calendar, now."""

    work_order: WorkOrder
    by: User | None
    now: datetime
    policy: PolicyDocument
    calendar: WorkCalendar


def policy_of(work_order: WorkOrder) -> PolicyDocument:
    """The policy version that governed the work order when it was received."""
    version = work_order.policy_version
    if version is not None:
        return policy_document_for_version(version)
    return active_policy(work_order.organisation)


def facts_of(work_order: WorkOrder) -> rules.StateFacts:
    pending = {
        a.kind: a.approver_role for a in work_order.approvals.all() if a.status == ApprovalStatus.PENDING
    }
    fees = list(work_order.fees.all())
    return rules.StateFacts(
        status=work_order.status,
        pending_approvals=frozenset(pending),
        has_unmet_written_reply=any(
            c.kind == ClockKind.WRITTEN_REPLY and c.is_active and c.met_at is None
            for c in work_order.clocks.all()
        ),
        accepted=work_order.accepted_at is not None,
        confirmation_refused=work_order.confirmation_refused,
        has_uncollected_fees=any(not f.is_collected for f in fees),
        has_fees=bool(fees),
        is_paid=work_order.is_paid,
    )


def allowed_actions(user: User, work_order: WorkOrder, policy: PolicyDocument | None = None) -> list[Action]:
    """Actions ``user`` may take now: allowed by the state and by the user's role."""
    policy = policy or policy_of(work_order)
    facts = facts_of(work_order)
    team_ids = {m.pk for m in work_order.team.all()}
    pending = {
        a.kind: a.approver_role for a in work_order.approvals.all() if a.status == ApprovalStatus.PENDING
    }
    return [
        action
        for action in rules.actions_in_state(facts)
        if may(user, action, work_order, policy, team_ids, pending)
    ]


def _begin(work_order: WorkOrder, action: Action, by: User | None, now: datetime | None) -> Context:
    """Lock the row, then refuse an action the state (409) or the role (403) does not allow."""
    locked = (
        # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins (department, assignee).
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related(
            "organisation",
            "policy_version",
            "department",
            "intake_department",
            "service_type",
            "customer",
            "assignee",
            "first_contact_owner",
        )
        .get(pk=work_order.pk)
    )
    policy = policy_of(locked)
    facts = facts_of(locked)
    in_state = rules.actions_in_state(facts)
    if by is not None:
        team_ids = {m.pk for m in locked.team.all()}
        pending = {
            a.kind: a.approver_role for a in locked.approvals.all() if a.status == ApprovalStatus.PENDING
        }
        if action not in in_state:
            permitted = [a for a in in_state if may(by, a, locked, policy, team_ids, pending)]
            raise ConflictError(
                _("“%(action)s” is not possible while the work order is %(status)s.")
                % {"action": action.value, "status": locked.get_status_display()},
                extra={"allowed_actions": [a.value for a in permitted], "status": locked.status},
            )
        if not may(by, action, locked, policy, team_ids, pending):
            raise PermissionDeniedError(
                _("Your role does not allow “%(action)s” on this work order.") % {"action": action.value}
            )
    elif action not in in_state:
        raise ConflictError(
            _("“%(action)s” is not possible now.") % {"action": action.value},
            extra={"allowed_actions": [], "status": locked.status},
        )
    now = now or timezone.now()
    return Context(
        work_order=locked, by=by, now=now, policy=policy, calendar=work_calendar_for(locked.organisation)
    )


def _event(ctx: Context, action: str, changes: Mapping[str, Any] | None = None, reason: str = "") -> None:
    record_event(
        subject=ctx.work_order,
        action=action,
        actor=ctx.by,
        changes=changes,
        reason=reason,
        at=ctx.now,
        organisation=ctx.work_order.organisation,
    )


def _set_status(ctx: Context, status: Status, changes: dict[str, Any]) -> None:
    before = ctx.work_order.status
    if before != status:
        changes["status"] = {"before": before, "after": str(status)}
        ctx.work_order.status = status


def _save(work_order: WorkOrder, *fields: str) -> None:
    work_order.save(update_fields=[*fields, "updated_at"])


def _required_text(value: str | None, field: str, errors: FieldErrors, limit: int = 2000) -> str:
    text = (value or "").strip()
    if not text:
        errors.add(field, _("is required"))
    elif len(text) > limit:
        errors.add(field, _("must have at most %(n)s characters") % {"n": limit})
    return text


# --- clocks ---------------------------------------------------------------------------------


def _chain(policy: PolicyDocument, kind: str) -> list[Any]:
    return policy.escalation.chain(kind)


def _schedule(clock: Clock, policy: PolicyDocument) -> None:
    """Recompute when the clock warns and escalates next, from its (possibly moved) deadline."""
    clock.warn_at = rules.warn_at(clock.started_at, clock.due_at, policy.sla.warn_at_ratio)
    clock.next_escalation_at = rules.next_escalation_at(
        clock.due_at, _chain(policy, clock.kind), clock.escalation_level
    )


def _meet(ctx: Context, *kinds: ClockKind) -> dict[str, Any]:
    """Stop the given clocks (the step is done) and say whether each was met in time."""
    changes: dict[str, Any] = {}
    for clock in ctx.work_order.clocks.filter(kind__in=kinds, is_active=True, met_at__isnull=True):
        clock.met_at = ctx.now
        if clock.paused_at is not None:  # a step done while paused: the pause ends with it
            clock.paused_at = None
        clock.save(update_fields=["met_at", "paused_at"])
        changes[f"clock.{clock.kind}"] = {
            "after": _("met in time") if ctx.now <= clock.due_at else _("met late")
        }
    return changes


def _pause(ctx: Context) -> None:
    ctx.work_order.clocks.filter(is_active=True, met_at__isnull=True, paused_at__isnull=True).update(
        paused_at=ctx.now
    )


def _resume(ctx: Context) -> dict[str, Any]:
    """Restart paused clocks, moving each deadline by the time it stood still."""
    changes: dict[str, Any] = {}
    for clock in ctx.work_order.clocks.filter(is_active=True, met_at__isnull=True, paused_at__isnull=False):
        assert clock.paused_at is not None  # the filter takes paused clocks only
        minutes = rules.paused_minutes(ctx.calendar, clock.unit, clock.paused_at, ctx.now)
        moved = rules.extend_after_pause(ctx.calendar, clock.unit, clock.due_at, minutes)
        changes[f"clock.{clock.kind}"] = {"before": clock.due_at, "after": moved.due}
        clock.due_at = moved.due
        clock.calendar_confirmed = clock.calendar_confirmed and moved.calendar_confirmed
        clock.paused_minutes += minutes
        clock.paused_at = None
        _schedule(clock, ctx.policy)
        clock.save(
            update_fields=[
                "due_at",
                "calendar_confirmed",
                "paused_minutes",
                "paused_at",
                "warn_at",
                "next_escalation_at",
            ]
        )
    return changes


_WAITING = (Status.AWAITING_MATERIALS, Status.AWAITING_APPROVAL, Status.DEFERRED)


def _pauses_clocks(policy: PolicyDocument, status: str) -> bool:
    """Whether the clocks stand still in ``status`` (the policy's pause statuses; waiting for
    materials only when the one-time notice pauses the clock; a deferred request as
    ``approvals.deferral_pauses_clocks`` says)."""
    if status == Status.DEFERRED:
        return policy.approvals.deferral_pauses_clocks
    if status not in policy.sla.pause_statuses:
        return False
    return status != Status.AWAITING_MATERIALS or policy.notice.pauses_clock


def _enter_pause_status(ctx: Context, status: Status, changes: dict[str, Any]) -> None:
    before = ctx.work_order.status
    if before not in _WAITING:  # waiting within waiting keeps the working status to go back to
        ctx.work_order.resume_status = before
    _set_status(ctx, status, changes)
    if _pauses_clocks(ctx.policy, status):
        _pause(ctx)
        if not _pauses_clocks(ctx.policy, before):
            changes["clocks"] = {"after": _("paused")}
    elif _pauses_clocks(
        ctx.policy, before
    ):  # e.g. deferred (paused) → awaiting an approval that does not pause
        changes.update(_resume(ctx))


def _leave_pause_status(ctx: Context, changes: dict[str, Any], to: str = "") -> None:
    """Back to ``to`` (default: the working status before waiting); the clocks restart unless still waiting."""
    target = Status(to or ctx.work_order.resume_status or Status.RECEIVED)
    _set_status(ctx, target, changes)
    if target not in _WAITING:
        ctx.work_order.resume_status = ""
    if not _pauses_clocks(ctx.policy, target):
        changes.update(_resume(ctx))


def _start_clocks(
    work_order: WorkOrder,
    policy: PolicyDocument,
    calendar: WorkCalendar,
    start: datetime,
    kinds: Iterable[ClockKind] | None = None,
) -> list[Clock]:
    planned = rules.plan_clocks(
        policy,
        sla_class=work_order.sla_class,
        priority=work_order.priority,
        channel=work_order.channel,
        distance_km=work_order.distance_km,
    )
    clocks = []
    for plan in planned:
        if kinds is not None and plan.kind not in kinds:
            continue
        deadline = rules.due(calendar, start, plan.duration)
        clock = Clock(
            work_order=work_order,
            kind=plan.kind,
            amount=plan.duration.amount,
            unit=plan.duration.unit,
            started_at=start,
            due_at=deadline.due,
            calendar_confirmed=deadline.calendar_confirmed,
            met_at=start if plan.met_at_intake else None,
        )
        _schedule(clock, policy)
        clocks.append(clock)
    return Clock.objects.bulk_create(clocks)


# --- people to tell -------------------------------------------------------------------------


def heads_of(department: Department | None) -> list[User]:
    """Heads of the department, else of the nearest department above it that has one."""
    if department is None:
        return []
    ancestor_ids = [int(i) for i in department.path.strip("/").split("/") if i]
    heads = list(
        User.objects.filter(department_id__in=ancestor_ids, is_active=True)
        .filter(User.role_q(Role.DEPARTMENT_HEAD))
        .select_related("department")
    )
    if not heads:
        return []
    nearest = max(h.department.depth for h in heads if h.department is not None)
    return [h for h in heads if h.department is not None and h.department.depth == nearest]


def people_with_role(organisation_id: int, role: str, work_order: WorkOrder) -> list[User]:
    if role == Role.DEPARTMENT_HEAD:
        return heads_of(work_order.department or work_order.intake_department)
    if role == Role.AGENT:
        return [work_order.first_contact_owner]
    if role == Role.TECHNICIAN:
        return [work_order.assignee] if work_order.assignee else []
    return list(
        User.objects.filter(organisation_id=organisation_id, is_active=True).filter(User.role_q(role))
    )


def approvers_for(role: str, work_order: WorkOrder) -> list[User]:
    """Who is asked to decide a request for ``role``: of the people who may (``permissions.approvers_q``,
    the rule of "awaiting my approval" too), the heads nearest to the deciding department (the
    handling one, or the receiving one before routing); the directors when the policy reserves the
    decision to them, or when no head above the department has one."""
    if role == Role.DEPARTMENT_HEAD and (heads := heads_of(deciding_department(work_order))):
        return heads
    return list(User.objects.filter(approvers_q(role, work_order)).filter(User.role_q(Role.DIRECTOR)))


def _tell_owner(ctx: Context, text: str) -> None:
    """The first-contact owner follows the request to its end and tells the customer the result."""
    wo = ctx.work_order
    notify(
        [wo.first_contact_owner],
        kind=NotificationKind.RESULT,
        work_order=wo,
        title=_("%(number)s: %(result)s — tell the customer") % {"number": wo.number, "result": text},
    )


# --- intake ---------------------------------------------------------------------------------


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


def _match_or_create_customer(
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
) -> Customer | None:
    """The customer whose phone the caller gave, among those the first-contact owner may see; else a
    new customer from what the caller said. A number on file only for a customer above the owner's
    clearance matches nothing (docs/adr/0005): the caller is recorded as told, nothing of the
    confidential record is revealed or inherited, and the owner keeps following what they received."""
    from fuwu.customers.services import customer_create, phone_digits, phone_problem

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
            return found
    if problem := phone_problem(phone):
        errors.add("caller_phone", problem)
    if not name:
        errors.add("caller_name", _("is required"))
    if errors:
        return None
    editor = (
        by if by is not None and by.has_role(Role.AGENT, Role.ADMINISTRATOR, Role.DEPARTMENT_HEAD) else None
    )
    has_address = any((building, unit, room, address))
    return customer_create(
        organisation=organisation,
        by=editor,
        name=name,
        kind="household" if has_address else "person",
        addresses=[{"building": building, "unit": unit, "room": room, "text": address}]
        if has_address
        else [],
        phones=[{"number": phone, "label": "", "is_primary": True}],
    )


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


@transaction.atomic
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
    Only people who take calls receive requests (``permissions.may_take_calls``); 403 otherwise."""
    if by is not None and not may_take_calls(by):
        raise PermissionDeniedError(_("Your role does not receive requests: ask an agent to log it."))
    now = now or timezone.now()
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

    if customer is None:
        customer = _match_or_create_customer(
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
        assert customer is not None
    # The first-contact owner follows the request to its end: it may not be above their clearance.
    if max(confidentiality, customer.confidentiality) > owner.clearance:
        field = "confidentiality" if confidentiality > owner.clearance else "customer_id"
        raise ValidationFailed.field(
            field,
            _("is above the clearance of %(owner)s, who receives this request and must be able to follow it")
            % {"owner": owner},
        )

    policy = active_policy(organisation)
    version_id = active_version_id(organisation)
    department = department or service_type.default_department
    local_day = timezone.localtime(now).date()
    work_order = WorkOrder(
        organisation=organisation,
        number=next_number(
            organisation_id=organisation.pk, kind="work_order", numbering=policy.numbering, on=local_day
        ),
        policy_version_id=version_id,
        status=Status.ROUTED if department else Status.RECEIVED,
        channel=channel,
        priority=priority,
        service_type=service_type,
        sla_class=service_type.sla_class
        if service_type.sla_class in policy.sla.classes
        else policy.sla.default_class,
        customer=customer,
        product=product,
        caller_name=caller_name.strip() or customer.name,
        caller_phone=caller_phone.strip(),
        building=building.strip(),
        unit=unit.strip(),
        room=room.strip(),
        address=address.strip(),
        distance_km=distance_km,
        description=description,
        confidentiality=max(confidentiality, customer.confidentiality),
        first_contact_owner=owner,
        intake_department=owner.department,
        logged_by=by,
        received_at=now,
        department=department,
    )
    work_order.search_text = work_order_search_text(work_order)
    work_order.save(force_insert=True)
    received = {name.strip() for name in materials_received if name and name.strip()}
    Material.objects.bulk_create(
        [
            Material(
                work_order=work_order,
                name=item.name,
                is_required=item.is_required,
                order=index,
                is_received=item.name in received,
                received_at=now if item.name in received else None,
            )
            for index, item in enumerate(service_type.materials.all().order_by("order", "pk"))
        ]
    )
    calendar = work_calendar_for(organisation)
    _start_clocks(work_order, policy, calendar, now)
    _save_photos(work_order, checked_photos, by)
    record_event(
        subject=work_order,
        action="work_order.received",
        actor=by,
        at=now,
        organisation=organisation,
        first=True,
        changes={
            "number": {"after": work_order.number},
            "channel": {"after": channel},
            "first_contact_owner": {"after": owner},
            "department": {"after": department},
            "status": {"after": work_order.status},
        },
        reason=_("logged at the gate for %(owner)s") % {"owner": owner} if by and by.is_gatekeeper else "",
    )
    if department is not None:
        notify(
            heads_of(department),
            kind=NotificationKind.ASSIGNED,
            work_order=work_order,
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


# --- routing and dispatch -------------------------------------------------------------------


@transaction.atomic
def work_order_route(
    *, work_order: WorkOrder, by: User, department: Department, reason: str = "", now: datetime | None = None
) -> WorkOrder:
    """Route (or transfer) to a department's queue. The first-contact owner stays the owner."""
    ctx = _begin(work_order, Action.ROUTE, by, now)
    wo = ctx.work_order
    if department.organisation_id != wo.organisation_id or not department.is_active:
        raise ValidationFailed.field("department_id", _("no such department"))
    heads = heads_of(department)
    if heads and len(below_clearance(heads, wo.confidentiality)) == len(heads):
        raise ValidationFailed.field(
            "department_id",
            _("%(people)s may not see this work order (its confidentiality is above their clearance)")
            % {"people": "、".join(str(h) for h in heads)},
        )
    changes: dict[str, Any] = {"department": {"before": wo.department, "after": department}}
    if wo.assignee_id or wo.team.exists():  # back in a department's queue: nobody is dispatched
        changes["assignee"] = {"before": wo.assignee, "after": None}
        wo.assignee, wo.dispatched_at, wo.accepted_at = None, None, None
        wo.team.clear()
    wo.department = department
    _set_status(ctx, Status.ROUTED, changes)
    changes.update(_meet(ctx, ClockKind.RESPONSE))
    _save(wo, "department", "assignee", "dispatched_at", "accepted_at", "status")
    _event(ctx, "work_order.routed", changes, reason)
    notify(
        heads_of(department),
        kind=NotificationKind.ASSIGNED,
        work_order=wo,
        title=_("%(number)s arrived in the %(department)s queue")
        % {"number": wo.number, "department": department.name},
    )
    return wo


@transaction.atomic
def work_order_dispatch(
    *,
    work_order: WorkOrder,
    by: User,
    technician: User,
    team: Sequence[User] = (),
    reason: str = "",
    now: datetime | None = None,
) -> WorkOrder:
    """Dispatch to a technician (the leader when a team goes). An absent person's B takes it (AB角)."""
    ctx = _begin(work_order, Action.DISPATCH, by, now)
    wo = ctx.work_order
    for field, person in [
        ("technician_id", technician),
        *((f"team_ids[{i}]", p) for i, p in enumerate(team)),
    ]:
        if person.organisation_id != wo.organisation_id or not person.is_active:
            raise ValidationFailed.field(field, _("no such member of staff"))
    handler = person_handler(technician, ctx.now)
    leader = handler.person
    changes: dict[str, Any] = {"assignee": {"before": wo.assignee, "after": leader}}
    handover_reason = ""
    if leader.pk != technician.pk:
        changes["addressed_to"] = {"after": technician}
        handover_reason = handler.explanation()
    members = [person_handler(p, ctx.now).person for p in team]
    members = [
        m for i, m in enumerate(members) if m.pk != leader.pk and m.pk not in {x.pk for x in members[:i]}
    ]
    # Whoever is sent (after A/B hand-over) must be allowed to see the record they are sent to.
    cleared = FieldErrors()
    for field, person in [("technician_id", leader), *((f"team_ids[{i}]", m) for i, m in enumerate(members))]:
        if below_clearance([person], wo.confidentiality):
            cleared.add(
                field,
                _("%(person)s may not see this work order (its confidentiality is above their clearance)")
                % {"person": person},
            )
    cleared.raise_if_any()
    if members:
        changes["team"] = {"after": [str(m) for m in members]}
    wo.assignee = leader
    wo.handed_over_from = technician if leader.pk != technician.pk else None
    wo.team.set(members)
    wo.department = wo.department or leader.department
    wo.dispatched_at, wo.accepted_at, wo.arrived_at = ctx.now, None, None
    _set_status(ctx, Status.DISPATCHED, changes)
    changes.update(_meet(ctx, ClockKind.RESPONSE, ClockKind.DISPATCH))
    _save(
        wo,
        "assignee",
        "handed_over_from",
        "department",
        "dispatched_at",
        "accepted_at",
        "arrived_at",
        "status",
    )
    _event(ctx, "work_order.dispatched", changes, "; ".join(r for r in (reason, handover_reason) if r))
    notify(
        [leader, *members],
        kind=NotificationKind.ASSIGNED,
        work_order=wo,
        title=_("%(number)s was dispatched to you: %(location)s")
        % {"number": wo.number, "location": wo.location},
    )
    return wo


@transaction.atomic
def work_order_accept(*, work_order: WorkOrder, by: User, now: datetime | None = None) -> WorkOrder:
    ctx = _begin(work_order, Action.ACCEPT, by, now)
    ctx.work_order.accepted_at = ctx.now
    _save(ctx.work_order, "accepted_at")
    _event(ctx, "work_order.accepted", {"accepted_at": {"after": ctx.now}})
    return ctx.work_order


@transaction.atomic
def work_order_arrive(*, work_order: WorkOrder, by: User, now: datetime | None = None) -> WorkOrder:
    ctx = _begin(work_order, Action.ARRIVE, by, now)
    wo = ctx.work_order
    changes: dict[str, Any] = {"arrived_at": {"after": ctx.now}}
    wo.arrived_at = ctx.now
    wo.accepted_at = wo.accepted_at or ctx.now
    _set_status(ctx, Status.ON_SITE, changes)
    changes.update(_meet(ctx, ClockKind.ARRIVAL))
    _save(wo, "arrived_at", "accepted_at", "status")
    _event(ctx, "work_order.arrived", changes)
    return wo


@transaction.atomic
def work_order_reply(*, work_order: WorkOrder, by: User, text: str, now: datetime | None = None) -> WorkOrder:
    """The written reply a distance band commits to instead of a visit."""
    errors = FieldErrors()
    text = _required_text(text, "text", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REPLY, by, now)
    changes = {"reply": {"after": text}, **_meet(ctx, ClockKind.WRITTEN_REPLY)}
    send_sms(to=ctx.work_order.caller_phone, body=text, work_order=ctx.work_order)
    _event(ctx, "work_order.replied_in_writing", changes)
    return ctx.work_order


# --- one-time notice ------------------------------------------------------------------------


def notice_text(number: str, items: Sequence[str], *, supplementary: bool) -> str:
    listed = "；".join(f"{i}. {name}" for i, name in enumerate(items, start=1))
    if supplementary:
        return _(
            "Work order %(number)s — supplementary notice: these materials are not on the checklist of "
            "this service and are needed as well: %(items)s"
        ) % {"number": number, "items": listed}
    return _(
        "Work order %(number)s — one-time notice: please provide all of the following materials: %(items)s"
    ) % {"number": number, "items": listed}


@transaction.atomic
def work_order_notice_missing(
    *,
    work_order: WorkOrder,
    by: User,
    received: Iterable[str] = (),
    extra_items: Iterable[str] = (),
    reason: str = "",
    now: datetime | None = None,
) -> MissingMaterialsNotice:
    """One notice listing every missing checklist item (一次性告知). A second notice is only possible for
    materials the checklist did not have, and says so."""
    ctx = _begin(work_order, Action.NOTICE_MISSING, by, now)
    wo = ctx.work_order
    received_names = {name.strip() for name in received if name and name.strip()}
    extra = list(dict.fromkeys(name.strip() for name in extra_items if name and name.strip()))
    materials = list(wo.materials.all())
    checklist_names = {m.name for m in materials if m.from_checklist}
    errors = FieldErrors()
    unknown = received_names - {m.name for m in materials}
    if unknown:
        errors.add(
            "received",
            _("not on this work order's checklist: %(names)s") % {"names": "、".join(sorted(unknown))},
        )
    already_noticed = wo.notices.filter(kind=NoticeKind.ONE_TIME).exists()
    if already_noticed:
        on_checklist = [name for name in extra if name in checklist_names]
        if on_checklist:
            errors.add(
                "extra_items",
                _("%(names)s is on the checklist and should have been in the one-time notice")
                % {"names": "、".join(on_checklist)},
            )
        if not extra:
            errors.add(
                "extra_items",
                _(
                    "a one-time notice was already sent; a second notice may only ask for "
                    "materials the checklist did not have"
                ),
            )
    errors.raise_if_any()

    for material in materials:
        if material.name in received_names and not material.is_received:
            material.is_received, material.received_at = True, ctx.now
            material.save(update_fields=["is_received", "received_at"])
    if already_noticed:
        kind = NoticeKind.SUPPLEMENTARY
        start = len(materials)
        Material.objects.bulk_create(
            [
                Material(work_order=wo, name=name, from_checklist=False, is_required=True, order=start + i)
                for i, name in enumerate(extra)
            ]
        )
        items = extra
    else:
        kind = NoticeKind.ONE_TIME
        extra_new = [name for name in extra if name not in checklist_names]
        Material.objects.bulk_create(
            [
                Material(
                    work_order=wo, name=name, from_checklist=False, is_required=True, order=len(materials) + i
                )
                for i, name in enumerate(extra_new)
            ]
        )
        items = [m.name for m in materials if m.is_required and not m.is_received] + extra_new
        if not items:
            raise ValidationFailed.field(
                "received", _("nothing is missing: every required material has arrived")
            )
    text = notice_text(wo.number, items, supplementary=kind == NoticeKind.SUPPLEMENTARY)
    notice = MissingMaterialsNotice.objects.create(
        work_order=wo, kind=kind, items=items, text=text, reason=reason, sent_by=by, sent_at=ctx.now
    )
    send_sms(to=wo.caller_phone, body=text, work_order=wo)
    changes: dict[str, Any] = {"notice": {"after": {"kind": kind, "items": items}}}
    if wo.status != Status.AWAITING_MATERIALS:
        _enter_pause_status(ctx, Status.AWAITING_MATERIALS, changes)
    _save(wo, "status", "resume_status")
    _event(ctx, "work_order.notice_sent", changes, reason)
    return notice


@transaction.atomic
def work_order_materials_received(
    *, work_order: WorkOrder, by: User, received: Iterable[str], now: datetime | None = None
) -> WorkOrder:
    """Record materials that arrived; when none required is missing, the work and its clocks go on."""
    ctx = _begin(work_order, Action.MATERIALS_RECEIVED, by, now)
    wo = ctx.work_order
    names = {name.strip() for name in received if name and name.strip()}
    materials = list(wo.materials.all())
    unknown = names - {m.name for m in materials}
    if not names or unknown:
        raise ValidationFailed.field(
            "received",
            _("name the materials that arrived, from the notice: %(names)s")
            % {"names": "、".join(m.name for m in materials if not m.is_received)},
        )
    for material in materials:
        if material.name in names and not material.is_received:
            material.is_received, material.received_at = True, ctx.now
            material.save(update_fields=["is_received", "received_at"])
    missing = [m.name for m in materials if m.is_required and not m.is_received]
    changes: dict[str, Any] = {"received": {"after": sorted(names)}, "still_missing": {"after": missing}}
    if not missing:
        _leave_pause_status(ctx, changes)
    _save(wo, "status", "resume_status")
    _event(ctx, "work_order.materials_received", changes)
    return wo


# --- red light and extensions ---------------------------------------------------------------


def _deferral_day(ctx: Context, day: date | None, errors: FieldErrors) -> date | None:
    """The day from which a request that cannot be done now can be done: after today, and at most the
    policy's maximum of working days ahead (暂缓办理 is a wait with an end, not a silent refusal)."""
    if day is None:
        errors.add("deferred_until", _("is required: the day from which the work can be done"))
        return None
    today = timezone.localtime(ctx.now).date()
    latest = rules.latest_deferral_day(ctx.calendar, ctx.now, ctx.policy)
    if day <= today:
        errors.add("deferred_until", _("must be after today (%(today)s)") % {"today": today.isoformat()})
    elif day > latest:
        errors.add(
            "deferred_until",
            _("must be at most %(days)s working days ahead, by %(latest)s")
            % {"days": ctx.policy.approvals.max_deferral_working_days, "latest": latest.isoformat()},
        )
    return day


@transaction.atomic
def work_order_request_rejection(
    *,
    work_order: WorkOrder,
    by: User,
    kind: str,
    reason: str,
    answer: str,
    deferred_until: date | None = None,
    now: datetime | None = None,
) -> ApprovalRequest:
    """Staff may explain, only a head may refuse (红灯): the refusal waits for approval, nothing is sent.
    ``cannot_do_now`` (暂缓办理) is not a refusal: it names the day from which the work can be done
    (``deferred_until``) and, once approved, the request waits open until then."""
    errors = FieldErrors()
    if kind not in (ApprovalKind.REJECTION, ApprovalKind.CANNOT_DO_NOW):
        errors.add("kind", _("must be one of %(choices)s") % {"choices": "rejection, cannot_do_now"})
    reason = _required_text(reason, "reason", errors)
    answer = _required_text(answer, "answer", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REQUEST_REJECTION, by, now)
    wo = ctx.work_order
    if kind == ApprovalKind.CANNOT_DO_NOW:
        deferred_until = _deferral_day(ctx, deferred_until, errors)
    elif deferred_until is not None:
        errors.add("deferred_until", _("only a request that cannot be done now names a day"))
    errors.raise_if_any()
    approver_role = getattr(ctx.policy.approvals, kind)
    request = ApprovalRequest.objects.create(
        work_order=wo,
        kind=kind,
        approver_role=approver_role,
        reason=reason,
        answer=answer,
        status_before=wo.status,
        requested_by=by,
        requested_at=ctx.now,
        deferred_until=deferred_until,
    )
    approval: dict[str, Any] = {"kind": kind, "approver": approver_role}
    if deferred_until is not None:
        approval["deferred_until"] = deferred_until
    changes: dict[str, Any] = {"approval": {"after": approval}}
    _enter_pause_status(ctx, Status.AWAITING_APPROVAL, changes)
    _save(wo, "status", "resume_status")
    if kind == ApprovalKind.CANNOT_DO_NOW:
        _event(ctx, "work_order.deferral_requested", changes, reason)
        title = _("%(number)s: a deferral until %(day)s waits for your approval") % {
            "number": wo.number,
            "day": deferred_until.isoformat() if deferred_until else "",
        }
    else:
        _event(ctx, "work_order.rejection_requested", changes, reason)
        title = _("%(number)s: a refusal waits for your approval") % {"number": wo.number}
    notify(
        approvers_told(approver_role, wo),
        kind=NotificationKind.APPROVAL_REQUESTED,
        work_order=wo,
        title=title,
        body=reason,
    )
    return request


def _may_see(people: Iterable[User], work_order: WorkOrder) -> list[User]:
    """Only the people who may open the work order are told of it (visibility)."""
    from fuwu import visibility

    return [
        person
        for person in people
        if visibility.work_orders_for_user(person).filter(pk=work_order.pk).exists()
    ]


def approvers_told(role: str, work_order: WorkOrder) -> list[User]:
    """Who is asked to decide: the approvers of ``role`` who may see the work order; when none may
    (a confidential request above the head's clearance), the directors who may, as they decide all."""
    told = _may_see(approvers_for(role, work_order), work_order)
    if not told and role != Role.DIRECTOR:
        told = _may_see(people_with_role(work_order.organisation_id, Role.DIRECTOR, work_order), work_order)
    return told


def _pending(ctx: Context, *kinds: str) -> ApprovalRequest:
    return ctx.work_order.approvals.select_for_update().get(kind__in=kinds, status=ApprovalStatus.PENDING)


def _decide(ctx: Context, request: ApprovalRequest, status: ApprovalStatus, note: str) -> None:
    request.status, request.decided_by, request.decided_at, request.decision_note = (
        status,
        ctx.by,
        ctx.now,
        note,
    )
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    notify(
        [request.requested_by],
        kind=NotificationKind.APPROVAL_DECIDED,
        work_order=ctx.work_order,
        title=_("%(number)s: %(kind)s %(decision)s")
        % {
            "number": ctx.work_order.number,
            "kind": request.get_kind_display(),
            "decision": request.get_status_display(),
        },
    )


def deferral_notice(number: str, answer: str, day: date) -> str:
    """What the customer is told of an approved deferral: why, and from when it can be done."""
    return _(
        "Work order %(number)s cannot be done now: %(answer)s It can be done from %(day)s; we will "
        "contact you then. Your request stays open."
    ) % {"number": number, "answer": answer.strip(), "day": day.isoformat()}


def _approve_deferral(
    ctx: Context, request: ApprovalRequest, note: str, deferred_until: date | None
) -> WorkOrder:
    wo = ctx.work_order
    errors = FieldErrors()
    day = _deferral_day(ctx, deferred_until or request.deferred_until, errors)
    if errors and deferred_until is None and request.deferred_until is not None:
        errors = FieldErrors()  # the day asked for has passed meanwhile: the head names a new one
        errors.add(
            "deferred_until",
            _("the day asked for (%(day)s) is no longer possible; give a new day")
            % {"day": request.deferred_until.isoformat()},
        )
    errors.raise_if_any()
    assert day is not None
    _decide(ctx, request, ApprovalStatus.APPROVED, note)
    changes: dict[str, Any] = {
        "approval": {"after": _("approved")},
        "answer": {"after": request.answer},
        "deferred_until": {"before": wo.deferred_until, "after": day},
    }
    wo.deferred_until = day
    before = wo.status
    _set_status(ctx, Status.DEFERRED, changes)
    if _pauses_clocks(ctx.policy, Status.DEFERRED):
        _pause(ctx)
        if not _pauses_clocks(ctx.policy, before):
            changes["clocks"] = {"after": _("paused")}
    else:
        changes.update(_resume(ctx))
    _save(wo, "status", "deferred_until")
    send_sms(to=wo.caller_phone, body=deferral_notice(wo.number, request.answer, day), work_order=wo)
    _event(ctx, "work_order.deferred", changes, note)
    _tell_owner(ctx, _("deferred until %(day)s") % {"day": day.isoformat()})
    return wo


@transaction.atomic
def work_order_approve_rejection(
    *,
    work_order: WorkOrder,
    by: User,
    note: str = "",
    deferred_until: date | None = None,
    now: datetime | None = None,
) -> WorkOrder:
    """The head approves: now, and only now, the negative answer goes to the customer. A "cannot be
    done now" approved is a deferral, not a refusal: the customer is told why and from which day
    (the head may name another day in ``deferred_until``), and the request stays open."""
    ctx = _begin(work_order, Action.APPROVE_REJECTION, by, now)
    wo = ctx.work_order
    request = _pending(ctx, ApprovalKind.REJECTION, ApprovalKind.CANNOT_DO_NOW)
    if request.kind == ApprovalKind.CANNOT_DO_NOW:
        return _approve_deferral(ctx, request, note, deferred_until)
    if deferred_until is not None:
        raise ValidationFailed.field(
            "deferred_until", _("only a request that cannot be done now names a day")
        )
    _decide(ctx, request, ApprovalStatus.APPROVED, note)
    changes: dict[str, Any] = {"approval": {"after": _("approved")}, "answer": {"after": request.answer}}
    _withdraw_pending(ctx, changes)
    _set_status(ctx, Status.REJECTED, changes)
    wo.resume_status, wo.closed_at, wo.deferred_until = "", ctx.now, None
    wo.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False, paused_at=None)
    _save(wo, "status", "resume_status", "closed_at", "deferred_until")
    send_sms(
        to=wo.caller_phone,
        body=_("Work order %(number)s: %(answer)s") % {"number": wo.number, "answer": request.answer},
        work_order=wo,
    )
    _event(ctx, "work_order.rejection_approved", changes, note)
    _tell_owner(ctx, _("refused after approval"))
    return wo


@transaction.atomic
def work_order_deny_rejection(
    *, work_order: WorkOrder, by: User, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """The head refuses the refusal (or the deferral): the work goes on where it was, its clocks restart."""
    errors = FieldErrors()
    note = _required_text(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.DENY_REJECTION, by, now)
    request = _pending(ctx, ApprovalKind.REJECTION, ApprovalKind.CANNOT_DO_NOW)
    _decide(ctx, request, ApprovalStatus.DENIED, note)
    changes: dict[str, Any] = {"approval": {"after": _("denied")}}
    _leave_pause_status(ctx, changes, to=request.status_before)
    _save(ctx.work_order, "status", "resume_status")
    _event(
        ctx,
        "work_order.deferral_denied"
        if request.kind == ApprovalKind.CANNOT_DO_NOW
        else "work_order.rejection_denied",
        changes,
        note,
    )
    return ctx.work_order


def _deferral_return_status(wo: WorkOrder) -> str:
    """The status a deferred request goes back to: the one it had when the deferral was asked
    (a deferral asked again while deferred keeps the first one's)."""
    for approval in wo.approvals.filter(
        kind=ApprovalKind.CANNOT_DO_NOW, status=ApprovalStatus.APPROVED
    ).order_by("-decided_at", "-id"):
        if approval.status_before and approval.status_before not in (
            Status.DEFERRED,
            Status.AWAITING_APPROVAL,
        ):
            return approval.status_before
    return wo.resume_status or Status.RECEIVED


@transaction.atomic
def work_order_resume(
    *, work_order: WorkOrder, by: User | None, reason: str = "", now: datetime | None = None
) -> WorkOrder:
    """A deferred request is taken up again: by staff before its day, or by the sweep on it
    (``by`` None). It goes back to where it was; its clocks restart, moved by the time they stood still."""
    ctx = _begin(work_order, Action.RESUME, by, now)
    wo = ctx.work_order
    day = wo.deferred_until
    changes: dict[str, Any] = {"deferred_until": {"before": day, "after": None}}
    wo.deferred_until = None
    _leave_pause_status(ctx, changes, to=_deferral_return_status(wo))
    _save(wo, "status", "resume_status", "deferred_until")
    if not reason and by is None:
        reason = _("the day from which it can be done has come")
    _event(ctx, "work_order.resumed", changes, reason)
    title = _("%(number)s can be done now (deferred until %(day)s)") % {
        "number": wo.number,
        "day": day.isoformat() if day else "—",
    }
    handlers = [wo.assignee] if wo.assignee else heads_of(wo.department or wo.intake_department)
    notify(
        [p for p in [*handlers, wo.first_contact_owner] if p is not None and p != by],
        kind=NotificationKind.ASSIGNED,
        work_order=wo,
        title=title,
        body=reason,
    )
    return wo


def resume_due_deferrals(now: datetime) -> int:
    """Sweep step: every deferred request whose day has come goes back to work (each in its own
    transaction; one resumed meanwhile by someone else is skipped)."""
    today = timezone.localtime(now).date()
    count = 0
    for pk in WorkOrder.objects.filter(status=Status.DEFERRED, deferred_until__lte=today).values_list(
        "pk", flat=True
    ):
        try:
            work_order_resume(work_order=WorkOrder(pk=pk), by=None, now=now)
        except ConflictError:
            continue
        count += 1
    return count


@transaction.atomic
def work_order_request_extension(
    *,
    work_order: WorkOrder,
    by: User,
    clock: str,
    amount: int,
    unit: str,
    reason: str,
    now: datetime | None = None,
) -> ApprovalRequest:
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    if amount is None or amount <= 0:
        errors.add("amount", _("must be greater than %(limit)s") % {"limit": 0})
    if unit not in (
        "working_days",
        "business_hours",
        "business_minutes",
        "calendar_hours",
        "calendar_minutes",
    ):
        errors.add(
            "unit",
            _("must be one of %(choices)s")
            % {"choices": "working_days, business_hours, business_minutes, calendar_hours, calendar_minutes"},
        )
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REQUEST_EXTENSION, by, now)
    wo = ctx.work_order
    running = wo.clocks.filter(kind=clock, is_active=True, met_at__isnull=True).first()
    if running is None:
        raise ValidationFailed.field("clock", _("no running clock of that kind"))
    # At most the policy's longest extension, compared by where each would move the deadline (so
    # that "3 working days" and "24 business hours" compare fairly).
    longest = ctx.policy.approvals.max_extension
    beyond = ValidationFailed.field(
        "amount", _("may move the deadline by at most %(limit)s (policy)") % {"limit": duration(longest)}
    )
    try:
        limit = ctx.calendar.deadline(running.due_at, longest.amount, longest.unit).due
        if ctx.calendar.deadline(running.due_at, amount, unit).due > limit:
            raise beyond
    except (ValueError, OverflowError):
        raise beyond from None
    role = ctx.policy.approvals.extension
    request = ApprovalRequest.objects.create(
        work_order=wo,
        kind=ApprovalKind.EXTENSION,
        approver_role=role,
        reason=reason,
        clock_kind=clock,
        extension_amount=amount,
        extension_unit=unit,
        requested_by=by,
        requested_at=ctx.now,
    )
    _event(
        ctx,
        "work_order.extension_requested",
        {"extension": {"after": {"clock": clock, "amount": amount, "unit": unit, "approver": role}}},
        reason,
    )
    notify(
        approvers_for(role, wo),
        kind=NotificationKind.APPROVAL_REQUESTED,
        work_order=wo,
        title=_("%(number)s: an extension waits for your approval") % {"number": wo.number},
        body=reason,
    )
    return request


@transaction.atomic
def work_order_approve_extension(
    *, work_order: WorkOrder, by: User, note: str = "", now: datetime | None = None
) -> WorkOrder:
    ctx = _begin(work_order, Action.APPROVE_EXTENSION, by, now)
    request = _pending(ctx, ApprovalKind.EXTENSION)
    _decide(ctx, request, ApprovalStatus.APPROVED, note)
    clock = ctx.work_order.clocks.filter(kind=request.clock_kind, is_active=True, met_at__isnull=True).first()
    if clock is None:  # the step was done (or stopped) meanwhile: nothing left to extend
        raise ValidationFailed.field(
            "clock",
            _("the %(clock)s clock is no longer running; deny the request")
            % {"clock": ClockKind(request.clock_kind).label},
        )
    try:
        moved = ctx.calendar.deadline(clock.due_at, request.extension_amount or 0, request.extension_unit)
    except (ValueError, OverflowError):  # asked for before the policy bounded extensions
        raise ValidationFailed.field(
            "amount", _("is too large to compute a deadline; deny the request")
        ) from None
    changes = {f"clock.{clock.kind}": {"before": clock.due_at, "after": moved.due}}
    clock.due_at = moved.due
    clock.calendar_confirmed = clock.calendar_confirmed and moved.calendar_confirmed
    clock.extended_count += 1
    clock.warned_at = None
    _schedule(clock, ctx.policy)
    clock.save(
        update_fields=[
            "due_at",
            "calendar_confirmed",
            "extended_count",
            "warned_at",
            "warn_at",
            "next_escalation_at",
        ]
    )
    _event(ctx, "work_order.extension_approved", changes, note)
    return ctx.work_order


@transaction.atomic
def work_order_deny_extension(
    *, work_order: WorkOrder, by: User, note: str = "", now: datetime | None = None
) -> WorkOrder:
    ctx = _begin(work_order, Action.DENY_EXTENSION, by, now)
    _decide(ctx, _pending(ctx, ApprovalKind.EXTENSION), ApprovalStatus.DENIED, note)
    _event(ctx, "work_order.extension_denied", {"extension": {"after": _("denied")}}, note)
    return ctx.work_order


# --- completion, confirmation, fees ---------------------------------------------------------


def _clean_parts(parts: Iterable[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    cleaned = []
    for index, part in enumerate(parts):
        name = str(part.get("name") or "").strip()
        if not name:
            errors.add(f"parts[{index}].name", _("is required"))
        try:
            quantity = Decimal(str(part.get("quantity", 1)))
            if quantity <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.add(f"parts[{index}].quantity", _("must be greater than %(limit)s") % {"limit": 0})
            quantity = Decimal(0)
        cleaned.append(
            {"name": name, "model": str(part.get("model") or "").strip(), "quantity": str(quantity)}
        )
    return cleaned


def _check_product_warranty(ctx: Context, warranty_status: str) -> None:
    """ "In warranty" cannot be claimed for a product whose warranty has ended (on the local day)."""
    product = ctx.work_order.product
    if (
        warranty_status == WarrantyStatus.IN_WARRANTY
        and product is not None
        and product.warranty_ends_on is not None
        and product.warranty_ends_on < timezone.localtime(ctx.now).date()
    ):
        raise ValidationFailed.field(
            "warranty_status",
            _("the product's warranty ended on %(day)s") % {"day": product.warranty_ends_on.isoformat()},
        )


def paid_service_decision(work_order: WorkOrder) -> ApprovalRequest | None:
    """The work order's paid-service approval that counts: the latest one not withdrawn."""
    return (
        work_order.approvals.filter(kind=ApprovalKind.PAID_SERVICE)
        .exclude(status=ApprovalStatus.WITHDRAWN)
        .order_by("-requested_at", "-id")
        .first()
    )


def _apply_warranty_finding(
    ctx: Context, warranty_status: str, changes: dict[str, Any], note: str = ""
) -> None:
    """The charge that follows a warranty finding (三包), on site or with the report: paid or free;
    the head's approval asked once where the policy wants it (and the head told at once)."""
    wo = ctx.work_order
    decision = paid_service_decision(wo)
    step = rules.paid_service_step(
        paid_finding=rules.is_paid_finding(warranty_status, wo.service_type.category),
        needs_approval=ctx.policy.approvals.paid_service_needs_approval,
        decision=decision.status if decision else None,
    )
    if not step.is_paid:
        if wo.fees.filter(is_collected=True).exists():
            raise ValidationFailed.field(
                "warranty_status",
                _("fees of the paid service were already collected; the work cannot become free now"),
            )
        dropped = list(wo.fees.filter(is_collected=False).values_list("description", flat=True))
        if dropped:
            wo.fees.filter(is_collected=False).delete()
            changes["fees_dropped"] = {"after": dropped}
    if step.withdraw_pending and decision is not None:
        decision.status, decision.decided_at, decision.decided_by = ApprovalStatus.WITHDRAWN, ctx.now, ctx.by
        decision.save(update_fields=["status", "decided_at", "decided_by"])
        changes["approvals_withdrawn"] = {"after": [ApprovalKind.PAID_SERVICE]}
    if step.ask_approval:
        role = ctx.policy.approvals.paid_service
        reason = _("paid service: %(warranty)s") % {"warranty": WarrantyStatus(warranty_status).label}
        if note:
            reason = f"{reason} — {note}"
        assert ctx.by is not None  # a finding is a technician's (record-warranty, complete: ``by: User``)
        ApprovalRequest.objects.create(
            work_order=wo,
            kind=ApprovalKind.PAID_SERVICE,
            approver_role=role,
            reason=reason,
            status_before=wo.status,
            requested_by=ctx.by,
            requested_at=ctx.now,
        )
        changes["approval"] = {"after": {"kind": ApprovalKind.PAID_SERVICE, "approver": role}}
        notify(
            approvers_told(role, wo),
            kind=NotificationKind.APPROVAL_REQUESTED,
            work_order=wo,
            title=_("%(number)s: a paid service waits for your approval") % {"number": wo.number},
            body=reason,
        )
    changes["is_paid"] = {"before": wo.is_paid, "after": step.is_paid}
    wo.is_paid = step.is_paid


@transaction.atomic
def work_order_record_warranty(
    *, work_order: WorkOrder, by: User, warranty_status: str, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """The technician's warranty finding on site (判定保修状态), before completing: out of warranty or
    misuse makes the work paid, and where the policy wants a head's approval it is asked at once, so
    that the fee can be collected before the technician leaves. Recorded again, it never asks twice."""
    errors = FieldErrors()
    if warranty_status not in WarrantyStatus.values:
        errors.add(
            "warranty_status", _("must be one of %(choices)s") % {"choices": ", ".join(WarrantyStatus.values)}
        )
    note = (note or "").strip()
    if len(note) > 2000:
        errors.add("note", _("must have at most %(n)s characters") % {"n": 2000})
    errors.raise_if_any()
    ctx = _begin(work_order, Action.RECORD_WARRANTY, by, now)
    wo = ctx.work_order
    _check_product_warranty(ctx, warranty_status)
    changes: dict[str, Any] = {
        "warranty_finding": {"before": wo.warranty_finding or None, "after": warranty_status}
    }
    _apply_warranty_finding(ctx, warranty_status, changes, note)
    wo.warranty_finding = warranty_status
    _save(wo, "warranty_finding", "is_paid")
    _event(ctx, "work_order.warranty_recorded", changes, note)
    return wo


def _report_photos(
    ctx: Context, photos: Sequence[UploadedFile], photo_ids: Sequence[int], errors: FieldErrors
) -> tuple[list[tuple[UploadedFile, str]], list[Photo]]:
    """The photos of a service report: uploaded with it, or uploaded before (``photo_ids``: photos of
    this work order not on a report yet). At least the policy's ``service_report.min_photos``."""
    wo = ctx.work_order
    ids = list(dict.fromkeys(photo_ids))
    earlier = list(wo.photos.filter(pk__in=ids, report__isnull=True)) if ids else []
    if len(earlier) != len(ids):
        errors.add("photo_ids", _("names photos that are not this work order's or are on a report already"))
    if wo.photos.count() + len(photos) > MAX_PHOTOS:
        errors.add("photos", _("at most %(n)s photos per record") % {"n": MAX_PHOTOS})
        return [], earlier
    checked = _check_photos(photos, errors)
    wanted = ctx.policy.service_report.min_photos
    if len(photos) + len(ids) < wanted:
        errors.add(
            "photos", _("the policy asks for at least %(n)s photos with the service report") % {"n": wanted}
        )
    return checked, earlier


@transaction.atomic
def work_order_complete(
    *,
    work_order: WorkOrder,
    by: User,
    findings: str,
    work_done: str,
    warranty_status: str,
    minutes_spent: int,
    disassembly_signs: bool = False,
    running_hours: int | None = None,
    mileage_km: int | None = None,
    parts: Iterable[Mapping[str, Any]] = (),
    photos: Sequence[UploadedFile] = (),
    photo_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> ServiceReport:
    """The technician's service report; the work is done and waits for the customer's confirmation.
    A warranty finding already recorded on site keeps its paid-service decision: no second approval."""
    errors = FieldErrors()
    findings = _required_text(findings, "findings", errors, limit=4000)
    work_done = _required_text(work_done, "work_done", errors, limit=4000)
    if warranty_status not in WarrantyStatus.values:
        errors.add(
            "warranty_status", _("must be one of %(choices)s") % {"choices": ", ".join(WarrantyStatus.values)}
        )
    if minutes_spent is None or minutes_spent <= 0:
        errors.add("minutes_spent", _("must be greater than %(limit)s") % {"limit": 0})
    cleaned_parts = _clean_parts(parts, errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.COMPLETE, by, now)
    wo = ctx.work_order
    _check_product_warranty(ctx, warranty_status)
    checked_photos, earlier_photos = _report_photos(ctx, photos, photo_ids, errors)
    errors.raise_if_any()
    report = ServiceReport.objects.create(
        work_order=wo,
        findings=findings,
        work_done=work_done,
        warranty_status=warranty_status,
        disassembly_signs=disassembly_signs,
        running_hours=running_hours,
        mileage_km=mileage_km,
        parts=cleaned_parts,
        minutes_spent=minutes_spent,
        completed_by=by,
        completed_at=ctx.now,
    )
    _save_photos(wo, checked_photos, by, report=report)
    if earlier_photos:
        wo.photos.filter(pk__in=[p.pk for p in earlier_photos]).update(report=report)
    changes: dict[str, Any] = {"report": {"after": {"warranty": warranty_status, "minutes": minutes_spent}}}
    if checked_photos or earlier_photos:
        changes["photos"] = {"after": len(checked_photos) + len(earlier_photos)}
    # In warranty → free; out of warranty or misuse → paid at the fee schedule (三包).
    _apply_warranty_finding(ctx, warranty_status, changes)
    wo.warranty_finding = warranty_status
    wo.done_at, wo.arrived_at = ctx.now, wo.arrived_at or ctx.now
    wo.confirmation_refused = False
    _set_status(ctx, Status.DONE, changes)
    # Done on site: a written reply still owed is answered by the work itself.
    changes.update(_meet(ctx, ClockKind.ARRIVAL, ClockKind.WRITTEN_REPLY, ClockKind.RESOLUTION))
    _save(wo, "is_paid", "warranty_finding", "done_at", "arrived_at", "confirmation_refused", "status")
    _event(ctx, "work_order.completed", changes)
    _tell_owner(ctx, _("the work is done"))
    return report


def _code_hash(work_order: WorkOrder, code: str) -> str:
    return hashlib.sha256(f"{work_order.pk}:{code}".encode()).hexdigest()


@transaction.atomic
def work_order_send_confirmation_code(*, work_order: WorkOrder, by: User, now: datetime | None = None) -> str:
    """Send the customer a one-time code by SMS; they read it back to confirm. Returns the phone used."""
    ctx = _begin(work_order, Action.SEND_CONFIRMATION_CODE, by, now)
    wo = ctx.work_order
    code = f"{secrets.randbelow(10**6):06d}"
    ConfirmationCode.objects.create(
        work_order=wo,
        code_hash=_code_hash(wo, code),
        phone=wo.caller_phone,
        sent_at=ctx.now,
        expires_at=ctx.now + timedelta(minutes=CONFIRMATION_CODE_MINUTES),
    )
    send_sms(
        to=wo.caller_phone,
        work_order=wo,
        body=_(
            "Work order %(number)s: your confirmation code is %(code)s. Give it to the technician only once the "
            "work is done."
        )
        % {"number": wo.number, "code": code},
    )
    _event(ctx, "work_order.confirmation_code_sent", {"phone": {"after": wo.caller_phone}})
    return wo.caller_phone


def _signature_file(data_url: str) -> ContentFile | None:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        return None
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) >= 2_000_000:
        return None
    signature = ContentFile(raw, name="signature.png")
    try:
        kind = check_image(signature, len(raw))
    except ImageRefused:
        return None
    return signature if kind == "image/png" else None


@transaction.atomic
def work_order_confirm(
    *,
    work_order: WorkOrder,
    by: User,
    method: str,
    confirmed_by_name: str,
    signature: str = "",
    code: str = "",
    voucher: UploadedFile | None = None,
    satisfied: bool | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> Confirmation:
    """The customer confirms completed work — only on a completed report, never before (002)."""
    ctx = _begin(work_order, Action.CONFIRM, by, now)
    wo = ctx.work_order
    errors = FieldErrors()
    confirmed_by_name = _required_text(confirmed_by_name, "confirmed_by_name", errors, limit=100)
    evidence: Any = None
    if method == ConfirmationMethod.SIGNATURE:
        evidence = _signature_file(signature)
        if evidence is None:
            errors.add("signature", _("draw the customer's signature (a PNG image)"))
    elif method == ConfirmationMethod.SMS_CODE:
        sent = (
            wo.confirmation_codes.filter(used_at__isnull=True, expires_at__gt=ctx.now)
            .order_by("-sent_at")
            .first()
        )
        # Wrong tries are counted outside the database (this transaction rolls back on the error):
        # after a few, the code is dead and a new one must be sent.
        failures_key = f"fuwu:confirmation-code-failures:{sent.pk}" if sent else ""
        if sent is not None and cache.get(failures_key, 0) >= MAX_CODE_ATTEMPTS:
            errors.add("code", _("too many wrong tries; send a new code"))
        elif sent is None or not secrets.compare_digest(sent.code_hash, _code_hash(wo, (code or "").strip())):
            errors.add("code", _("is wrong or expired; send a new code"))
            if sent is not None:
                cache.add(failures_key, 0, timeout=CONFIRMATION_CODE_MINUTES * 60)
                cache.incr(failures_key)
        else:
            sent.used_at = ctx.now
            sent.save(update_fields=["used_at"])
    elif method == ConfirmationMethod.PAPER_VOUCHER:
        if voucher is None:
            errors.add("voucher", _("upload the signed paper voucher"))
        else:
            try:
                kind = check_image(voucher, voucher.size)
            except ImageRefused as refused:
                errors.add("voucher", str(refused))
            else:
                evidence = ContentFile(voucher.read(), name=f"voucher-{wo.number}.{kind.split('/')[1]}")
    else:
        errors.add(
            "method", _("must be one of %(choices)s") % {"choices": ", ".join(ConfirmationMethod.values)}
        )
    errors.raise_if_any()
    confirmation = Confirmation(
        work_order=wo,
        method=method,
        confirmed_by_name=confirmed_by_name,
        satisfied=satisfied,
        comment=comment.strip(),
        recorded_by=by,
        confirmed_at=ctx.now,
    )
    if evidence is not None:
        confirmation.evidence.save(evidence.name, evidence, save=False)
    confirmation.save()
    changes: dict[str, Any] = {"confirmation": {"after": {"method": method, "by": confirmed_by_name}}}
    wo.confirmed_at = ctx.now
    _set_status(ctx, Status.CONFIRMED, changes)
    _save(wo, "confirmed_at", "status")
    _event(ctx, "work_order.confirmed", changes)
    return confirmation


@transaction.atomic
def work_order_refuse_confirmation(
    *, work_order: WorkOrder, by: User, reason: str, now: datetime | None = None
) -> WorkOrder:
    """The customer will not sign: the department head decides (re-handle or close)."""
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REFUSE_CONFIRMATION, by, now)
    wo = ctx.work_order
    wo.confirmation_refused = True
    _save(wo, "confirmation_refused")
    _event(ctx, "work_order.confirmation_refused", {"confirmation_refused": {"after": True}}, reason)
    notify(
        heads_of(wo.department or wo.intake_department),
        kind=NotificationKind.CONFIRMATION_REFUSED,
        work_order=wo,
        title=_("%(number)s: the customer refused to confirm") % {"number": wo.number},
        body=reason,
    )
    return wo


def _paid_service_approved(wo: WorkOrder, policy: PolicyDocument) -> bool:
    if not policy.approvals.paid_service_needs_approval:
        return True
    return wo.approvals.filter(kind=ApprovalKind.PAID_SERVICE, status=ApprovalStatus.APPROVED).exists()


@transaction.atomic
def work_order_record_fee(
    *,
    work_order: WorkOrder,
    by: User,
    fee_item: FeeItem | None = None,
    description: str = "",
    quantity: Decimal | str | int = 1,
    unit_price: Decimal | str | None = None,
    receipt_number: str = "",
    now: datetime | None = None,
) -> FeeLine:
    """A fee line from the service type's fee schedule (or described). Collected only with an
    invoice/receipt number, and only once a paid service is approved where the policy asks."""
    ctx = _begin(work_order, Action.RECORD_FEE, by, now)
    wo = ctx.work_order
    errors = FieldErrors()
    if not wo.is_paid:
        errors.add("fee_item_id", _("this work is free of charge (in warranty or not a paid service)"))
    if fee_item is not None and fee_item.service_type_id != wo.service_type_id:
        errors.add("fee_item_id", _("is not on this service type's fee schedule"))
    description = (description or (fee_item.name if fee_item else "")).strip()
    if not description:
        errors.add("description", _("is required"))
    try:
        qty = Decimal(str(quantity)).quantize(Decimal("0.01"))
        if qty <= 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("quantity", _("must be greater than %(limit)s") % {"limit": 0})
        qty = Decimal(0)
    price_source = unit_price if unit_price not in (None, "") else (fee_item.price if fee_item else None)
    try:
        price = Decimal(str(price_source)).quantize(Decimal("0.01"))
        if price < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors.add("unit_price", _("must be an amount of 0 or more, e.g. 50.00"))
        price = Decimal(0)
    # Each value, and the amount derived from them, must fit its column: SQLite would store an
    # amount of 10¹⁶ and every page showing the work order would then fail to read it back.
    amount = (qty * price).quantize(Decimal("0.01"))
    for field, value in (("quantity", qty), ("unit_price", price)):
        if not decimal_fits(FeeLine, field, value):
            errors.add(field, _("must be below %(limit)s") % {"limit": decimal_limit(FeeLine, field)})
    if not errors and not decimal_fits(FeeLine, "amount", amount):
        errors.add(
            "unit_price",
            _("the amount (quantity × unit price) must be below %(limit)s")
            % {"limit": decimal_limit(FeeLine, "amount")},
        )
    receipt_number = (receipt_number or "").strip()
    if receipt_number and not _paid_service_approved(wo, ctx.policy):
        errors.add("receipt_number", _("the paid service is not approved yet; nothing may be collected"))
    errors.raise_if_any()
    line = FeeLine.objects.create(
        work_order=wo,
        fee_item=fee_item,
        description=description,
        quantity=qty,
        unit_price=price,
        amount=amount,
        is_collected=bool(receipt_number),
        receipt_number=receipt_number,
        collected_at=ctx.now if receipt_number else None,
        collected_by=by if receipt_number else None,
        recorded_by=by,
        recorded_at=ctx.now,
    )
    _event(
        ctx,
        "work_order.fee_recorded",
        {
            "fee": {
                "after": {
                    "item": description,
                    "amount": line.amount,
                    "receipt_number": receipt_number or None,
                }
            }
        },
    )
    return line


@transaction.atomic
def work_order_collect_fee(
    *, work_order: WorkOrder, by: User, fee_line_id: int, receipt_number: str, now: datetime | None = None
) -> FeeLine:
    """Mark a fee collected: only with the invoice/receipt number (no private collection)."""
    ctx = _begin(work_order, Action.COLLECT_FEE, by, now)
    wo = ctx.work_order
    errors = FieldErrors()
    line = wo.fees.filter(pk=fee_line_id, is_collected=False).first()
    if line is None:
        errors.add("fee_line_id", _("no uncollected fee line with this id"))
    receipt_number = (receipt_number or "").strip()
    if not receipt_number:
        errors.add("receipt_number", _("a fee is only collected with an invoice or receipt number"))
    elif not _paid_service_approved(wo, ctx.policy):
        errors.add("receipt_number", _("the paid service is not approved yet; nothing may be collected"))
    errors.raise_if_any()
    assert line is not None
    line.is_collected, line.receipt_number, line.collected_at, line.collected_by = (
        True,
        receipt_number,
        ctx.now,
        by,
    )
    line.save(update_fields=["is_collected", "receipt_number", "collected_at", "collected_by"])
    _event(
        ctx,
        "work_order.fee_collected",
        {
            "fee": {
                "after": {"item": line.description, "amount": line.amount, "receipt_number": receipt_number}
            }
        },
    )
    return line


@transaction.atomic
def work_order_decide_paid_service(
    *, work_order: WorkOrder, by: User, approve: bool, note: str = "", now: datetime | None = None
) -> WorkOrder:
    action = Action.APPROVE_PAID_SERVICE if approve else Action.DENY_PAID_SERVICE
    ctx = _begin(work_order, action, by, now)
    request = _pending(ctx, ApprovalKind.PAID_SERVICE)
    _decide(ctx, request, ApprovalStatus.APPROVED if approve else ApprovalStatus.DENIED, note)
    changes: dict[str, Any] = {"paid_service": {"after": _("approved") if approve else _("denied")}}
    if not approve:  # no charge then: the fee lines not collected are dropped
        dropped = list(ctx.work_order.fees.filter(is_collected=False).values_list("description", flat=True))
        ctx.work_order.fees.filter(is_collected=False).delete()
        ctx.work_order.is_paid = False
        _save(ctx.work_order, "is_paid")
        changes["fees_dropped"] = {"after": dropped}
    _event(ctx, "work_order.paid_service_" + ("approved" if approve else "denied"), changes, note)
    return ctx.work_order


# --- end of life ----------------------------------------------------------------------------


def _withdraw_pending(ctx: Context, changes: dict[str, Any]) -> None:
    """Requests still waiting when the work order ends or restarts are withdrawn, never decided later."""
    pending = ctx.work_order.approvals.filter(status=ApprovalStatus.PENDING)
    kinds = list(pending.values_list("kind", flat=True))
    if kinds:
        pending.update(status=ApprovalStatus.WITHDRAWN, decided_at=ctx.now, decided_by=ctx.by)
        changes["approvals_withdrawn"] = {"after": kinds}


@transaction.atomic
def work_order_close(
    *, work_order: WorkOrder, by: User, reason: str = "", now: datetime | None = None
) -> WorkOrder:
    ctx = _begin(work_order, Action.CLOSE, by, now)
    wo = ctx.work_order
    # Closing a done (not confirmed) order: only after a refusal, by the head (see ``may``), with a reason.
    if wo.status == Status.DONE and not (reason or "").strip():
        raise ValidationFailed.field("reason", _("is required"))
    changes: dict[str, Any] = {}
    _withdraw_pending(ctx, changes)
    wo.closed_at = ctx.now
    _set_status(ctx, Status.CLOSED, changes)
    _save(wo, "closed_at", "status")
    _event(ctx, "work_order.closed", changes, reason)
    _tell_owner(ctx, _("closed"))
    return wo


@transaction.atomic
def work_order_cancel(
    *, work_order: WorkOrder, by: User, reason: str, now: datetime | None = None
) -> WorkOrder:
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.CANCEL, by, now)
    wo = ctx.work_order
    changes: dict[str, Any] = {}
    _withdraw_pending(ctx, changes)
    _set_status(ctx, Status.CANCELLED, changes)
    wo.closed_at, wo.resume_status, wo.deferred_until = ctx.now, "", None
    wo.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False, paused_at=None)
    _save(wo, "closed_at", "resume_status", "deferred_until", "status")
    _event(ctx, "work_order.cancelled", changes, reason)
    _tell_owner(ctx, _("cancelled"))
    return wo


@transaction.atomic
def work_order_reopen(
    *, work_order: WorkOrder, by: User, reason: str, now: datetime | None = None
) -> WorkOrder:
    """Re-handle (重办): back to the department's queue with a new resolution clock."""
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REOPEN, by, now)
    wo = ctx.work_order
    changes: dict[str, Any] = {"reopen_count": {"before": wo.reopen_count, "after": wo.reopen_count + 1}}
    wo.reopen_count += 1
    _withdraw_pending(ctx, changes)
    wo.confirmation_refused = False
    wo.assignee, wo.dispatched_at, wo.accepted_at, wo.arrived_at = None, None, None, None
    wo.done_at, wo.confirmed_at, wo.closed_at = None, None, None
    wo.team.clear()
    _set_status(ctx, Status.ROUTED if wo.department_id else Status.RECEIVED, changes)
    wo.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False, paused_at=None)
    _start_clocks(
        wo,
        ctx.policy,
        ctx.calendar,
        ctx.now,
        kinds=(ClockKind.DISPATCH, ClockKind.ARRIVAL, ClockKind.RESOLUTION),
    )
    _save(
        wo,
        "reopen_count",
        "confirmation_refused",
        "assignee",
        "dispatched_at",
        "accepted_at",
        "arrived_at",
        "done_at",
        "confirmed_at",
        "closed_at",
        "status",
    )
    _event(ctx, "work_order.reopened", changes, reason)
    notify(
        heads_of(wo.department),
        kind=NotificationKind.ASSIGNED,
        work_order=wo,
        title=_("%(number)s was reopened: %(reason)s") % {"number": wo.number, "reason": reason},
    )
    return wo


@transaction.atomic
def work_order_remind(
    *, work_order: WorkOrder, by: User, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """A reminder (催办) to whoever handles it; reminders are counted."""
    ctx = _begin(work_order, Action.REMIND, by, now)
    wo = ctx.work_order
    wo.reminder_count += 1
    _save(wo, "reminder_count")
    _event(
        ctx,
        "work_order.reminded",
        {"reminder_count": {"before": wo.reminder_count - 1, "after": wo.reminder_count}},
        note,
    )
    notify(
        [wo.assignee] if wo.assignee else heads_of(wo.department or wo.intake_department),
        kind=NotificationKind.REMINDER,
        work_order=wo,
        body=note,
        title=_("%(number)s: reminder from %(name)s") % {"number": wo.number, "name": by.display_name},
    )
    return wo


# --- A/B hand-over --------------------------------------------------------------------------


@transaction.atomic
def hand_over_open_work(*, absence: Absence, now: datetime | None = None) -> list[WorkOrder]:
    """When an absence starts, the person's open work moves to whoever handles their work (B)."""
    now = now or timezone.now()
    claimed = Absence.objects.filter(
        pk=absence.pk, handed_over_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ).update(handed_over_at=now)
    if not claimed:
        return []
    person = absence.person
    handler = person_handler(person, now)
    if handler.person.pk == person.pk:
        return []
    moved = []

    def handed_over(wo: WorkOrder, changes: dict[str, Any]) -> None:
        record_event(
            subject=wo,
            action="work_order.handed_over",
            actor=None,
            at=now,
            organisation=wo.organisation,
            changes=changes,
            reason=handler.explanation(),
        )

    # Work above B's clearance stays with A (B could not even see it); it is still in the
    # department's queue and lists, where the head re-dispatches it if it cannot wait (ADR 0005).
    cleared = Q(confidentiality__lte=handler.person.clearance)
    for wo in (
        WorkOrder.objects.select_for_update(of=("self",))
        .filter(cleared, assignee=person, status__in=OPEN_STATUSES)
        .select_related("organisation")
    ):
        wo.assignee = handler.person
        wo.handed_over_from = person
        _save(wo, "assignee", "handed_over_from")
        handed_over(wo, {"assignee": {"before": person, "after": handler.person}})
        moved.append(wo)
    # Team places move too (the leader is the assignee above).
    for wo in (
        WorkOrder.objects.select_for_update(of=("self",))
        .filter(cleared, team=person, status__in=OPEN_STATUSES)
        .select_related("organisation")
    ):
        wo.team.remove(person)
        if wo.assignee_id != handler.person.pk:
            wo.team.add(handler.person)
        handed_over(wo, {"team": {"before": person, "after": handler.person}})
        if wo not in moved:
            moved.append(wo)
    if moved:
        notify(
            [handler.person],
            kind=NotificationKind.HANDED_OVER,
            title=_("%(count)s work orders of %(name)s are yours while they are away")
            % {"count": len(moved), "name": person.display_name},
            body=", ".join(wo.number for wo in moved),
        )
    return moved


def hand_over_started_absences(now: datetime) -> int:
    """Hand over the work of every absence that has started and was not handed over yet."""
    count = 0
    for absence in Absence.objects.filter(
        handed_over_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ).select_related("person", "person__department"):
        count += len(hand_over_open_work(absence=absence, now=now))
    return count
