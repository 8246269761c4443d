"""Work orders as a process of the clocks engine: what the engine's sweep needs to know about them
(registered in ``WorkordersConfig.ready``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse

from fuwu.clocks import registry
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Role

from .models import Clock, Escalation, WorkOrder

# What the sweep shows and whom it tells, read with each clock in the same query.
RELATED = (
    "work_order",
    "work_order__organisation",
    "work_order__policy_version",
    "work_order__department",
    "work_order__intake_department",
    "work_order__assignee",
    "work_order__first_contact_owner",
)


def _people_with_role(work_order: WorkOrder, role: str, now: datetime) -> list[Any]:
    from .services.people import people_with_role

    return people_with_role(work_order.organisation_id, role, work_order, now=now)


def _warn_recipients(work_order: WorkOrder, now: datetime) -> list[Any]:
    """The technician who must act (else the heads), and the first-contact owner who follows it."""
    handlers = (
        [work_order.assignee]
        if work_order.assignee
        else _people_with_role(work_order, Role.DEPARTMENT_HEAD, now)
    )
    return [*handlers, work_order.first_contact_owner]


def _breach_recipients(work_order: WorkOrder, now: datetime) -> list[Any]:
    return [work_order.assignee, work_order.first_contact_owner]


def _notify(people: Sequence[Any], kind: str, work_order: WorkOrder, title: str) -> Any:
    return notify(people, kind=kind, title=title, subject=work_order)


def _policy(work_order: WorkOrder) -> Any:
    from .services.context import policy_of

    return policy_of(work_order)


def _hand_over_started_absences(now: datetime) -> int:
    from .services.handover import hand_over_started_absences

    return hand_over_started_absences(now)


def _resume_due_deferrals(now: datetime) -> int:
    from .services.red_light import resume_due_deferrals

    return resume_due_deferrals(now)


PROCESS = registry.ClockProcess(
    name="work_order",
    record_model=WorkOrder,
    clock_model=Clock,
    escalation_model=Escalation,
    record_field="work_order",
    policy=_policy,
    chain=lambda policy, kind: policy.escalation.chain(kind),
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=_people_with_role,
    warn_recipients=_warn_recipients,
    breach_recipients=_breach_recipients,
    title=lambda work_order: work_order.number,
    link=lambda work_order: reverse("workorders:detail", args=[work_order.pk]),
    notify=_notify,
    escalated_action="work_order.escalated",
    kinds=registry.NotificationKinds(
        approaching=NotificationKind.APPROACHING,
        breached=NotificationKind.BREACHED,
        escalated=NotificationKind.ESCALATED,
    ),
    related=RELATED,
    # The work-order extras of the periodic sweep: A/B hand-over of absences that have started, and
    # deferred requests (暂缓办理) whose day has come.
    extra_steps=(("handed_over", _hand_over_started_absences), ("resumed", _resume_due_deferrals)),
)


def register() -> None:
    registry.register(PROCESS)
