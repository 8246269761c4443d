"""Complaints as subjects of notifications (``fuwu.notify``): their title, link, department and the
events only complaints have. Registered when the app is ready."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fuwu.notify import events, subjects

# The customer was not satisfied: the complaint goes back for re-handling (重办).
CUSTOMER_UNSATISFIED = events.register("complaint_unsatisfied", _("Customer not satisfied: re-handling"))
# A department returned a complaint it does not own (退回): whoever routes complaints decides again.
RETURNED = events.register("complaint_returned", _("Complaint returned"))
# The reply went out: the complaint's return visit is due.
VISIT_DUE = events.register("complaint_visit_due", _("Complaint return visit due"))

DECISION_ANCHORS = {
    "complaint_plan": "#action-approve-plan",
    "complaint_extension": "#action-approve-extension",
}


def complaint_link(complaint: Any) -> str:
    """The complaint's page (a plain path while the pages are not installed, e.g. in engine tests)."""
    try:
        return reverse("complaints:detail", args=[complaint.pk])
    except NoReverseMatch:
        return f"/complaints/{complaint.pk}/"


def _pending_approval_kind(complaint: Any) -> str | None:
    from fuwu.approvals.models import ApprovalStatus
    from fuwu.approvals.services import approvals_of

    return (
        approvals_of(complaint)
        .filter(status=ApprovalStatus.PENDING)
        .order_by("-requested_at", "-id")
        .values_list("kind", flat=True)
        .first()
    )


def _open_link(complaint: Any, event: str) -> str | None:
    if event != events.NotificationKind.APPROVAL_REQUESTED:
        return None
    kind = _pending_approval_kind(complaint)
    if kind is None:
        return complaint_link(complaint) + "#approvals"
    return complaint_link(complaint) + DECISION_ANCHORS.get(kind, "#actions")


def register() -> None:
    subjects.register(
        "complaints.Complaint",
        title=lambda complaint: complaint.number,
        link=complaint_link,
        department=lambda complaint: complaint.department or complaint.intake_department,
        open_link=_open_link,
    )
