"""How shifts, swaps and handovers and their values are shown (loaded by the timeline app at
start-up): the labels of their actions and of every key the services write into their timelines,
and the sentences stored as text (notification titles, clock states)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fuwu.lib.display import system_texts
from fuwu.org.models import Role
from fuwu.timeline.display import (
    Auto,
    Choice,
    Count,
    Fields,
    ListOf,
    Moment,
    Ref,
    Text,
    Value,
    YesNo,
    timeline_display,
)

from .models import ClockKind, Handover, ItemKind, Shift, ShiftState, SwapRequest, SwapStatus

SHIFT_EVENTS = {
    "duty.shift_created": _("Put on the roster"),
    "duty.shift_rescheduled": _("Rescheduled"),
    "duty.shift_cancelled": _("Cancelled"),
    "duty.shift_swapped": _("Swapped (approved)"),
}
SWAP_EVENTS = {
    "duty.swap_asked": _("Swap asked"),
    "duty.swap_agreed": _("Agreed by the colleague"),
    "duty.swap_declined": _("Declined by the colleague"),
    "duty.swap_withdrawn": _("Withdrawn"),
    "duty.swap_approved": _("Approved by the supervisor"),
    "duty.swap_refused": _("Refused by the supervisor"),
}
HANDOVER_EVENTS = {
    "duty.handover_written": _("Handed over"),
    "duty.handover_acknowledged": _("Acknowledged"),
    "duty.handover_escalated": _("Escalated"),
}

# The kinds of records a handover collects (``selectors.OPEN_ITEM_KINDS``).
OPEN_ITEM_LABELS = {
    "work_order": _("Work order"),
    "complaint": _("Complaint"),
    "rectification": _("Rectification order"),
}


def _shifts(viewer: Any, ids: set[Any]) -> Any:
    from .visibility_rules import shifts_for_user

    return shifts_for_user(viewer).filter(pk__in=ids).only("pk", "post", "starts_at")


def _swaps(viewer: Any, ids: set[Any]) -> Any:
    from .visibility_rules import swaps_for_user

    return swaps_for_user(viewer).filter(pk__in=ids).select_related("shift")


timeline_display.reference(
    Shift, visible=_shifts, name=str, url=lambda shift, viewer: reverse("duty:shift", args=[shift.pk])
)
timeline_display.reference(
    SwapRequest,
    visible=_swaps,
    name=lambda swap: str(swap.shift),
    url=lambda swap, viewer: reverse("duty:swap", args=[swap.pk]),
)

_PERSON = Auto()  # ``{"id", "label"}``: the person's name as it was

timeline_display.subject(
    Shift,
    actions=SHIFT_EVENTS,
    fields={
        "post": Value(format=Text()),
        "department": Value(_("department"), Auto()),
        "person": Value(_("on duty"), _PERSON),
        "starts_at": Value(format=Moment()),
        "ends_at": Value(format=Moment()),
        "pattern": Value(format=Text()),
        "cancelled_at": Value(format=Moment()),
        "swap": Value(_("shift swap"), Ref(SwapRequest)),
    },
)

timeline_display.subject(
    SwapRequest,
    actions=SWAP_EVENTS,
    fields={
        "status": Value(format=Choice(SwapStatus)),
        "shift": Value(_("shift"), Ref(Shift)),
        "counter_shift": Value(_("shift in exchange"), Ref(Shift)),
        "colleague": Value(_("colleague"), _PERSON),
        "approver_role": Value(_("approver"), Choice(Role)),
        "decided_by": Value(_("decided by"), _PERSON),
    },
)

timeline_display.subject(
    Handover,
    actions=HANDOVER_EVENTS,
    fields={
        "shift": Value(_("outgoing shift"), Ref(Shift)),
        "incoming_shift": Value(_("incoming shift"), Ref(Shift)),
        "incoming": Value(_("incoming person"), _PERSON),
        "open_items": Value(
            _("open items collected"),
            Count(lambda n: ngettext("%(n)s open item", "%(n)s open items", n) % {"n": n}),
        ),
        "items": Value(
            _("handed over"),
            ListOf(
                Fields(
                    {
                        "kind": Value(_("kind"), Choice(ItemKind)),
                        "text": Value(_("what"), Text()),
                        "count": Value(_("how many"), Auto()),
                    }
                )
            ),
        ),
        "due_at": Value(_("to be acknowledged by"), Moment()),
        "notes": Value(_("notes"), Text()),
        "acknowledged_by": Value(_("acknowledged by"), _PERSON),
        "late": Value(_("late"), YesNo()),
        **{f"clock.{kind.value}": Value(kind.label, Auto()) for kind in ClockKind},
        # Escalations (sweeps)
        "clock": Value(_("clock"), Choice(ClockKind)),
        "level": Value(_("level"), Auto()),
        "role": Value(_("role"), Choice(Role)),
        "notified": Value(_("notified"), Auto()),
    },
)

system_texts.register(
    _("%(post)s: you are on duty from %(start)s"),
    _("%(post)s: you are on the roster for %(n)s shifts from %(start)s"),
    _("%(post)s: your shift is moved to %(start)s"),
    _("%(post)s: your shift from %(start)s is cancelled"),
    _("%(name)s asks you to take %(shift)s"),
    _("Shift swap to approve: %(shift)s, %(from)s → %(to)s"),
    _("%(name)s agreed to take %(shift)s: awaiting approval"),
    _("%(name)s declined to take %(shift)s"),
    _("%(name)s withdrew the swap of %(shift)s"),
    _("Shift swap approved: %(shift)s is now %(name)s's"),
    _("Shift swap refused: %(shift)s stays %(name)s's"),
    _("%(post)s: handover from %(name)s, acknowledge by %(due)s"),
    _("%(post)s: the handover was acknowledged for you by %(name)s"),
    _("the shift was cancelled"),
)
system_texts.register(
    _("%(number)s: %(clock)s due at %(due)s"),
    _("%(number)s: %(clock)s deadline missed"),
    _("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s"),
    clock=ClockKind,
)
system_texts.register_choices(SwapStatus, ItemKind, ClockKind, ShiftState)

__all__ = ["HANDOVER_EVENTS", "OPEN_ITEM_LABELS", "SHIFT_EVENTS", "SWAP_EVENTS"]
