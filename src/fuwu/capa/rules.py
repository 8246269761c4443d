"""Pure rules of corrective and preventive actions: which actions each state allows (and why not),
when an action item falls due, from when effectiveness may be verified and by when. Everything takes
``now``, the calendar and the policy as arguments; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.utils.translation import gettext as _

from fuwu.lib.worktime import WorkCalendar
from fuwu.policy.schema import Duration, PolicyDocument

from .models import Status


class Action(StrEnum):
    """Business verbs on a CAPA. The value is the API path segment."""

    LINK_RECORD = "link-record"
    ANALYSE = "analyse"
    DECIDE_DISPOSITION = "decide-disposition"
    CHECK_EXTENT = "check-extent"
    ADD_ITEM = "add-item"
    COMPLETE_ITEM = "complete-item"
    IMPLEMENT = "implement"
    VERIFY = "verify"
    CLOSE = "close"
    CANCEL = "cancel"


S = Status
ACTION_STATUSES: dict[Action, tuple[Status, ...]] = {
    Action.LINK_RECORD: (S.RAISED, S.IN_ACTION),
    Action.ANALYSE: (S.RAISED, S.IN_ACTION),
    Action.DECIDE_DISPOSITION: (S.RAISED, S.IN_ACTION),
    Action.CHECK_EXTENT: (S.RAISED, S.IN_ACTION),
    Action.ADD_ITEM: (S.IN_ACTION,),
    Action.COMPLETE_ITEM: (S.IN_ACTION,),
    Action.IMPLEMENT: (S.IN_ACTION,),
    Action.VERIFY: (S.AWAITING_VERIFICATION,),
    Action.CLOSE: (S.VERIFIED,),
    Action.CANCEL: (S.RAISED, S.IN_ACTION, S.AWAITING_VERIFICATION),
}


@dataclass(frozen=True)
class StateFacts:
    """What besides the status decides whether an action is possible."""

    status: str
    kind: str
    open_items: int = 0
    items_this_round: int = 0  # action items added since the last failed verification (or ever)
    extent_checked: bool = False
    verify_from: datetime | None = None
    verification_passed: bool = False
    now: datetime | None = None


def why_not(action: Action, facts: StateFacts) -> str | None:
    """Why the state does not allow ``action`` now (None: it does)."""
    if facts.status not in ACTION_STATUSES[action]:
        return _("not possible in this status")
    match action:
        case Action.DECIDE_DISPOSITION if facts.kind != "corrective":
            return _("a preventive action has no nonconforming service to decide on")
        case Action.COMPLETE_ITEM if not facts.open_items:
            return _("no action item is open")
        case Action.IMPLEMENT:
            if not facts.items_this_round:
                return _("add at least one action item first")
            if facts.open_items:
                return _("an action item is still open")
            if not facts.extent_checked:
                return _("first check whether the same problem exists elsewhere")
        case Action.VERIFY:
            if facts.verify_from is None or facts.now is None or facts.now < facts.verify_from:
                return _("effectiveness can be verified only after the policy's interval")
        case Action.CLOSE if facts.open_items or not facts.verification_passed:
            return _("closing needs every action done and a passed verification")
    return None


def actions_in_state(facts: StateFacts) -> list[Action]:
    """Actions the CAPA's state allows (before asking who may take them)."""
    return [action for action in Action if why_not(action, facts) is None]


# --- deadlines ------------------------------------------------------------------------------


def item_due_at(calendar: WorkCalendar, due_on: date) -> datetime:
    """An action item due on ``due_on`` is due at close of business of that day (of the next working
    day when it is a rest day)."""
    return calendar.close_of_business(calendar.working_day_on_or_after(due_on))


def default_item_due_at(calendar: WorkCalendar, now: datetime, policy: PolicyDocument) -> datetime:
    deadline: Duration = policy.capa.action_item_deadline
    return calendar.deadline(now, deadline.amount, deadline.unit).due


@dataclass(frozen=True)
class VerificationWindow:
    opens_at: datetime  # effectiveness may be verified from here (the policy's interval)
    due_at: datetime  # and should be by here


def verification_window(
    calendar: WorkCalendar, implemented_at: datetime, policy: PolicyDocument
) -> VerificationWindow:
    after = policy.capa.verification_after
    window = policy.capa.verification_window
    opens = calendar.deadline(implemented_at, after.amount, after.unit).due
    return VerificationWindow(opens_at=opens, due_at=calendar.deadline(opens, window.amount, window.unit).due)
