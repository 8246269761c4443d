"""Complaint services: one function per business verb, one transaction, one timeline event.

Every interface (pages, API, public page, commands) goes through these.
"""

from __future__ import annotations

from .answers import complaint_classify_answer, complaint_record_answer
from .context import Context, allowed_actions, facts_of, policy_of
from .costs import complaint_add_cost, complaint_verify_cost
from .extension import complaint_decide_extension, complaint_request_extension
from .intake import ComplaintInput, complaint_create, complaint_from_work_order, default_severity
from .lifecycle import complaint_archive, complaint_close, complaint_remind, complaint_reopen
from .penalties import penalty_appeal, penalty_decide, penalty_decide_appeal
from .routing import complaint_merge, complaint_reassign, complaint_return
from .steps import (
    complaint_acknowledge,
    complaint_assess,
    complaint_assign_responsibility,
    complaint_decide_plan,
    complaint_execute,
    complaint_propose_plan,
    complaint_reply,
    complaint_start_investigation,
)

__all__ = [
    "ComplaintInput",
    "Context",
    "allowed_actions",
    "complaint_acknowledge",
    "complaint_add_cost",
    "complaint_archive",
    "complaint_assess",
    "complaint_assign_responsibility",
    "complaint_classify_answer",
    "complaint_close",
    "complaint_create",
    "complaint_decide_extension",
    "complaint_decide_plan",
    "complaint_execute",
    "complaint_from_work_order",
    "complaint_merge",
    "complaint_propose_plan",
    "complaint_reassign",
    "complaint_record_answer",
    "complaint_remind",
    "complaint_reopen",
    "complaint_reply",
    "complaint_request_extension",
    "complaint_return",
    "complaint_start_investigation",
    "complaint_verify_cost",
    "default_severity",
    "facts_of",
    "penalty_appeal",
    "penalty_decide",
    "penalty_decide_appeal",
    "policy_of",
]
