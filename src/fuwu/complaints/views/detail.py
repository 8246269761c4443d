"""The complaint page: status, classification, deadlines, callers, answers, costs, penalties, the
timeline, and a form for each action the user may take now (exactly ``services.allowed_actions``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu.capa.permissions import may_raise as may_raise_capa
from fuwu.clocks.display import Calendars, clock_row, time_left
from fuwu.lib.display import money
from fuwu.lib.errors import (
    BusinessError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from fuwu.lib.forms import add_service_errors
from fuwu.org.models import Role, User
from fuwu.timeline.selectors import events_for
from fuwu.visibility import PhoneShown

from .. import forms as cp_forms
from .. import rules, selectors, services
from ..models import Complaint, CostStatus, Status
from ..permissions import severity_level
from ..rules import Action
from .common import (
    ACTION_LABELS,
    BUTTON_ACTIONS,
    DANGER_ACTIONS,
    PRIMARY_ACTIONS,
    complainant,
    staff,
    status_colour,
    url_or_empty,
)

Run = Callable[[User, Complaint, dict[str, Any]], str]


@dataclass
class ActionSpec:
    form: Callable[..., forms.Form]
    run: Run


@dataclass
class PageState:
    complaint: Complaint
    user: User
    policy: Any


def _yes(value: str) -> bool:
    return value == "yes"


def _simple(call_name: str, message: Any, **renamed: str) -> Run:
    """Call ``services.<call_name>(complaint, by=user, **data)``; ``renamed`` maps form → service names."""

    def run(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
        values = {renamed.get(name, name): value for name, value in data.items()}
        getattr(services, call_name)(complaint, by=user, **values)
        return str(message)

    return run


def _run_assess(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    done = services.complaint_assess(
        complaint,
        by=user,
        validity=data["validity"],
        object=data["object"],
        cause_type=data["cause_type"],
        severity=data["severity"],
        note=data["note"],
    )
    if done.validity == "invalid":
        return _("Assessed as invalid: it is still answered and explained to the customer.")
    return _("Assessment recorded.")


def _run_responsibility(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    people = list(data["persons"])
    services.complaint_assign_responsibility(
        complaint,
        by=user,
        cause=data["cause"],
        department_id=data["department"].pk,
        person_ids=[p.pk for p in people],
    )
    if people:
        return _("Responsibility recorded: %(department)s, %(people)s.") % {
            "department": data["department"].name,
            "people": "、".join(p.display_name for p in people),
        }
    return _("Responsibility recorded: %(department)s.") % {"department": data["department"].name}


def _run_plan(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    done = services.complaint_propose_plan(complaint, by=user, plan=data["plan"])
    if done.status == Status.PLAN_PROPOSED:
        return _("The plan waits for approval.")
    return _("Plan recorded: carry it out.")


def _run_decide_plan(approved: bool) -> Run:
    def run(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
        services.complaint_decide_plan(complaint, by=user, approved=approved, note=data["note"])
        return _("Plan approved: it can be carried out.") if approved else _("Plan sent back.")

    return run


def _run_decide_extension(approved: bool) -> Run:
    def run(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
        services.complaint_decide_extension(complaint, by=user, approved=approved, note=data["note"])
        return _("Extension approved: the deadline moved.") if approved else _("Extension denied.")

    return run


def _run_answer(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_record_answer(
        complaint, by=user, outcome=data["outcome"], method=data["method"], comment=data["comment"]
    )
    if data["outcome"] == "unsatisfied":
        return _("The customer is not satisfied: the complaint goes back for re-handling.")
    if data["outcome"] == "unreachable":
        return _("The failed attempt to reach the customer is counted.")
    return _("The customer is satisfied: the complaint can be closed.")


def _run_classify(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_classify_answer(
        complaint, by=user, reasonable=_yes(data["reasonable"]), reason=data["reason"]
    )
    return _("Classification recorded.")


def _run_reassign(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    services.complaint_reassign(
        complaint,
        by=user,
        department_id=data["department"].pk,
        handler_id=data["handler"].pk if data.get("handler") else None,
        reason=data["reason"],
    )
    return _("Reassigned to %(department)s.") % {"department": data["department"].name}


def _run_merge(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    into = selectors.complaints_for_user(user).filter(number=data["into"]).exclude(pk=complaint.pk).first()
    if into is None:
        raise ValidationFailed(
            _("No such complaint."), fields={"into": [_("No open complaint you can see has this number.")]}
        )
    services.complaint_merge(complaint, by=user, into=into, reason=data["reason"])
    return _("Merged into %(number)s: its callers are answered with it.") % {"number": into.number}


def _run_add_cost(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    cost = services.complaint_add_cost(
        complaint,
        by=user,
        kind=data["kind"],
        amount=data["amount"],
        description=data["description"],
        department_id=data["department"].pk if data.get("department") else None,
    )
    return _("Cost of %(amount)s recorded; finance verifies it.") % {"amount": money(cost.amount)}


def _run_verify_cost(user: User, complaint: Complaint, data: dict[str, Any]) -> str:
    cost = complaint.costs.filter(pk=data["cost"], status=CostStatus.RECORDED).first()
    if cost is None:
        raise ValidationFailed(
            _("No such cost."), fields={"cost": [_("This cost is not awaiting verification.")]}
        )
    approved = _yes(data["approved"])
    services.complaint_verify_cost(
        cost,
        by=user,
        approved=approved,
        department_id=data["department"].pk if data.get("department") else None,
        note=data["note"],
    )
    return _("Cost verified.") if approved else _("Cost rejected.")


F = cp_forms
ACTIONS: dict[Action, ActionSpec] = {
    Action.ACKNOWLEDGE: ActionSpec(
        F.NoteForm, _simple("complaint_acknowledge", gettext_lazy("Receipt acknowledged."))
    ),
    Action.ASSESS: ActionSpec(F.AssessForm, _run_assess),
    Action.START_INVESTIGATION: ActionSpec(
        F.NoteForm, _simple("complaint_start_investigation", gettext_lazy("Investigation started."))
    ),
    Action.ASSIGN_RESPONSIBILITY: ActionSpec(F.ResponsibilityForm, _run_responsibility),
    Action.PROPOSE_PLAN: ActionSpec(F.PlanForm, _run_plan),
    Action.APPROVE_PLAN: ActionSpec(F.NoteForm, _run_decide_plan(True)),
    Action.DENY_PLAN: ActionSpec(F.RequiredNoteForm, _run_decide_plan(False)),
    Action.REQUEST_EXTENSION: ActionSpec(
        F.ExtensionRequestForm,
        _simple("complaint_request_extension", gettext_lazy("The extension waits for approval.")),
    ),
    Action.APPROVE_EXTENSION: ActionSpec(F.NoteForm, _run_decide_extension(True)),
    Action.DENY_EXTENSION: ActionSpec(F.NoteForm, _run_decide_extension(False)),
    Action.EXECUTE: ActionSpec(
        F.ExecuteForm, _simple("complaint_execute", gettext_lazy("Recorded: now reply to the customer."))
    ),
    Action.REPLY: ActionSpec(
        F.ReplyForm,
        _simple("complaint_reply", gettext_lazy("Reply recorded: the return visit is due within the week.")),
    ),
    Action.RECORD_CUSTOMER_ANSWER: ActionSpec(F.AnswerForm, _run_answer),
    Action.CLASSIFY_ANSWER: ActionSpec(F.ClassifyAnswerForm, _run_classify),
    Action.REOPEN: ActionSpec(
        F.ReasonForm, _simple("complaint_reopen", gettext_lazy("Reopened for re-handling."))
    ),
    Action.RETURN: ActionSpec(
        F.ReasonForm, _simple("complaint_return", gettext_lazy("Returned: it waits to be routed again."))
    ),
    Action.REASSIGN: ActionSpec(F.ReassignForm, _run_reassign),
    Action.MERGE: ActionSpec(F.MergeForm, _run_merge),
    Action.REMIND: ActionSpec(F.NoteForm, _simple("complaint_remind", gettext_lazy("Reminder sent."))),
    Action.CLOSE: ActionSpec(F.NoteForm, _simple("complaint_close", gettext_lazy("Closed."))),
    Action.ARCHIVE: ActionSpec(F.EmptyForm, _simple("complaint_archive", gettext_lazy("Archived."))),
    Action.ADD_COST: ActionSpec(F.AddCostForm, _run_add_cost),
    Action.VERIFY_COST: ActionSpec(F.VerifyCostForm, _run_verify_cost),
}


def _form_kwargs(action: Action, state: PageState) -> dict[str, Any]:
    complaint = state.complaint
    match action:
        case Action.ASSESS:
            return {"policy": state.policy}
        case Action.ASSIGN_RESPONSIBILITY | Action.REASSIGN | Action.ADD_COST:
            return {"user": state.user}
        case Action.REQUEST_EXTENSION:
            return {
                "clock_kinds": [c.kind for c in complaint.clocks.all() if c.is_active and c.met_at is None]
            }
        case Action.VERIFY_COST:
            return {
                "user": state.user,
                "costs": [c for c in complaint.costs.all() if c.status == CostStatus.RECORDED],
            }
    return {}


def _initial(action: Action, complaint: Complaint) -> dict[str, Any]:
    match action:
        case Action.ASSESS:
            return {
                "object": complaint.object,
                "severity": complaint.severity,
                "cause_type": complaint.cause_type,
                "validity": complaint.validity if complaint.validity != "pending" else "valid",
            }
        case Action.ASSIGN_RESPONSIBILITY:
            return {
                "cause": complaint.cause,
                "department": complaint.responsible_department_id or complaint.department_id,
                "persons": [p.pk for p in complaint.responsible_people.all()],
            }
        case Action.PROPOSE_PLAN:
            return {"plan": complaint.plan}
        case Action.REASSIGN:
            return {"department": complaint.department_id}
    return {}


def _make_form(action: Action, state: PageState, data: Any = None) -> forms.Form:
    spec = ACTIONS[action]
    kwargs = _form_kwargs(action, state)
    auto_id = f"id_{action.value.replace('-', '_')}_%s"
    if data is not None:
        return spec.form(data, auto_id=auto_id, **kwargs)
    return spec.form(auto_id=auto_id, initial=_initial(action, state.complaint), **kwargs)


def _renamed(error: BusinessError) -> BusinessError:
    """The service's field names as the form's (``department_id`` → ``department``)."""
    fields: dict[str, list[str]] = {}
    for name, problems in error.fields.items():
        base = name.split(".")[0].split("[")[0]
        fields.setdefault(cp_forms.SERVICE_FIELD_NAMES.get(base, base), []).extend(problems)
    return type(error)(error.message, fields=fields, extra=error.extra)


def clock_rows(complaint: Complaint, now: datetime) -> list[dict[str, Any]]:
    """Each deadline as people read it: due when, met in time or late, not needed, running,
    overdue, time left."""
    calendars = Calendars(complaint.organisation)
    rows = []
    for clock in sorted(complaint.clocks.all(), key=lambda c: (c.started_at, c.pk)):
        running = clock.is_active and clock.met_at is None
        remaining = time_left(clock, clock.paused_at or now, calendars) if running else None
        rows.append(clock_row(clock, now, remaining))
    return rows


def severity_label(policy: Any, code: str) -> str:
    level = severity_level(policy, code)
    return str(level.label) if level is not None else (code or "—")


def detail_context(
    request: HttpRequest,
    complaint: Complaint,
    *,
    bound: tuple[Action, forms.Form] | None = None,
    allowed: list[Action] | None = None,
) -> dict[str, Any]:
    user = staff(request)
    now = timezone.now()
    policy = services.policy_of(complaint)
    if allowed is None:
        allowed = services.allowed_actions(user, complaint, policy)
    state = PageState(complaint=complaint, user=user, policy=policy)
    action_forms = []
    for action in allowed:
        form = bound[1] if bound and bound[0] == action else _make_form(action, state)
        action_forms.append(
            {
                "action": action.value,
                "label": ACTION_LABELS[action],
                "form": form,
                "url": reverse("complaints:action", args=[complaint.pk, action.value]),
                "button_only": action in BUTTON_ACTIONS,
                "style": "danger"
                if action in DANGER_ACTIONS
                else "primary"
                if action in PRIMARY_ACTIONS
                else "secondary",
                "open": bool(bound and bound[0] == action),
            }
        )
    shown = PhoneShown(user)
    name, phone = complainant(user, complaint, shown)
    protected = not selectors.shows_identity(user, complaint)
    callers = [
        {
            "caller": caller,
            "name": str(_("(identity protected)")) if protected else caller.name,
            "phone": "" if protected else shown(caller.phone),
        }
        for caller in complaint.callers.all()
    ]
    penalties = list(complaint.penalties.all())  # only those the user may see (the selector's prefetch)
    return {
        "c": complaint,
        "status_colour": status_colour(complaint.status),
        "severity_label": severity_label(policy, complaint.severity),
        "handler_role_label": Role(complaint.handler_role).label
        if complaint.handler_role in Role.values
        else "—",
        "name": name,
        "phone": phone,
        "identity_shown": not protected,
        "callers": callers,
        "clocks": clock_rows(complaint, now),
        "answers": list(complaint.answers.all()),
        "costs": list(complaint.costs.all()),
        "penalties": penalties,
        "responsible_people": list(complaint.responsible_people.all()),
        "approvals": list(complaint.approvals.all()),
        "events": list(events_for(complaint)),
        "action_forms": action_forms,
        "allowed": [a.value for a in allowed],
        "is_open": complaint.is_open,
        "pdf_url": url_or_empty("complaints:pdf", complaint.pk),
        # A corrective action (纠正措施) raised from this complaint, for those who raise them.
        "capa_url": (
            reverse("capa:create") + f"?source=complaints.complaint:{complaint.pk}"
            if may_raise_capa(user)
            else ""
        ),
    }


def _get(request: HttpRequest, pk: int) -> Complaint:
    return selectors.complaint_detail(staff(request), pk)


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = _get(request, pk)
    return render(request, "complaints/detail.html", detail_context(request, complaint))


@login_required
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one action through its service. The state is checked before the input: an action the
    complaint's state does not allow answers 409, one the role does not allow 403."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    complaint = _get(request, pk)
    try:
        verb = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    user = staff(request)
    policy = services.policy_of(complaint)
    allowed = services.allowed_actions(user, complaint, policy)
    if verb not in allowed:
        error: BusinessError
        if verb not in rules.actions_in_state(services.facts_of(complaint, policy)):
            error = ConflictError(
                _("“%(action)s” is not possible while the complaint is %(status)s.")
                % {"action": ACTION_LABELS[verb], "status": complaint.get_status_display()},
                extra={"allowed_actions": [a.value for a in allowed]},
            )
        else:
            error = PermissionDeniedError(
                _("Your role does not allow “%(action)s” on this complaint.")
                % {"action": ACTION_LABELS[verb]}
            )
        return _refused(request, complaint, error, allowed)
    state = PageState(complaint=complaint, user=user, policy=policy)
    form = _make_form(verb, state, request.POST)
    if form.is_valid():
        try:
            message = ACTIONS[verb].run(user, complaint, dict(form.cleaned_data))
        except (ValidationFailed, NotFoundError) as exc:
            add_service_errors(form, _renamed(exc))
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused(request, _get(request, pk), exc)
        else:
            messages.success(request, message)
            if not selectors.complaints_for_user(user).filter(pk=pk).exists():
                # returned or reassigned away from the user's departments: back to their list
                return redirect("complaints:list")
            return redirect(reverse("complaints:detail", args=[pk]) + "#actions")
    context = detail_context(request, complaint, bound=(verb, form), allowed=allowed)
    return render(request, "complaints/detail.html", context, status=422)


def _refused(
    request: HttpRequest, complaint: Complaint, error: BusinessError, allowed: list[Action] | None = None
) -> HttpResponse:
    messages.error(request, str(error.message))
    context = detail_context(request, complaint, allowed=allowed)
    return render(request, "complaints/detail.html", context, status=error.status)
