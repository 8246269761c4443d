"""The gate every CAPA action runs first (``_begin``: lock, state, role) and the helpers that write
the change: the action's context, its one timeline event, status and saves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import ConflictError, PermissionDeniedError
from fuwu.lib.inputs import choice, optional_text, required_text
from fuwu.lib.worktime import WorkCalendar
from fuwu.org.models import User
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from .. import rules
from ..models import Capa, Status
from ..permissions import may
from ..rules import Action


@dataclass
class Context:
    """What an action needs besides its own input: the locked row, policy, calendar, now."""

    capa: Capa
    by: User
    now: datetime
    policy: PolicyDocument
    calendar: WorkCalendar


def policy_of(capa: Capa) -> PolicyDocument:
    """The policy version that governed the CAPA when it was raised."""
    version = capa.policy_version
    if version is not None:
        return policy_document_for_version(version)
    return active_policy(capa.organisation)


def facts_of(capa: Capa, now: datetime) -> rules.StateFacts:
    """From the (prefetched) action items and the row."""
    items = list(capa.items.all())
    round_ = capa.failed_verifications
    return rules.StateFacts(
        status=capa.status,
        kind=capa.kind,
        open_items=sum(1 for item in items if item.done_at is None),
        items_this_round=sum(1 for item in items if item.round == round_),
        extent_checked=capa.extent_checked_at is not None,
        verify_from=capa.verify_from,
        verification_passed=capa.verification_result == "passed",
        now=now,
    )


def owners_of(capa: Capa) -> tuple[set[int], set[int]]:
    """(owners of the action items, owners of the open ones)."""
    items = list(capa.items.all())
    return {i.owner_id for i in items}, {i.owner_id for i in items if i.done_at is None}


def allowed_actions(
    user: User, capa: Capa, policy: PolicyDocument | None = None, now: datetime | None = None
) -> list[Action]:
    """Actions ``user`` may take now: allowed by the state and by the user's role."""
    policy = policy or policy_of(capa)
    owner_ids, open_owner_ids = owners_of(capa)
    facts = facts_of(capa, now or timezone.now())
    return [
        action
        for action in rules.actions_in_state(facts)
        if may(user, action, capa, policy, owner_ids=owner_ids, open_owner_ids=open_owner_ids)
    ]


def _begin(capa: Capa, action: Action, by: User, now: datetime | None) -> Context:
    """Lock the row, then refuse an action the state (409) or the role (403) does not allow."""
    locked = (
        Capa.objects.select_for_update(of=("self",))
        .select_related("organisation", "policy_version", "department", "raised_by")
        .get(pk=capa.pk)
    )
    now = now or timezone.now()
    policy = policy_of(locked)
    facts = facts_of(locked, now)
    owner_ids, open_owner_ids = owners_of(locked)
    reason = rules.why_not(action, facts)
    if reason is not None:
        permitted = [
            a
            for a in rules.actions_in_state(facts)
            if may(by, a, locked, policy, owner_ids=owner_ids, open_owner_ids=open_owner_ids)
        ]
        raise ConflictError(
            _("“%(action)s” is not possible now (%(status)s): %(reason)s.")
            % {"action": action.value, "status": locked.get_status_display(), "reason": reason},
            extra={"allowed_actions": [a.value for a in permitted], "status": locked.status},
        )
    if not may(by, action, locked, policy, owner_ids=owner_ids, open_owner_ids=open_owner_ids):
        if action == Action.VERIFY and by.pk in owner_ids:
            raise PermissionDeniedError(
                _("You own one of the actions: effectiveness is verified by someone else.")
            )
        raise PermissionDeniedError(
            _("Your role does not allow “%(action)s” on this corrective action.") % {"action": action.value}
        )
    return Context(
        capa=locked, by=by, now=now, policy=policy, calendar=work_calendar_for(locked.organisation)
    )


def _event(ctx: Context, action: str, changes: Mapping[str, Any] | None = None, reason: str = "") -> None:
    record_event(
        subject=ctx.capa,
        action=action,
        actor=ctx.by,
        changes=changes,
        reason=reason,
        at=ctx.now,
        organisation=ctx.capa.organisation,
    )


def _set_status(ctx: Context, status: Status, changes: dict[str, Any]) -> None:
    before = ctx.capa.status
    if before != status:
        changes["status"] = {"before": before, "after": str(status)}
        ctx.capa.status = status


def _save(capa: Capa, *fields: str) -> None:
    capa.save(update_fields=[*fields, "updated_at"])


__all__ = [
    "Context",
    "allowed_actions",
    "choice",
    "facts_of",
    "optional_text",
    "owners_of",
    "policy_of",
    "required_text",
]
