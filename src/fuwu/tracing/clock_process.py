"""Batches as a process of the clocks engine: the written feedback on returned items is due within
the policy's ``tracing.feedback_within`` and escalates along the policy's ``tracing_feedback``
chain (none until a policy names one: the deadline is then shown and flagged, nobody is escalated
to). Registered in ``TracingConfig.ready``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse

from fuwu.clocks import registry
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify

from .models import Batch, BatchClock, BatchEscalation, ClockKind

# The policy's escalation chain of each clock kind.
CHAINS: dict[str, str] = {ClockKind.FEEDBACK: "tracing_feedback"}

RELATED = ("batch", "batch__organisation", "batch__policy_version", "batch__department")


def _policy(batch: Batch) -> Any:
    from .services.context import policy_of

    return policy_of(batch)


def _people_with_role(batch: Batch, role: str, now: datetime) -> list[Any]:
    from .services.people import people_with_role

    return people_with_role(batch, role, now)


def _holders(batch: Batch, now: datetime) -> list[Any]:
    """Whoever returned the items still waiting for feedback, and the department's heads."""
    from .services.people import heads_of

    returners = [
        r.returned_by for r in batch.returns.filter(feedback_at__isnull=True).select_related("returned_by")
    ]
    return [*returners, *heads_of(batch.department)]


def _notify(people: Sequence[Any], kind: str, batch: Batch, title: str) -> Any:
    return notify(people, kind=kind, title=title, subject=batch)


PROCESS = registry.ClockProcess(
    name="tracing",
    record_model=Batch,
    clock_model=BatchClock,
    escalation_model=BatchEscalation,
    record_field="batch",
    policy=_policy,
    chain=lambda policy, kind: policy.escalation.chain(CHAINS.get(kind, kind)),
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=_people_with_role,
    warn_recipients=_holders,
    breach_recipients=_holders,
    title=lambda batch: batch.number,
    link=lambda batch: reverse("tracing:detail", args=[batch.pk]),
    notify=_notify,
    escalated_action="batch.escalated",
    kinds=registry.NotificationKinds(
        approaching=NotificationKind.APPROACHING,
        breached=NotificationKind.BREACHED,
        escalated=NotificationKind.ESCALATED,
    ),
    related=RELATED,
)


def register() -> None:
    registry.register(PROCESS)
