"""Public complaint pages for customers, no login (mounted at /service/complaints/): make a complaint
(channel "web"), see the number, and look its status up later with the number and the last four
digits of the phone given with it.

They follow the public work-order pages (``fuwu.workorders.public_views``): the same organisation
(``FUWU_ORGANISATION``, else the only one), the same rate limits per client IP (settings
``FUWU_PUBLIC_*_RATE``, counted separately from the work-order pages), the honeypot against bots,
and wrong digits counted per complaint number (locked after ``FUWU_PUBLIC_STATUS_NUMBER_*``). A
customer sees only what concerns them in customer terms: the status, the steps reached, the reply
we gave them — no staff names, no departments, no internal notes, no penalties or costs.
"""

from __future__ import annotations

import hmac
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu.core.public import public_page, status_rate, submit_rate
from fuwu.customers.services import phone_digits
from fuwu.lib.errors import ValidationFailed
from fuwu.lib.throttle import FailureLimit
from fuwu.org.models import Organisation

from . import services
from .models import Channel, ClockKind, Complaint, ComplaintClock, Status
from .public_forms import ComplaintStatusForm, PublicComplaintForm

SUBMITTED_SESSION_KEY = "fuwu_public_complaint"


def _add_service_errors(form: PublicComplaintForm, error: ValidationFailed) -> None:
    for name, problems in error.fields.items():
        field = name.split(".")[0].split("[")[0]
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)
    if not error.fields:
        form.add_error(None, str(error.message))


def _not_set_up(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return render(request, "public/not_set_up.html", {"organisation": organisation}, status=503)


@public_page(group="fuwu.public.complaint", rate=submit_rate)
def submit(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    if request.method != "POST":
        form = PublicComplaintForm()
        return render(request, "complaints/public/submit.html", {"organisation": organisation, "form": form})
    form = PublicComplaintForm(request.POST)
    if form.is_bot:
        form.add_error(None, _("Your complaint could not be accepted. Please call us instead."))
        return render(
            request, "complaints/public/submit.html", {"organisation": organisation, "form": form}, status=400
        )
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            complaint = services.complaint_create(
                organisation=organisation,
                by=None,
                data=services.ComplaintInput(
                    channel=Channel.WEB,
                    subject=data["subject"],
                    description=data["description"],
                    object=data["object"],
                    demand=data["demand"],
                    caller_name=data["caller_name"],
                    caller_phone=data["caller_phone"],
                    address=data["address"],
                    identity_protected=data["identity_protected"],
                ),
            )
        except ValidationFailed as error:
            if "first_contact_owner_id" in error.fields:  # nobody receives online complaints
                return _not_set_up(request, organisation)
            _add_service_errors(form, error)
            status = 422
        else:
            request.session[SUBMITTED_SESSION_KEY] = complaint.number
            return redirect("public_complaints:complained")
    else:
        status = 422
    return render(
        request, "complaints/public/submit.html", {"organisation": organisation, "form": form}, status=status
    )


@public_page(group="fuwu.public.complained")
def submitted(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The number just given, from this browser's session: nothing here for anyone else."""
    number = request.session.get(SUBMITTED_SESSION_KEY)
    if not number:
        return redirect("public_complaints:complain")
    return render(
        request, "complaints/public/submitted.html", {"organisation": organisation, "number": number}
    )


# --- status ---------------------------------------------------------------------------------

# The status in the customer's terms: what happens inside the company reads "being handled".
CUSTOMER_STATUS: dict[str, tuple[Promise, str]] = {
    Status.RECEIVED: (gettext_lazy("Received"), "secondary"),
    Status.ACKNOWLEDGED: (gettext_lazy("Received, being looked into"), "secondary"),
    Status.INVESTIGATING: (gettext_lazy("Being handled"), "primary"),
    Status.REHANDLING: (gettext_lazy("Being handled again"), "warning"),
    Status.PLAN_PROPOSED: (gettext_lazy("Being handled"), "primary"),
    Status.PLANNED: (gettext_lazy("Being handled"), "primary"),
    Status.EXECUTED: (gettext_lazy("Being handled"), "primary"),
    Status.REPLIED: (gettext_lazy("Replied: we will ask whether you are satisfied"), "info"),
    Status.ANSWERED: (gettext_lazy("Replied"), "success"),
    Status.CLOSED: (gettext_lazy("Closed"), "success"),
    Status.ARCHIVED: (gettext_lazy("Closed"), "success"),
}

STEPS: list[tuple[str, Promise]] = [
    ("received_at", gettext_lazy("Received")),
    ("acknowledged_at", gettext_lazy("Acknowledged")),
    ("investigation_started_at", gettext_lazy("Being looked into")),
    ("replied_at", gettext_lazy("Replied to you")),
    ("closed_at", gettext_lazy("Closed")),
]


@dataclass
class Step:
    label: str
    at: datetime | None
    is_done: bool


@dataclass
class PublicComplaintStatus:
    """What a customer may see of their own complaint: built here so a template cannot show more."""

    number: str
    status_label: str
    tone: str
    received_at: datetime
    subject: str
    steps: list[Step]
    reply_due: datetime | None = None
    reply: str = ""
    merged: bool = False


def find_complaint(organisation: Organisation, number: str, phone_last_four: str) -> Complaint | None:
    """The complaint with this number whose phone ends with these digits; None for any mismatch."""
    complaint = Complaint.objects.filter(organisation=organisation, number=number).first()
    expected = phone_digits(complaint.caller_phone)[-4:] if complaint is not None else ""
    matches = bool(expected) and hmac.compare_digest(expected.encode(), phone_last_four.encode())
    return complaint if complaint is not None and matches else None


def public_status(complaint: Complaint) -> PublicComplaintStatus:
    """The complaint in customer terms; a merged complaint is told through the one it joined."""
    shown = complaint
    merged = False
    if complaint.status == Status.MERGED and complaint.merged_into_id is not None:
        shown = Complaint.objects.get(pk=complaint.merged_into_id)
        merged = True
    label, tone = CUSTOMER_STATUS.get(shown.status, (gettext_lazy("Being handled"), "primary"))
    steps = [
        Step(str(step_label), complaint.received_at if name == "received_at" else getattr(shown, name), True)
        for name, step_label in STEPS
        if (complaint.received_at if name == "received_at" else getattr(shown, name)) is not None
    ]
    reached = {s.label for s in steps}
    steps += [
        Step(str(step_label), None, False) for _name, step_label in STEPS if str(step_label) not in reached
    ]
    result = PublicComplaintStatus(
        number=complaint.number,
        status_label=str(label),
        tone=tone,
        received_at=complaint.received_at,
        subject=complaint.subject,
        steps=steps,
        merged=merged,
    )
    if shown.is_open and shown.replied_at is None:
        clock = (
            ComplaintClock.objects.filter(
                complaint=shown, kind=ClockKind.REPLY, is_active=True, met_at__isnull=True
            )
            .order_by("due_at")
            .first()
        )
        result.reply_due = clock.due_at if clock else None
    if shown.replied_at is not None:
        result.reply = shown.reply
    return result


def number_lookup_limit() -> FailureLimit:
    """Wrong digits for one complaint number, counted from every address together (numbers that do
    not exist are counted the same way, so a lock reveals nothing)."""
    return FailureLimit(
        "public-complaint-status-number",
        settings.FUWU_PUBLIC_STATUS_NUMBER_FAILURES,
        settings.FUWU_PUBLIC_STATUS_NUMBER_WINDOW,
    )


@public_page(group="fuwu.public.complaint_status", rate=status_rate)
def status(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    context: dict[str, Any] = {"organisation": organisation, "result": None, "not_found": False}
    template = "complaints/public/status.html"
    if request.method != "POST":
        context["form"] = ComplaintStatusForm(initial={"number": request.GET.get("number", "")[:40]})
        return render(request, template, context)
    form = ComplaintStatusForm(request.POST)
    context["form"] = form
    if form.is_valid():
        number = form.cleaned_data["number"]
        limit, key = number_lookup_limit(), f"{organisation.pk}:{number}"
        wait = limit.retry_after(key)
        if wait:
            context["locked_minutes"] = math.ceil(wait / 60)
            response = render(request, template, context, status=429)
            response["Retry-After"] = str(wait)
            return response
        complaint = find_complaint(organisation, number, form.cleaned_data["phone_last_four"])
        if complaint is None:
            limit.record_failure(key)
            context["not_found"] = True
        else:
            context["result"] = public_status(complaint)
            context["form"] = ComplaintStatusForm(initial={"number": complaint.number})
    return render(request, template, context)
