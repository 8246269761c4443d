"""Public pages for customers, no login (mounted at /service/): submit a request, see its status.

The installation serves one organisation (``FUWU_ORGANISATION``, else the only one). These pages are
the one read of work orders that does not start from ``visibility.work_orders_for_user``: there is
no user. A customer sees a work order only with its number *and* the last four digits of the phone
given with it, and then only what concerns them in customer terms — no staff names, no address, no
description, nothing of other customers. A wrong number and wrong digits give the same answer.
Both pages are rate-limited per client IP address (settings ``FUWU_PUBLIC_*_RATE``); status look-ups
with wrong digits are also counted per work-order number, which is locked after too many
(``FUWU_PUBLIC_STATUS_NUMBER_*``).
"""

from __future__ import annotations

import hmac
import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu.approvals.models import ApprovalStatus
from fuwu.core.public import public_page, status_rate, submit_rate
from fuwu.customers.services import phone_digits
from fuwu.lib.errors import ValidationFailed
from fuwu.lib.throttle import FailureLimit
from fuwu.org.models import Organisation

from . import services
from .models import ApprovalKind, Channel, Clock, ClockKind, Status, WorkOrder
from .public_forms import PublicRequestForm, StatusLookupForm

SUBMITTED_SESSION_KEY = "fuwu_public_submitted"

# --- submit ---------------------------------------------------------------------------------

FORM_FIELD_OF = {"service_type_id": "service_type"}


def _add_service_errors(form: PublicRequestForm, error: ValidationFailed) -> None:
    """Each field error of the service on its form field (``photos[2]`` on ``photos``), else on the form."""
    for name, messages in error.fields.items():
        field = FORM_FIELD_OF.get(name, name.split(".")[0].split("[")[0])
        photo = re.fullmatch(r"photos\[(\d+)\]", name)
        for message in messages:
            if photo:  # say which of the pictures
                message = _("Photo %(n)s %(problem)s") % {"n": int(photo.group(1)) + 1, "problem": message}
            form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, str(error.message))


def _not_set_up(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return render(request, "public/not_set_up.html", {"organisation": organisation}, status=503)


@public_page(group="fuwu.public.submit", rate=submit_rate)
def submit(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    if services.intake_handler(organisation, timezone.now()) is None:
        return _not_set_up(request, organisation)  # say so before the customer fills in the form
    if request.method != "POST":
        form = PublicRequestForm(organisation)
        return render(request, "public/submit.html", {"organisation": organisation, "form": form})

    form = PublicRequestForm(organisation, request.POST, request.FILES)
    if form.is_bot:
        form.add_error(None, _("Your request could not be accepted. Please call us instead."))
        return render(request, "public/submit.html", {"organisation": organisation, "form": form}, status=400)
    if form.is_valid():
        data = form.cleaned_data
        try:
            work_order = services.work_order_create(
                organisation=organisation,
                by=None,
                channel=Channel.WEB,
                service_type=data["service_type"],
                description=data["description"],
                caller_name=data["caller_name"],
                caller_phone=data["caller_phone"],
                building=data["building"],
                unit=data["unit"],
                room=data["room"],
                address=data["address"],
                photos=data["photos"],
            )
        except ValidationFailed as error:
            if "first_contact_owner_id" in error.fields:  # nobody receives online requests
                return _not_set_up(request, organisation)
            _add_service_errors(form, error)
        else:
            request.session[SUBMITTED_SESSION_KEY] = work_order.number
            return redirect("public:submitted")
    return render(request, "public/submit.html", {"organisation": organisation, "form": form})


@public_page(group="fuwu.public.submitted")
def submitted(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The number just given, from this browser's session: nothing here for anyone else."""
    number = request.session.get(SUBMITTED_SESSION_KEY)
    if not number:
        return redirect("public:submit")
    return render(request, "public/submitted.html", {"organisation": organisation, "number": number})


# --- status ---------------------------------------------------------------------------------

# The status in the customer's terms (pauses and approvals waiting inside the company are "in progress":
# a refusal is only told once a head approved it, 红灯).
CUSTOMER_STATUS: dict[str, tuple[Promise, str]] = {
    Status.RECEIVED: (gettext_lazy("Received"), "secondary"),
    Status.ROUTED: (gettext_lazy("Received, being assigned"), "secondary"),
    Status.DISPATCHED: (gettext_lazy("Technician assigned"), "primary"),
    Status.ON_SITE: (gettext_lazy("Technician on site"), "primary"),
    Status.AWAITING_MATERIALS: (gettext_lazy("Waiting for materials from you"), "warning"),
    Status.AWAITING_APPROVAL: (gettext_lazy("In progress"), "primary"),
    # Translators: 暂缓办理 — told with the reason and the day from which it can be done, not a refusal.
    Status.DEFERRED: (gettext_lazy("Deferred"), "warning"),
    Status.DONE: (gettext_lazy("Work done"), "success"),
    Status.CONFIRMED: (gettext_lazy("Confirmed"), "success"),
    Status.VISITED: (gettext_lazy("Confirmed"), "success"),
    Status.CLOSED: (gettext_lazy("Closed"), "success"),
    Status.REJECTED: (gettext_lazy("Declined"), "danger"),
    Status.CANCELLED: (gettext_lazy("Cancelled"), "secondary"),
}

STEPS: list[tuple[str, Promise]] = [
    ("received_at", gettext_lazy("Received")),
    ("dispatched_at", gettext_lazy("Technician assigned")),
    ("arrived_at", gettext_lazy("Technician on site")),
    ("done_at", gettext_lazy("Work done")),
    ("confirmed_at", gettext_lazy("Confirmed by you")),
]
END_STEP: dict[str, Promise] = {
    Status.CLOSED: gettext_lazy("Closed"),
    Status.REJECTED: gettext_lazy("Declined"),
    Status.CANCELLED: gettext_lazy("Cancelled"),
}


@dataclass
class Step:
    label: str
    at: datetime | None
    is_done: bool
    is_negative: bool = False


@dataclass
class PublicStatus:
    """What a customer may see of their own work order: built here so a template cannot show more."""

    number: str
    status_label: str
    tone: str
    received_at: datetime
    service_type: str
    steps: list[Step]
    resolution_due: datetime | None = None
    missing_materials: list[str] = field(default_factory=list)
    answer: str = ""
    deferred_until: date | None = None  # deferred (暂缓办理): the day from which it can be done


def find_work_order(organisation: Organisation, number: str, phone_last_four: str) -> WorkOrder | None:
    """The work order with this number whose phone ends with these digits; None for any mismatch."""
    work_order = (
        WorkOrder.objects.filter(organisation=organisation, number=number)
        .select_related("service_type")
        .first()
    )
    expected = phone_digits(work_order.caller_phone)[-4:] if work_order is not None else ""
    matches = hmac.compare_digest(expected.encode(), phone_last_four.encode())
    return work_order if work_order is not None and matches else None


def steps_of(work_order: WorkOrder) -> list[Step]:
    """Received → technician assigned → on site → done → confirmed → closed, in customer terms."""
    reached = [
        Step(str(label), getattr(work_order, name), True)
        for name, label in STEPS
        if getattr(work_order, name) is not None
    ]
    if work_order.status in END_STEP:
        return [
            *reached,
            Step(
                str(END_STEP[work_order.status]),
                work_order.closed_at,
                True,
                is_negative=work_order.status != Status.CLOSED,
            ),
        ]
    last = max(
        (i for i, (name, _label) in enumerate(STEPS) if getattr(work_order, name) is not None), default=0
    )
    to_come = [Step(str(label), None, False) for _name, label in STEPS[last + 1 :]]
    return [*reached, *to_come, Step(str(END_STEP[Status.CLOSED]), None, False)]


def public_status(work_order: WorkOrder) -> PublicStatus:
    label, tone = CUSTOMER_STATUS[work_order.status]
    result = PublicStatus(
        number=work_order.number,
        status_label=str(label),
        tone=tone,
        received_at=work_order.received_at,
        service_type=work_order.service_type.name,
        steps=steps_of(work_order),
    )
    if work_order.is_open:
        clock = (
            Clock.objects.filter(
                work_order=work_order,
                kind=ClockKind.RESOLUTION,
                is_active=True,
                met_at__isnull=True,
                paused_at__isnull=True,
            )
            .order_by("due_at")
            .first()
        )
        result.resolution_due = clock.due_at if clock else None
    if work_order.status == Status.AWAITING_MATERIALS:
        result.missing_materials = list(
            work_order.materials.filter(is_required=True, is_received=False).values_list("name", flat=True)
        )
    if work_order.status in (Status.REJECTED, Status.DEFERRED):
        # The answer a head approved: the refusal, or why it cannot be done now (and from when it can).
        kind = ApprovalKind.REJECTION if work_order.status == Status.REJECTED else ApprovalKind.CANNOT_DO_NOW
        approval = (
            work_order.approvals.filter(kind=kind, status=ApprovalStatus.APPROVED)
            .order_by("-decided_at", "-id")
            .first()
        )
        result.answer = approval.answer if approval else ""
    if work_order.status == Status.DEFERRED:
        result.deferred_until = work_order.deferred_until
        if work_order.deferred_until is not None:
            result.status_label = _("Deferred until %(day)s") % {"day": work_order.deferred_until.isoformat()}
    return result


def number_lookup_limit() -> FailureLimit:
    """Wrong digits for one work-order number, counted from every address together: the IP limit
    alone would let many addresses share out the 10,000 combinations of one number's four digits.
    Numbers that do not exist are counted the same way, so a lock reveals nothing."""
    return FailureLimit(
        "public-status-number",
        settings.FUWU_PUBLIC_STATUS_NUMBER_FAILURES,
        settings.FUWU_PUBLIC_STATUS_NUMBER_WINDOW,
    )


@public_page(group="fuwu.public.status", rate=status_rate)
def status(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    context: dict[str, Any] = {"organisation": organisation, "result": None, "not_found": False}
    if request.method != "POST":
        context["form"] = StatusLookupForm(initial={"number": request.GET.get("number", "")[:40]})
        return render(request, "public/status.html", context)
    form = StatusLookupForm(request.POST)
    context["form"] = form
    if form.is_valid():
        number = form.cleaned_data["number"]
        limit, key = number_lookup_limit(), f"{organisation.pk}:{number}"
        wait = limit.retry_after(key)
        if wait:  # this number had too many wrong digits: even the right ones wait (whether it exists or not)
            context["locked_minutes"] = math.ceil(wait / 60)
            response = render(request, "public/status.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response
        work_order = find_work_order(organisation, number, form.cleaned_data["phone_last_four"])
        if work_order is None:
            limit.record_failure(key)
            context["not_found"] = True
        else:
            context["result"] = public_status(work_order)
            context["form"] = StatusLookupForm(initial={"number": work_order.number})
    return render(request, "public/status.html", context)
