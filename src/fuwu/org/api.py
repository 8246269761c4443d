"""REST endpoints for departments, staff, absences and A/B duties."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from fuwu import visibility
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import (
    Clearance,
    Id,
    InputSchema,
    Keywords,
    LongText,
    Moment,
    PatchSchema,
    QuerySchema,
    Reason,
)

from . import services
from .models import Absence, AbsenceKind, Department, Duty, DutyKind, Organisation, Role, User
from .selectors import Handler, duty_handler, person_handler

router = Router(tags=["organisation"])


# --- schemas --------------------------------------------------------------------------------


class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None
    depth: int
    is_active: bool


class DepartmentIn(InputSchema):
    name: str = Field(min_length=1, max_length=100)
    code: str = Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    parent_id: Id | None = None


class DepartmentPatch(PatchSchema):
    nullable = frozenset({"parent_id"})
    name: str | None = Field(None, min_length=1, max_length=100)
    parent_id: Id | None = None
    is_active: bool | None = None
    reason: Reason = ""


class PersonRef(Schema):
    id: int
    username: str
    name: str


class StaffOut(Schema):
    id: int
    username: str
    name: str
    department_id: int | None
    department: str | None
    post: str
    phone: str
    roles: list[str]
    is_gatekeeper: bool
    is_active: bool


class StaffIn(InputSchema):
    username: str = Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    full_name: str = Field(min_length=1, max_length=100)
    department_id: Id | None = None
    roles: Annotated[list[Role], Field(max_length=10)] = []
    post: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    password: str | None = Field(None, min_length=8, max_length=128)
    clearance: Clearance = 0
    is_gatekeeper: bool = False


class StaffPatch(PatchSchema):
    nullable = frozenset({"department_id"})
    full_name: str | None = Field(None, min_length=1, max_length=100)
    department_id: Id | None = None
    roles: Annotated[list[Role], Field(max_length=10)] | None = None
    post: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=30)
    clearance: Clearance | None = None
    is_gatekeeper: bool | None = None
    is_active: bool | None = None
    reason: Reason = ""


class AbsenceOut(Schema):
    id: int
    person: PersonRef
    kind: str
    starts_at: datetime
    ends_at: datetime
    note: str


class AbsenceIn(InputSchema):
    person_id: Id
    kind: AbsenceKind
    starts_at: Moment
    ends_at: Moment
    note: str = Field("", max_length=200)


class DutyOut(Schema):
    id: int
    name: str
    kind: str
    department_id: int
    department: str
    primary: PersonRef
    backup: PersonRef
    description: str
    is_intake: bool


class DutyIn(InputSchema):
    department_id: Id
    name: str = Field(min_length=1, max_length=100)
    kind: DutyKind = DutyKind.POST
    primary_id: Id
    backup_id: Id
    description: LongText = ""
    is_intake: bool = False


class DutyPatch(PatchSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    primary_id: Id | None = None
    backup_id: Id | None = None
    description: LongText | None = None
    is_intake: bool | None = None
    reason: Reason = ""


class AbsenceRef(Schema):
    person: PersonRef
    kind: str
    ends_at: datetime


class HandlerOut(Schema):
    at: datetime
    person: PersonRef
    role: str  # "A", "B" or "" (head/director fallback)
    reason: str  # primary | backup | department_head | director
    explanation: str
    duty_id: int | None
    absent: list[AbsenceRef]


class StaffFilter(QuerySchema):
    department_id: Id | None = None
    role: Role | None = None
    q: Keywords | None = None


# --- helpers --------------------------------------------------------------------------------


def _person(user: User) -> dict[str, object]:
    return {"id": user.pk, "username": user.username, "name": user.display_name}


def _department_out(d: Department) -> dict[str, object]:
    return {
        "id": d.pk,
        "name": d.name,
        "code": d.code,
        "parent_id": d.parent_id,
        "depth": d.depth,
        "is_active": d.is_active,
    }


def _staff_out(user: User, shown: visibility.PhoneShown, *, whole: bool = False) -> dict[str, object]:
    return {
        "id": user.pk,
        "username": user.username,
        "name": user.display_name,
        "department_id": user.department_id,
        "department": user.department.name if user.department else None,
        "post": user.post,
        "phone": shown(user.phone, whole=whole),
        "roles": user.roles,
        "is_gatekeeper": user.is_gatekeeper,
        "is_active": user.is_active,
    }


def _absence_out(a: Absence) -> dict[str, object]:
    return {
        "id": a.pk,
        "person": _person(a.person),
        "kind": a.kind,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "note": a.note,
    }


def _duty_out(d: Duty) -> dict[str, object]:
    return {
        "id": d.pk,
        "name": d.name,
        "kind": d.kind,
        "department_id": d.department_id,
        "department": d.department.name,
        "primary": _person(d.primary),
        "backup": _person(d.backup),
        "description": d.description,
        "is_intake": d.is_intake,
    }


def _handler_out(handler: Handler, at: datetime) -> dict[str, object]:
    return {
        "at": at,
        "person": _person(handler.person),
        "role": handler.role_letter,
        "reason": str(handler.reason),
        "explanation": handler.explanation(),
        "duty_id": handler.duty.pk if handler.duty else None,
        "absent": [
            {"person": _person(a.person), "kind": a.kind, "ends_at": a.ends_at} for a in handler.absent
        ],
    }


def _caller(request: HttpRequest) -> User:
    """The authenticated member of staff (the API's authenticators admit no one else)."""
    return cast(User, request.user)


def _require_admin(request: HttpRequest) -> User:
    user = _caller(request)
    if not visibility.can_manage_organisation(user):
        raise PermissionDeniedError(_("Only an administrator may change the organisation."))
    return user


def _organisation(administrator: User) -> Organisation:
    """The organisation of a user ``_require_admin`` admitted (staff of one only)."""
    assert administrator.organisation is not None
    return administrator.organisation


def _visible_department(request: HttpRequest, department_id: int | None, field: str) -> Department | None:
    if department_id is None:
        return None
    department = visibility.departments_for_user(request.user).filter(pk=department_id).first()
    if department is None:
        raise ValidationFailed.field(field, _("no such department"))
    return department


def _visible_person(request: HttpRequest, person_id: int, field: str) -> User:
    person = visibility.staff_for_user(request.user).filter(pk=person_id).first()
    if person is None:
        raise ValidationFailed.field(field, _("no such member of staff"))
    return person


def _at(value: datetime | None) -> datetime:
    if value is None:
        return timezone.now()
    return value if timezone.is_aware(value) else timezone.make_aware(value)


# --- departments ----------------------------------------------------------------------------


@router.get("/departments", response=list[DepartmentOut])
def list_departments(request: HttpRequest) -> list[dict[str, object]]:
    return [_department_out(d) for d in visibility.departments_for_user(request.user)]


@router.get("/departments/{department_id}", response=DepartmentOut)
def get_department(request: HttpRequest, department_id: Id) -> dict[str, object]:
    return _department_out(
        visibility.get_visible_or_404(visibility.departments_for_user(request.user), pk=department_id)
    )


@router.post("/departments", response={201: DepartmentOut})
def create_department(request: HttpRequest, payload: DepartmentIn) -> Status[dict[str, object]]:
    user = _require_admin(request)
    parent = _visible_department(request, payload.parent_id, "parent_id")
    department = services.department_create(
        organisation=_organisation(user), name=payload.name, code=payload.code, parent=parent, by=user
    )
    return Status(201, _department_out(department))


@router.patch("/departments/{department_id}", response=DepartmentOut)
def update_department(request: HttpRequest, department_id: Id, payload: DepartmentPatch) -> dict[str, object]:
    department = visibility.get_visible_or_404(
        visibility.departments_for_user(request.user), pk=department_id
    )
    user = _require_admin(request)
    changes = payload.dict(exclude_unset=True)
    kwargs: dict[str, Department | None] = {}
    if "parent_id" in changes:
        kwargs["parent"] = _visible_department(request, payload.parent_id, "parent_id")
    department = services.department_update(
        department=department,
        by=user,
        name=payload.name,
        is_active=payload.is_active,
        reason=payload.reason,
        **kwargs,
    )
    return _department_out(department)


# --- staff ----------------------------------------------------------------------------------


@router.get("/me", response=StaffOut)
def me(request: HttpRequest) -> dict[str, object]:
    return _staff_out(_caller(request), visibility.PhoneShown(request.user), whole=True)


@router.get("/staff", response=list[StaffOut])
def list_staff(request: HttpRequest, filters: Query[StaffFilter]) -> list[dict[str, object]]:
    people = visibility.staff_for_user(request.user)
    if filters.department_id is not None:
        people = people.filter(department_id=filters.department_id)
    if filters.role:
        people = people.filter(User.role_q(filters.role))
    if filters.q:
        people = people.filter(full_name__contains=filters.q) | people.filter(username__contains=filters.q)
    shown = visibility.PhoneShown(request.user)
    return [_staff_out(p, shown, whole=p.pk == request.user.pk) for p in people]


@router.get("/staff/{staff_id}", response=StaffOut)
def get_staff(request: HttpRequest, staff_id: Id) -> dict[str, object]:
    person = visibility.get_visible_or_404(visibility.staff_for_user(request.user), pk=staff_id)
    return _staff_out(person, visibility.PhoneShown(request.user), whole=person.pk == request.user.pk)


@router.post("/staff", response={201: StaffOut})
def create_staff(request: HttpRequest, payload: StaffIn) -> Status[dict[str, object]]:
    user = _require_admin(request)
    department = _visible_department(request, payload.department_id, "department_id")
    person = services.staff_create(
        organisation=_organisation(user),
        username=payload.username,
        full_name=payload.full_name,
        department=department,
        roles=[str(r) for r in payload.roles],
        post=payload.post,
        phone=payload.phone,
        password=payload.password,
        clearance=payload.clearance,
        is_gatekeeper=payload.is_gatekeeper,
        by=user,
    )
    return Status(201, _staff_out(person, visibility.PhoneShown(user), whole=True))  # as the admin typed it


@router.patch("/staff/{staff_id}", response=StaffOut)
def update_staff(request: HttpRequest, staff_id: Id, payload: StaffPatch) -> dict[str, object]:
    person = visibility.get_visible_or_404(visibility.staff_for_user(request.user), pk=staff_id)
    user = _require_admin(request)
    values = payload.dict(exclude_unset=True)
    reason = values.pop("reason", "")
    if "department_id" in values:
        values["department"] = _visible_department(request, values.pop("department_id"), "department_id")
    if "roles" in values:
        values["roles"] = [str(r) for r in values["roles"]]
    person = services.staff_update(user=person, by=user, reason=reason, **values)
    return _staff_out(person, visibility.PhoneShown(user), whole=True)  # as the admin typed it


@router.get("/staff/{staff_id}/handler", response=HandlerOut)
def staff_handler(request: HttpRequest, staff_id: Id, at: Moment | None = None) -> dict[str, object]:
    """Who handles work addressed to this person at ``at`` (default now), and why."""
    person = visibility.get_visible_or_404(visibility.staff_for_user(request.user), pk=staff_id)
    moment = _at(at)
    return _handler_out(person_handler(person, moment), moment)


# --- absences -------------------------------------------------------------------------------


@router.get("/absences", response=list[AbsenceOut])
def list_absences(
    request: HttpRequest, person_id: Id | None = None, current: bool = False
) -> list[dict[str, object]]:
    absences = visibility.absences_for_user(request.user)
    if person_id is not None:
        absences = absences.filter(person_id=person_id)
    if current:
        now = timezone.now()
        absences = absences.filter(starts_at__lte=now, ends_at__gt=now)
    return [_absence_out(a) for a in absences[:500]]


@router.get("/absences/{absence_id}", response=AbsenceOut)
def get_absence(request: HttpRequest, absence_id: Id) -> dict[str, object]:
    return _absence_out(
        visibility.get_visible_or_404(visibility.absences_for_user(request.user), pk=absence_id)
    )


@router.post("/absences", response={201: AbsenceOut})
def create_absence(request: HttpRequest, payload: AbsenceIn) -> Status[dict[str, object]]:
    person = _visible_person(request, payload.person_id, "person_id")
    if not visibility.can_record_absence_for(request.user, person):
        raise PermissionDeniedError(_("You may record absences only for yourself or the staff you head."))
    absence = services.absence_record(
        person=person,
        kind=payload.kind,
        starts_at=_at(payload.starts_at),
        ends_at=_at(payload.ends_at),
        note=payload.note,
        by=_caller(request),
    )
    return Status(201, _absence_out(absence))


@router.delete("/absences/{absence_id}", response={204: None})
def delete_absence(request: HttpRequest, absence_id: Id, reason: Reason = "") -> Status[None]:
    absence = visibility.get_visible_or_404(visibility.absences_for_user(request.user), pk=absence_id)
    if not visibility.can_record_absence_for(request.user, absence.person):
        raise PermissionDeniedError(_("You may record absences only for yourself or the staff you head."))
    services.absence_cancel(absence=absence, by=_caller(request), reason=reason)
    return Status(204, None)


# --- duties ---------------------------------------------------------------------------------


@router.get("/duties", response=list[DutyOut])
def list_duties(request: HttpRequest, department_id: Id | None = None) -> list[dict[str, object]]:
    duties = visibility.duties_for_user(request.user)
    if department_id is not None:
        duties = duties.filter(department_id=department_id)
    return [_duty_out(d) for d in duties]


@router.get("/duties/{duty_id}", response=DutyOut)
def get_duty(request: HttpRequest, duty_id: Id) -> dict[str, object]:
    return _duty_out(visibility.get_visible_or_404(visibility.duties_for_user(request.user), pk=duty_id))


@router.post("/duties", response={201: DutyOut})
def create_duty(request: HttpRequest, payload: DutyIn) -> Status[dict[str, object]]:
    user = _require_admin(request)
    department = _visible_department(request, payload.department_id, "department_id")
    assert department is not None
    duty = services.duty_create(
        department=department,
        name=payload.name,
        kind=payload.kind,
        primary=_visible_person(request, payload.primary_id, "primary_id"),
        backup=_visible_person(request, payload.backup_id, "backup_id"),
        description=payload.description,
        is_intake=payload.is_intake,
        by=user,
    )
    return Status(201, _duty_out(duty))


@router.patch("/duties/{duty_id}", response=DutyOut)
def update_duty(request: HttpRequest, duty_id: Id, payload: DutyPatch) -> dict[str, object]:
    duty = visibility.get_visible_or_404(visibility.duties_for_user(request.user), pk=duty_id)
    user = _require_admin(request)
    duty = services.duty_update(
        duty=duty,
        by=user,
        name=payload.name,
        description=payload.description,
        is_intake=payload.is_intake,
        reason=payload.reason,
        primary=_visible_person(request, payload.primary_id, "primary_id") if payload.primary_id else None,
        backup=_visible_person(request, payload.backup_id, "backup_id") if payload.backup_id else None,
    )
    return _duty_out(duty)


@router.get("/duties/{duty_id}/handler", response=HandlerOut)
def get_duty_handler(request: HttpRequest, duty_id: Id, at: Moment | None = None) -> dict[str, object]:
    """Who handles this duty at ``at`` (default now): A, or B because A is absent until …"""
    duty = visibility.get_visible_or_404(visibility.duties_for_user(request.user), pk=duty_id)
    moment = _at(at)
    return _handler_out(duty_handler(duty, moment), moment)
