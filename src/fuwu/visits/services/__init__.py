"""Business actions on return visits: one function per verb, one transaction, one timeline event.

Every action runs the same gate first (``context._begin``: lock the row, check the state allows
it — 409 — then the person — 403). Visibility (404) is the caller's selector's job."""

from __future__ import annotations

from .calls import visit_attempt, visit_cancel, visit_reassign, visit_record_answer, visit_reschedule
from .context import allowed_actions
from .sampling import draw_month, population, redraw
from .scheduling import schedule_for_complaint, schedule_for_work_order
from .survey import survey_answer, usable_link, visit_send_survey

__all__ = [
    "allowed_actions",
    "draw_month",
    "population",
    "redraw",
    "schedule_for_complaint",
    "schedule_for_work_order",
    "survey_answer",
    "usable_link",
    "visit_attempt",
    "visit_cancel",
    "visit_reassign",
    "visit_record_answer",
    "visit_reschedule",
    "visit_send_survey",
]
