"""Reads about the organisation, above all: who handles a duty or a person's work at time t (AB角)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Absence, Department, Duty, Role, User


class HandlerReason(StrEnum):
    PRIMARY = "primary"  # A is at work
    BACKUP = "backup"  # A is absent; B handles
    DEPARTMENT_HEAD = "department_head"  # A and B (or A without a B) are absent: the head takes it
    DIRECTOR = "director"  # nobody of the department is at work: the director takes it


@dataclass(frozen=True)
class Handler:
    """The person who handles a duty or a person's work at a given time, and why."""

    person: User
    reason: HandlerReason
    duty: Duty | None = None
    absent: tuple[Absence, ...] = ()

    @property
    def role_letter(self) -> str:
        return {HandlerReason.PRIMARY: "A", HandlerReason.BACKUP: "B"}.get(self.reason, "")

    def explanation(self) -> str:
        def absence_text(absence: Absence) -> str:
            until = formats.date_format(timezone.localtime(absence.ends_at), "Y-m-d H:i")
            return _("%(name)s is absent (%(kind)s) until %(until)s") % {
                "name": absence.person.display_name,
                "kind": absence.get_kind_display(),
                "until": until,
            }

        if self.reason == HandlerReason.PRIMARY:
            return _("A: %(name)s is at work") % {"name": self.person.display_name}
        why = "; ".join(absence_text(a) for a in self.absent)
        if self.reason == HandlerReason.BACKUP:
            return _("B: %(name)s, because %(why)s") % {"name": self.person.display_name, "why": why}
        if self.reason == HandlerReason.DEPARTMENT_HEAD:
            return _("Department head %(name)s, because %(why)s") % {
                "name": self.person.display_name,
                "why": why,
            }
        return _("Director %(name)s, because %(why)s") % {"name": self.person.display_name, "why": why}


def absences_at(people: Iterable[User], at: datetime) -> dict[int, Absence]:
    """The absence covering ``at`` for each of ``people`` who is absent then (one query)."""
    ids = {p.pk for p in people}
    found = (
        Absence.objects.filter(person_id__in=ids, starts_at__lte=at, ends_at__gt=at)
        .select_related("person")
        .order_by("ends_at")
    )
    return {a.person_id: a for a in found}


class _Resolver:
    """Resolves many duties or people at one instant in a fixed number of queries."""

    def __init__(self, organisation_id: int | None, at: datetime, people: Iterable[User]) -> None:
        self.at = at
        officers = list(
            User.objects.filter(organisation=organisation_id, is_active=True)
            .filter(User.role_q(Role.DEPARTMENT_HEAD) | User.role_q(Role.DIRECTOR))
            .select_related("department")
            .order_by("pk")
        )
        self.heads_by_department: dict[int, list[User]] = {}
        for officer in officers:
            if officer.has_role(Role.DEPARTMENT_HEAD) and officer.department_id:
                self.heads_by_department.setdefault(officer.department_id, []).append(officer)
        self.directors = [o for o in officers if o.has_role(Role.DIRECTOR)]
        self.absent = absences_at([*people, *officers], at)

    def fallbacks(self, department: Department | None) -> list[tuple[User, HandlerReason]]:
        """Heads of the department and of the departments above it (nearest first), then directors."""
        chain: list[tuple[User, HandlerReason]] = []
        if department is not None:
            ancestor_ids = [int(i) for i in department.path.strip("/").split("/") if i]
            for department_id in reversed(ancestor_ids):
                chain += [
                    (head, HandlerReason.DEPARTMENT_HEAD)
                    for head in self.heads_by_department.get(department_id, [])
                ]
        chain += [(director, HandlerReason.DIRECTOR) for director in self.directors]
        return chain

    def first_present(self, chain: list[tuple[User, HandlerReason]], duty: Duty | None) -> Handler:
        skipped: list[Absence] = []
        seen: set[int] = set()
        for person, reason in chain:
            if person.pk in seen:
                continue
            seen.add(person.pk)
            if person.pk in self.absent:
                skipped.append(self.absent[person.pk])
                continue
            return Handler(person=person, reason=reason, duty=duty, absent=tuple(skipped))
        # Everybody is absent: the work stays with A, and the reasons are shown.
        return Handler(person=chain[0][0], reason=HandlerReason.PRIMARY, duty=duty, absent=tuple(skipped))

    def for_duty(self, duty: Duty) -> Handler:
        chain = [(duty.primary, HandlerReason.PRIMARY), (duty.backup, HandlerReason.BACKUP)]
        return self.first_present(chain + self.fallbacks(duty.department), duty)


def duty_handlers(duties: Iterable[Duty], at: datetime) -> dict[int, Handler]:
    """Who handles each of ``duties`` at ``at`` — a fixed number of queries for any number of duties."""
    duties = list(duties)
    if not duties:
        return {}
    resolver = _Resolver(duties[0].organisation_id, at, [p for d in duties for p in (d.primary, d.backup)])
    return {duty.pk: resolver.for_duty(duty) for duty in duties}


def duty_handler(duty: Duty, at: datetime) -> Handler:
    """Who handles ``duty`` at ``at``: A; B when A is absent; then the head, then the director."""
    return duty_handlers([duty], at)[duty.pk]


def person_handler(person: User, at: datetime) -> Handler:
    """Who handles work addressed to ``person`` at ``at``.

    The person while at work. Otherwise the B of the first of their duties (A role) whose B is at
    work; then their department head (nearest first), then a director.
    """
    duties = list(
        Duty.objects.filter(primary=person).select_related("backup", "department").order_by("kind", "pk")
    )
    resolver = _Resolver(person.organisation_id, at, [person, *(d.backup for d in duties)])
    chain: list[tuple[User, HandlerReason]] = [(person, HandlerReason.PRIMARY)]
    chain += [(duty.backup, HandlerReason.BACKUP) for duty in duties]
    handler = resolver.first_present(chain + resolver.fallbacks(person.department), None)
    if handler.reason == HandlerReason.BACKUP:
        duty = next(d for d in duties if d.backup_id == handler.person.pk)
        return Handler(person=handler.person, reason=handler.reason, duty=duty, absent=handler.absent)
    return handler


def with_stand_ins(people: Iterable[User], at: datetime, may_see: Callable[[User], bool]) -> list[User]:
    """``people``, each once, an absent person at ``at`` replaced by whoever handles their work
    (A/B duty, AB角) when that person ``may_see`` the record concerned: who an escalation or a
    warning reaches, for every process."""
    people = [p for p in people if p is not None]
    absent = absences_at(people, at) if people else {}
    chosen: dict[int, User] = {}
    for person in people:
        if person.pk in absent:
            handler = person_handler(person, at).person
            if handler.pk != person.pk and may_see(handler):
                person = handler
        chosen.setdefault(person.pk, person)
    return list(chosen.values())


def role_holders(
    organisation_id: int,
    role: str,
    *,
    department: Department | None,
    at: datetime,
    may_see: Callable[[User], bool],
) -> list[User]:
    """Who a notice or an escalation level of ``role`` reaches for a record: for the department
    head role the nearest heads of ``department``, else everybody of the role in the organisation;
    an absent person replaced by whoever handles their work (``with_stand_ins``); only people who
    ``may_see`` the record."""
    if role == Role.DEPARTMENT_HEAD:
        people = heads_of(department)
    else:
        people = list(
            User.objects.filter(organisation_id=organisation_id, is_active=True)
            .filter(User.role_q(role))
            .select_related("department")
        )
    return [person for person in with_stand_ins(people, at, may_see) if may_see(person)]


def is_head_of(user: User, department: Department | None) -> bool:
    """A department head of ``department`` or of a department above it."""
    return bool(
        department is not None
        and user.has_role(Role.DEPARTMENT_HEAD)
        and user.department is not None
        and department.path.startswith(user.department.path)
    )


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


def department_tree(departments: Iterable[Department]) -> list[tuple[Department, int]]:
    """Departments in tree order with their depth (they arrive ordered by path)."""
    return [(d, d.depth) for d in departments]


def subtree_ids(department: Department) -> list[int]:
    """The ids of ``department`` and every department below it. A list filter written as
    ``department_id IN (ids)`` (rather than a join on the path) lets the database walk an
    (organisation, department, received_at) index in order: the first page of a department's list
    reads that page's rows, not the organisation's whole list until enough of them match."""
    return list(Department.objects.filter(path__startswith=department.path).values_list("pk", flat=True))
