"""Return visits as a process of the clocks engine (registered in ``VisitsConfig.ready``): a visit
not made by its due moment warns its visitor, then escalates along the policy's
``escalation.chains.visit`` — the heads of the visitor's department (of the visit's department
while nobody has been given it), then the director."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fuwu.clocks import registry
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Role, User

from .models import Visit, VisitClock, VisitEscalation

RELATED = (
    "visit",
    "visit__organisation",
    "visit__department",
    "visit__visitor",
    "visit__visitor__department",
    "visit__work_order",
    "visit__complaint",
    "visit__customer",
)


def _policy(visit: Visit) -> Any:
    from .services.context import policy_of_subject

    return policy_of_subject(visit.subject)


def people_with_role(visit: Visit, role: str, now: datetime) -> list[Any]:
    """Who a level of ``role`` reaches: the heads of the visitor's department (of the visit's when
    nobody has it yet), or everybody of the role; A/B-aware; only people who may see the visit."""
    from fuwu import visibility
    from fuwu.org.selectors import heads_of, with_stand_ins

    if role == Role.DEPARTMENT_HEAD:
        department = visit.visitor.department if visit.visitor is not None else visit.department
        people = heads_of(department)
    else:
        people = list(
            User.objects.filter(organisation_id=visit.organisation_id, is_active=True).filter(
                User.role_q(role)
            )
        )
    return visibility.who_may_see(with_stand_ins(people, now, lambda p: visibility.may_see(p, visit)), visit)


def _makers(visit: Visit, now: datetime) -> list[Any]:
    """Who is to make the visit: its visitor, else everybody who may take it (its role)."""
    if visit.visitor is not None:
        return [visit.visitor]
    return people_with_role(visit, visit.visitor_role, now)


def _title(visit: Visit) -> str:
    from .notifying import visit_title

    return visit_title(visit)


def _link(visit: Visit) -> str:
    from .notifying import visit_link

    return visit_link(visit)


def _notify(people: Sequence[Any], kind: str, visit: Visit, title: str) -> Any:
    return notify(people, kind=kind, title=title, subject=visit)


PROCESS = registry.ClockProcess(
    name="visit",
    record_model=Visit,
    clock_model=VisitClock,
    escalation_model=VisitEscalation,
    record_field="visit",
    policy=_policy,
    chain=lambda policy, kind: policy.escalation.chain("visit"),
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=people_with_role,
    warn_recipients=_makers,
    breach_recipients=_makers,
    title=_title,
    link=_link,
    notify=_notify,
    escalated_action="visit.escalated",
    kinds=registry.NotificationKinds(
        approaching=NotificationKind.APPROACHING,
        breached=NotificationKind.BREACHED,
        escalated=NotificationKind.ESCALATED,
    ),
    related=RELATED,
)


def register() -> None:
    registry.register(PROCESS)
