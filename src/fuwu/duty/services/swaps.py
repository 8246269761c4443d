"""Swaps of shifts (换班). 004 三.3: 任何员工不得自行换班, 如遇确实需要换班的情况, 必须经主管批准.

1. ``swap_request``: the person on a shift asks a colleague of the department to take it —
   optionally in exchange for one of the colleague's shifts — with a reason.
2. ``swap_agree`` / ``swap_decline``: the colleague answers. Agreeing asks the supervisor (the
   policy's ``duty.swap_approver``) through the approvals engine: the request appears in their
   "awaiting my approval" inbox.
3. The supervisor approves or refuses there (``/approvals/``, ``/api/v1/approvals/{id}/approve``) or
   on the swap's page (``swap_decide``): the same service (``apply_decision``) runs in the decision's
   transaction. Only an approved swap changes ``Shift.person``: of the shift (to the colleague) and
   of the one in exchange (to the requester), each with an event on that shift's timeline.
4. ``swap_withdraw``: the requester takes it back before the decision (its approval is withdrawn).

Every action writes one event on the swap's timeline (a decision also one on each shift it changes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval
from fuwu.approvals.registry import Decision
from fuwu.lib.errors import ConflictError, FieldErrors, ValidationFailed
from fuwu.lib.inputs import REASON_LENGTH, optional_text, required_text
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Role, User
from fuwu.org.selectors import heads_of

from .. import notifying
from ..models import Shift, SwapRequest, SwapStatus
from ..permissions import in_department, may_decide_swap
from ..rules import ShiftAction, SwapAction
from .context import (
    APPROVAL_KIND,
    begin_shift,
    begin_swap,
    event,
    local_text,
    lock_shift,
    open_swaps_of,
    pending_approval,
    policy_of,
    shift_ref,
    user_ref,
)
from .rosters import Planned, check_overlaps, lock_rosters


def swap_title(swap: SwapRequest) -> str:
    """``呼叫中心值班 11-16 08:00``: the swapped shift, as the inbox and notifications name it."""
    return f"{swap.shift.post} {local_text(swap.shift.starts_at)}"


def _feasible(swap_shift: Shift, counter: Shift | None, requester: User, colleague: User) -> None:
    """409 when, after the swap, the colleague (on ``swap_shift``) or the requester (on ``counter``)
    would be on two shifts at once."""
    exclude = [swap_shift.pk, *([counter.pk] if counter is not None else [])]
    check_overlaps(
        swap_shift.organisation_id,
        swap_shift.post,
        [Planned(swap_shift.starts_at, swap_shift.ends_at, colleague)],
        exclude=exclude,
    )
    if counter is not None:
        check_overlaps(
            counter.organisation_id,
            counter.post,
            [Planned(counter.starts_at, counter.ends_at, requester)],
            exclude=exclude,
        )


def _changes(swap: SwapRequest, status_before: str | None = None) -> dict[str, Any]:
    changes: dict[str, Any] = {"status": {"after": swap.status}}
    if status_before is not None:
        changes["status"]["before"] = status_before
    return changes


def _approvers(swap: SwapRequest, role: str) -> list[User]:
    """Who is asked: the nearest heads of the department (when the role is the head's) who are not
    swapping, else the directors."""
    parties = {swap.requester_id, swap.colleague_id}
    people: list[User] = []
    if role == Role.DEPARTMENT_HEAD:
        people = [p for p in heads_of(swap.department) if p.pk not in parties]
    if not people:
        people = list(
            User.objects.filter(organisation_id=swap.organisation_id, is_active=True)
            .filter(User.role_q(Role.DIRECTOR))
            .exclude(pk__in=parties)
        )
    return [p for p in people if may_decide_swap(p, swap, role)]


@transaction.atomic
def swap_request(
    *,
    shift: Shift,
    by: User,
    colleague: User | None,
    reason: str,
    counter_shift: Shift | None = None,
    now: datetime | None = None,
) -> SwapRequest:
    """Ask ``colleague`` to take ``shift`` (and, with ``counter_shift``, to give theirs in exchange)."""
    errors = FieldErrors()
    reason = required_text(reason, "reason", errors, REASON_LENGTH)
    if colleague is None:
        errors.add("colleague_id", _("is required"))
    elif colleague.organisation_id != shift.organisation_id or not colleague.is_active:
        errors.add("colleague_id", _("no such member of staff"))
    elif colleague.pk == shift.person_id:
        errors.add("colleague_id", _("is the person on the shift"))
    elif not in_department(colleague, shift.department):
        errors.add(
            "colleague_id", _("is not on the staff of %(department)s") % {"department": shift.department.name}
        )
    if counter_shift is not None and colleague is not None:
        if counter_shift.person_id != colleague.pk or counter_shift.cancelled_at is not None:
            errors.add("counter_shift_id", _("is not a shift of the colleague on the roster"))
        elif counter_shift.department_id != shift.department_id:
            errors.add("counter_shift_id", _("is a shift of another department"))
        elif counter_shift.pk == shift.pk:
            errors.add("counter_shift_id", _("is the shift itself"))
    errors.raise_if_any()
    assert colleague is not None
    locked, now = begin_shift(shift, ShiftAction.REQUEST_SWAP, by, now)
    counter = None
    if counter_shift is not None:
        counter = lock_shift(counter_shift.pk)
        if now >= counter.starts_at:
            raise ConflictError(_("The shift offered in exchange has started."))
        if open_swaps_of(counter).exists():
            raise ConflictError(_("A swap of the shift offered in exchange is under way already."))
    lock_rosters(locked.department, [by, colleague])
    _feasible(locked, counter, by, colleague)
    swap = SwapRequest.objects.create(
        organisation=locked.organisation,
        department=locked.department,
        shift=locked,
        counter_shift=counter,
        requester=by,
        colleague=colleague,
        reason=reason,
        requested_at=now,
    )
    changes = _changes(swap)
    changes.update(
        {
            "shift": {"after": shift_ref(locked)},
            "colleague": {"after": user_ref(colleague)},
            **({"counter_shift": {"after": shift_ref(counter)}} if counter is not None else {}),
        }
    )
    event(swap, "duty.swap_asked", by, now, changes, reason, first=True)
    notify(
        [colleague],
        kind=notifying.SWAP_ASKED,
        subject=swap,
        title=_("%(name)s asks you to take %(shift)s") % {"name": by.display_name, "shift": swap_title(swap)},
        now=now,
    )
    return swap


@transaction.atomic
def swap_agree(*, swap: SwapRequest, by: User, note: str = "", now: datetime | None = None) -> SwapRequest:
    """The colleague agrees: the supervisor is asked (the approvals engine)."""
    errors = FieldErrors()
    note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    locked, now, _role = begin_swap(swap, SwapAction.AGREE, by, now)
    shift = lock_shift(locked.shift_id)
    counter = lock_shift(locked.counter_shift_id) if locked.counter_shift_id else None
    _feasible(shift, counter, locked.requester, locked.colleague)
    role = str(policy_of(locked.organisation).duty.swap_approver)
    before = locked.status
    locked.status, locked.answered_at, locked.answer_note = SwapStatus.AGREED, now, note
    locked.save(update_fields=["status", "answered_at", "answer_note"])
    approvals.request(
        record=locked,
        kind=APPROVAL_KIND,
        approver_role=role,
        reason=locked.reason,
        requested_by=locked.requester,
        now=now,
        details={"shift_id": shift.pk, "counter_shift_id": counter.pk if counter else None},
        department=locked.department,
    )
    changes = _changes(locked, before)
    changes["approver_role"] = {"after": role}
    event(locked, "duty.swap_agreed", by, now, changes, note)
    title = swap_title(locked)
    notify(
        _approvers(locked, role),
        kind=NotificationKind.APPROVAL_REQUESTED,
        subject=locked,
        title=_("Shift swap to approve: %(shift)s, %(from)s → %(to)s")
        % {"shift": title, "from": locked.requester.display_name, "to": locked.colleague.display_name},
        now=now,
    )
    notify(
        [locked.requester],
        kind=notifying.SWAP_ANSWERED,
        subject=locked,
        title=_("%(name)s agreed to take %(shift)s: awaiting approval")
        % {"name": by.display_name, "shift": title},
        now=now,
    )
    return locked


@transaction.atomic
def swap_decline(*, swap: SwapRequest, by: User, note: str = "", now: datetime | None = None) -> SwapRequest:
    errors = FieldErrors()
    note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    locked, now, _role = begin_swap(swap, SwapAction.DECLINE, by, now)
    before = locked.status
    locked.status, locked.answered_at, locked.answer_note = SwapStatus.DECLINED, now, note
    locked.save(update_fields=["status", "answered_at", "answer_note"])
    event(locked, "duty.swap_declined", by, now, _changes(locked, before), note)
    notify(
        [locked.requester],
        kind=notifying.SWAP_ANSWERED,
        subject=locked,
        title=_("%(name)s declined to take %(shift)s")
        % {"name": by.display_name, "shift": swap_title(locked)},
        now=now,
    )
    return locked


def _withdraw(locked: SwapRequest, by: User | None, now: datetime, reason: str) -> None:
    before = locked.status
    approvals.withdraw(record=locked, by=by, now=now, kinds=[APPROVAL_KIND])
    locked.status, locked.withdrawn_at = SwapStatus.WITHDRAWN, now
    locked.save(update_fields=["status", "withdrawn_at"])
    event(locked, "duty.swap_withdrawn", by, now, _changes(locked, before), reason)


@transaction.atomic
def swap_withdraw(
    *, swap: SwapRequest, by: User, reason: str = "", now: datetime | None = None
) -> SwapRequest:
    """The requester takes the swap back (before the decision); its approval is withdrawn."""
    errors = FieldErrors()
    reason = optional_text(reason, "reason", errors, REASON_LENGTH)
    errors.raise_if_any()
    locked, now, _role = begin_swap(swap, SwapAction.WITHDRAW, by, now)
    _withdraw(locked, by, now, reason)
    notify(
        [locked.colleague],
        kind=notifying.SWAP_ANSWERED,
        subject=locked,
        title=_("%(name)s withdrew the swap of %(shift)s")
        % {"name": by.display_name, "shift": swap_title(locked)},
        now=now,
    )
    return locked


def withdraw_for_cancelled_shift(swap: SwapRequest, *, by: User, now: datetime, reason: str) -> None:
    """A shift of the swap was cancelled (inside that transaction)."""
    locked = (
        SwapRequest.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=swap.pk)
    )
    if locked.is_open:
        _withdraw(locked, by, now, reason or _("the shift was cancelled"))


# --- the decision ----------------------------------------------------------------------------


def swap_decide(
    *, swap: SwapRequest, by: User, approved: bool, note: str = "", now: datetime | None = None
) -> SwapRequest:
    """Approve or refuse on the swap's page: the same decision as the approvals inbox."""
    note = (note or "").strip()
    if len(note) > REASON_LENGTH:
        raise ValidationFailed.field("note", _("must have at most %(n)s characters") % {"n": REASON_LENGTH})
    approval = pending_approval(swap)
    if approval is None:
        # Not waiting for a decision: the state refuses it (409) with the actions possible.
        with transaction.atomic():
            begin_swap(swap, SwapAction.APPROVE if approved else SwapAction.REFUSE, by, now)
        raise ConflictError(_("This swap is not waiting for a decision."))  # pragma: no cover
    result = approvals.decide(approval, by=by, approved=approved, note=note, now=now or timezone.now())
    assert isinstance(result, SwapRequest)
    return result


@transaction.atomic
def swap_approve(*, swap: SwapRequest, by: User, note: str = "", now: datetime | None = None) -> SwapRequest:
    return swap_decide(swap=swap, by=by, approved=True, note=note, now=now)


@transaction.atomic
def swap_refuse(*, swap: SwapRequest, by: User, note: str, now: datetime | None = None) -> SwapRequest:
    return swap_decide(swap=swap, by=by, approved=False, note=note, now=now)


def gate(approval: Approval, by: User, approved: bool, now: datetime) -> tuple[SwapRequest, datetime, str]:
    """The approvals engine's gate: lock the swap, check its state (409) and the decider (403)."""
    return begin_swap(
        SwapRequest(pk=approval.object_id), SwapAction.APPROVE if approved else SwapAction.REFUSE, by, now
    )


def apply_decision(decision: Decision) -> SwapRequest:
    """What the supervisor's decision does, in the decision's transaction: approved, the shift goes
    to the colleague (and the one in exchange to the requester); refused, nothing changes but the
    swap's status."""
    swap, _now, _role = decision.context
    now, by = decision.now, decision.by
    before = swap.status
    changes: dict[str, Any]
    if decision.approved:
        shift = lock_shift(swap.shift_id)
        counter = lock_shift(swap.counter_shift_id) if swap.counter_shift_id else None
        if shift.cancelled_at is not None or (counter is not None and counter.cancelled_at is not None):
            raise ConflictError(_("A shift of this swap was cancelled."))
        lock_rosters(shift.department, [swap.requester, swap.colleague])
        _feasible(shift, counter, swap.requester, swap.colleague)
        for changed, person in ((shift, swap.colleague), *(((counter, swap.requester),) if counter else ())):
            previous = changed.person
            changed.person = person
            changed.save(update_fields=["person"])
            event(
                changed,
                "duty.shift_swapped",
                by,
                now,
                {
                    "person": {"before": user_ref(previous), "after": user_ref(person)},
                    "swap": {"after": swap.pk},
                },
                decision.note,
            )
        swap.status = SwapStatus.APPROVED
        action = "duty.swap_approved"
    else:
        swap.status = SwapStatus.REFUSED
        action = "duty.swap_refused"
    swap.decided_by, swap.decided_at, swap.decision_note = by, now, decision.note
    swap.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    changes = _changes(swap, before)
    changes["decided_by"] = {"after": user_ref(by)}
    event(swap, action, by, now, changes, decision.note)
    title = swap_title(swap)
    notify(
        [swap.requester, swap.colleague],
        kind=NotificationKind.APPROVAL_DECIDED,
        subject=swap,
        title=(
            _("Shift swap approved: %(shift)s is now %(name)s's")
            if decision.approved
            else _("Shift swap refused: %(shift)s stays %(name)s's")
        )
        % {"shift": title, "name": (swap.colleague if decision.approved else swap.requester).display_name},
        now=now,
    )
    return swap


__all__ = [
    "apply_decision",
    "gate",
    "swap_agree",
    "swap_approve",
    "swap_decide",
    "swap_decline",
    "swap_refuse",
    "swap_request",
    "swap_title",
    "swap_withdraw",
    "withdraw_for_cancelled_shift",
]
