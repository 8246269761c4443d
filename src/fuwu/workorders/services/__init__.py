"""Business actions on work orders: one function per verb, one transaction, one timeline event.

Every action runs the same gate first (``_begin``): lock the row, check the state allows the action
(409 with the actions that are allowed), then the role (403). Visibility (404) is the caller's
selector's job: a service is only ever handed a work order its user may see.
"""

from __future__ import annotations

from ..models import WorkOrder  # tests reach the model through the services, as before the split
from .completion import (
    CONFIRMATION_CODE_MINUTES,
    MAX_CODE_ATTEMPTS,
    paid_service_decision,
    work_order_complete,
    work_order_confirm,
    work_order_record_warranty,
    work_order_refuse_confirmation,
    work_order_send_confirmation_code,
)
from .context import Context, allowed_actions, facts_of, policy_of
from .dispatch import (
    work_order_accept,
    work_order_arrive,
    work_order_dispatch,
    work_order_reply,
    work_order_route,
)
from .fees import work_order_collect_fee, work_order_decide_paid_service, work_order_record_fee
from .handover import hand_over_open_work, hand_over_started_absences
from .intake import (
    MAX_PHOTOS,
    intake_handler,
    work_order_add_photos,
    work_order_create,
    work_order_search_text,
)
from .lifecycle import (
    work_order_cancel,
    work_order_close,
    work_order_mark_visited,
    work_order_remind,
    work_order_reopen,
)
from .materials import notice_text, work_order_materials_received, work_order_notice_missing
from .people import approvers_for, approvers_told, heads_of, people_with_role
from .red_light import (
    deferral_notice,
    resume_due_deferrals,
    work_order_approve_extension,
    work_order_approve_rejection,
    work_order_deny_extension,
    work_order_deny_rejection,
    work_order_request_extension,
    work_order_request_rejection,
    work_order_resume,
)

__all__ = [
    "CONFIRMATION_CODE_MINUTES",
    "MAX_CODE_ATTEMPTS",
    "MAX_PHOTOS",
    "Context",
    "WorkOrder",
    "allowed_actions",
    "approvers_for",
    "approvers_told",
    "deferral_notice",
    "facts_of",
    "hand_over_open_work",
    "hand_over_started_absences",
    "heads_of",
    "intake_handler",
    "notice_text",
    "paid_service_decision",
    "people_with_role",
    "policy_of",
    "resume_due_deferrals",
    "work_order_accept",
    "work_order_add_photos",
    "work_order_approve_extension",
    "work_order_approve_rejection",
    "work_order_arrive",
    "work_order_cancel",
    "work_order_close",
    "work_order_collect_fee",
    "work_order_complete",
    "work_order_confirm",
    "work_order_create",
    "work_order_decide_paid_service",
    "work_order_deny_extension",
    "work_order_deny_rejection",
    "work_order_dispatch",
    "work_order_mark_visited",
    "work_order_materials_received",
    "work_order_notice_missing",
    "work_order_record_fee",
    "work_order_record_warranty",
    "work_order_refuse_confirmation",
    "work_order_remind",
    "work_order_reopen",
    "work_order_reply",
    "work_order_request_extension",
    "work_order_request_rejection",
    "work_order_resume",
    "work_order_route",
    "work_order_search_text",
    "work_order_send_confirmation_code",
]
