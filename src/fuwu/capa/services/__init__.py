"""Business actions on corrective and preventive actions: one function per verb, one transaction,
one timeline event.

Every action runs the same gate first (``context._begin``): lock the row, check the state allows the
action (409 with the actions that are allowed and why not), then the role (403). Visibility (404) is
the caller's selector's job: a service is only ever handed a CAPA its user may see.
"""

from __future__ import annotations

from .closing import capa_cancel, capa_close, capa_verify
from .context import allowed_actions, facts_of, owners_of, policy_of
from .people import heads_of, people_with_role
from .raising import MAX_AFFECTED, capa_create, capa_link_record, resolve_affected
from .work import (
    capa_add_item,
    capa_analyse,
    capa_check_extent,
    capa_complete_item,
    capa_decide_disposition,
    capa_implement,
)

__all__ = [
    "MAX_AFFECTED",
    "allowed_actions",
    "capa_add_item",
    "capa_analyse",
    "capa_cancel",
    "capa_check_extent",
    "capa_close",
    "capa_complete_item",
    "capa_create",
    "capa_decide_disposition",
    "capa_implement",
    "capa_link_record",
    "capa_verify",
    "facts_of",
    "heads_of",
    "owners_of",
    "people_with_role",
    "policy_of",
    "resolve_affected",
]
