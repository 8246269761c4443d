"""Business actions on checklists, inspections and rectification orders: one function per verb,
one transaction, one timeline event. Visibility (404) is the caller's selector's job."""

from __future__ import annotations

from .carrying_out import (
    AnswerIn,
    inspection_add_photos,
    inspection_cancel,
    inspection_reassign,
    inspection_record,
    inspection_start,
    inspection_submit,
)
from .context import allowed_actions, allowed_rectification_actions, definition_of, policy_of
from .planning import inspection_create, plan_period
from .rectifying import (
    rectification_acknowledge,
    rectification_cancel,
    rectification_decide,
    rectification_record_done,
    rectification_verify,
)
from .templates import template_create, template_publish, template_set_active

__all__ = [
    "AnswerIn",
    "allowed_actions",
    "allowed_rectification_actions",
    "definition_of",
    "inspection_add_photos",
    "inspection_cancel",
    "inspection_create",
    "inspection_reassign",
    "inspection_record",
    "inspection_start",
    "inspection_submit",
    "plan_period",
    "policy_of",
    "rectification_acknowledge",
    "rectification_cancel",
    "rectification_decide",
    "rectification_record_done",
    "rectification_verify",
    "template_create",
    "template_publish",
    "template_set_active",
]
