"""Pure rules of shifts, swaps and handovers: which actions each state allows (and why not), the
slots of a roster generated from a policy pattern, and overlaps. Everything takes ``now`` and the
facts as arguments; nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from .models import SwapStatus

T = TypeVar("T")

# A roster is generated for at most this many days at once (a heating season is about 150).
MAX_ROSTER_DAYS = 200
# And over at most this many people in turn.
MAX_ROTATION = 50


class ShiftAction(StrEnum):
    """Business verbs on a shift. The value is the API path segment (where there is one)."""

    EDIT = "edit"
    CANCEL = "cancel"
    REQUEST_SWAP = "swap"
    WRITE_HANDOVER = "handover"


class SwapAction(StrEnum):
    AGREE = "agree"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    # Decided through the approvals engine (its inbox and ``/api/v1/approvals``), and on the swap's page.
    APPROVE = "approve"
    REFUSE = "refuse"


class HandoverAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"


@dataclass(frozen=True)
class ShiftFacts:
    cancelled: bool
    started: bool
    open_swap: bool = False  # a swap of it (or one offering it in exchange) is asked or agreed
    handover_written: bool = False  # its outgoing handover exists
    handover_addressed: bool = False  # a handover of the shift before it names it as incoming


def shift_why_not(action: ShiftAction, facts: ShiftFacts) -> str | None:
    """Why the shift's state does not allow ``action`` now (None: it does)."""
    if facts.cancelled:
        return _("the shift was cancelled")
    match action:
        case ShiftAction.EDIT | ShiftAction.CANCEL:
            if facts.started:
                return _("the shift has started: it is not changed any more")
            if facts.handover_addressed:
                return _("a handover is addressed to this shift")
            if action == ShiftAction.EDIT and facts.open_swap:
                return _("a swap of this shift is under way: it is decided or withdrawn first")
        case ShiftAction.REQUEST_SWAP:
            if facts.started:
                return _("the shift has started")
            if facts.open_swap:
                return _("a swap of this shift is under way already")
        case ShiftAction.WRITE_HANDOVER:
            if not facts.started:
                return _("the shift has not started yet")
            if facts.handover_written:
                return _("the handover of this shift is written already")
    return None


def shift_actions_in_state(facts: ShiftFacts) -> list[ShiftAction]:
    return [action for action in ShiftAction if shift_why_not(action, facts) is None]


@dataclass(frozen=True)
class SwapFacts:
    status: str
    started: bool  # the shift (or the shift in exchange) has started


def swap_why_not(action: SwapAction, facts: SwapFacts) -> str | None:
    match action:
        case SwapAction.AGREE | SwapAction.DECLINE:
            if facts.status != SwapStatus.ASKED:
                return _("the colleague has answered already, or the swap is over")
            if action == SwapAction.AGREE and facts.started:
                return _("the shift has started")
        case SwapAction.WITHDRAW:
            if facts.status not in (SwapStatus.ASKED, SwapStatus.AGREED):
                return _("the swap is over")
        case SwapAction.APPROVE | SwapAction.REFUSE:
            if facts.status != SwapStatus.AGREED:
                return _("only a swap the colleague agreed to is decided")
            if action == SwapAction.APPROVE and facts.started:
                return _("the shift has started: it can only be refused")
    return None


def swap_actions_in_state(facts: SwapFacts) -> list[SwapAction]:
    return [action for action in SwapAction if swap_why_not(action, facts) is None]


def handover_why_not(action: HandoverAction, acknowledged: bool) -> str | None:
    if action == HandoverAction.ACKNOWLEDGE and acknowledged:
        return _("the handover is acknowledged already")
    return None


# --- rosters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime


def roster_slots(start: time, hours: int, first_day: date, last_day: date, zone: ZoneInfo) -> list[Slot]:
    """One shift a day from ``first_day`` to ``last_day`` (both included), starting at ``start``
    local time and lasting ``hours`` — every day, rest days and holidays included: a post on a
    roster (a call centre in the heating season, a night duty manager) is staffed every day."""
    slots = []
    day = first_day
    while day <= last_day:
        begins = datetime.combine(day, start, tzinfo=zone)
        slots.append(Slot(begins, begins + timedelta(hours=hours)))
        day += timedelta(days=1)
    return slots


def in_turn(people: Sequence[T], count: int, first: int = 0) -> list[T]:
    """``count`` turns of ``people`` in order, beginning with ``people[first]`` (倒班: A, B, C, A …)."""
    return [people[(first + n) % len(people)] for n in range(count)] if people else []


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open periods: a shift ending at 08:00 does not overlap the one beginning at 08:00."""
    return a_start < b_end and b_start < a_end
