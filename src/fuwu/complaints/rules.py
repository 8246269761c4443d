"""Which complaint actions the state allows (the role is ``permissions``' business).

Pure functions of ``StateFacts`` (no database): the services' gate, ``allowed_actions`` in the API
and the buttons on the page all ask here, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .models import OPEN_STATUSES, Status, Validity


class Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASSESS = "assess"
    START_INVESTIGATION = "start-investigation"
    ASSIGN_RESPONSIBILITY = "assign-responsibility"
    PROPOSE_PLAN = "propose-plan"
    APPROVE_PLAN = "approve-plan"
    DENY_PLAN = "deny-plan"
    REQUEST_EXTENSION = "request-extension"
    APPROVE_EXTENSION = "approve-extension"
    DENY_EXTENSION = "deny-extension"
    EXECUTE = "execute"
    REPLY = "reply"
    RECORD_CUSTOMER_ANSWER = "record-customer-answer"
    CLASSIFY_ANSWER = "classify-answer"
    REOPEN = "reopen"
    RETURN = "return"
    REASSIGN = "reassign"
    MERGE = "merge"
    REMIND = "remind"
    CLOSE = "close"
    ARCHIVE = "archive"
    ADD_COST = "add-cost"
    VERIFY_COST = "verify-cost"


# Before the plan is approved the complaint may still be returned, reassigned or merged.
BEFORE_PLAN = (Status.RECEIVED, Status.ACKNOWLEDGED, Status.INVESTIGATING, Status.REHANDLING)
INVESTIGATION = (Status.INVESTIGATING, Status.REHANDLING)
# Clocks an extension may be asked for (the others are short acknowledgements or the visit).
EXTENDABLE_CLOCKS = ("plan", "execution", "reply")


@dataclass(frozen=True)
class StateFacts:
    status: str
    validity: str = Validity.PENDING
    has_department: bool = True
    responsibility_assigned: bool = False
    # The latest answer (the one that counts): "", "satisfied", "unsatisfied".
    latest_answer: str = ""
    latest_answer_classified: bool = False
    latest_answer_unreasonable: bool = False
    contact_attempts: int = 0
    max_contact_attempts: int = 3
    return_count: int = 0
    max_returns: int = 2
    pending_approvals: frozenset[str] = frozenset()
    # Kinds of running clocks that may be extended.
    extendable_clocks: frozenset[str] = frozenset()
    has_unverified_costs: bool = False


def may_close(facts: StateFacts) -> bool:
    """The customer decides the end: a satisfied latest answer; an unsatisfied one the quality role
    found unreasonable; or the policy's number of failed attempts to reach them after the reply."""
    if facts.status == Status.ANSWERED:
        return True
    if facts.status == Status.REPLIED and facts.contact_attempts >= facts.max_contact_attempts:
        return True
    return facts.status in INVESTIGATION and facts.latest_answer_unreasonable


def actions_in_state(facts: StateFacts) -> list[Action]:
    status = facts.status
    actions: list[Action] = []
    is_open = status in OPEN_STATUSES
    invalid = facts.validity == Validity.INVALID
    if status == Status.RECEIVED:
        actions.append(Action.ACKNOWLEDGE)
    if is_open and status not in (Status.ANSWERED,):
        actions.append(Action.ASSESS)
    if status in (Status.RECEIVED, Status.ACKNOWLEDGED):
        actions.append(Action.START_INVESTIGATION)
    if status in INVESTIGATION and not invalid:
        actions.append(Action.ASSIGN_RESPONSIBILITY)
        if facts.responsibility_assigned:
            actions.append(Action.PROPOSE_PLAN)
    if status == Status.PLAN_PROPOSED and "complaint_plan" in facts.pending_approvals:
        actions += [Action.APPROVE_PLAN, Action.DENY_PLAN]
    if is_open and facts.extendable_clocks and "complaint_extension" not in facts.pending_approvals:
        actions.append(Action.REQUEST_EXTENSION)
    if "complaint_extension" in facts.pending_approvals:
        actions += [Action.APPROVE_EXTENSION, Action.DENY_EXTENSION]
    if status == Status.PLANNED:
        actions.append(Action.EXECUTE)
    # An invalid complaint is still answered: it goes from the investigation straight to the reply.
    if status == Status.EXECUTED or (invalid and status in (Status.ACKNOWLEDGED, *INVESTIGATION)):
        actions.append(Action.REPLY)
    if status == Status.REPLIED:
        actions.append(Action.RECORD_CUSTOMER_ANSWER)
    if (
        facts.latest_answer == "unsatisfied"
        and not facts.latest_answer_classified
        and status != Status.MERGED
    ):
        actions.append(Action.CLASSIFY_ANSWER)
    if status == Status.CLOSED:
        actions += [Action.REOPEN, Action.ARCHIVE]
    if status in BEFORE_PLAN and facts.has_department and facts.return_count < facts.max_returns:
        actions.append(Action.RETURN)
    if status in BEFORE_PLAN:
        actions += [Action.REASSIGN, Action.MERGE]
    if is_open:
        actions += [Action.REMIND, Action.ADD_COST]
    if facts.has_unverified_costs and status != Status.MERGED:
        actions.append(Action.VERIFY_COST)
    if may_close(facts):
        actions.append(Action.CLOSE)
    return actions
