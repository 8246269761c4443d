"""Complaint services: one function per business verb, one transaction, one timeline event.

Every interface (pages, API, public page, commands) goes through these.
"""

from __future__ import annotations

from .context import Context, allowed_actions, facts_of, policy_of
from .intake import ComplaintInput, complaint_create, complaint_from_work_order, default_severity

__all__ = [
    "ComplaintInput",
    "Context",
    "allowed_actions",
    "complaint_create",
    "complaint_from_work_order",
    "default_severity",
    "facts_of",
    "policy_of",
]
