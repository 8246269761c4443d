"""Work orders as subjects of notifications (``fuwu.notify``): their title, link, department and
the events only work orders have. Registered when the app is ready."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu.notify import events, subjects

CONFIRMATION_REFUSED = events.register("confirmation_refused", _("Customer refused to confirm"))

# An approval asked for opens the work order at its decision (one more tap approves, also on a phone).
DECISION_ANCHORS = {
    "paid_service": "#action-approve-paid-service",
    "rejection": "#action-approve-rejection",
    "cannot_do_now": "#action-approve-rejection",
    "extension": "#action-approve-extension",
}


def _link(work_order: Any) -> str:
    return reverse("workorders:detail", args=[work_order.pk])


def _pending_approval_kind(work_order: Any) -> str | None:
    from fuwu.approvals.models import ApprovalStatus
    from fuwu.approvals.services import approvals_of

    return (
        approvals_of(work_order)
        .filter(status=ApprovalStatus.PENDING)
        .order_by("-requested_at", "-id")
        .values_list("kind", flat=True)
        .first()
    )


def _open_link(work_order: Any, event: str) -> str | None:
    if event != events.NotificationKind.APPROVAL_REQUESTED:
        return None
    kind = _pending_approval_kind(work_order)
    if kind is None:  # decided meanwhile: the decision is in the approvals card
        return _link(work_order) + "#approvals"
    return _link(work_order) + DECISION_ANCHORS.get(kind, "#actions")


def register() -> None:
    subjects.register(
        "workorders.WorkOrder",
        title=lambda work_order: work_order.number,
        link=_link,
        department=lambda work_order: work_order.department or work_order.intake_department,
        open_link=_open_link,
    )
