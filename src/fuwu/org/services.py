"""Business actions on the organisation. Each is one transaction with one timeline event."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import ValidationFailed
from fuwu.timeline.services import field_changes, record_event, snapshot

from .models import Absence, AbsenceKind, Department, Duty, DutyKind, Organisation, Role, User

# Called with an Absence that has started (work orders register the hand-over of open work to B).
ABSENCE_STARTED_HOOKS: list[Callable[[Absence], object]] = []


def _require(value: str, field: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed.field(field, _("is required"))
    return value


@transaction.atomic
def department_create(
    *,
    organisation: Organisation,
    name: str,
    code: str,
    parent: Department | None = None,
    by: User | None = None,
) -> Department:
    name, code = _require(name, "name"), _require(code, "code")
    if parent is not None and parent.organisation_id != organisation.pk:
        raise ValidationFailed.field("parent", _("belongs to another organisation"))
    if Department.objects.filter(organisation=organisation, code=code).exists():
        raise ValidationFailed.field("code", _("is already used by another department"))
    department = Department.objects.create(
        organisation=organisation, name=name, code=code, parent=parent, path=""
    )
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.save(update_fields=["path"])
    record_event(
        subject=department,
        action="department.created",
        actor=by,
        changes={
            "name": {"after": name},
            "code": {"after": code},
            "parent": {"after": str(parent) if parent else None},
        },
    )
    return department


@transaction.atomic
def department_update(
    *,
    department: Department,
    by: User | None,
    name: str | None = None,
    parent: Department | Any | None = ...,
    is_active: bool | None = None,
    reason: str = "",
) -> Department:
    fields = ["name", "parent", "is_active"]
    before = snapshot(department, fields)
    if name is not None:
        department.name = _require(name, "name")
    if is_active is not None:
        department.is_active = is_active
    if parent is not ...:
        if parent is not None:
            if parent.organisation_id != department.organisation_id:
                raise ValidationFailed.field("parent", _("belongs to another organisation"))
            if parent.path.startswith(department.path):
                raise ValidationFailed.field("parent", _("cannot be the department itself or one below it"))
        department.parent = parent
    changes = field_changes(department, before, fields)
    if not changes:
        return department
    department.save(update_fields=["name", "parent", "is_active"])
    if "parent" in changes:
        _move_subtree(department)
    record_event(subject=department, action="department.updated", actor=by, changes=changes, reason=reason)
    return department


def _move_subtree(department: Department) -> None:
    old_path = department.path
    new_path = f"{department.parent.path if department.parent else '/'}{department.pk}/"
    for node in Department.objects.filter(path__startswith=old_path).order_by("path"):
        node.path = new_path + node.path[len(old_path) :]
        node.save(update_fields=["path"])


@transaction.atomic
def staff_create(
    *,
    organisation: Organisation,
    username: str,
    full_name: str,
    department: Department | None,
    roles: Sequence[str],
    post: str = "",
    phone: str = "",
    password: str | None = None,
    clearance: int = 0,
    is_gatekeeper: bool = False,
    by: User | None = None,
) -> User:
    username = _require(username, "username")
    full_name = _require(full_name, "full_name")
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed.field("roles", _("unknown role: %(roles)s") % {"roles": ", ".join(unknown)})
    if department is not None and department.organisation_id != organisation.pk:
        raise ValidationFailed.field("department", _("belongs to another organisation"))
    if User.objects.filter(username=username).exists():
        raise ValidationFailed.field("username", _("is already taken"))
    user = User(
        organisation=organisation,
        username=username,
        full_name=full_name,
        department=department,
        post=post,
        phone=phone,
        clearance=clearance,
        is_gatekeeper=is_gatekeeper,
    )
    user.roles = list(roles)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.is_staff = Role.ADMINISTRATOR in roles
    user.save()
    record_event(
        subject=user,
        action="staff.created",
        actor=by,
        organisation=organisation,
        changes={
            "username": {"after": username},
            "department": {"after": str(department or "")},
            "roles": {"after": user.roles},
        },
    )
    return user


@transaction.atomic
def staff_update(*, user: User, by: User | None, reason: str = "", **values: Any) -> User:
    allowed = {"full_name", "department", "post", "phone", "roles", "clearance", "is_gatekeeper", "is_active"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationFailed.field(sorted(unknown)[0], _("cannot be changed here"))
    fields = [
        "full_name",
        "department",
        "post",
        "phone",
        "role_codes",
        "clearance",
        "is_gatekeeper",
        "is_active",
    ]
    before = snapshot(user, fields)
    before_roles, before_active = list(user.roles), user.is_active
    for key, value in values.items():
        if key == "roles":
            unknown_roles = [r for r in value if r not in Role.values]
            if unknown_roles:
                raise ValidationFailed.field(
                    "roles", _("unknown role: %(roles)s") % {"roles": ", ".join(unknown_roles)}
                )
            user.roles = list(value)
        elif key == "department" and value is not None and value.organisation_id != user.organisation_id:
            raise ValidationFailed.field("department", _("belongs to another organisation"))
        elif key == "full_name":
            user.full_name = _require(value, "full_name")
        else:
            setattr(user, key, value)
    _keep_an_administrator(user, was_administrator=Role.ADMINISTRATOR in before_roles and before_active)
    changes = field_changes(user, before, fields)
    if changes:
        user.save(update_fields=fields)
        record_event(
            subject=user,
            action="staff.updated",
            actor=by,
            changes=changes,
            reason=reason,
            organisation=user.organisation,
        )
    return user


def _keep_an_administrator(user: User, *, was_administrator: bool) -> None:
    """An organisation always keeps an active administrator: the last one can neither give up the
    role nor be deactivated (nobody could administer it afterwards). The other administrators'
    rows are locked, so two administrators cannot demote each other at the same moment."""
    if not was_administrator or (user.is_active and Role.ADMINISTRATOR in user.roles):
        return
    others = (
        User.objects.select_for_update(of=("self",))
        .filter(organisation=user.organisation_id, is_active=True)
        .filter(User.role_q(Role.ADMINISTRATOR))
        .exclude(pk=user.pk)
    )
    if not list(others.values_list("pk", flat=True)):
        field = "is_active" if not user.is_active else "roles"
        raise ValidationFailed.field(
            field,
            _("%(name)s is the organisation's last administrator: make someone else an administrator first")
            % {"name": user.display_name},
        )


@transaction.atomic
def absence_record(
    *, person: User, kind: str, starts_at: datetime, ends_at: datetime, note: str = "", by: User | None
) -> Absence:
    if kind not in AbsenceKind.values:
        raise ValidationFailed.field(
            "kind", _("must be one of %(choices)s") % {"choices": ", ".join(AbsenceKind.values)}
        )
    if ends_at <= starts_at:
        raise ValidationFailed.field("ends_at", _("must be after the start"))
    overlapping = Absence.objects.filter(person=person, starts_at__lt=ends_at, ends_at__gt=starts_at).exists()
    if overlapping:
        raise ValidationFailed.field("starts_at", _("overlaps another absence of this person"))
    absence = Absence.objects.create(
        person=person, kind=kind, starts_at=starts_at, ends_at=ends_at, note=note, created_by=by
    )
    record_event(
        subject=person,
        action="absence.recorded",
        actor=by,
        organisation=person.organisation,
        changes={
            "absence": {"after": {"kind": kind, "starts_at": starts_at, "ends_at": ends_at, "note": note}}
        },
    )
    for hook in ABSENCE_STARTED_HOOKS:  # an absence already running: its open work moves to B now
        if starts_at <= timezone.now() < ends_at:
            hook(absence)
    return absence


@transaction.atomic
def absence_cancel(*, absence: Absence, by: User | None, reason: str = "") -> None:
    person = absence.person
    record_event(
        subject=person,
        action="absence.cancelled",
        actor=by,
        organisation=person.organisation,
        changes={
            "absence": {
                "before": {"kind": absence.kind, "starts_at": absence.starts_at, "ends_at": absence.ends_at}
            }
        },
        reason=reason,
    )
    absence.delete()


@transaction.atomic
def duty_create(
    *,
    department: Department,
    name: str,
    primary: User,
    backup: User,
    kind: str = DutyKind.POST,
    description: str = "",
    is_intake: bool = False,
    by: User | None = None,
) -> Duty:
    name = _require(name, "name")
    if kind not in DutyKind.values:
        raise ValidationFailed.field(
            "kind", _("must be one of %(choices)s") % {"choices": ", ".join(DutyKind.values)}
        )
    if primary.pk == backup.pk:
        raise ValidationFailed.field("backup", _("must be a different person from A"))
    for field, person in (("primary", primary), ("backup", backup)):
        if person.organisation_id != department.organisation_id:
            raise ValidationFailed.field(field, _("belongs to another organisation"))
    if Duty.objects.filter(department=department, name=name).exists():
        raise ValidationFailed.field("name", _("is already a duty of this department"))
    duty = Duty.objects.create(
        organisation=department.organisation,
        department=department,
        name=name,
        kind=kind,
        primary=primary,
        backup=backup,
        description=description,
        is_intake=is_intake,
    )
    record_event(
        subject=duty,
        action="duty.created",
        actor=by,
        changes={
            "primary": {"after": primary},
            "backup": {"after": backup},
            "is_intake": {"after": is_intake},
        },
    )
    return duty


@transaction.atomic
def duty_update(
    *,
    duty: Duty,
    by: User | None,
    primary: User | None = None,
    backup: User | None = None,
    name: str | None = None,
    description: str | None = None,
    is_intake: bool | None = None,
    reason: str = "",
) -> Duty:
    fields = ["name", "primary", "backup", "description", "is_intake"]
    before = snapshot(duty, fields)
    if name is not None:
        duty.name = _require(name, "name")
    if primary is not None:
        duty.primary = primary
    if backup is not None:
        duty.backup = backup
    if description is not None:
        duty.description = description
    if is_intake is not None:
        duty.is_intake = is_intake
    if duty.primary_id == duty.backup_id:
        raise ValidationFailed.field("backup", _("must be a different person from A"))
    for field, person in (("primary", duty.primary), ("backup", duty.backup)):
        if person.organisation_id != duty.organisation_id:
            raise ValidationFailed.field(field, _("belongs to another organisation"))
    if Duty.objects.filter(department_id=duty.department_id, name=duty.name).exclude(pk=duty.pk).exists():
        raise ValidationFailed.field("name", _("is already a duty of this department"))
    changes = field_changes(duty, before, fields)
    if changes:
        duty.save(update_fields=fields)
        record_event(subject=duty, action="duty.updated", actor=by, changes=changes, reason=reason)
    return duty
