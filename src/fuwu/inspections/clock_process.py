"""Inspections and rectification orders as processes of the clocks engine (registered in
``InspectionsConfig.ready``).

- An inspection's clock (``inspection``) runs from when it was planned to its due day: a missed
  inspection warns its inspector, then escalates along ``escalation.chains.inspection`` (the heads
  of the inspector's department, then the director).
- A rectification order's ``rectification`` clock runs from its issue to the policy's deadline
  (``inspections.rectification``) and stops when what was done is recorded; its ``verification``
  clock (``inspections.verification``) then runs until the inspector verifies. They escalate along
  ``rectification`` and ``rectification_verification``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse

from fuwu import visibility
from fuwu.clocks import registry
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import User
from fuwu.org.selectors import heads_of, role_holders

from .models import (
    ClockKind,
    Inspection,
    InspectionClock,
    InspectionEscalation,
    Rectification,
    RectificationClock,
    RectificationEscalation,
)

CHAINS: dict[str, str] = {
    ClockKind.INSPECTION: "inspection",
    ClockKind.RECTIFICATION: "rectification",
    ClockKind.VERIFICATION: "rectification_verification",
}
KINDS = registry.NotificationKinds(
    approaching=NotificationKind.APPROACHING,
    breached=NotificationKind.BREACHED,
    escalated=NotificationKind.ESCALATED,
)


def _policy(record: Inspection | Rectification) -> Any:
    from .services.context import policy_of

    return policy_of(record)


def _chain(policy: Any, kind: str) -> Any:
    return policy.escalation.chain(CHAINS.get(kind, kind))


def _notify(people: Sequence[Any], kind: str, record: Any, title: str) -> Any:
    return notify(people, kind=kind, title=title, subject=record)


def _inspection_people(inspection: Inspection, role: str, now: datetime) -> list[User]:
    return role_holders(
        inspection.organisation_id,
        role,
        department=inspection.inspector.department,
        at=now,
        may_see=lambda person: visibility.may_see(person, inspection),
    )


def _inspector(inspection: Inspection, now: datetime) -> list[User]:
    return [inspection.inspector]


def _rectification_people(rectification: Rectification, role: str, now: datetime) -> list[User]:
    return role_holders(
        rectification.organisation_id,
        role,
        department=rectification.department,
        at=now,
        may_see=lambda person: visibility.may_see(person, rectification),
    )


def _rectifiers(rectification: Rectification, now: datetime) -> list[User]:
    """The heads of the responsible department and the inspector who verifies."""
    return [*heads_of(rectification.department), rectification.inspection.inspector]


INSPECTION = registry.ClockProcess(
    name="inspection",
    record_model=Inspection,
    clock_model=InspectionClock,
    escalation_model=InspectionEscalation,
    record_field="inspection",
    policy=_policy,
    chain=_chain,
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=_inspection_people,
    warn_recipients=_inspector,
    breach_recipients=_inspector,
    title=lambda inspection: inspection.number,
    link=lambda inspection: reverse("inspections:detail", args=[inspection.pk]),
    notify=_notify,
    escalated_action="inspection.escalated",
    kinds=KINDS,
    related=(
        "inspection",
        "inspection__organisation",
        "inspection__policy_version",
        "inspection__department",
        "inspection__inspector",
        "inspection__inspector__department",
    ),
)

RECTIFICATION = registry.ClockProcess(
    name="rectification",
    record_model=Rectification,
    clock_model=RectificationClock,
    escalation_model=RectificationEscalation,
    record_field="rectification",
    policy=_policy,
    chain=_chain,
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=_rectification_people,
    warn_recipients=_rectifiers,
    breach_recipients=_rectifiers,
    title=lambda rectification: rectification.number,
    link=lambda rectification: reverse("inspections:rectification", args=[rectification.pk]),
    notify=_notify,
    escalated_action="rectification.escalated",
    kinds=KINDS,
    related=(
        "rectification",
        "rectification__organisation",
        "rectification__department",
        "rectification__inspection",
        "rectification__inspection__policy_version",
        "rectification__inspection__inspector",
    ),
)


def register() -> None:
    registry.register(INSPECTION)
    registry.register(RECTIFICATION)
