"""Complaints as a process of the clocks engine: what the sweep needs to know about them
(registered in ``ComplaintsConfig.ready``). Each step's chain is the policy's
``escalation.chains.complaint_<kind>``; the engine fires each level once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from fuwu.clocks import registry
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Role, User

from .models import Complaint, ComplaintClock, ComplaintEscalation

RELATED = (
    "complaint",
    "complaint__organisation",
    "complaint__policy_version",
    "complaint__department",
    "complaint__intake_department",
    "complaint__handler",
    "complaint__first_contact_owner",
)


def chain_name(kind: str) -> str:
    return f"complaint_{kind}"


def _heads(complaint: Complaint) -> list[User]:
    from fuwu.org.selectors import heads_of

    return heads_of(complaint.department or complaint.intake_department)


def people_with_role(complaint: Complaint, role: str, now: datetime) -> list[Any]:
    """Who a level of ``role`` reaches for the complaint (A/B-aware: an absent person is replaced by
    whoever handles their work, when that person may see the complaint)."""
    from fuwu.org.selectors import with_stand_ins
    from fuwu.visibility import may_see

    if role == Role.DEPARTMENT_HEAD:
        people = _heads(complaint)
    elif role == Role.AGENT:
        people = [complaint.first_contact_owner]
    else:
        people = list(
            User.objects.filter(organisation_id=complaint.organisation_id, is_active=True).filter(
                User.role_q(role)
            )
        )
    return with_stand_ins(people, now, lambda handler: may_see(handler, complaint))


def handlers_of(complaint: Complaint, now: datetime) -> list[Any]:
    """Who must act: the handler, else the heads of the handling (or receiving) department."""
    if complaint.handler is not None:
        return [complaint.handler]
    return people_with_role(complaint, Role.DEPARTMENT_HEAD, now)


def _warn_recipients(complaint: Complaint, now: datetime) -> list[Any]:
    return [*handlers_of(complaint, now), complaint.first_contact_owner]


def _breach_recipients(complaint: Complaint, now: datetime) -> list[Any]:
    return [*handlers_of(complaint, now), complaint.first_contact_owner]


def _notify(people: Sequence[Any], kind: str, complaint: Complaint, title: str) -> Any:
    return notify(people, kind=kind, title=title, subject=complaint)


def _policy(complaint: Complaint) -> Any:
    from .services.context import policy_of

    return policy_of(complaint)


def _link(complaint: Complaint) -> str:
    from .notifying import complaint_link

    return complaint_link(complaint)


PROCESS = registry.ClockProcess(
    name="complaint",
    record_model=Complaint,
    clock_model=ComplaintClock,
    escalation_model=ComplaintEscalation,
    record_field="complaint",
    policy=_policy,
    chain=lambda policy, kind: policy.escalation.chain(chain_name(kind)),
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=people_with_role,
    warn_recipients=_warn_recipients,
    breach_recipients=_breach_recipients,
    title=lambda complaint: complaint.number,
    link=_link,
    notify=_notify,
    escalated_action="complaint.escalated",
    kinds=registry.NotificationKinds(
        approaching=NotificationKind.APPROACHING,
        breached=NotificationKind.BREACHED,
        escalated=NotificationKind.ESCALATED,
    ),
    related=RELATED,
)


def register() -> None:
    registry.register(PROCESS)
