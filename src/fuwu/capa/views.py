"""Staff pages of corrective and preventive actions: the list, raising one (by hand, or from a
record it affects: ``?source=complaints.complaint:<id>``), the CAPA page with its actions, the record
as PDF, and the report of recurring problem categories.

Reads go through ``selectors`` (which start from the visibility rules: a CAPA outside them answers
404); every change goes through one service function. A page offers exactly the actions
``services.allowed_actions`` returns; a forged request for another gets the service's answer (409
for the state, 403 for the role) as a message on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu import visibility
from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.forms import add_service_errors
from fuwu.lib.paging import page_rows
from fuwu.org.models import User
from fuwu.policy.selectors import active_policy

from . import forms as capa_forms
from . import rules, selectors, services, sources
from .display import categories_of
from .exports import capa_pdf
from .models import OPEN_STATUSES, Capa, Status
from .permissions import may_raise
from .rules import Action

PAGE_SIZE = 25

ACTION_LABELS: dict[Action, Any] = {
    Action.LINK_RECORD: gettext_lazy("Link an affected record"),
    Action.ANALYSE: gettext_lazy("Record the root cause"),
    Action.DECIDE_DISPOSITION: gettext_lazy("Decide on the nonconforming service"),
    Action.CHECK_EXTENT: gettext_lazy("Check whether it exists elsewhere"),
    Action.ADD_ITEM: gettext_lazy("Add an action item"),
    Action.COMPLETE_ITEM: gettext_lazy("Record an action done"),
    Action.IMPLEMENT: gettext_lazy("Actions implemented"),
    Action.VERIFY: gettext_lazy("Verify effectiveness"),
    Action.CLOSE: gettext_lazy("Close"),
    Action.CANCEL: gettext_lazy("Cancel"),
}
PRIMARY = {Action.ANALYSE, Action.IMPLEMENT, Action.VERIFY, Action.CLOSE, Action.COMPLETE_ITEM}
STATUS_COLOURS: dict[str, str] = {
    Status.RAISED: "secondary",
    Status.IN_ACTION: "primary",
    Status.AWAITING_VERIFICATION: "warning",
    Status.VERIFIED: "success",
    Status.CLOSED: "dark",
    Status.CANCELLED: "light",
}


def staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_staff_member(user):
        raise Http404
    return user


def _categories(user: User) -> dict[str, str]:
    return categories_of(active_policy(user.organisation)) if user.organisation else {}


# --- list ---------------------------------------------------------------------------------------


def list_filters(request: HttpRequest) -> dict[str, Any]:
    """The list page's filters as ``selectors.capas_list`` arguments (invalid ones ignored)."""
    user = cast(User, request.user)
    form = capa_forms.ListFilterForm(request.GET or None, user=user)
    if not form.is_bound or not form.is_valid():
        return {"statuses": list(OPEN_STATUSES)} if not form.is_bound else {}
    data = form.cleaned_data
    statuses = [s for s in (data["status"] or "").split(",") if s in Status.values]
    if data["open"] == "open":
        statuses = list(OPEN_STATUSES)
    elif data["open"] in Status.values:
        statuses = [data["open"]]
    return {
        "statuses": statuses or None,
        "kind": data["kind"] or None,
        "origin": data["origin"] or None,
        "department_id": data["department"].pk if data["department"] else None,
        "exact_department": bool(data["exact_department"]),
        "category": data["category"] or None,
        "raised_from": data["raised_from"],
        "raised_to": data["raised_to"],
        "overdue": True if data["overdue"] else None,
        "q": data["q"] or None,
    }


@login_required
def capa_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    capas = selectors.capas_list(user=user, **list_filters(request))
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    page = min(page, 4000)
    rows = page_rows(capas, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    has_next = len(rows) > PAGE_SIZE
    query = request.GET.copy()
    query.pop("page", None)
    categories = _categories(user)
    return render(
        request,
        "capa/list.html",
        {
            "rows": [
                {
                    "capa": c,
                    "category": categories.get(c.category, c.category),
                    "colour": STATUS_COLOURS.get(c.status),
                }
                for c in rows[:PAGE_SIZE]
            ],
            "form": capa_forms.ListFilterForm(request.GET or None, user=user),
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
            "may_raise": may_raise(user),
        },
    )


# --- raise --------------------------------------------------------------------------------------


@login_required
def capa_create(request: HttpRequest) -> HttpResponse:
    """Raise a CAPA; ``?source=<app_label>.<model>:<id>`` raises it from that record (prefilled,
    linked). A source the user may not see answers 404, like one that does not exist."""
    user = staff(request)
    if not may_raise(user):
        raise PermissionDenied(_("Your role does not allow raising corrective or preventive actions."))
    reference = (request.POST.get("source") if request.method == "POST" else request.GET.get("source")) or ""
    record = None
    if reference:
        record = sources.resolve(user, reference)
        if record is None:
            raise Http404
    source = sources.source_of(record) if record is not None else None
    initial: dict[str, Any] = {"source": reference}
    if record is not None and source is not None:
        prefill = source.prefill(record)
        department = prefill.get("department")
        initial.update(
            {
                "kind": prefill.get("kind", "corrective"),
                "title": prefill.get("title", "")[:200],
                "problem": prefill.get("problem", ""),
                "category": prefill.get("category", ""),
                "department": department.pk if department is not None else None,
                "confidentiality": prefill.get("confidentiality", 0),
            }
        )
    categories = _categories(user)
    status = 200
    if request.method == "POST":
        form = capa_forms.CapaForm(request.POST, user=user, categories=categories, initial=initial)
        if form.is_valid():
            data = form.cleaned_data
            assert user.organisation is not None
            try:
                capa = services.capa_create(
                    organisation=user.organisation,
                    by=user,
                    kind=data["kind"],
                    title=data["title"],
                    problem=data["problem"],
                    category=data["category"],
                    department=data["department"],
                    confidentiality=data["confidentiality"],
                    affected=[reference] if reference else [],
                )
            except ValidationFailed as exc:
                add_service_errors(form, _renamed(exc))
            else:
                messages.success(request, _("%(number)s raised.") % {"number": capa.number})
                return redirect("capa:detail", pk=capa.pk)
        status = 422
    else:
        form = capa_forms.CapaForm(user=user, categories=categories, initial=initial)
    return render(
        request,
        "capa/create.html",
        {"form": form, "source_label": source.label(record) if source and record else None},
        status=status,
    )


# --- one CAPA -----------------------------------------------------------------------------------


@dataclass
class ActionSpec:
    form: Callable[..., forms.Form]
    run: Callable[[HttpRequest, Capa, dict[str, Any]], str]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _run_link(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    services.capa_link_record(capa=capa, by=_user(request), reference=data["reference"])
    return _("Record linked.")


def _run_analyse(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    services.capa_analyse(capa=capa, by=_user(request), root_cause=data["root_cause"], method=data["method"])
    return _("Root cause recorded.")


def _run_disposition(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    services.capa_decide_disposition(
        capa=capa, by=_user(request), disposition=data["disposition"], note=data["note"]
    )
    return _("Decision recorded.")


def _run_extent(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    services.capa_check_extent(
        capa=capa, by=_user(request), scope=data["scope"], found=data["found"], note=data["note"]
    )
    return _("Check recorded.")


def _run_add_item(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    services.capa_add_item(
        capa=capa,
        by=_user(request),
        description=data["description"],
        owner=data["owner"],
        due_on=data["due_on"],
    )
    return _("Action item added.")


def _run_complete_item(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    services.capa_complete_item(capa=capa, by=_user(request), item_id=data["item"], evidence=data["evidence"])
    return _("Action recorded done.")


def _run_implement(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    done = services.capa_implement(capa=capa, by=_user(request), note=data["note"])
    assert done.verify_from is not None
    return _("Implemented: effectiveness can be verified from %(day)s.") % {
        "day": f"{timezone.localtime(done.verify_from):%Y-%m-%d}"
    }


def _run_verify(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    done = services.capa_verify(capa=capa, by=_user(request), result=data["result"], note=data["note"])
    if done.status == Status.VERIFIED:
        return _("Verified effective: it can be closed.")
    return _("Not effective: back to the actions.")


def _run_close(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    services.capa_close(capa=capa, by=_user(request), note=data["note"])
    return _("Closed.")


def _run_cancel(request: HttpRequest, capa: Capa, data: dict[str, Any]) -> str:
    services.capa_cancel(capa=capa, by=_user(request), reason=data["reason"])
    return _("Cancelled.")


F = capa_forms
ACTIONS: dict[Action, ActionSpec] = {
    Action.LINK_RECORD: ActionSpec(F.LinkRecordForm, _run_link),
    Action.ANALYSE: ActionSpec(F.AnalyseForm, _run_analyse),
    Action.DECIDE_DISPOSITION: ActionSpec(F.DispositionForm, _run_disposition),
    Action.CHECK_EXTENT: ActionSpec(F.ExtentForm, _run_extent),
    Action.ADD_ITEM: ActionSpec(F.AddItemForm, _run_add_item),
    Action.COMPLETE_ITEM: ActionSpec(F.CompleteItemForm, _run_complete_item),
    Action.IMPLEMENT: ActionSpec(F.NoteForm, _run_implement),
    Action.VERIFY: ActionSpec(F.VerifyForm, _run_verify),
    Action.CLOSE: ActionSpec(F.NoteForm, _run_close),
    Action.CANCEL: ActionSpec(F.ReasonForm, _run_cancel),
}


def _make_form(action: Action, capa: Capa, user: User, data: Any = None) -> forms.Form:
    kwargs: dict[str, Any] = {}
    if action == Action.ADD_ITEM:
        kwargs["user"] = user
    elif action == Action.COMPLETE_ITEM:
        kwargs["items"] = list(capa.items.all())
    auto_id = f"id_{action.value.replace('-', '_')}_%s"
    return ACTIONS[action].form(data, auto_id=auto_id, **kwargs)


def _renamed(error: BusinessError) -> BusinessError:
    fields: dict[str, list[str]] = {}
    for name, problems in error.fields.items():
        base = name.split(".")[0].split("[")[0]
        fields.setdefault(capa_forms.SERVICE_FIELD_NAMES.get(base, base), []).extend(problems)
    return type(error)(error.message, fields=fields, extra=error.extra)


def _detail_context(
    request: HttpRequest,
    capa: Capa,
    *,
    bound: tuple[Action, forms.Form] | None = None,
    allowed: list[Action] | None = None,
) -> dict[str, Any]:
    user = staff(request)
    now = timezone.now()
    policy = services.policy_of(capa)
    if allowed is None:
        allowed = services.allowed_actions(user, capa, policy, now=now)
    action_forms = [
        {
            "action": action.value,
            "label": ACTION_LABELS[action],
            "form": bound[1] if bound and bound[0] == action else _make_form(action, capa, user),
            "url": reverse("capa:action", args=[capa.pk, action.value]),
            "style": "danger" if action == Action.CANCEL else "primary" if action in PRIMARY else "secondary",
            "open": bool(bound and bound[0] == action),
        }
        for action in allowed
    ]
    facts = services.facts_of(capa, now)
    return {
        "capa": capa,
        "category": categories_of(policy).get(capa.category, capa.category),
        "status_colour": STATUS_COLOURS.get(capa.status, "secondary"),
        "affected": selectors.affected_shown(capa, user),
        "items": list(capa.items.all()),
        "clocks": selectors.clock_states(capa, now=now),
        "verifications": list(capa.verifications.all()),
        "events": list(selectors.timeline_of(capa)),
        "action_forms": action_forms,
        "now": now,
        "verify_blocked": rules.why_not(Action.VERIFY, facts)
        if capa.status == Status.AWAITING_VERIFICATION
        else None,
        "implement_blocked": rules.why_not(Action.IMPLEMENT, facts)
        if capa.status == Status.IN_ACTION
        else None,
    }


def _get(request: HttpRequest, pk: int) -> Capa:
    return selectors.capa_get(user=staff(request), pk=pk)


@login_required
def capa_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "capa/detail.html", _detail_context(request, _get(request, pk)))


@login_required
def capa_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    capa = _get(request, pk)
    try:
        verb = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    user = staff(request)
    now = timezone.now()
    allowed = services.allowed_actions(user, capa, now=now)
    if verb not in allowed:
        error: BusinessError
        reason = rules.why_not(verb, services.facts_of(capa, now))
        if reason is not None:
            error = ConflictError(
                _("“%(action)s” is not possible now: %(reason)s.")
                % {"action": ACTION_LABELS[verb], "reason": reason}
            )
        else:
            error = PermissionDeniedError(
                _("Your role does not allow “%(action)s” on this corrective action.")
                % {"action": ACTION_LABELS[verb]}
            )
        return _refused(request, capa, error, allowed)
    form = _make_form(verb, capa, user, request.POST)
    if form.is_valid():
        try:
            message = ACTIONS[verb].run(request, capa, form.cleaned_data)
        except ValidationFailed as exc:
            add_service_errors(form, _renamed(exc))
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused(request, _get(request, pk), exc)
        else:
            messages.success(request, message)
            return redirect(reverse("capa:detail", args=[pk]) + "#actions")
    context = _detail_context(request, capa, bound=(verb, form), allowed=allowed)
    return render(request, "capa/detail.html", context, status=422)


def _refused(
    request: HttpRequest, capa: Capa, error: BusinessError, allowed: list[Action] | None = None
) -> HttpResponse:
    messages.error(request, str(error.message))
    return render(
        request, "capa/detail.html", _detail_context(request, capa, allowed=allowed), status=error.status
    )


@login_required
def capa_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    capa = selectors.capa_get(user=user, pk=pk)
    now = timezone.now()
    response = HttpResponse(capa_pdf(capa, user, now=now), content_type="application/pdf")
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        content_disposition_header(not request.GET.get("inline"), f"capa-{capa.number}-{stamp}.pdf")
        or "attachment"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- report -------------------------------------------------------------------------------------


@login_required
def capa_report(request: HttpRequest) -> HttpResponse:
    """Recurring problem categories by period and department; every figure links to its CAPAs."""
    user = staff(request)
    form = capa_forms.ReportForm(request.GET or None)
    period, raised_from, raised_to = "month", None, None
    if form.is_bound and form.is_valid():
        period = form.cleaned_data["period"] or "month"
        raised_from, raised_to = form.cleaned_data["raised_from"], form.cleaned_data["raised_to"]
    policy = active_policy(user.organisation) if user.organisation else None
    categories = categories_of(policy) if policy else {}
    threshold = policy.capa.recurring_at_least if policy else 2
    rows = [
        {
            "row": row,
            "category": categories.get(row.category, row.category),
            "recurring": row.count >= threshold,
            "url": reverse("capa:list") + "?" + urlencode(selectors.drill_down_filters(row)),
        }
        for row in selectors.recurring_categories(
            user=user, period=period, raised_from=raised_from, raised_to=raised_to
        )
    ]
    return render(
        request, "capa/report.html", {"form": form, "rows": rows, "period": period, "threshold": threshold}
    )
