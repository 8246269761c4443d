"""The gate every visit action runs first (``_begin``: lock, state, who) and the helpers that write
the change: the policy of the visit's subject, its one timeline event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import ConflictError, PermissionDeniedError
from fuwu.lib.worktime import WorkCalendar
from fuwu.org.models import User
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from ..models import Status, Visit
from ..permissions import VisitAction, may

# The state each action needs.
ACTION_STATUSES: dict[VisitAction, tuple[str, ...]] = {
    VisitAction.ATTEMPT: (Status.DUE,),
    VisitAction.RECORD_ANSWER: (Status.DUE,),
    VisitAction.RESCHEDULE: (Status.DUE,),
    VisitAction.REASSIGN: (Status.DUE,),
    VisitAction.CANCEL: (Status.DUE,),
}


@dataclass
class Context:
    visit: Visit
    by: User | None
    now: datetime
    policy: PolicyDocument
    calendar: WorkCalendar


def policy_of_subject(subject: Any) -> PolicyDocument:
    """The policy version that governed the visit's work order or complaint."""
    version = getattr(subject, "policy_version", None)
    if version is not None:
        return policy_document_for_version(version)
    return active_policy(subject.organisation)


def lock(visit: Visit | int) -> Visit:
    pk = visit if isinstance(visit, int) else visit.pk
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related(
            "organisation",
            "visitor",
            "department",
            "work_order__policy_version",
            "work_order__organisation",
            "complaint__policy_version",
            "complaint__organisation",
        )
        .prefetch_related("rated_people")
        .get(pk=pk)
    )


def actions_in_state(visit: Visit) -> list[VisitAction]:
    return [action for action, statuses in ACTION_STATUSES.items() if visit.status in statuses]


def allowed_actions(user: User, visit: Visit) -> list[VisitAction]:
    return [action for action in actions_in_state(visit) if may(user, action, visit)]


def _begin(visit: Visit, action: VisitAction, by: User, now: datetime | None) -> Context:
    """Lock the row, then refuse an action the state (409) or the person (403) does not allow."""
    locked = lock(visit)
    if action not in actions_in_state(locked):
        raise ConflictError(
            _("“%(action)s” is not possible while the visit is %(status)s.")
            % {"action": action.value, "status": locked.get_status_display()},
            extra={
                "allowed_actions": [a.value for a in allowed_actions(by, locked)],
                "status": locked.status,
            },
        )
    if not may(by, action, locked):
        raise PermissionDeniedError(_("You may not “%(action)s” this visit.") % {"action": action.value})
    return Context(
        visit=locked,
        by=by,
        now=now or timezone.now(),
        policy=policy_of_subject(locked.subject),
        calendar=work_calendar_for(locked.organisation),
    )


def _event(ctx: Context, action: str, changes: Mapping[str, Any] | None = None, reason: str = "") -> None:
    record_event(
        subject=ctx.visit,
        action=action,
        actor=ctx.by,
        changes=changes or {},
        reason=reason,
        at=ctx.now,
        organisation=ctx.visit.organisation,
    )
