"""Pure rules of work orders: which actions each status allows, which SLA clocks a request gets and
when they fall due, when escalation levels fire. Everything takes ``now`` and the policy as
arguments; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from fuwu.lib.worktime import Deadline, WorkCalendar
from fuwu.policy.schema import Duration, EscalationLevel, PolicyDocument

from .models import ANSWERED_AT_INTAKE, ClockKind, Status


class Action(StrEnum):
    """Business verbs on a work order. The value is the API path segment."""

    ROUTE = "route"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    ARRIVE = "arrive"
    REPLY = "reply"
    NOTICE_MISSING = "notice-missing"
    MATERIALS_RECEIVED = "materials-received"
    REQUEST_REJECTION = "request-rejection"
    APPROVE_REJECTION = "approve-rejection"
    DENY_REJECTION = "deny-rejection"
    REQUEST_EXTENSION = "request-extension"
    APPROVE_EXTENSION = "approve-extension"
    DENY_EXTENSION = "deny-extension"
    COMPLETE = "complete"
    SEND_CONFIRMATION_CODE = "send-confirmation-code"
    CONFIRM = "confirm"
    REFUSE_CONFIRMATION = "refuse-confirmation"
    RECORD_FEE = "record-fee"
    COLLECT_FEE = "collect-fee"
    APPROVE_PAID_SERVICE = "approve-paid-service"
    DENY_PAID_SERVICE = "deny-paid-service"
    CLOSE = "close"
    CANCEL = "cancel"
    REOPEN = "reopen"
    REMIND = "remind"


S = Status
_WORKING = (S.RECEIVED, S.ROUTED, S.DISPATCHED, S.ON_SITE)
_OPEN = (*_WORKING, S.AWAITING_MATERIALS, S.AWAITING_APPROVAL)

# The statuses in which each action may be taken. Further conditions (a pending approval of the
# right kind, an unmet written-reply clock, …) are checked by ``allowed_actions``.
ACTION_STATUSES: dict[Action, tuple[Status, ...]] = {
    Action.ROUTE: (S.RECEIVED, S.ROUTED, S.DISPATCHED),
    Action.DISPATCH: (S.RECEIVED, S.ROUTED, S.DISPATCHED),
    Action.ACCEPT: (S.DISPATCHED,),
    Action.ARRIVE: (S.DISPATCHED,),
    Action.REPLY: _WORKING,
    # A supplementary notice may follow while waiting (for a material the checklist did not have).
    Action.NOTICE_MISSING: (*_WORKING, S.AWAITING_MATERIALS),
    Action.MATERIALS_RECEIVED: (S.AWAITING_MATERIALS,),
    Action.REQUEST_REJECTION: (*_WORKING, S.AWAITING_MATERIALS),
    Action.APPROVE_REJECTION: (S.AWAITING_APPROVAL,),
    Action.DENY_REJECTION: (S.AWAITING_APPROVAL,),
    Action.REQUEST_EXTENSION: _OPEN,
    Action.APPROVE_EXTENSION: _OPEN,
    Action.DENY_EXTENSION: _OPEN,
    Action.COMPLETE: (S.DISPATCHED, S.ON_SITE),
    Action.SEND_CONFIRMATION_CODE: (S.DONE,),
    Action.CONFIRM: (S.DONE,),
    Action.REFUSE_CONFIRMATION: (S.DONE,),
    Action.RECORD_FEE: (S.DISPATCHED, S.ON_SITE, S.DONE, S.CONFIRMED),
    Action.COLLECT_FEE: (S.DISPATCHED, S.ON_SITE, S.DONE, S.CONFIRMED, S.VISITED, S.CLOSED),
    Action.APPROVE_PAID_SERVICE: (S.DISPATCHED, S.ON_SITE, S.DONE, S.CONFIRMED),
    Action.DENY_PAID_SERVICE: (S.DISPATCHED, S.ON_SITE, S.DONE, S.CONFIRMED),
    Action.CLOSE: (S.DONE, S.CONFIRMED, S.VISITED),
    Action.CANCEL: (S.RECEIVED, S.ROUTED, S.DISPATCHED, S.AWAITING_MATERIALS),
    Action.REOPEN: (S.DONE, S.CONFIRMED, S.VISITED, S.CLOSED, S.REJECTED, S.CANCELLED),
    Action.REMIND: _OPEN,
}


@dataclass(frozen=True)
class StateFacts:
    """What besides the status decides whether an action is possible."""

    status: str
    pending_approvals: frozenset[str] = frozenset()  # kinds with a pending request
    has_unmet_written_reply: bool = False
    accepted: bool = False
    confirmation_refused: bool = False
    has_uncollected_fees: bool = False
    has_fees: bool = False
    is_paid: bool = False


def actions_in_state(facts: StateFacts) -> list[Action]:
    """Actions the work order's state allows (before asking who may take them)."""
    allowed = [action for action, statuses in ACTION_STATUSES.items() if facts.status in statuses]
    pending = facts.pending_approvals

    def keep(action: Action) -> bool:
        match action:
            case Action.ACCEPT:
                return not facts.accepted
            case Action.REPLY:
                return facts.has_unmet_written_reply
            case Action.APPROVE_REJECTION | Action.DENY_REJECTION:
                return bool(pending & {"rejection", "cannot_do_now"})
            case Action.REQUEST_REJECTION:
                return not pending & {"rejection", "cannot_do_now"}
            case Action.REQUEST_EXTENSION:
                return "extension" not in pending
            case Action.APPROVE_EXTENSION | Action.DENY_EXTENSION:
                return "extension" in pending
            case Action.APPROVE_PAID_SERVICE | Action.DENY_PAID_SERVICE:
                return "paid_service" in pending
            case Action.COLLECT_FEE:
                return facts.has_uncollected_fees
            case Action.RECORD_FEE:
                return facts.is_paid  # in warranty or not a paid service: free, nothing to charge
            case Action.CONFIRM | Action.SEND_CONFIRMATION_CODE:
                # After a refusal the head decides (close or re-handle); no confirmation behind their back.
                return not facts.confirmation_refused
            case Action.CLOSE:
                # Closing needs the customer's confirmation, or the head's decision after a refusal.
                return facts.status != S.DONE or facts.confirmation_refused
            case Action.REFUSE_CONFIRMATION:
                return not facts.confirmation_refused
        return True

    return [action for action in allowed if keep(action)]


# --- SLA clocks -----------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedClock:
    kind: ClockKind
    duration: Duration
    met_at_intake: bool = False


def plan_clocks(
    policy: PolicyDocument, *, sla_class: str, priority: str, channel: str, distance_km: int | None
) -> list[PlannedClock]:
    """The clocks a new request gets from the policy's SLA class × priority (and distance band)."""
    sla = policy.sla.classes.get(sla_class) or policy.sla.classes[policy.sla.default_class]
    targets = sla.targets_for(priority)
    clocks = [PlannedClock(ClockKind.RESPONSE, targets.response, met_at_intake=channel in ANSWERED_AT_INTAKE)]
    if targets.dispatch is not None:
        clocks.append(PlannedClock(ClockKind.DISPATCH, targets.dispatch))
    arrival = targets.arrival
    if distance_km is not None and sla.distance_bands:
        band = next(b for b in sla.distance_bands if b.up_to_km is None or distance_km <= b.up_to_km)
        if band.commitment == "arrival":
            arrival = band.within
        else:  # beyond the last arrival band: a written reply is the commitment, not a visit
            arrival = None
            clocks.append(PlannedClock(ClockKind.WRITTEN_REPLY, band.within))
    if arrival is not None:
        clocks.append(PlannedClock(ClockKind.ARRIVAL, arrival))
    clocks.append(PlannedClock(ClockKind.RESOLUTION, targets.resolution))
    return clocks


def due(calendar: WorkCalendar, start: datetime, duration: Duration) -> Deadline:
    return calendar.deadline(start, duration.amount, duration.unit)


def is_calendar_unit(unit: str) -> bool:
    return unit.startswith("calendar_")


def paused_minutes(calendar: WorkCalendar, unit: str, paused_at: datetime, resumed_at: datetime) -> int:
    """Time a clock stood still, in the minutes its unit counts (business or calendar minutes)."""
    if is_calendar_unit(unit):
        return max(0, int((resumed_at - paused_at).total_seconds() // 60))
    return calendar.business_minutes_between(paused_at, resumed_at).minutes


def extend_after_pause(calendar: WorkCalendar, unit: str, due_at: datetime, minutes: int) -> Deadline:
    """The deadline moved by the paused time. Working-day and business units move in business minutes
    (a clock due at close of business, paused for a business day, is due at the next close of
    business); calendar units move in calendar minutes."""
    if minutes <= 0:
        return Deadline(due=due_at, calendar_confirmed=True)
    if is_calendar_unit(unit):
        return Deadline(due=due_at + timedelta(minutes=minutes), calendar_confirmed=True)
    return calendar.add_business_minutes(due_at, minutes)


def warn_at(started_at: datetime, due_at: datetime, ratio: float) -> datetime:
    """When the 'approaching deadline' notice goes out: after ``ratio`` of the clock's time."""
    return started_at + (due_at - started_at) * ratio


def next_escalation_at(due_at: datetime, chain: list[EscalationLevel], fired_level: int) -> datetime | None:
    """When the next level of ``chain`` after ``fired_level`` (1-based; 0 = none) falls due."""
    if fired_level >= len(chain):
        return None
    return due_at + timedelta(minutes=chain[fired_level].after_minutes)


def levels_due(due_at: datetime, chain: list[EscalationLevel], fired_level: int, now: datetime) -> list[int]:
    """Levels (1-based) not yet fired whose time has come — all of them after a downtime."""
    return [
        index for index, level in enumerate(chain, start=1)
        if index > fired_level and due_at + timedelta(minutes=level.after_minutes) <= now
    ]


def remaining_business_minutes(calendar: WorkCalendar, now: datetime, due_at: datetime) -> int:
    """Business minutes left until ``due_at`` (negative when past it)."""
    if due_at >= now:
        return calendar.business_minutes_between(now, due_at).minutes
    return -calendar.business_minutes_between(due_at, now).minutes
