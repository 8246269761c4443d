"""What visits hear of work orders and complaints (their ``signals``), inside the transaction of
the action that caused it."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from fuwu.complaints import signals as complaint_signals
from fuwu.workorders import signals as work_order_signals

from .models import Status, Visit
from .services import scheduling
from .services.context import revoke_survey_links, stop_clocks


def _work_order_finished(sender: Any, *, work_order: Any, step: str, now: Any, **_: Any) -> None:
    scheduling.schedule_for_work_order(work_order, step, now)


def _work_order_reopened(sender: Any, *, work_order: Any, now: Any, **_: Any) -> None:
    """Handled again: a visit still due is moot (the customer is visited after the new work), and so
    are its survey links."""
    due = Visit.objects.filter(work_order=work_order, status=Status.DUE)
    revoke_survey_links(due, now)
    stop_clocks(due)
    due.update(status=Status.CANCELLED, ended_at=now)


def _complaint_replied(sender: Any, *, complaint: Any, due_at: Any, role: str, now: Any, **_: Any) -> None:
    scheduling.schedule_for_complaint(complaint, due_at, role, now)


def _complaint_visit_ended(
    sender: Any, *, complaint: Any, outcome: str, answer: Any, now: Any, **_: Any
) -> None:
    """The complaint's answer was recorded on the complaint itself (not through its visit), or the
    visit became moot: its due level-1 visit ends the same way. (A visit that recorded the answer
    is already done.)"""
    due = Visit.objects.filter(complaint=complaint, status=Status.DUE, level=1)
    revoke_survey_links(due, now)
    if outcome != "done" or answer is None:
        due.update(status=Status.CANCELLED, ended_at=now)
        return
    satisfied = answer.outcome == "satisfied"
    if due.update(status=Status.DONE, ended_at=now, answered_at=now, satisfied=satisfied, counts=True):
        Visit.objects.filter(Q(complaint=complaint), counts=True, answered_at__lt=now).update(counts=False)


def connect() -> None:
    work_order_signals.finished.connect(_work_order_finished, dispatch_uid="visits.work_order_finished")
    work_order_signals.reopened.connect(_work_order_reopened, dispatch_uid="visits.work_order_reopened")
    complaint_signals.replied.connect(_complaint_replied, dispatch_uid="visits.complaint_replied")
    complaint_signals.return_visit_ended.connect(
        _complaint_visit_ended, dispatch_uid="visits.complaint_ended"
    )
