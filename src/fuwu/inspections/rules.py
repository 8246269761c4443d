"""Pure rules of inspections and rectification orders: which actions each state allows, and why
not. Nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext as _

from .models import RectificationStatus, Status


class Action(StrEnum):
    """Business verbs on an inspection. The value is the API path segment."""

    START = "start"
    RECORD = "record"
    SUBMIT = "submit"
    REASSIGN = "reassign"
    CANCEL = "cancel"


ACTION_STATUSES: dict[Action, tuple[Status, ...]] = {
    Action.START: (Status.PLANNED, Status.IN_PROGRESS),
    Action.RECORD: (Status.PLANNED, Status.IN_PROGRESS),
    Action.SUBMIT: (Status.IN_PROGRESS,),
    Action.REASSIGN: (Status.PLANNED, Status.IN_PROGRESS),
    Action.CANCEL: (Status.PLANNED, Status.IN_PROGRESS),
}


@dataclass(frozen=True)
class InspectionFacts:
    status: str
    items: int
    answered: int
    sampling_needed: bool = False  # the checklist samples and no population is recorded yet
    # A duty round is submitted at the end of its shift whatever was done: what was not is missed.
    is_round: bool = False


def why_not(action: Action, facts: InspectionFacts) -> str | None:
    if facts.status not in ACTION_STATUSES[action]:
        return _("not possible in this status")
    if action == Action.SUBMIT:
        if facts.sampling_needed:
            return _("record how many units there were to sample from first")
        if facts.answered < facts.items and not facts.is_round:
            return _("%(n)s of the %(total)s items are not filled in yet") % {
                "n": facts.items - facts.answered,
                "total": facts.items,
            }
    return None


def actions_in_state(facts: InspectionFacts) -> list[Action]:
    return [action for action in Action if why_not(action, facts) is None]


class RectificationAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DECIDE_DISPOSITION = "decide-disposition"
    RECORD_DONE = "record-done"
    VERIFY = "verify"
    CANCEL = "cancel"


R = RectificationStatus
RECTIFICATION_STATUSES: dict[RectificationAction, tuple[RectificationStatus, ...]] = {
    RectificationAction.ACKNOWLEDGE: (R.ISSUED,),
    RectificationAction.DECIDE_DISPOSITION: (R.ISSUED, R.IN_RECTIFICATION, R.AWAITING_VERIFICATION),
    RectificationAction.RECORD_DONE: (R.IN_RECTIFICATION,),
    RectificationAction.VERIFY: (R.AWAITING_VERIFICATION,),
    RectificationAction.CANCEL: (R.ISSUED, R.IN_RECTIFICATION, R.AWAITING_VERIFICATION),
}


def rectification_why_not(action: RectificationAction, status: str) -> str | None:
    if status not in RECTIFICATION_STATUSES[action]:
        if action == RectificationAction.RECORD_DONE and status == R.ISSUED:
            return _("the responsible department head acknowledges the order first")
        return _("not possible in this status")
    return None


def rectification_actions_in_state(status: str) -> list[RectificationAction]:
    return [a for a in RectificationAction if rectification_why_not(a, status) is None]
