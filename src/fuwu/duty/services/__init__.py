"""Business actions on shifts, swaps and handovers: one function per verb, one transaction, one
timeline event (an approved swap also writes one on each shift it changes).

Every action runs its record's gate first (``context.begin_*``): lock the row, check the state
allows the action (409 with the actions that are allowed and why not), then the role (403).
Visibility (404) is the caller's selector's job: a service is only ever handed a record its user
may see.
"""

from __future__ import annotations

from .context import (
    APPROVAL_KIND,
    allowed_handover_actions,
    allowed_shift_actions,
    allowed_swap_actions,
    approver_role_of,
    pending_approval,
    policy_of,
    shift_facts,
)
from .handovers import MAX_HAND_ITEMS, ItemInput, handover_acknowledge, handover_write
from .rosters import MAX_SHIFT_HOURS, UNCHANGED, roster_generate, shift_cancel, shift_create, shift_update
from .swaps import (
    swap_agree,
    swap_approve,
    swap_decide,
    swap_decline,
    swap_refuse,
    swap_request,
    swap_title,
    swap_withdraw,
)

__all__ = [
    "APPROVAL_KIND",
    "MAX_HAND_ITEMS",
    "MAX_SHIFT_HOURS",
    "UNCHANGED",
    "ItemInput",
    "allowed_handover_actions",
    "allowed_shift_actions",
    "allowed_swap_actions",
    "approver_role_of",
    "handover_acknowledge",
    "handover_write",
    "pending_approval",
    "policy_of",
    "roster_generate",
    "shift_cancel",
    "shift_create",
    "shift_facts",
    "shift_update",
    "swap_agree",
    "swap_approve",
    "swap_decide",
    "swap_decline",
    "swap_refuse",
    "swap_request",
    "swap_title",
    "swap_withdraw",
]
