"""What every work-order page shows the same way: labels, colours, times, the user and their organisation."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import Http404, HttpRequest
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy

from fuwu import visibility
from fuwu.org.models import Organisation, User

from .. import display
from ..models import Status
from ..rules import Action

ACTION_LABELS: dict[Action, Any] = {
    Action.ROUTE: gettext_lazy("Route to a department"),
    Action.DISPATCH: gettext_lazy("Dispatch"),
    Action.ACCEPT: gettext_lazy("Accept"),
    Action.ARRIVE: gettext_lazy("Arrived on site"),
    Action.REPLY: gettext_lazy("Written reply"),
    Action.NOTICE_MISSING: gettext_lazy("One-time notice of missing materials"),
    Action.MATERIALS_RECEIVED: gettext_lazy("Materials received"),
    Action.REQUEST_REJECTION: gettext_lazy("Request a refusal or a deferral (red light)"),
    Action.APPROVE_REJECTION: gettext_lazy("Approve the refusal"),
    Action.DENY_REJECTION: gettext_lazy("Deny the refusal"),
    Action.RESUME: gettext_lazy("Resume the work now"),
    Action.RECORD_WARRANTY: gettext_lazy("Record the warranty finding"),
    Action.REQUEST_EXTENSION: gettext_lazy("Request a deadline extension"),
    Action.APPROVE_EXTENSION: gettext_lazy("Approve the extension"),
    Action.DENY_EXTENSION: gettext_lazy("Deny the extension"),
    Action.COMPLETE: gettext_lazy("Complete with service report"),
    Action.SEND_CONFIRMATION_CODE: gettext_lazy("Send SMS code"),
    Action.CONFIRM: gettext_lazy("Customer confirmation"),
    Action.REFUSE_CONFIRMATION: gettext_lazy("Customer refuses to confirm"),
    Action.RECORD_FEE: gettext_lazy("Record a fee"),
    Action.COLLECT_FEE: gettext_lazy("Collect a fee"),
    Action.APPROVE_PAID_SERVICE: gettext_lazy("Approve the paid service"),
    Action.DENY_PAID_SERVICE: gettext_lazy("Deny the paid service"),
    Action.CLOSE: gettext_lazy("Close"),
    Action.CANCEL: gettext_lazy("Cancel the work order"),
    Action.REOPEN: gettext_lazy("Reopen (re-handle)"),
    Action.REMIND: gettext_lazy("Send a reminder"),
}

EVENT_LABELS = display.EVENT_LABELS  # the timeline's action labels live with the other display rules

STATUS_COLOURS = {
    Status.RECEIVED: "secondary",
    Status.ROUTED: "info",
    Status.DISPATCHED: "primary",
    Status.ON_SITE: "primary",
    Status.AWAITING_MATERIALS: "warning",
    Status.AWAITING_APPROVAL: "danger",
    Status.DEFERRED: "warning",
    Status.DONE: "success",
    Status.CONFIRMED: "success",
    Status.VISITED: "success",
    Status.CLOSED: "dark",
    Status.REJECTED: "dark",
    Status.CANCELLED: "light",
}
PRIORITY_COLOURS = {"low": "light", "normal": "secondary", "high": "warning", "urgent": "danger"}

# The head's buttons on a "cannot be done now" (暂缓办理): a deferral, not a refusal.
DEFERRAL_LABELS: dict[Action, Any] = {
    # Translators: 批准暂缓
    Action.APPROVE_REJECTION: gettext_lazy("Approve the deferral"),
    # Translators: 不批准
    Action.DENY_REJECTION: gettext_lazy("Do not approve the deferral"),
}

# Actions taken with one button (no input); the others get a small form.
BUTTON_ACTIONS = {Action.ACCEPT, Action.ARRIVE, Action.SEND_CONFIRMATION_CODE}
DANGER_ACTIONS = {
    Action.REQUEST_REJECTION,
    Action.APPROVE_REJECTION,
    Action.CANCEL,
    Action.DENY_PAID_SERVICE,
    Action.REFUSE_CONFIRMATION,
}
PRIMARY_ACTIONS = {
    Action.DISPATCH,
    Action.ACCEPT,
    Action.ARRIVE,
    Action.COMPLETE,
    Action.CONFIRM,
    Action.APPROVE_REJECTION,
    Action.APPROVE_EXTENSION,
    Action.APPROVE_PAID_SERVICE,
    Action.MATERIALS_RECEIVED,
    Action.CLOSE,
}


def staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_staff_member(user):
        raise Http404
    return user


def organisation_of(user: User) -> Organisation:
    if user.organisation is None:  # staff members have one (``staff`` checked it)
        raise Http404
    return user.organisation


def department_path(user: User) -> str | None:
    return user.department.path if user.department is not None else None


def status_colour(status: str) -> str:
    return STATUS_COLOURS.get(Status(status), "secondary") if status in Status.values else "secondary"


def local_time(moment: datetime | None) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else ""
