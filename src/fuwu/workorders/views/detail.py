"""The work order page: its state, timeline and clocks, and the forms of the actions the user may take."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu import visibility
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.catalogue.models import FeeItem
from fuwu.clocks.display import Calendars, clock_row, time_left
from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.forms import add_service_errors
from fuwu.org.models import Role, User
from fuwu.visibility import PhoneShown
from fuwu.workcal.selectors import work_calendar_for

from .. import approvals as wo_approvals
from .. import forms as wo_forms
from .. import rules, selectors, services
from ..models import FINISHED_STATUSES, ConfirmationMethod, Status, WorkOrder
from ..rules import Action
from .common import (
    ACTION_LABELS,
    BUTTON_ACTIONS,
    DANGER_ACTIONS,
    DEFERRAL_LABELS,
    PRIMARY_ACTIONS,
    PRIORITY_COLOURS,
    local_time,
    staff,
    status_colour,
)


@dataclass
class PaidServiceBanner:
    """What the people on a paid job see of its approval: waiting, approved (collect), denied (free)."""

    state: str
    tone: str
    text: str


def paid_service_banner(work_order: WorkOrder, policy: Any) -> PaidServiceBanner | None:
    """From the prefetched approvals: the paid-service decision that counts (the latest not withdrawn)."""
    decisions = [
        a
        for a in work_order.approvals.all()
        if a.kind == "paid_service" and a.status != ApprovalStatus.WITHDRAWN
    ]
    decision = max(decisions, key=lambda a: (a.requested_at, a.pk)) if decisions else None
    if decision is None:
        if work_order.is_paid:
            return PaidServiceBanner(
                "no_approval", "info", _("Paid service: collect the fees with an invoice or receipt number.")
            )
        return None
    if decision.status == ApprovalStatus.PENDING:
        return PaidServiceBanner(
            "pending",
            "warning",
            _(
                "Waiting for the department head's approval of the paid service (asked at %(time)s). Record the fees "
                "now; they can be collected once it is approved."
            )
            % {"time": local_time(decision.requested_at)},
        )
    name = decision.decided_by.display_name if decision.decided_by else "—"
    if decision.status == ApprovalStatus.APPROVED:
        return PaidServiceBanner(
            "approved",
            "success",
            _(
                "Paid service approved by %(name)s at %(time)s: collect the fees with an invoice or receipt number."
            )
            % {"name": name, "time": local_time(decision.decided_at)},
        )
    text = _("Paid service denied by %(name)s: the work is free of charge.") % {"name": name}
    if decision.decision_note:
        text += " " + decision.decision_note
    return PaidServiceBanner("denied", "secondary", text)


@dataclass
class ActionSpec:
    form: Callable[..., forms.Form]
    run: Callable[[HttpRequest, WorkOrder, Any], str]


@dataclass
class PageState:
    """What building the action forms of one work order needs, computed once."""

    work_order: WorkOrder
    user: User
    now: datetime
    _suggestions: list[selectors.Suggestion] | None = field(default=None)
    _policy: Any = None

    @property
    def suggestions(self) -> list[selectors.Suggestion]:
        if self._suggestions is None:
            self._suggestions = selectors.dispatch_suggestions(self.work_order, self.user, self.now)
        return self._suggestions

    @property
    def policy(self) -> Any:
        if self._policy is None:
            self._policy = services.policy_of(self.work_order)
        return self._policy


def pending_approval(work_order: WorkOrder, *kinds: str) -> Approval | None:
    """The pending approval of one of ``kinds`` (from the prefetched approvals when there are)."""
    return wo_approvals.pending_of(work_order, *kinds)


def complete_initial(work_order: WorkOrder) -> dict[str, Any]:
    """The warranty finding recorded on site, else "not applicable" for work on no product."""
    finding = work_order.warranty_finding or ("not_applicable" if work_order.product_id is None else "")
    return {"warranty_status": finding} if finding else {}


def complete_form_kwargs(work_order: WorkOrder, policy: Any) -> dict[str, Any]:
    service_type = work_order.service_type
    return {
        "readings": rules.report_readings(
            asks_running_hours=service_type.asks_running_hours,
            asks_mileage=service_type.asks_mileage,
            product=work_order.product,
        ),
        "min_photos": policy.service_report.min_photos,
    }


def _form_kwargs(action: Action, state: PageState) -> dict[str, Any]:
    wo = state.work_order
    match action:
        case Action.ROUTE:
            return {"user": state.user}
        case Action.DISPATCH:
            return {"suggestions": state.suggestions}
        case Action.NOTICE_MISSING | Action.MATERIALS_RECEIVED:
            return {"materials": list(wo.materials.all())}
        case Action.REQUEST_EXTENSION:
            return {"clock_kinds": [c.kind for c in wo.clocks.all() if c.is_active and c.met_at is None]}
        case Action.RECORD_FEE:
            return {"fee_items": FeeItem.objects.filter(service_type=wo.service_type_id)}
        case Action.COLLECT_FEE:
            return {"fee_lines": list(wo.fees.all())}
        case Action.REQUEST_REJECTION:
            return {
                "latest_deferral": rules.latest_deferral_day(
                    work_calendar_for(wo.organisation), state.now, state.policy
                )
            }
        case Action.APPROVE_REJECTION:
            request = pending_approval(wo, "cannot_do_now")
            return {
                "is_deferral": request is not None,
                "requested_day": wo_approvals.Details.of(request).deferred_until
                if request is not None
                else None,
            }
        case Action.COMPLETE:
            return complete_form_kwargs(wo, state.policy)
    return {}


def _initial(action: Action, wo: WorkOrder, now: datetime) -> dict[str, Any]:
    if action in (Action.COMPLETE, Action.RECORD_WARRANTY):
        return complete_initial(wo)
    if action == Action.CONFIRM:
        code_sent = wo.confirmation_codes.filter(used_at__isnull=True, expires_at__gt=now).exists()
        return {
            "confirmed_by_name": wo.caller_name,
            "method": ConfirmationMethod.SMS_CODE if code_sent else ConfirmationMethod.SIGNATURE,
        }
    return {}


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _run_route(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    services.work_order_route(
        work_order=wo, by=_user(request), department=data["department"], reason=data["reason"]
    )
    return _("Routed to %(department)s.") % {"department": data["department"].name}


def _run_dispatch(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    people = {
        p.pk: p
        for p in visibility.staff_for_user(_user(request)).filter(pk__in=[data["technician"], *data["team"]])
    }
    technician = people[data["technician"]]
    team = [people[pk] for pk in data["team"] if pk in people and pk != technician.pk]
    done = services.work_order_dispatch(
        work_order=wo, by=_user(request), technician=technician, team=team, reason=data["reason"]
    )
    if done.assignee is not None and done.assignee.pk != technician.pk:
        return _("%(name)s is absent: dispatched to %(handler)s instead (A/B).") % {
            "name": technician.display_name,
            "handler": done.assignee.display_name,
        }
    return _("Dispatched to %(name)s.") % {"name": technician.display_name}


def _run_simple(call: Callable[..., Any], message: Any) -> Callable[[HttpRequest, WorkOrder, Any], str]:
    def run(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
        call(work_order=wo, by=_user(request), **data)
        return str(message)

    return run


def _run_notice(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    extra = [line.strip() for line in (data["extra_items"] or "").splitlines() if line.strip()]
    notice = services.work_order_notice_missing(
        work_order=wo, by=_user(request), received=data["received"], extra_items=extra, reason=data["reason"]
    )
    return _("Notice sent to the customer: %(text)s") % {"text": notice.text}


def _run_reject_request(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    services.work_order_request_rejection(work_order=wo, by=_user(request), **data)
    return _("The refusal waits for the approver's decision; nothing has been sent to the customer.")


def _run_approve_rejection(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    done = services.work_order_approve_rejection(
        work_order=wo, by=_user(request), note=data["note"], deferred_until=data.get("deferred_until")
    )
    if done.status == Status.DEFERRED and done.deferred_until is not None:
        return _(
            "Deferral approved: the customer was told why, and that it can be done from %(day)s. "
            "The request stays open."
        ) % {"day": done.deferred_until.isoformat()}
    return _("Refusal approved: the answer was sent to the customer.")


def _run_deny_rejection(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    deferral = pending_approval(wo, "cannot_do_now") is not None
    services.work_order_deny_rejection(work_order=wo, by=_user(request), note=data["note"])
    return _("Deferral denied: the work goes on.") if deferral else _("Refusal denied: the work goes on.")


def _run_record_warranty(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    done = services.work_order_record_warranty(work_order=wo, by=_user(request), **data)
    if pending_approval(done, "paid_service") is not None:
        return _(
            "Warranty finding recorded: the work is paid. The department head was asked to approve the paid "
            "service; you can record the fees meanwhile."
        )
    if done.is_paid:
        return _("Warranty finding recorded: the work is paid.")
    return _("Warranty finding recorded: the work is free of charge.")


def _run_complete(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    values = dict(data)
    values["parts"] = _parts(values.pop("parts", ""))
    services.work_order_complete(work_order=wo, by=_user(request), **values)
    return _("Service report saved: the work is done. Now the customer confirms.")


def _parts(text: str) -> list[dict[str, str]]:
    parts = []
    for line in (text or "").splitlines():
        bits = [bit.strip() for bit in line.replace("，", ",").split(",")]
        if not any(bits):
            continue
        parts.append(
            {
                "name": bits[0],
                "model": bits[1] if len(bits) > 1 else "",
                "quantity": bits[2] if len(bits) > 2 and bits[2] else "1",
            }
        )
    return parts


def _run_send_code(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    phone = services.work_order_send_confirmation_code(work_order=wo, by=_user(request))
    return _("A confirmation code was sent by SMS to %(phone)s.") % {
        "phone": PhoneShown(_user(request))(phone)
    }


def _run_confirm(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    services.work_order_confirm(
        work_order=wo,
        by=_user(request),
        method=data["method"],
        confirmed_by_name=data["confirmed_by_name"],
        signature=data["signature"] if data["method"] == ConfirmationMethod.SIGNATURE else "",
        code=data["code"] if data["method"] == ConfirmationMethod.SMS_CODE else "",
        voucher=data["voucher"] if data["method"] == ConfirmationMethod.PAPER_VOUCHER else None,
        satisfied=data["satisfied"],
        comment=data["comment"],
    )
    return _("The customer's confirmation is recorded.")


def _run_record_fee(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    line = services.work_order_record_fee(work_order=wo, by=_user(request), **data)
    if line.is_collected:
        return _("Fee of ¥%(amount)s recorded and collected (receipt %(receipt)s).") % {
            "amount": line.amount,
            "receipt": line.receipt_number,
        }
    return _("Fee of ¥%(amount)s recorded, not collected yet.") % {"amount": line.amount}


def _run_collect_fee(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
    services.work_order_collect_fee(
        work_order=wo, by=_user(request), fee_line_id=data["fee_line"], receipt_number=data["receipt_number"]
    )
    return _("Fee collected.")


def _run_paid(approve: bool) -> Callable[[HttpRequest, WorkOrder, Any], str]:
    def run(request: HttpRequest, wo: WorkOrder, data: Any) -> str:
        services.work_order_decide_paid_service(
            work_order=wo, by=_user(request), approve=approve, note=data["note"]
        )
        return _("Paid service approved.") if approve else _("Paid service denied: no charge.")

    return run


F = wo_forms
ACTIONS: dict[Action, ActionSpec] = {
    Action.ROUTE: ActionSpec(F.RouteForm, _run_route),
    Action.DISPATCH: ActionSpec(F.DispatchForm, _run_dispatch),
    Action.ACCEPT: ActionSpec(
        F.EmptyForm, _run_simple(services.work_order_accept, gettext_lazy("Accepted."))
    ),
    Action.ARRIVE: ActionSpec(
        F.EmptyForm, _run_simple(services.work_order_arrive, gettext_lazy("Arrival on site recorded."))
    ),
    Action.REPLY: ActionSpec(
        F.ReplyForm, _run_simple(services.work_order_reply, gettext_lazy("The written reply was sent."))
    ),
    Action.NOTICE_MISSING: ActionSpec(F.NoticeForm, _run_notice),
    Action.MATERIALS_RECEIVED: ActionSpec(
        F.MaterialsReceivedForm,
        _run_simple(services.work_order_materials_received, gettext_lazy("Materials recorded.")),
    ),
    Action.REQUEST_REJECTION: ActionSpec(F.RejectionRequestForm, _run_reject_request),
    Action.APPROVE_REJECTION: ActionSpec(F.ApproveRejectionForm, _run_approve_rejection),
    Action.DENY_REJECTION: ActionSpec(F.RequiredNoteForm, _run_deny_rejection),
    Action.RESUME: ActionSpec(
        F.ReasonForm,
        _run_simple(
            services.work_order_resume,
            gettext_lazy(
                "Resumed: the work goes on where it was, its deadlines moved by the time it waited."
            ),
        ),
    ),
    Action.RECORD_WARRANTY: ActionSpec(F.RecordWarrantyForm, _run_record_warranty),
    Action.REQUEST_EXTENSION: ActionSpec(
        F.ExtensionRequestForm,
        _run_simple(services.work_order_request_extension, gettext_lazy("The extension waits for approval.")),
    ),
    Action.APPROVE_EXTENSION: ActionSpec(
        F.NoteForm,
        _run_simple(
            services.work_order_approve_extension, gettext_lazy("Extension approved: the deadline moved.")
        ),
    ),
    Action.DENY_EXTENSION: ActionSpec(
        F.NoteForm, _run_simple(services.work_order_deny_extension, gettext_lazy("Extension denied."))
    ),
    Action.COMPLETE: ActionSpec(F.CompleteForm, _run_complete),
    Action.SEND_CONFIRMATION_CODE: ActionSpec(F.EmptyForm, _run_send_code),
    Action.CONFIRM: ActionSpec(F.ConfirmForm, _run_confirm),
    Action.REFUSE_CONFIRMATION: ActionSpec(
        F.RefuseConfirmationForm,
        _run_simple(
            services.work_order_refuse_confirmation, gettext_lazy("The refusal went to the department head.")
        ),
    ),
    Action.RECORD_FEE: ActionSpec(F.RecordFeeForm, _run_record_fee),
    Action.COLLECT_FEE: ActionSpec(F.CollectFeeForm, _run_collect_fee),
    Action.APPROVE_PAID_SERVICE: ActionSpec(F.NoteForm, _run_paid(True)),
    Action.DENY_PAID_SERVICE: ActionSpec(F.NoteForm, _run_paid(False)),
    Action.CLOSE: ActionSpec(F.ReasonForm, _run_simple(services.work_order_close, gettext_lazy("Closed."))),
    Action.CANCEL: ActionSpec(
        F.RequiredReasonForm, _run_simple(services.work_order_cancel, gettext_lazy("Cancelled."))
    ),
    Action.REOPEN: ActionSpec(
        F.RequiredReasonForm,
        _run_simple(services.work_order_reopen, gettext_lazy("Reopened: back in the queue.")),
    ),
    Action.REMIND: ActionSpec(
        F.NoteForm, _run_simple(services.work_order_remind, gettext_lazy("Reminder sent."))
    ),
}


def _make_form(action: Action, state: PageState, data: Any = None, files: Any = None) -> forms.Form:
    spec = ACTIONS[action]
    kwargs = _form_kwargs(action, state)
    auto_id = f"id_{action.value.replace('-', '_')}_%s"
    if data is not None:
        return spec.form(data, files, auto_id=auto_id, **kwargs)
    return spec.form(auto_id=auto_id, initial=_initial(action, state.work_order, state.now), **kwargs)


def _renamed(error: BusinessError) -> BusinessError:
    """The service's field names as the form's (``service_type_id`` → ``service_type``)."""
    fields: dict[str, list[str]] = {}
    for name, problems in error.fields.items():
        base = name.split(".")[0].split("[")[0]
        fields.setdefault(wo_forms.SERVICE_FIELD_NAMES.get(base, base), []).extend(problems)
    return type(error)(error.message, fields=fields, extra=error.extra)


def _events(work_order: WorkOrder) -> list[Any]:
    """The timeline; the template shows it for the reader (fuwu.workorders.display)."""
    return list(selectors.timeline_of(work_order))


def _clock_rows(work_order: WorkOrder, now: datetime) -> list[dict[str, Any]]:
    """The active clocks as the deadlines table shows them (business time left computed with the
    years of the calendar concerned, calendar time for calendar clocks)."""
    calendars = Calendars(work_order.organisation)
    rows = []
    for state in selectors.clock_states(work_order, now=now):
        clock = state.clock
        remaining = None
        if clock.met_at is None:
            remaining = (
                time_left(clock, clock.paused_at or now, calendars)
                if rules.is_calendar_unit(clock.unit)
                else state.remaining_business_minutes
            )
        rows.append(clock_row(clock, now, remaining))
    return rows


def _detail_context(
    request: HttpRequest,
    work_order: WorkOrder,
    *,
    bound: tuple[Action, forms.Form] | None = None,
    allowed: list[Action] | None = None,
) -> dict[str, Any]:
    """``allowed``: the actions already computed for this work order in this request, if any."""
    user = staff(request)
    now = timezone.now()
    policy = services.policy_of(work_order)
    if allowed is None:
        allowed = services.allowed_actions(user, work_order, policy)
    state = PageState(work_order=work_order, user=user, now=now)
    shown = PhoneShown(user)
    action_forms = []
    deferral = pending_approval(work_order, "cannot_do_now") is not None
    for action in allowed:
        form = bound[1] if bound and bound[0] == action else _make_form(action, state)
        action_forms.append(
            {
                "action": action.value,
                "label": DEFERRAL_LABELS.get(action, ACTION_LABELS[action])
                if deferral
                else ACTION_LABELS[action],
                "form": form,
                "url": reverse("workorders:action", args=[work_order.pk, action.value]),
                "button_only": action in BUTTON_ACTIONS,
                "style": "danger"
                if action in DANGER_ACTIONS
                else "primary"
                if action in PRIMARY_ACTIONS
                else "secondary",
                "open": bool(bound and bound[0] == action),
            }
        )
    team = list(work_order.team.all())
    photos = list(work_order.photos.all())
    # each report with the photos taken with it, shown together
    reports = [
        (report, [p for p in photos if p.report_id == report.pk]) for report in work_order.reports.all()
    ]
    sla = policy.sla.classes.get(work_order.sla_class)
    return {
        "wo": work_order,
        "sla_label": getattr(sla, "label", "") or work_order.sla_class,
        "status_colour": status_colour(work_order.status),
        "priority_colour": PRIORITY_COLOURS.get(work_order.priority, "secondary"),
        "phone": shown(work_order.caller_phone),
        "clocks": _clock_rows(work_order, now),
        "team": team,
        "materials": list(work_order.materials.all()),
        "notices": list(work_order.notices.all()),
        "approvals": list(work_order.approvals.all()),
        "reports": reports,
        "confirmations": list(work_order.confirmations.all()),
        "fees": list(work_order.fees.all()),
        "photos": [p for p in photos if p.report_id is None],
        "escalations": [
            {"escalation": e, "role": Role(e.role).label if e.role in Role.values else e.role}
            for e in work_order.escalations.select_related("clock")
        ],
        "events": _events(work_order),
        "action_forms": action_forms,
        "allowed": [a.value for a in allowed],
        "suggestions": state._suggestions,
        "is_finished": work_order.status in FINISHED_STATUSES,
        "paid_service": paid_service_banner(work_order, policy),
    }


def _get(request: HttpRequest, pk: int) -> WorkOrder:
    return selectors.work_order_get(user=staff(request), pk=pk)


@login_required
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = _get(request, pk)
    return render(request, "workorders/detail.html", _detail_context(request, work_order))


def _next_url(request: HttpRequest) -> str | None:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
def work_order_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one action through its service. The state is checked before the input: a request for an
    action the work order's state does not allow answers 409, one the role does not allow 403."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    work_order = _get(request, pk)
    try:
        verb = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    user = staff(request)
    # Computed once for the request: what the page offers, and what it shows again if refused.
    allowed = services.allowed_actions(user, work_order)
    if verb not in allowed:
        # The page answers before reading the input; taking the action is the service's check.
        error: BusinessError
        if verb not in rules.actions_in_state(services.facts_of(work_order)):
            error = ConflictError(
                _("“%(action)s” is not possible while the work order is %(status)s.")
                % {"action": ACTION_LABELS[verb], "status": work_order.get_status_display()},
                extra={"allowed_actions": [a.value for a in allowed]},
            )
        else:
            error = PermissionDeniedError(
                _("Your role does not allow “%(action)s” on this work order.")
                % {"action": ACTION_LABELS[verb]}
            )
        return _refused(request, work_order, error, allowed)
    state = PageState(work_order=work_order, user=user, now=timezone.now())
    form = _make_form(verb, state, request.POST, request.FILES)
    if form.is_valid():
        try:
            message = ACTIONS[verb].run(request, work_order, form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, _renamed(exc))
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused(request, _get(request, pk), exc)
        else:
            # Back to the card the action was taken from: the technician's card of this work order
            # (``next`` ends in ``#wo-<id>``, the message is shown in it), else the actions card.
            target = _next_url(request)
            fragment = target.partition("#")[2] if target else ""
            messages.success(request, message, extra_tags=fragment if fragment == f"wo-{pk}" else "")
            detail = reverse("workorders:detail", args=[pk])
            if verb == Action.SEND_CONFIRMATION_CODE:  # back to the confirmation form, to type the code
                detail += "#action-confirm"
            else:
                detail += "#actions"
            return redirect(target or detail)
    # Nothing changed (the input was refused): the same work order and actions, with the form's errors.
    context = _detail_context(request, work_order, bound=(verb, form), allowed=allowed)
    return render(request, "workorders/detail.html", context, status=422)


def _refused(
    request: HttpRequest, work_order: WorkOrder, error: BusinessError, allowed: list[Action] | None = None
) -> HttpResponse:
    messages.error(request, str(error.message))
    context = _detail_context(request, work_order, allowed=allowed)
    return render(request, "workorders/detail.html", context, status=error.status)
