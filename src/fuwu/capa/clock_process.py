"""CAPAs as a process of the clocks engine: action-item deadlines and the effectiveness
verification's due date, escalated along the policy's ``capa_action`` / ``capa_verification``
chains (registered in ``CapaConfig.ready``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse

from fuwu.clocks import registry
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify

from .models import Capa, CapaClock, CapaEscalation, ClockKind

# The policy's escalation chain of each clock kind.
CHAINS: dict[str, str] = {ClockKind.ACTION_ITEM: "capa_action", ClockKind.VERIFICATION: "capa_verification"}

RELATED = ("capa", "capa__organisation", "capa__policy_version", "capa__department", "capa__raised_by")


def _policy(capa: Capa) -> Any:
    from .services.context import policy_of

    return policy_of(capa)


def _people_with_role(capa: Capa, role: str, now: datetime) -> list[Any]:
    from .services.people import people_with_role

    return people_with_role(capa, role, now)


def _holders(capa: Capa, now: datetime) -> list[Any]:
    """The owners of the open actions and whoever raised the CAPA."""
    owners = [item.owner for item in capa.items.filter(done_at__isnull=True).select_related("owner")]
    return [*owners, capa.raised_by]


def _notify(people: Sequence[Any], kind: str, capa: Capa, title: str) -> Any:
    return notify(people, kind=kind, title=title, subject=capa)


PROCESS = registry.ClockProcess(
    name="capa",
    record_model=Capa,
    clock_model=CapaClock,
    escalation_model=CapaEscalation,
    record_field="capa",
    policy=_policy,
    chain=lambda policy, kind: policy.escalation.chain(CHAINS.get(kind, kind)),
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=_people_with_role,
    warn_recipients=_holders,
    breach_recipients=_holders,
    title=lambda capa: capa.number,
    link=lambda capa: reverse("capa:detail", args=[capa.pk]),
    notify=_notify,
    escalated_action="capa.escalated",
    kinds=registry.NotificationKinds(
        approaching=NotificationKind.APPROACHING,
        breached=NotificationKind.BREACHED,
        escalated=NotificationKind.ESCALATED,
    ),
    related=RELATED,
)


def register() -> None:
    registry.register(PROCESS)
