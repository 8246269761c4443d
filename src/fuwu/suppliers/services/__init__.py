"""Business actions on suppliers: one function per verb, one transaction, one timeline event.
Visibility (404) is the caller's selector's job: a service is only handed a supplier its user may
see (every member of staff of its organisation)."""

from __future__ import annotations

from .evaluating import (
    EVALUATION_CODE,
    default_due_on,
    evaluation_checklist,
    open_evaluation,
    supplier_evaluate,
)
from .keeping import EDITABLE, supplier_create, supplier_deactivate, supplier_update
from .standing import is_evaluation, reason_text, record_evaluation, standing_for

__all__ = [
    "EDITABLE",
    "EVALUATION_CODE",
    "default_due_on",
    "evaluation_checklist",
    "is_evaluation",
    "open_evaluation",
    "reason_text",
    "record_evaluation",
    "standing_for",
    "supplier_create",
    "supplier_deactivate",
    "supplier_evaluate",
    "supplier_update",
]
