"""What every complaint page shows the same way: action labels, status colours, the signed-in staff."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from fuwu.org.models import User
from fuwu.workorders.views.common import organisation_of, staff

from ..models import Status
from ..rules import Action
from ..selectors import shows_identity

__all__ = [
    "ACTION_LABELS",
    "BUTTON_ACTIONS",
    "DANGER_ACTIONS",
    "PRIMARY_ACTIONS",
    "STATUS_COLOURS",
    "complainant",
    "organisation_of",
    "staff",
    "status_colour",
    "url_or_empty",
]

ACTION_LABELS: dict[Action, Any] = {
    Action.ACKNOWLEDGE: gettext_lazy("Acknowledge receipt"),
    Action.ASSESS: gettext_lazy("Assess (valid or invalid, severity)"),
    Action.START_INVESTIGATION: gettext_lazy("Start the investigation"),
    Action.ASSIGN_RESPONSIBILITY: gettext_lazy("Cause and responsibility"),
    Action.PROPOSE_PLAN: gettext_lazy("Propose the handling plan"),
    Action.APPROVE_PLAN: gettext_lazy("Approve the plan"),
    Action.DENY_PLAN: gettext_lazy("Send the plan back"),
    Action.REQUEST_EXTENSION: gettext_lazy("Request a deadline extension"),
    Action.APPROVE_EXTENSION: gettext_lazy("Approve the extension"),
    Action.DENY_EXTENSION: gettext_lazy("Deny the extension"),
    Action.EXECUTE: gettext_lazy("Record what was done"),
    Action.REPLY: gettext_lazy("Reply to the customer"),
    Action.RECORD_CUSTOMER_ANSWER: gettext_lazy("Record the customer's answer"),
    Action.CLASSIFY_ANSWER: gettext_lazy("Is the dissatisfaction reasonable?"),
    Action.REOPEN: gettext_lazy("Reopen (re-handle)"),
    Action.RETURN: gettext_lazy("Return: not ours"),
    Action.REASSIGN: gettext_lazy("Reassign"),
    Action.MERGE: gettext_lazy("Merge into another complaint"),
    Action.REMIND: gettext_lazy("Send a reminder"),
    Action.CLOSE: gettext_lazy("Close"),
    Action.ARCHIVE: gettext_lazy("Archive"),
    Action.ADD_COST: gettext_lazy("Record a cost"),
    Action.VERIFY_COST: gettext_lazy("Verify a cost"),
}

# Actions taken with one button (no input); the others get a small form.
BUTTON_ACTIONS = {Action.ARCHIVE}
DANGER_ACTIONS = {Action.DENY_PLAN, Action.DENY_EXTENSION, Action.RETURN, Action.MERGE, Action.REOPEN}
PRIMARY_ACTIONS = {
    Action.ACKNOWLEDGE,
    Action.START_INVESTIGATION,
    Action.ASSIGN_RESPONSIBILITY,
    Action.PROPOSE_PLAN,
    Action.APPROVE_PLAN,
    Action.APPROVE_EXTENSION,
    Action.EXECUTE,
    Action.REPLY,
    Action.RECORD_CUSTOMER_ANSWER,
    Action.CLOSE,
}

PROTECTED = gettext_lazy("(identity protected)")

STATUS_COLOURS = {
    Status.RECEIVED: "secondary",
    Status.ACKNOWLEDGED: "info",
    Status.INVESTIGATING: "primary",
    Status.REHANDLING: "warning",
    Status.PLAN_PROPOSED: "danger",
    Status.PLANNED: "primary",
    Status.EXECUTED: "primary",
    Status.REPLIED: "info",
    Status.ANSWERED: "success",
    Status.CLOSED: "dark",
    Status.ARCHIVED: "light",
    Status.MERGED: "light",
}


def url_or_empty(name: str, *args: Any) -> str:
    """The URL of an exports page of complaints (``report_urls``), or "" while it does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(Status(status), "secondary") if status in Status.values else "secondary"


def complainant(user: User, complaint: Any, shown: Any) -> tuple[str, str]:
    """The complainant's name and phone as ``user`` may read them (12345 practice: a protected
    identity is for agents, the quality role and the first-contact owner)."""
    if not shows_identity(user, complaint):
        return (str(PROTECTED), "")
    return (complaint.caller_name, shown(complaint.caller_phone))


# The complaint lists of a home page (the workbench), with their counts; each opens its list.
BENCH_TABS = (
    ("mine", gettext_lazy("My complaints"), "primary"),
    ("department", gettext_lazy("My department's complaints"), "primary"),
    ("overdue", gettext_lazy("Complaints overdue"), "danger"),
    ("awaiting_approval", gettext_lazy("Complaints awaiting my approval"), "warning"),
)


def complaint_tiles(user: User, now: Any = None) -> list[dict[str, Any]]:
    """The workbench's complaint tiles (one query for all the counts); none for a user who has no
    complaint in any of them and does not register complaints."""
    from .. import permissions, selectors

    now = now or timezone.now()
    # One count per tile (a tab's condition may follow a join, which an aggregate's filter cannot).
    visible = selectors.complaints_for_user(user)
    counts = {
        key: visible.filter(selectors.tab_q(key, user, now)).count() for key, _label, _tone in BENCH_TABS
    }
    if not any(counts.values()) and not permissions.may_take_complaints(user):
        return []
    return [
        {
            "key": key,
            "label": label,
            "count": counts.get(key, 0),
            "tone": tone if counts.get(key, 0) else "secondary",
            "url": f"{reverse('complaints:list')}?tab={key}",
        }
        for key, label, tone in BENCH_TABS
    ]
