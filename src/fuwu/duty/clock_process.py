"""Handovers as a process of the clocks engine: the acknowledgement is due at the incoming shift's
start; a late one escalates along the policy's ``duty_handover`` chain when the policy names one
(until it does, the handover is flagged late on its pages and lists, and nothing escalates).
Registered in ``DutyConfig.ready``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse

from fuwu import visibility
from fuwu.clocks import registry
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.selectors import heads_of, role_holders

from .models import Handover, HandoverClock, HandoverEscalation

CHAIN = "duty_handover"

RELATED = (
    "handover",
    "handover__organisation",
    "handover__policy_version",
    "handover__department",
    "handover__incoming_shift__person",
)


def _policy(handover: Handover) -> Any:
    from fuwu.policy.selectors import active_policy, policy_document_for_version

    if handover.policy_version is not None:
        return policy_document_for_version(handover.policy_version)
    return active_policy(handover.organisation)


def _people_with_role(handover: Handover, role: str, now: datetime) -> list[Any]:
    return role_holders(
        handover.organisation_id,
        role,
        department=handover.department,
        at=now,
        may_see=lambda person: visibility.may_see(person, handover),
    )


def _incoming(handover: Handover, now: datetime) -> list[Any]:
    return [handover.incoming_shift.person]


def _late(handover: Handover, now: datetime) -> list[Any]:
    return [handover.incoming_shift.person, *heads_of(handover.department)]


def _notify(people: Sequence[Any], kind: str, handover: Handover, title: str) -> Any:
    return notify(people, kind=kind, title=title, subject=handover)


PROCESS = registry.ClockProcess(
    name="duty_handover",
    record_model=Handover,
    clock_model=HandoverClock,
    escalation_model=HandoverEscalation,
    record_field="handover",
    policy=_policy,
    chain=lambda policy, kind: policy.escalation.chain(CHAIN),
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=_people_with_role,
    warn_recipients=_incoming,
    breach_recipients=_late,
    title=str,
    link=lambda handover: reverse("duty:handover", args=[handover.pk]),
    notify=_notify,
    escalated_action="duty.handover_escalated",
    kinds=registry.NotificationKinds(
        approaching=NotificationKind.APPROACHING,
        breached=NotificationKind.BREACHED,
        escalated=NotificationKind.ESCALATED,
    ),
    related=RELATED,
)


def register() -> None:
    registry.register(PROCESS)
