"""Who is told or asked: heads of a department, people of a role, approvers, the work order's owner,
and only those who may see the work order."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Role, User
from fuwu.org.selectors import absences_at, heads_of, person_handler

from ..models import WorkOrder
from ..permissions import approvers_q, deciding_department
from .context import Context


def _people_of_role(organisation_id: int, role: str, work_order: WorkOrder) -> list[User]:
    if role == Role.DEPARTMENT_HEAD:
        return heads_of(work_order.department or work_order.intake_department)
    if role == Role.AGENT:
        return [work_order.first_contact_owner]
    if role == Role.TECHNICIAN:
        return [work_order.assignee] if work_order.assignee else []
    return list(
        User.objects.filter(organisation_id=organisation_id, is_active=True).filter(User.role_q(role))
    )


def people_with_role(
    organisation_id: int, role: str, work_order: WorkOrder, now: datetime | None = None
) -> list[User]:
    """The people of ``role`` for the work order (department head: the heads of its department,
    nearest first; agent: the first-contact owner; technician: the assignee; else everybody of the
    role) — A/B-aware: a person absent at ``now`` is replaced by whoever handles their work
    (``org.selectors.person_handler``: their B, else the nearest head, else a director), as the A/B
    hand-over does; when that person may not see the work order, the absent person stays."""
    from fuwu.visibility import may_see

    people = _people_of_role(organisation_id, role, work_order)
    now = now or timezone.now()
    absent = absences_at(people, now) if people else {}
    if not absent:
        return people
    chosen: dict[int, User] = {}
    for person in people:
        if person.pk in absent:
            handler = person_handler(person, now).person
            if handler.pk != person.pk and may_see(handler, work_order):
                person = handler
        chosen.setdefault(person.pk, person)
    return list(chosen.values())


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
        subject=wo,
        title=_("%(number)s: %(result)s — tell the customer") % {"number": wo.number, "result": text},
    )


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
