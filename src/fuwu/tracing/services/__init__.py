"""Business actions on batches: one function per verb, one transaction, one timeline event.

Every action on a batch runs the same gate first (``context._begin``): lock the row, check the state
allows the action (409 with the actions that are allowed and why not), then the person (403: not of
the department handling it; the one who signed a double-check step confirming it themselves).
Visibility (404) is the caller's selector's job: a service is only ever handed a batch its user may
see.
"""

from __future__ import annotations

from .context import BatchState, allowed_actions, policy_of, refusal, with_state
from .people import heads_of, people_with_role
from .registering import ItemInput, batch_register
from .returns import batch_feedback, batch_return
from .steps import batch_confirm, batch_correct, batch_sign

__all__ = [
    "BatchState",
    "ItemInput",
    "allowed_actions",
    "batch_confirm",
    "batch_correct",
    "batch_feedback",
    "batch_register",
    "batch_return",
    "batch_sign",
    "heads_of",
    "people_with_role",
    "policy_of",
    "refusal",
    "with_state",
]
