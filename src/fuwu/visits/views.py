"""Staff pages of return visits: the agent's day (the visits due today in call order), the visits
given to the reader and all they see; one visit with its call script, the questionnaire, the
customer's history and the actions; and the month's samples with their audit.

Reads go through ``selectors`` (the visibility rules: a visit outside them answers 404); every
change goes through one service function. A page offers exactly the actions
``services.allowed_actions`` returns; a forged request for another gets the service's answer (409
for the state, 403 for the person) as a message on the page.

The person who makes the call sees the customer's number whole on the visit (they are to dial
it); everybody else sees it as the policy's masking rule says.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu import visibility
from fuwu.lib.display import system_text
from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import parse_id
from fuwu.lib.paging import page_rows
from fuwu.org.models import Role, User
from fuwu.timeline.selectors import events_for

from . import forms as visit_forms
from . import selectors, services
from .display import ON_SITE_RULES, answer_label, planned_what, question_label
from .models import Status, Visit
from .permissions import VisitAction, is_rated, may, may_draw_samples
from .presenting import samples_audit, seen_subjects, survey_links
from .script import call_script
from .services.context import policy_of_subject, questionnaire_of
from .services.sampling import last_month

PAGE_SIZE = 25
TABS = ("today", "mine", "all")

ACTION_LABELS: dict[VisitAction, Any] = {
    VisitAction.RECORD_ANSWER: gettext_lazy("Record the answers"),
    VisitAction.ATTEMPT: gettext_lazy("No answer / call me later"),
    VisitAction.SEND_SURVEY: gettext_lazy("Send the survey link"),
    VisitAction.RESCHEDULE: gettext_lazy("Move to another time"),
    VisitAction.REASSIGN: gettext_lazy("Give to someone else"),
    VisitAction.CANCEL: gettext_lazy("Cancel the visit"),
}
# A survey link's state, as the page says it (``presenting.link_state``'s codes).
LINK_STATES = {
    "open": gettext_lazy("open"),
    "answered": gettext_lazy("answered"),
    "revoked": gettext_lazy("no longer valid"),
    "expired": gettext_lazy("expired"),
}
STATUS_COLOURS: dict[str, str] = {
    Status.DUE: "primary",
    Status.DONE: "success",
    Status.UNREACHABLE: "warning",
    Status.CANCELLED: "light",
}
RELATED = (
    "work_order__service_type",
    "complaint",
    "agreement",
    "product",
    "campaign",
    "customer",
    "department",
    "visitor",
    "organisation",
)


def staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_staff_member(user):
        raise Http404
    return user


def _page(request: HttpRequest) -> int:
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    return min(max(1, page), 4000)


# --- lists --------------------------------------------------------------------------------------


def _subject_links(user: User, visits: list[Visit]) -> tuple[set[int], set[int]]:
    """The work orders and complaints of ``visits`` the reader may open (two queries at most)."""
    return seen_subjects(user, visits)


def _subject_of(visit: Visit, seen: tuple[set[int], set[int]]) -> dict[str, Any]:
    """What a visit is about, as a label and (when the reader may open it) a link."""
    if visit.work_order_id:
        assert visit.work_order is not None
        wo = visit.work_order
        return {
            "number": wo.number,
            "what": wo.service_type.name if wo.service_type_id else "",
            "url": reverse("workorders:detail", args=[wo.pk]) if wo.pk in seen[0] else None,
        }
    if visit.complaint_id:
        assert visit.complaint is not None
        c = visit.complaint
        return {
            "number": c.number,
            "what": _("complaint"),
            "url": reverse("complaints:detail", args=[c.pk]) if c.pk in seen[1] else None,
        }
    return {"number": visit.get_reason_display(), "what": planned_what(visit), "url": None}


def visit_rows(user: User, visits: list[Visit], now: datetime) -> list[dict[str, Any]]:
    shown = visibility.PhoneShown(user)
    seen = _subject_links(user, visits)
    roles = dict(Role.choices)
    return [
        {
            "visit": v,
            "subject": _subject_of(v, seen),
            "phone": shown(v.contact_phone, whole=may(user, VisitAction.ATTEMPT, v)),
            "calls": may(user, VisitAction.ATTEMPT, v),
            "colour": STATUS_COLOURS.get(v.status, "secondary"),
            "overdue": v.status == Status.DUE and v.due_at < now,
            "on_site": bool(v.on_site_reasons),
            "role": roles.get(v.visitor_role, v.visitor_role),
        }
        for v in visits
    ]


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """``?tab=today`` (the default): the reader's calls for today, the earliest first;
    ``mine``: the visits given to them; ``all``: every visit they see, the newest first."""
    user = staff(request)
    now = timezone.now()
    tab = request.GET.get("tab", "today")
    if tab not in TABS:
        tab = "today"
    visits = selectors.visits_for_user(user)
    if tab == "today":
        visits = selectors.due_for(user, now, visits)
    elif tab == "mine":
        visits = visits.filter(visitor=user).order_by("status", "next_attempt_at", "id")
    else:
        visits = visits.order_by("-created_at", "-id")
    form = visit_forms.ListFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        if form.cleaned_data["status"]:
            visits = visits.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["level"]:
            visits = visits.filter(level=form.cleaned_data["level"])
    campaign = parse_id(request.GET.get("campaign"))
    if campaign:
        visits = visits.filter(campaign_id=campaign)
    page = _page(request)
    rows = page_rows(
        visits.select_related(*RELATED).prefetch_related("rated_people"),
        (page - 1) * PAGE_SIZE,
        page * PAGE_SIZE + 1,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "visits/list.html",
        {
            "tab": tab,
            "tabs": [
                {"key": key, "label": label, "active": key == tab}
                for key, label in (
                    ("today", _("My calls today")),
                    ("mine", _("Given to me")),
                    ("all", _("All I see")),
                )
            ],
            "rows": visit_rows(user, rows[:PAGE_SIZE], now),
            "form": form,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
            "may_draw": may_draw_samples(user),
            "today": timezone.localdate(now),
        },
    )


# --- one visit ----------------------------------------------------------------------------------


@dataclass
class ActionSpec:
    form: Callable[..., forms.Form]
    run: Callable[[User, Visit, forms.Form], str]


def _run_answer(user: User, visit: Visit, form: forms.Form) -> str:
    assert isinstance(form, visit_forms.AnswerForm)
    done = services.visit_record_answer(
        visit,
        by=user,
        answers=form.answers(),
        method=form.cleaned_data["method"],
        note=form.cleaned_data["note"],
    )
    if done.satisfied is False:
        return _("Answers recorded: the customer is not satisfied, the work is handled again.")
    return _("Answers recorded.")


def _run_attempt(user: User, visit: Visit, form: forms.Form) -> str:
    data = form.cleaned_data
    done = services.visit_attempt(
        visit,
        by=user,
        outcome=data["outcome"],
        method=data["method"],
        note=data["note"],
        call_back_at=data["call_back_at"],
    )
    if done.status == Status.UNREACHABLE:
        return _("Not reached after the last attempt: the visit is counted as not reached.")
    assert done.next_attempt_at is not None
    return _("Next call at %(at)s.") % {"at": f"{timezone.localtime(done.next_attempt_at):%Y-%m-%d %H:%M}"}


def _run_send_survey(user: User, visit: Visit, form: forms.Form) -> str:
    data = form.cleaned_data
    sent = services.visit_send_survey(visit, by=user, method=data["method"], email=data["email"])
    if sent.url:  # WeChat: the link is shown once, to paste into the chat (it is stored nowhere)
        return _("Paste this link into the customer's WeChat chat (it is shown only now): %(url)s") % {
            "url": sent.url
        }
    return _("Survey link sent to the customer.")


def _run_reschedule(user: User, visit: Visit, form: forms.Form) -> str:
    services.visit_reschedule(visit, by=user, at=form.cleaned_data["at"], reason=form.cleaned_data["reason"])
    return _("Visit moved.")


def _run_reassign(user: User, visit: Visit, form: forms.Form) -> str:
    person = form.cleaned_data["visitor"]
    services.visit_reassign(visit, by=user, visitor_id=person.pk, reason=form.cleaned_data["reason"])
    return _("Visit given to %(name)s.") % {"name": person.display_name}


def _run_cancel(user: User, visit: Visit, form: forms.Form) -> str:
    services.visit_cancel(visit, by=user, reason=form.cleaned_data["reason"])
    return _("Visit cancelled.")


F = visit_forms
ACTIONS: dict[VisitAction, ActionSpec] = {
    VisitAction.RECORD_ANSWER: ActionSpec(F.AnswerForm, _run_answer),
    VisitAction.ATTEMPT: ActionSpec(F.AttemptForm, _run_attempt),
    VisitAction.SEND_SURVEY: ActionSpec(F.SendSurveyForm, _run_send_survey),
    VisitAction.RESCHEDULE: ActionSpec(F.RescheduleForm, _run_reschedule),
    VisitAction.REASSIGN: ActionSpec(F.ReassignForm, _run_reassign),
    VisitAction.CANCEL: ActionSpec(F.CancelForm, _run_cancel),
}


def _people_for(user: User, visit: Visit) -> Any:
    """Whom a visit may be given to: staff the reader sees who make visits of its role, cleared
    for it and not rated by it (the service checks the same)."""
    roles = [visit.visitor_role] + ([Role.DIRECTOR] if visit.visitor_role == Role.DEPARTMENT_HEAD else [])
    condition = User.role_q(roles[0])
    for role in roles[1:]:
        condition |= User.role_q(role)
    return (
        visibility.staff_for_user(user)
        .filter(condition, is_active=True, clearance__gte=visit.confidentiality)
        .exclude(pk__in=[p.pk for p in visit.rated_people.all()])
        .exclude(pk=visit.visitor_id or 0)
        .select_related("department")
        .order_by("department__path", "full_name")
    )


def _make_form(action: VisitAction, visit: Visit, user: User, data: Any = None) -> forms.Form:
    kwargs: dict[str, Any] = {}
    if action == VisitAction.RECORD_ANSWER:
        kwargs["questionnaire"] = questionnaire_of(visit, policy_of_subject(visit.subject))
        kwargs["initial"] = {"method": visit.method if visit.method != "survey" else "phone"}
    elif action == VisitAction.ATTEMPT:
        kwargs["initial"] = {"method": visit.method if visit.method != "survey" else "phone"}
    elif action == VisitAction.REASSIGN:
        kwargs["people"] = _people_for(user, visit)
    auto_id = f"id_{action.value.replace('-', '_')}_%s"
    return ACTIONS[action].form(data, auto_id=auto_id, **kwargs)


def _renamed(error: BusinessError) -> BusinessError:
    fields: dict[str, list[str]] = {}
    for name, problems in error.fields.items():
        fields.setdefault(visit_forms.field_of(name), []).extend(problems)
    return type(error)(error.message, fields=fields, extra=error.extra)


def _put_errors(form: forms.Form, error: BusinessError) -> None:
    renamed = _renamed(error)
    if not renamed.fields:
        form.add_error(None, str(renamed.message))
    for name, problems in renamed.fields.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def _answers_shown(visit: Visit, questionnaire: list[Any]) -> list[dict[str, str]]:
    """The recorded answers, each after its question (in the questionnaire's order; an answer to a
    question the policy no longer asks keeps its code as the label)."""
    answers = dict(visit.answers or {})
    rows = []
    for question in questionnaire:
        if question.code in answers:
            rows.append(
                {
                    "question": question_label(question),
                    "answer": answer_label(question, answers.pop(question.code)),
                }
            )
    rows.extend({"question": code, "answer": answer_label(None, value)} for code, value in answers.items())
    return rows


def customer_history(user: User, visit: Visit) -> dict[str, Any] | None:
    """The customer's recent work orders and complaints (the complaint intake's history, through
    the reader's visibility) and their earlier return visits."""
    from fuwu.complaints.views.intake import customer_history as orders_and_complaints

    if visit.customer_id is None:
        return None
    history = orders_and_complaints(user, visit.customer)
    assert history is not None
    earlier = list(
        selectors.visits_for_user(user)
        .filter(customer_id=visit.customer_id)
        .exclude(pk=visit.pk)
        .select_related("work_order", "complaint")
        .order_by("-created_at", "-id")[:5]
    )
    history["visits"] = [{"visit": v, "colour": STATUS_COLOURS.get(v.status, "secondary")} for v in earlier]
    return history


def _detail_context(
    request: HttpRequest,
    visit: Visit,
    *,
    bound: tuple[VisitAction, forms.Form] | None = None,
    allowed: list[VisitAction] | None = None,
) -> dict[str, Any]:
    user = staff(request)
    now = timezone.now()
    policy = policy_of_subject(visit.subject)
    if allowed is None:
        allowed = services.allowed_actions(user, visit)
    calls = may(user, VisitAction.ATTEMPT, visit)
    action_forms = [
        {
            "action": action.value,
            "label": ACTION_LABELS[action],
            "form": bound[1] if bound and bound[0] == action else _make_form(action, visit, user),
            "url": reverse("visits:action", args=[visit.pk, action.value]),
            "style": "danger"
            if action == VisitAction.CANCEL
            else "primary"
            if action == VisitAction.RECORD_ANSWER
            else "secondary",
            "open": bool(bound and bound[0] == action)
            or (bound is None and action == VisitAction.RECORD_ANSWER),
        }
        for action in allowed
        if action in ACTIONS
    ]
    seen = _subject_links(user, [visit])
    raised = None
    if visit.raised_complaint_id and visit.raised_complaint_id in seen[1]:
        assert visit.raised_complaint is not None
        raised = visit.raised_complaint
    questionnaire = questionnaire_of(visit, policy)
    return {
        "visit": visit,
        "subject": _subject_of(visit, seen),
        "status_colour": STATUS_COLOURS.get(visit.status, "secondary"),
        "phone": visibility.PhoneShown(user)(visit.contact_phone, whole=calls),
        "calls": calls,
        "overdue": visit.status == Status.DUE and visit.due_at < now,
        "on_site": [ON_SITE_RULES.get(code, code) for code in visit.on_site_reasons or []],
        "script": call_script(
            policy,
            visit.organisation,
            timezone.localdate(now),
            questionnaire,
            planned=visit.is_planned,
        )
        if calls
        else None,
        "answers": _answers_shown(visit, questionnaire),
        "raised_complaint": raised,
        "sample_note": system_text(visit.sample_note) if visit.sample_note else "",
        "attempts": list(visit.attempt_log.select_related("by")),
        "survey_links": [
            {**link, "state_label": LINK_STATES.get(link["state"], link["state"])}
            for link in survey_links(visit, visibility.PhoneShown(user), now)
        ],
        "events": list(events_for(visit)),
        "action_forms": action_forms,
        "history": customer_history(user, visit),
        "history_customer": visit.customer,
        "rated_me": is_rated(user, visit),
        "role": dict(Role.choices).get(visit.visitor_role, visit.visitor_role),
    }


def _get(request: HttpRequest, pk: int) -> Visit:
    queryset = selectors.visits_for_user(staff(request)).select_related(*RELATED, "raised_complaint")
    return visibility.get_visible_or_404(queryset, pk=pk)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "visits/detail.html", _detail_context(request, _get(request, pk)))


@login_required
def visit_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    visit = _get(request, pk)
    try:
        verb = VisitAction(action)
    except ValueError as exc:
        raise Http404 from exc
    if verb not in ACTIONS:
        raise Http404
    user = staff(request)
    allowed = services.allowed_actions(user, visit)
    if verb not in allowed:
        error: BusinessError
        if may(user, verb, visit):
            error = ConflictError(
                _("“%(action)s” is not possible while the visit is %(status)s.")
                % {"action": ACTION_LABELS[verb], "status": visit.get_status_display()}
            )
        else:
            error = PermissionDeniedError(
                _("You may not “%(action)s” this visit.") % {"action": ACTION_LABELS[verb]}
            )
        return _refused(request, visit, error, allowed)
    form = _make_form(verb, visit, user, request.POST)
    if form.is_valid():
        try:
            message = ACTIONS[verb].run(user, visit, form)
        except ValidationFailed as exc:
            _put_errors(form, exc)
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused(request, _get(request, pk), exc)
        else:
            messages.success(request, message)
            if verb in (VisitAction.RECORD_ANSWER, VisitAction.ATTEMPT) and request.POST.get("next") == "day":
                return redirect(reverse("visits:list") + "?tab=today")
            return redirect(reverse("visits:detail", args=[pk]))
    context = _detail_context(request, visit, bound=(verb, form), allowed=allowed)
    return render(request, "visits/detail.html", context, status=422)


def _refused(
    request: HttpRequest, visit: Visit, error: BusinessError, allowed: list[VisitAction] | None = None
) -> HttpResponse:
    messages.error(request, str(error.message))
    return render(
        request, "visits/detail.html", _detail_context(request, visit, allowed=allowed), status=error.status
    )


# --- samples ------------------------------------------------------------------------------------


@login_required
def samples(request: HttpRequest) -> HttpResponse:
    """The month's samples (``?month=YYYY-MM``, last month by default): each sample's population,
    rule, seed, strata and whether the stored seed draws the same again, and the sampled visits
    the reader sees with why each is in it. ``POST`` draws a month that is over (once)."""
    user = staff(request)
    assert user.organisation is not None
    status = 200
    if request.method == "POST":
        form = visit_forms.SampleMonthForm(request.POST)
        if not may_draw_samples(user):
            messages.error(request, _("Your role does not allow drawing the visit samples."))
            status = 403
        elif form.is_valid():
            month = form.cleaned_data["month"].replace(day=1)
            try:
                services.draw_month(user.organisation, month, by=user)
            except (ConflictError, ValidationFailed) as exc:
                messages.error(request, str(exc.message))
                status = exc.status
            else:
                messages.success(request, _("Samples of %(month)s drawn.") % {"month": f"{month:%Y-%m}"})
                return redirect(reverse("visits:samples") + f"?month={month:%Y-%m}")
        else:
            status = 422
    else:
        form = visit_forms.SampleMonthForm(request.GET or None)
    month = last_month(timezone.localdate())
    if form.is_bound and form.is_valid():
        month = form.cleaned_data["month"].replace(day=1)
    else:
        form = visit_forms.SampleMonthForm(initial={"month": month})
    form.fields["month"].widget.attrs["value"] = f"{month:%Y-%m}"
    out = samples_audit(user, user.organisation, month)
    visits_by_id = {
        v.pk: v
        for v in selectors.visits_for_user(user)
        .filter(pk__in=[row["id"] for s in out["samples"] for row in s["visits"]])
        .select_related(*RELATED)
    }
    seen = _subject_links(user, list(visits_by_id.values()))
    for sample in out["samples"]:
        for row in sample["visits"]:
            visit = visits_by_id.get(row["id"])
            row["subject_shown"] = _subject_of(visit, seen) if visit else None
            row["status_label"] = visit.get_status_display() if visit else ""
            row["colour"] = STATUS_COLOURS.get(row["status"], "secondary")
    return render(
        request,
        "visits/samples.html",
        {
            "form": form,
            "month": month,
            "today_month": timezone.localdate().replace(day=1),
            "out": out,
            "may_draw": may_draw_samples(user)
            and not out["drawn"]
            and month < timezone.localdate().replace(day=1),
        },
        status=status,
    )


# --- campaigns ----------------------------------------------------------------------------------


def _campaign_field(name: str) -> str:
    """A campaign service error's form field: ``questions.0.choices`` → ``q1_choices``."""
    match = re.fullmatch(r"questions\[(\d+)\](?:\.(\w+))?", name)
    if match:
        part = match.group(2) if match.group(2) in ("choices", "kind") else "text"
        return f"q{int(match.group(1)) + 1}_{part}"
    base = name.split(".")[0].split("[")[0]
    return {"department_id": "department"}.get(base, base)


@login_required
def campaigns(request: HttpRequest) -> HttpResponse:
    """Questionnaire campaigns (003 问卷回访): the campaigns the reader runs, with how far each has
    got, and a form to start one (for those who run them)."""
    from .campaign_api import _counted, _visible
    from .services import planned

    user = staff(request)
    may_run = planned.may_run_campaigns(user)
    departments = visibility.departments_for_user(user).filter(is_active=True).order_by("path")
    status = 200
    form = visit_forms.CampaignForm(departments=departments)
    if request.method == "POST":
        if not may_run:
            raise PermissionDenied(_("Your role does not allow questionnaire campaigns."))
        form = visit_forms.CampaignForm(request.POST, departments=departments)
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = planned.campaign_create(
                    by=user,
                    name=data["name"],
                    questions=form.questions(),
                    method=data["method"],
                    due_at=data["due_at"],
                    department_id=data["department"].pk if data["department"] else None,
                    with_agreement=bool(data["with_agreement"]),
                    served_from=data["served_from"],
                    served_to=data["served_to"],
                )
            except ValidationFailed as exc:
                for name, problems in exc.fields.items():
                    field = _campaign_field(name)
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
            else:
                messages.success(
                    request,
                    _("Campaign “%(name)s” started: %(n)s visits.")
                    % {"name": campaign.name, "n": campaign.size},
                )
                return redirect("visits:campaigns")
        status = 422
    rows = list(_counted(_visible(user).order_by("-created_at", "-id"))[:50])
    return render(
        request,
        "visits/campaigns.html",
        {"form": form, "may_run": may_run, "campaigns": rows},
        status=status,
    )
