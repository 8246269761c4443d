"""The gate every action on a shift, a swap or a handover runs first (``_begin_*``: lock the row,
check the state allows the action — 409 with the actions that are allowed — then the role — 403),
the facts the rules read, and the helpers that write the change and its one timeline event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.lib.errors import ConflictError, PermissionDeniedError
from fuwu.org.models import Organisation, User
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from .. import rules
from ..models import OPEN_SWAP_STATUSES, Handover, Shift, SwapRequest
from ..permissions import may_handover, may_shift, may_swap
from ..rules import HandoverAction, ShiftAction, SwapAction

# The approvals engine's kind of a swap (``approvals.registry``).
APPROVAL_KIND = "shift_swap"


def policy_of(organisation: Organisation) -> PolicyDocument:
    return active_policy(organisation)


def zone_of(organisation: Organisation) -> ZoneInfo:
    """The organisation's time zone (its working-day calendar's)."""
    return work_calendar_for(organisation).tz


def local_text(moment: datetime) -> str:
    """``11-16 08:00``: a moment in a stored sentence (a notification title)."""
    return f"{timezone.localtime(moment):%m-%d %H:%M}"


def user_ref(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "label": user.display_name} if user is not None else None


def shift_ref(shift: Shift | None) -> dict[str, Any] | None:
    return {"id": shift.pk, "label": str(shift)} if shift is not None else None


def event(
    subject: Model,
    action: str,
    by: User | None,
    now: datetime,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    *,
    first: bool = False,
) -> None:
    record_event(
        subject=subject,
        action=action,
        actor=by,
        changes=changes,
        reason=reason,
        at=now,
        organisation=subject.organisation,  # type: ignore[attr-defined]
        first=first,
    )


def _refused(action: Any, label: str, reason: str, permitted: list[Any], status: str) -> ConflictError:
    return ConflictError(
        _("“%(action)s” is not possible now (%(status)s): %(reason)s.")
        % {"action": action.value, "status": label, "reason": reason},
        extra={"allowed_actions": [a.value for a in permitted], "status": status},
    )


# --- shifts ----------------------------------------------------------------------------------


def open_swaps_of(shift: Shift) -> Any:
    """The swaps asked or agreed that ``shift`` is part of (as the shift or the one in exchange)."""
    return SwapRequest.objects.filter(status__in=OPEN_SWAP_STATUSES).filter(
        Q(shift_id=shift.pk) | Q(counter_shift_id=shift.pk)
    )


def shift_facts(shift: Shift, now: datetime) -> rules.ShiftFacts:
    """From the row and three small queries (none when the row carries them, as lists annotate)."""
    open_swap = getattr(shift, "has_open_swap", None)
    if open_swap is None:
        open_swap = open_swaps_of(shift).exists()
    return rules.ShiftFacts(
        cancelled=shift.cancelled_at is not None,
        started=now >= shift.starts_at,
        open_swap=bool(open_swap),
        handover_written=Handover.objects.filter(shift_id=shift.pk).exists(),
        handover_addressed=Handover.objects.filter(incoming_shift_id=shift.pk).exists(),
    )


def allowed_shift_actions(user: User, shift: Shift, now: datetime | None = None) -> list[ShiftAction]:
    facts = shift_facts(shift, now or timezone.now())
    return [a for a in rules.shift_actions_in_state(facts) if may_shift(user, a, shift)]


def lock_shift(pk: int) -> Shift:
    return (
        Shift.objects.select_for_update(of=("self",))
        .select_related("organisation", "department", "person")
        .get(pk=pk)
    )


def begin_shift(shift: Shift, action: ShiftAction, by: User, now: datetime | None) -> tuple[Shift, datetime]:
    """Lock the shift, then refuse an action its state (409) or the user's role (403) does not allow."""
    locked = lock_shift(shift.pk)
    now = now or timezone.now()
    facts = shift_facts(locked, now)
    reason = rules.shift_why_not(action, facts)
    if reason is not None:
        permitted = [a for a in rules.shift_actions_in_state(facts) if may_shift(by, a, locked)]
        state = locked.state(now)
        raise _refused(action, str(state.label), reason, permitted, state.value)
    if not may_shift(by, action, locked):
        if action in (ShiftAction.REQUEST_SWAP, ShiftAction.WRITE_HANDOVER):
            raise PermissionDeniedError(_("Only the person on the shift does this."))
        raise PermissionDeniedError(_("Only a head of the department or a director changes its roster."))
    return locked, now


# --- swaps -----------------------------------------------------------------------------------


def pending_approval(swap: SwapRequest) -> Approval | None:
    return (
        approvals.approvals_of(swap)
        .filter(kind=APPROVAL_KIND, status=ApprovalStatus.PENDING)
        .order_by("requested_at", "id")
        .first()
    )


def approver_role_of(swap: SwapRequest, approval: Approval | None = None) -> str:
    """The role asked to decide (the policy's when the colleague agreed), else the policy's now."""
    approval = approval or pending_approval(swap)
    if approval is not None:
        return approval.approver_role
    return str(policy_of(swap.organisation).duty.swap_approver)


def swap_facts(swap: SwapRequest, now: datetime) -> rules.SwapFacts:
    started = now >= swap.shift.starts_at or (
        swap.counter_shift is not None and now >= swap.counter_shift.starts_at
    )
    return rules.SwapFacts(status=swap.status, started=started)


def allowed_swap_actions(user: User, swap: SwapRequest, now: datetime | None = None) -> list[SwapAction]:
    facts = swap_facts(swap, now or timezone.now())
    role = approver_role_of(swap) if swap.status == "agreed" else ""
    return [a for a in rules.swap_actions_in_state(facts) if may_swap(user, a, swap, role)]


def begin_swap(
    swap: SwapRequest, action: SwapAction, by: User, now: datetime | None
) -> tuple[SwapRequest, datetime, str]:
    """Lock the swap; 409 for its state, 403 for the role. Returns the locked swap, now and the
    approver role."""
    locked = (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related(
            "organisation", "department", "shift", "shift__person", "counter_shift", "requester", "colleague"
        )
        .get(pk=swap.pk)
    )
    now = now or timezone.now()
    facts = swap_facts(locked, now)
    role = approver_role_of(locked)
    reason = rules.swap_why_not(action, facts)
    if reason is not None:
        permitted = [a for a in rules.swap_actions_in_state(facts) if may_swap(by, a, locked, role)]
        raise _refused(action, locked.get_status_display(), reason, permitted, locked.status)
    if not may_swap(by, action, locked, role):
        if action in (SwapAction.APPROVE, SwapAction.REFUSE):
            if by.pk in (locked.requester_id, locked.colleague_id):
                raise PermissionDeniedError(_("You are one of the two swapping: the supervisor decides."))
            raise PermissionDeniedError(_("Only the supervisor decides a swap of shifts."))
        if action == SwapAction.WITHDRAW:
            raise PermissionDeniedError(_("Only the person who asked withdraws the swap."))
        raise PermissionDeniedError(_("Only the colleague asked answers."))
    return locked, now, role


# --- handovers -------------------------------------------------------------------------------


def allowed_handover_actions(user: User, handover: Handover) -> list[HandoverAction]:
    return [
        a
        for a in HandoverAction
        if rules.handover_why_not(a, handover.acknowledged_at is not None) is None
        and may_handover(user, a, handover)
    ]


def begin_handover(
    handover: Handover, action: HandoverAction, by: User, now: datetime | None
) -> tuple[Handover, datetime]:
    locked = (
        Handover.objects.select_for_update(of=("self",))
        .select_related(
            "organisation", "department", "incoming_shift", "incoming_shift__person", "written_by"
        )
        .get(pk=handover.pk)
    )
    now = now or timezone.now()
    reason = rules.handover_why_not(action, locked.acknowledged_at is not None)
    if reason is not None:
        raise _refused(action, _("acknowledged"), reason, [], "acknowledged")
    if not may_handover(by, action, locked):
        if by.pk == locked.written_by_id:
            raise PermissionDeniedError(_("You wrote this handover: the incoming person acknowledges it."))
        raise PermissionDeniedError(_("Only the incoming person (or a head of the department) acknowledges."))
    return locked, now


__all__ = [
    "APPROVAL_KIND",
    "allowed_handover_actions",
    "allowed_shift_actions",
    "allowed_swap_actions",
    "approver_role_of",
    "begin_handover",
    "begin_shift",
    "begin_swap",
    "event",
    "local_text",
    "open_swaps_of",
    "pending_approval",
    "policy_of",
    "shift_facts",
    "shift_ref",
    "swap_facts",
    "user_ref",
    "zone_of",
]
