"""Pure rules of batches: the steps of a policy, which actions a batch's state allows (and why
not), the counts each step is expected to confirm, and how long a closed batch is kept. Nothing
here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.utils.translation import gettext as _

from fuwu.policy.schema import PolicyDocument

# The step whose counts every later step is checked against (000: 清点). A policy without a step of
# this code checks every step against the counts registered at intake.
COUNT_STEP = "count"

Counts = tuple[int, int]  # (packages, pieces)


class Action(StrEnum):
    """Business verbs on a batch. The value is the API path segment."""

    SIGN = "sign"
    CONFIRM = "confirm"
    CORRECT = "correct"
    RETURN = "return"
    FEEDBACK = "feedback"


@dataclass(frozen=True)
class Step:
    code: str
    label: str
    double_check: bool
    position: int


def steps_of(policy: PolicyDocument) -> list[Step]:
    return [
        Step(code=s.code, label=s.label, double_check=s.double_check, position=index)
        for index, s in enumerate(policy.tracing.steps)
    ]


def step_named(steps: Sequence[Step], code: str) -> Step | None:
    return next((step for step in steps if step.code == code), None)


@dataclass(frozen=True)
class StateFacts:
    """What decides whether an action is possible."""

    closed: bool
    awaiting_check: bool
    signed_steps: int = 0  # steps with a signature (complete or awaiting its confirmation)
    remaining_pieces: int = 0  # pieces still in the batch (not returned)
    open_returns: int = 0  # returns without their written feedback


def why_not(action: Action, facts: StateFacts) -> str | None:
    """Why the state does not allow ``action`` now (None: it does)."""
    match action:
        case Action.SIGN:
            if facts.closed:
                return _("the batch is closed")
            if facts.awaiting_check:
                return _("the step waits for a second person's confirmation")
        case Action.CONFIRM if not facts.awaiting_check:
            return _("no signature waits for a second person's confirmation")
        case Action.CORRECT if not facts.signed_steps:
            return _("no step has been signed yet")
        case Action.RETURN:
            if facts.closed:
                return _("the batch is closed")
            if facts.awaiting_check:
                return _("first the second person confirms the step under way")
            if not facts.remaining_pieces:
                return _("no item is left in the batch")
        case Action.FEEDBACK if not facts.open_returns:
            return _("no returned item waits for written feedback")
    return None


def actions_in_state(facts: StateFacts) -> list[Action]:
    return [action for action in Action if why_not(action, facts) is None]


# --- counts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Returned:
    """A return as the counts see it: during which step, and what left the batch."""

    position: int
    lines: Mapping[int, Counts]  # item id → counts returned


def expected_counts(
    *,
    position: int,
    registered: Mapping[int, Counts],
    reference: Mapping[int, Counts] | None,
    reference_position: int,
    returns: Iterable[Returned],
) -> dict[int, Counts]:
    """What the step at ``position`` should count for each item: the count step's counts when it is
    complete and comes before (``reference`` at ``reference_position``), else the counts registered;
    less what was returned since (a return during a step leaves before that step is signed)."""
    base = reference if reference is not None else registered
    after = reference_position if reference is not None else -1
    expected = {item: (counts[0], counts[1]) for item, counts in base.items()}
    for item in registered:
        expected.setdefault(item, (0, 0))
    for returned in returns:
        if after < returned.position <= position:
            for item, (packages, pieces) in returned.lines.items():
                have = expected.get(item, (0, 0))
                expected[item] = (max(0, have[0] - packages), max(0, have[1] - pieces))
    return expected


@dataclass(frozen=True)
class Difference:
    item: int
    expected: Counts
    counted: Counts


def differences(expected: Mapping[int, Counts], counted: Mapping[int, Counts]) -> list[Difference]:
    return [
        Difference(item, expected.get(item, (0, 0)), counts)
        for item, counts in counted.items()
        if counts != expected.get(item, (0, 0))
    ]


# --- retention ---------------------------------------------------------------------------------


def retained_until(closed_on: date, years: int) -> date:
    """Kept ``years`` whole years after the day it closed: the same day that many years later (a
    29 February closing is kept until 1 March, never less than the years)."""
    try:
        return closed_on.replace(year=closed_on.year + years)
    except ValueError:
        return date(closed_on.year + years, 3, 1)
