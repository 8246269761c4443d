"""Pure rules of work orders: which actions each status allows, which SLA clocks a request gets and
when they fall due, when escalation levels fire. Everything takes ``now`` and the policy as
arguments; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from fuwu.approvals.models import ApprovalStatus
from fuwu.catalogue.models import ServiceCategory
from fuwu.clocks import deadlines
from fuwu.lib.worktime import Deadline, WorkCalendar
from fuwu.policy.schema import Duration, PolicyDocument

from .models import ANSWERED_AT_INTAKE, ClockKind, Status, WarrantyStatus


class Action(StrEnum):
    """Business verbs on a work order. The value is the API path segment."""

    ROUTE = "route"
    DISPATCH = "dispatch"
    ACCEPT = "accept"
    ARRIVE = "arrive"
    REPLY = "reply"
    NOTICE_MISSING = "notice-missing"
    MATERIALS_RECEIVED = "materials-received"
    REQUEST_REJECTION = "request-rejection"  # a refusal, or "cannot be done now" (a deferral)
    APPROVE_REJECTION = "approve-rejection"
    DENY_REJECTION = "deny-rejection"
    RESUME = "resume"  # a deferred request is taken up again (by staff, or by the sweep on its day)
    REQUEST_EXTENSION = "request-extension"
    APPROVE_EXTENSION = "approve-extension"
    DENY_EXTENSION = "deny-extension"
    RECORD_WARRANTY = "record-warranty"  # the warranty finding on site: paid or free, before completing
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
_OPEN = (*_WORKING, S.AWAITING_MATERIALS, S.AWAITING_APPROVAL, S.DEFERRED)

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
    # A deferred request may still be refused (or deferred again) through a new approval.
    Action.REQUEST_REJECTION: (*_WORKING, S.AWAITING_MATERIALS, S.DEFERRED),
    Action.APPROVE_REJECTION: (S.AWAITING_APPROVAL,),
    Action.DENY_REJECTION: (S.AWAITING_APPROVAL,),
    Action.RESUME: (S.DEFERRED,),
    Action.REQUEST_EXTENSION: _OPEN,
    Action.APPROVE_EXTENSION: _OPEN,
    Action.DENY_EXTENSION: _OPEN,
    Action.RECORD_WARRANTY: (S.DISPATCHED, S.ON_SITE),
    Action.COMPLETE: (S.DISPATCHED, S.ON_SITE),
    Action.SEND_CONFIRMATION_CODE: (S.DONE,),
    Action.CONFIRM: (S.DONE,),
    Action.REFUSE_CONFIRMATION: (S.DONE,),
    Action.RECORD_FEE: (S.DISPATCHED, S.ON_SITE, S.DONE, S.CONFIRMED),
    Action.COLLECT_FEE: (S.DISPATCHED, S.ON_SITE, S.DONE, S.CONFIRMED, S.VISITED, S.CLOSED),
    Action.APPROVE_PAID_SERVICE: (S.DISPATCHED, S.ON_SITE, S.DONE, S.CONFIRMED),
    Action.DENY_PAID_SERVICE: (S.DISPATCHED, S.ON_SITE, S.DONE, S.CONFIRMED),
    Action.CLOSE: (S.DONE, S.CONFIRMED, S.VISITED),
    Action.CANCEL: (S.RECEIVED, S.ROUTED, S.DISPATCHED, S.AWAITING_MATERIALS, S.DEFERRED),
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


# --- deferral (暂缓办理) and paid service (三包) -----------------------------------------------


def latest_deferral_day(calendar: WorkCalendar, now: datetime, policy: PolicyDocument) -> date:
    """The last day a request may be deferred to: the policy's maximum of working days ahead."""
    return calendar.add_working_days(now, policy.approvals.max_deferral_working_days).due.date()


def deferral_is_due(deferred_until: date | None, today: date) -> bool:
    """A deferred request comes back on the day it can be done (or later, after a downtime)."""
    return deferred_until is not None and deferred_until <= today


def is_paid_finding(warranty_status: str, category: str) -> bool:
    """三包: in warranty → free; out of warranty or misuse → paid at the fee schedule; not applicable →
    the service type's category decides (a paid service, 有偿 A, is charged)."""
    if warranty_status in (WarrantyStatus.OUT_OF_WARRANTY, WarrantyStatus.MISUSE):
        return True
    return warranty_status == WarrantyStatus.NOT_APPLICABLE and category == ServiceCategory.PAID


@dataclass(frozen=True)
class PaidServiceStep:
    """What a warranty finding does to the charge: whether the work is paid, whether a head's
    approval is asked now, whether an approval still pending is withdrawn."""

    is_paid: bool
    ask_approval: bool = False
    withdraw_pending: bool = False


def paid_service_step(*, paid_finding: bool, needs_approval: bool, decision: str | None) -> PaidServiceStep:
    """``decision``: the status of the latest paid-service approval of the work order that was not
    withdrawn (None: never asked). One decision per work order: a finding made again, or the
    completion after a finding on site, never asks a second time; a head's "no" stands (free)."""
    if not paid_finding:
        return PaidServiceStep(is_paid=False, withdraw_pending=decision == ApprovalStatus.PENDING)
    if not needs_approval:
        return PaidServiceStep(is_paid=True)
    if decision == ApprovalStatus.DENIED:
        return PaidServiceStep(is_paid=False)
    return PaidServiceStep(is_paid=True, ask_approval=decision is None)


def report_readings(*, asks_running_hours: bool, asks_mileage: bool, product: Any) -> frozenset[str]:
    """The readings a service report asks for: running hours and mileage where the service type asks
    for them or the product has them recorded (002 客车); signs of disassembly when there is a product
    (三包). A kitchen leak asks for none of them."""
    readings = set()
    if product is not None:
        readings.add("disassembly_signs")
    if asks_running_hours or getattr(product, "running_hours", None) is not None:
        readings.add("running_hours")
    if asks_mileage or getattr(product, "mileage_km", None) is not None:
        readings.add("mileage_km")
    return frozenset(readings)


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
    """The deadline of a planned clock (the engine's maths: ``fuwu.clocks.deadlines``)."""
    return deadlines.due(calendar, start, duration.amount, duration.unit)


# The clock maths moved to the clocks engine; these names stay importable from here.
extend_after_pause = deadlines.extend_after_pause
is_calendar_unit = deadlines.is_calendar_unit
levels_due = deadlines.levels_due
next_escalation_at = deadlines.next_escalation_at
paused_minutes = deadlines.paused_minutes
remaining_business_minutes = deadlines.remaining_business_minutes
warn_at = deadlines.warn_at
