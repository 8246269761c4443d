"""Staff pages of service quality inspections (服务质量巡检) and rectification orders (整改单): the
inspector's workbench, an inspection carried out item by item on a phone, a rectification order with
its actions, the checklists with their versions, and an inspection planned by hand.

Reads go through ``selectors`` (the visibility rules: a record outside them answers 404); every
change goes through one service function. A page offers exactly the actions
``services.allowed_actions`` / ``allowed_rectification_actions`` return; a forged request for
another gets the service's answer (409 for the state, 403 for the role) as a message on the page,
and a form the service refuses comes back with each problem next to its field (422).

Each item of a checklist is its own small form (posted to the ``record`` action with the item's
code): the page comes back to that item (``#item-<code>``) with what was saved.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu import visibility
from fuwu.lib.display import join_list, label_with_value
from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.paging import page_rows
from fuwu.org.models import Role, User
from fuwu.org.selectors import is_head_of
from fuwu.timeline.selectors import events_for

from . import definition, rules, sampling, selectors, services
from . import forms as inspection_forms
from .models import (
    ChecklistTemplate,
    Inspection,
    ItemKind,
    Purpose,
    Rectification,
    RectificationStatus,
    Result,
    Status,
)
from .permissions import may_manage_templates, may_plan, may_rectify
from .rules import Action, RectificationAction
from .services.carrying_out import units_of
from .services.context import facts_of

PAGE_SIZE = 25
TABS = ("mine", "overdue", "all", "rectifications")
ITEM_MESSAGE = "item:"  # a message's extra tag: shown on the card of that item, not at the top

STATUS_COLOURS: dict[str, str] = {
    Status.PLANNED: "secondary",
    Status.IN_PROGRESS: "primary",
    Status.SUBMITTED: "success",
    Status.CANCELLED: "light",
}
RECTIFICATION_COLOURS: dict[str, str] = {
    RectificationStatus.ISSUED: "warning",
    RectificationStatus.IN_RECTIFICATION: "primary",
    RectificationStatus.AWAITING_VERIFICATION: "info",
    RectificationStatus.VERIFIED: "success",
    RectificationStatus.CANCELLED: "light",
}
RESULT_COLOURS: dict[str, str] = {
    Result.PASS: "success",
    Result.FAIL: "danger",
    Result.NOT_APPLICABLE: "secondary",
    Result.MISSED: "warning",
}
ROUND_COLOURS = {
    "done": "success",
    "late": "warning",
    "missed": "danger",
    "due": "primary",
    "overdue": "danger",
}
ACTION_LABELS: dict[Action, Any] = {
    Action.START: gettext_lazy("Record the units and draw the sample"),
    Action.RECORD: gettext_lazy("Save"),
    Action.SUBMIT: gettext_lazy("Submit the inspection"),
    Action.REASSIGN: gettext_lazy("Give to another inspector"),
    Action.CANCEL: gettext_lazy("Cancel the inspection"),
}
RECTIFICATION_LABELS: dict[RectificationAction, Any] = {
    # Translators: 签收 — the responsible department head signs the rectification order
    RectificationAction.ACKNOWLEDGE: gettext_lazy("Acknowledge (sign)"),
    RectificationAction.DECIDE_DISPOSITION: gettext_lazy("Decide on the nonconformity"),
    RectificationAction.RECORD_DONE: gettext_lazy("Record what was done"),
    RectificationAction.VERIFY: gettext_lazy("Verify the rectification"),
    RectificationAction.CANCEL: gettext_lazy("Cancel the order"),
}
UNITS_SHOWN = 500  # unit numbers listed on the page (a larger sample: the first ones, then "…")
VERDICTS = {sampling.ACCEPT: gettext_lazy("lot accepted"), sampling.REJECT: gettext_lazy("lot rejected")}


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


def _put_errors(error: BusinessError, form: forms.Form) -> None:
    """Each field problem of ``error`` next to its field of ``form`` (or above the form)."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for name, problems in error.fields.items():
        field = inspection_forms.field_of(name)
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def _definition_errors(error: BusinessError) -> dict[str, list[str]]:
    """A checklist's problems by path (``sections[0].items[2].weight``), as the page lists them."""
    found: dict[str, list[str]] = {}
    for name, problems in error.fields.items():
        path = name.removeprefix("definition.")
        found.setdefault(path, []).extend(str(p) for p in problems)
    return found


def _split_messages(request: HttpRequest) -> tuple[list[Any], dict[str, list[Any]]]:
    """The page's messages, and those that belong on an item's card (by item code)."""
    general: list[Any] = []
    by_item: dict[str, list[Any]] = {}
    for message in messages.get_messages(request):
        tag = next((t for t in message.extra_tags.split() if t.startswith(ITEM_MESSAGE)), None)
        if tag:
            by_item.setdefault(tag.removeprefix(ITEM_MESSAGE), []).append(message)
        else:
            general.append(message)
    return general, by_item


# --- words for people ---------------------------------------------------------------------------


def _number_text(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).normalize():f}"


def sampling_words(method: definition.Sampling) -> str:
    """How a checklist samples, in a sentence: "A share of the units: 10 % (a unit: 份工单记录)"."""
    label = str(sampling.METHOD_LABELS[sampling.Method(method.method)])
    detail = ""
    if method.method == "ratio" and method.ratio is not None:
        detail = _("%(percent)s %% of the units, at least one") % {
            "percent": _number_text(method.ratio * 100)
        }
    elif method.method == "fixed" and method.count is not None:
        detail = _("%(n)s units") % {"n": method.count}
    elif method.method == "iso2859":
        detail = _("inspection level %(level)s, AQL %(aql)s") % {"level": method.level, "aql": method.aql}
    text = label_with_value(label, detail) if detail else label
    if method.unit:
        text += " " + _("(a unit: %(unit)s)") % {"unit": method.unit}
    return text


def item_kind_words(item: definition.Item) -> str:
    if item.kind == ItemKind.SCORE:
        return _("score from 0 to %(max)s, conforms from %(pass_at)s") % {
            "max": item.max_score,
            "pass_at": item.pass_at,
        }
    return str(ItemKind.PASS_FAIL.label)


def plan_shown(inspection: Inspection) -> dict[str, Any] | None:
    """The sampling plan stored on the inspection, in words: sample size, Ac/Re, the units drawn."""
    stored = inspection.sampling or {}
    if not stored.get("sample_size"):
        return None
    units, complete = units_of(stored, UNITS_SHOWN)
    accept, reject = stored.get("accept"), stored.get("reject")
    return {
        "population": stored.get("population"),
        "sample_size": stored.get("sample_size"),
        "unit": stored.get("unit") or "",
        "code_letter": stored.get("code_letter") or "",
        "accept": accept,
        "reject": reject,
        "has_limits": accept is not None and reject is not None,
        "whole_lot": bool(stored.get("whole_lot")),
        "units": join_list(units),
        "unit_count": int(stored["sample_size"]),
        "units_complete": complete,
        "verdict": VERDICTS.get(stored.get("verdict") or "", ""),
        "verdict_code": stored.get("verdict") or "",
        "nonconforming": stored.get("nonconforming"),
    }


def _result_label(finding: Any) -> str:
    label = str(Result(finding.result).label)
    if finding.score is not None:
        return f"{finding.score} · {label}"
    return label


# --- the workbench ------------------------------------------------------------------------------


def _filter_departments(user: User) -> QuerySet[Any] | None:
    """The departments the list can be narrowed to: heads, quality, directors, administrators."""
    if not (user.is_superuser or user.has_role(Role.DEPARTMENT_HEAD, *visibility.ORGANISATION_WIDE_ROLES)):
        return None
    return visibility.departments_for_user(user).filter(is_active=True).order_by("path")


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """``?tab=mine`` (the default): my open inspections, the first due first; ``overdue``: the open
    ones past their due moment I see; ``all``: every inspection I see, the latest due first;
    ``rectifications``: the open rectification orders (of my department), the first due first."""
    user = staff(request)
    now = timezone.now()
    tab = request.GET.get("tab", "mine")
    if tab not in TABS:
        tab = "mine"
    departments = _filter_departments(user)
    form = inspection_forms.ListFilterForm(
        request.GET or None,
        departments=departments if departments is not None else visibility.departments_for_user(user).none(),
    )
    department = None
    mine = False
    if form.is_bound and form.is_valid():
        department = form.cleaned_data["department"] if departments is not None else None
        mine = bool(form.cleaned_data["mine"])
    page = _page(request)
    start, stop = (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1
    inspection_rows: list[dict[str, Any]] = []
    rectification_rows: list[dict[str, Any]] = []
    if tab == "rectifications":
        orders = selectors.filtered_rectifications(user, now=now, open_only=True)
        if department is not None:
            orders = orders.filter(department__path__startswith=department.path)
        rows: list[Any] = page_rows(orders, start, stop)
        rectification_rows = [
            {"order": r, "colour": RECTIFICATION_COLOURS.get(r.status, "secondary")} for r in rows[:PAGE_SIZE]
        ]
    else:
        inspections = selectors.filtered_inspections(
            user,
            now=now,
            mine=tab == "mine" or mine,
            open_only=tab == "mine",
            overdue=tab == "overdue",
        )
        if department is not None:
            inspections = inspections.filter(department__path__startswith=department.path)
        rows = page_rows(inspections, start, stop)
        inspection_rows = [
            {"inspection": i, "colour": STATUS_COLOURS.get(i.status, "secondary")} for i in rows[:PAGE_SIZE]
        ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inspections/list.html",
        {
            "tab": tab,
            "tabs": [
                {"key": key, "label": label, "active": key == tab}
                for key, label in (
                    ("mine", _("Mine, open")),
                    ("overdue", _("Overdue")),
                    ("all", _("All I see")),
                    ("rectifications", _("Rectification orders")),
                )
            ],
            "inspection_rows": inspection_rows,
            "rectification_rows": rectification_rows,
            "form": form,
            "departments_filter": departments is not None,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
            "may_plan": may_plan(user),
        },
    )


# --- one inspection -----------------------------------------------------------------------------


def _get(request: HttpRequest, pk: int) -> Inspection:
    inspection = selectors.inspection_detail(staff(request), pk, now=timezone.now())
    if inspection is None:
        raise Http404
    return inspection


def _item_form(
    item: definition.Item, finding: Any, data: Any = None, files: Any = None
) -> inspection_forms.ItemForm:
    initial: dict[str, Any] = {}
    if finding is not None:
        initial = {"note": finding.note}
        if item.kind == ItemKind.SCORE:
            initial.update(
                {"score": finding.score, "not_applicable": finding.result == Result.NOT_APPLICABLE}
            )
        else:
            initial["result"] = finding.result
    return inspection_forms.ItemForm(data, files, item=item, initial=initial, auto_id=f"id_{item.code}_%s")


def _people_for(user: User, inspection: Inspection) -> QuerySet[User]:
    """Whom an inspection may be given to: active staff cleared for it (the service checks the same)."""
    return (
        visibility.staff_for_user(user)
        .filter(is_active=True, clearance__gte=inspection.confidentiality)
        .exclude(pk=inspection.inspector_id)
        .select_related("department")
        .order_by("department__path", "full_name", "pk")
    )


def _sample_size(inspection: Inspection) -> int | None:
    size = (inspection.sampling or {}).get("sample_size")
    return int(size) if size else None


def _make_form(action: Action, inspection: Inspection, user: User, data: Any = None) -> forms.Form:
    auto_id = f"id_{action.value}_%s"
    if action == Action.START:
        initial = {"population": inspection.population} if inspection.population else None
        return inspection_forms.StartForm(data, auto_id=auto_id, initial=initial)
    if action == Action.SUBMIT:
        return inspection_forms.SubmitForm(data, sample_size=_sample_size(inspection), auto_id=auto_id)
    if action == Action.REASSIGN:
        return inspection_forms.ReassignForm(data, people=_people_for(user, inspection), auto_id=auto_id)
    return inspection_forms.ReasonForm(data, auto_id=auto_id)


def _detail_context(
    request: HttpRequest,
    inspection: Inspection,
    *,
    bound: tuple[Action, forms.Form] | None = None,
    allowed: list[Action] | None = None,
) -> dict[str, Any]:
    user = staff(request)
    now = timezone.now()
    checklist = services.definition_of(inspection.template_version)
    if allowed is None:
        allowed = services.allowed_actions(user, inspection, now)
    general, by_item = _split_messages(request)
    findings = {f.item_code: f for f in inspection.findings.all()}
    rounds: dict[str, Any] = {}
    if inspection.shift_id is not None:  # a duty round: each item is due at a time of the shift
        from .presenting import round_items

        rounds = {
            row.item.code: row
            for row in round_items(inspection, checklist, now, timezone.get_current_timezone())
        }
    may_record = Action.RECORD in allowed
    bound_item = bound[1] if bound and bound[0] == Action.RECORD else None
    sections = []
    photos_missing = []
    failed_so_far = 0
    for section in checklist.sections:
        items = []
        for item in section.items:
            finding = findings.get(item.code)
            photos = list(finding.photos.all()) if finding is not None else []
            form: forms.Form | None = None
            if isinstance(bound_item, inspection_forms.ItemForm) and bound_item.item.code == item.code:
                form = bound_item
            elif may_record:
                form = _item_form(item, finding)
            failed = finding is not None and finding.result == Result.FAIL
            failed_so_far += failed
            missing = failed and item.photo_on_fail and not photos
            if missing:
                photos_missing.append(item.text)
            items.append(
                {
                    "item": item,
                    "kind": item_kind_words(item),
                    "finding": finding,
                    "result_label": _result_label(finding) if finding is not None else "",
                    "result_colour": RESULT_COLOURS.get(finding.result, "secondary") if finding else "",
                    "photos": photos,
                    "photo_missing": missing,
                    "form": form,
                    "open": form is not None and (finding is None or form is bound_item),
                    "messages": by_item.get(item.code, []),
                    "round": rounds.get(item.code),
                    "round_colour": ROUND_COLOURS.get(rounds[item.code].state, "secondary")
                    if item.code in rounds
                    else "",
                }
            )
        sections.append({"title": section.title, "items": items})
    facts = facts_of(inspection, checklist)
    samples = checklist.sampling.method != "all"
    start_form = None
    if Action.START in allowed and samples and not (inspection.population and findings):
        start_form = (
            bound[1] if bound and bound[0] == Action.START else _make_form(Action.START, inspection, user)
        )
    submit_form = None
    if Action.SUBMIT in allowed:
        submit_form = (
            bound[1] if bound and bound[0] == Action.SUBMIT else _make_form(Action.SUBMIT, inspection, user)
        )
    submit_blocked = None
    if inspection.is_open and Action.SUBMIT not in allowed and may_record:
        submit_blocked = rules.why_not(Action.SUBMIT, facts)
    side_actions = [
        {
            "action": action.value,
            "label": ACTION_LABELS[action],
            "form": bound[1] if bound and bound[0] == action else _make_form(action, inspection, user),
            "url": reverse("inspections:action", args=[inspection.pk, action.value]),
            "style": "danger" if action == Action.CANCEL else "secondary",
            "open": bool(bound and bound[0] == action),
        }
        for action in (Action.REASSIGN, Action.CANCEL)
        if action in allowed
    ]
    visible_orders = set(
        selectors.filtered_rectifications(user, now=now, inspection_id=inspection.pk).values_list(
            "pk", flat=True
        )
    )
    orders = [
        {
            "order": r,
            "colour": RECTIFICATION_COLOURS.get(r.status, "secondary"),
            "visible": r.pk in visible_orders,
        }
        for r in inspection.rectifications.all()
    ]
    return {
        "inspection": inspection,
        "template": inspection.template_version.template,
        "version": inspection.template_version,
        "checklist": checklist,
        "status_colour": STATUS_COLOURS.get(inspection.status, "secondary"),
        "sections": sections,
        "answered": facts.answered,
        "item_count": facts.items,
        "failed_so_far": failed_so_far,
        "photos_missing": photos_missing,
        "samples": samples,
        "sampling_words": sampling_words(checklist.sampling),
        "plan": plan_shown(inspection),
        "start_form": start_form,
        "start_url": reverse("inspections:action", args=[inspection.pk, Action.START.value]),
        "record_url": reverse("inspections:action", args=[inspection.pk, Action.RECORD.value]),
        "submit_form": submit_form,
        "submit_url": reverse("inspections:action", args=[inspection.pk, Action.SUBMIT.value]),
        "submit_blocked": submit_blocked,
        "may_record": may_record,
        "side_actions": side_actions,
        "orders": orders,
        "pass_mark": checklist.pass_mark,
        "points": _number_text(inspection.points),
        "max_points": _number_text(inspection.max_points),
        "events": list(events_for(inspection)),
        "page_messages": general,
        "now": now,
    }


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "inspections/detail.html", _detail_context(request, _get(request, pk)))


def _run_inspection(
    request: HttpRequest, verb: Action, inspection: Inspection, form: forms.Form
) -> tuple[str, str]:
    """Run the service of ``verb``; returns (message, fragment of the page to come back to)."""
    user = cast(User, request.user)
    data = form.cleaned_data
    if verb == Action.RECORD:
        assert isinstance(form, inspection_forms.ItemForm)
        services.inspection_record(inspection=inspection, by=user, answers=[form.answer()])
        photos = data.get("photos") or []
        if photos:
            services.inspection_add_photos(
                inspection=inspection, by=user, item_code=form.item.code, photos=photos
            )
            return _("Saved, with the photos."), f"item-{form.item.code}"
        return _("Saved."), f"item-{form.item.code}"
    if verb == Action.START:
        done = services.inspection_start(inspection=inspection, by=user, population=data["population"])
        return (
            _("Sample drawn: check %(n)s units.") % {"n": (done.sampling or {}).get("sample_size", 0)},
            "sampling",
        )
    if verb == Action.SUBMIT:
        done = services.inspection_submit(
            inspection=inspection,
            by=user,
            summary=data["summary"],
            nonconforming_units=data.get("nonconforming_units"),
        )
        count = done.rectifications.count()
        if count:
            return (
                _("Submitted: score %(score)s. %(n)s rectification orders issued.")
                % {"score": _number_text(done.score), "n": count},
                "result",
            )
        return _("Submitted: score %(score)s.") % {"score": _number_text(done.score)}, "result"
    if verb == Action.REASSIGN:
        person = data["inspector"]
        services.inspection_reassign(inspection=inspection, by=user, inspector=person, reason=data["reason"])
        return _("Given to %(name)s.") % {"name": person.display_name}, "top"
    services.inspection_cancel(inspection=inspection, by=user, reason=data["reason"])
    return _("Inspection cancelled."), "top"


@login_required
def inspection_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("inspections:detail", pk=pk)
    inspection = _get(request, pk)
    try:
        verb = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    user = staff(request)
    now = timezone.now()
    allowed = services.allowed_actions(user, inspection, now)
    if verb not in allowed:
        checklist = services.definition_of(inspection.template_version)
        reason = rules.why_not(verb, facts_of(inspection, checklist))
        error: BusinessError
        if reason is not None:
            error = ConflictError(
                _("“%(action)s” is not possible now: %(reason)s.")
                % {"action": ACTION_LABELS[verb], "reason": reason}
            )
        else:
            error = PermissionDeniedError(
                _("Your role does not allow “%(action)s” on this inspection.")
                % {"action": ACTION_LABELS[verb]}
            )
        return _refused(request, inspection, error, allowed)
    form: forms.Form
    if verb == Action.RECORD:
        item = services.definition_of(inspection.template_version).item(request.POST.get("item_code", ""))
        if item is None:
            return _refused(
                request, inspection, ValidationFailed(_("No such item on this checklist.")), allowed
            )
        form = _item_form(item, None, request.POST, request.FILES)
    else:
        form = _make_form(verb, inspection, user, request.POST)
    if form.is_valid():
        try:
            message, fragment = _run_inspection(request, verb, inspection, form)
        except ValidationFailed as exc:
            _put_errors(exc, form)
            if isinstance(form, inspection_forms.ItemForm) and "photos" in form.errors:
                messages.warning(
                    request,
                    _("The result was saved, the photos were not."),
                    extra_tags=f"{ITEM_MESSAGE}{form.item.code}",
                )
            inspection = _get(request, pk)
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused(request, _get(request, pk), exc)
        else:
            extra = f"{ITEM_MESSAGE}{form.item.code}" if isinstance(form, inspection_forms.ItemForm) else ""
            messages.success(request, message, extra_tags=extra)
            anchor = "" if fragment == "top" else f"#{fragment}"
            return redirect(reverse("inspections:detail", args=[pk]) + anchor)
    context = _detail_context(request, inspection, bound=(verb, form))
    return render(request, "inspections/detail.html", context, status=422)


def _refused(
    request: HttpRequest, inspection: Inspection, error: BusinessError, allowed: list[Action] | None = None
) -> HttpResponse:
    messages.error(request, str(error.message))
    return render(
        request,
        "inspections/detail.html",
        _detail_context(request, inspection, allowed=allowed),
        status=error.status,
    )


# --- an inspection by hand ----------------------------------------------------------------------


def _planned_departments(user: User) -> QuerySet[Any]:
    departments = visibility.departments_for_user(user).filter(is_active=True).order_by("path")
    if user.has_role(Role.QUALITY_INSPECTOR, Role.DIRECTOR):
        return departments
    return departments.filter(pk__in=[d.pk for d in departments if is_head_of(user, d)])


@login_required
def inspection_create(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not may_plan(user):
        raise PermissionDenied(_("Your role does not allow planning inspections."))
    assert user.organisation is not None
    from fuwu.suppliers.selectors import suppliers_list

    suppliers = suppliers_list(user=user)
    kwargs: dict[str, Any] = {
        # rounds are planned for the shifts of a roster post, not by hand
        "templates": selectors.templates(user).filter(is_active=True).exclude(purpose=Purpose.ROUND),
        "departments": _planned_departments(user),
        "people": visibility.staff_for_user(user)
        .filter(is_active=True)
        .order_by("department__path", "full_name"),
        "suppliers": suppliers if suppliers.exists() else None,
    }
    status = 200
    if request.method == "POST":
        form = inspection_forms.CreateForm(request.POST, **kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                inspection = services.inspection_create(
                    organisation=user.organisation,
                    by=user,
                    template=data["template"],
                    department=data["department"],
                    inspector=data["inspector"],
                    due_on=data["due_on"],
                    site=data["site"],
                    supplier=data.get("supplier"),
                )
            except ValidationFailed as exc:
                _put_errors(exc, form)
            except PermissionDeniedError as exc:
                raise PermissionDenied(str(exc.message)) from exc
            else:
                messages.success(request, _("%(number)s planned.") % {"number": inspection.number})
                return redirect("inspections:detail", pk=inspection.pk)
        status = 422
    else:
        initial: dict[str, Any] = {"inspector": user.pk}
        if request.GET.get("supplier", "").isdigit():  # from a supplier's page
            initial["supplier"] = int(request.GET["supplier"])
        form = inspection_forms.CreateForm(initial=initial, **kwargs)
    return render(request, "inspections/create.html", {"form": form}, status=status)


# --- one rectification order --------------------------------------------------------------------


def _get_rectification(request: HttpRequest, pk: int) -> Rectification:
    order = selectors.rectification_detail(staff(request), pk, now=timezone.now())
    if order is None:
        raise Http404
    return order


@dataclass
class RectificationSpec:
    form: Callable[..., forms.Form]
    run: Callable[[User, Rectification, dict[str, Any]], str]


def _acknowledge(user: User, order: Rectification, data: dict[str, Any]) -> str:
    services.rectification_acknowledge(rectification=order, by=user, note=data["note"])
    return _("Acknowledged: the rectification can begin.")


def _decide(user: User, order: Rectification, data: dict[str, Any]) -> str:
    services.rectification_decide(
        rectification=order, by=user, disposition=data["disposition"], note=data["note"]
    )
    return _("Decision recorded.")


def _record_done(user: User, order: Rectification, data: dict[str, Any]) -> str:
    services.rectification_record_done(
        rectification=order, by=user, action_taken=data["action_taken"], photos=data.get("photos") or []
    )
    return _("Recorded: the inspector verifies it.")


def _verify(user: User, order: Rectification, data: dict[str, Any]) -> str:
    done = services.rectification_verify(
        rectification=order, by=user, passed=data["passed"], note=data["note"]
    )
    if done.status == RectificationStatus.VERIFIED:
        return _("Verified: the order is closed.")
    return _("Not rectified: the order is reopened with a new deadline.")


def _cancel_order(user: User, order: Rectification, data: dict[str, Any]) -> str:
    services.rectification_cancel(rectification=order, by=user, reason=data["reason"])
    return _("Order cancelled.")


F = inspection_forms
RECTIFICATION_ACTIONS: dict[RectificationAction, RectificationSpec] = {
    RectificationAction.ACKNOWLEDGE: RectificationSpec(F.AcknowledgeForm, _acknowledge),
    RectificationAction.DECIDE_DISPOSITION: RectificationSpec(F.DispositionForm, _decide),
    RectificationAction.RECORD_DONE: RectificationSpec(F.RecordDoneForm, _record_done),
    RectificationAction.VERIFY: RectificationSpec(F.VerifyForm, _verify),
    RectificationAction.CANCEL: RectificationSpec(F.ReasonForm, _cancel_order),
}
PRIMARY_RECTIFICATION = {
    RectificationAction.ACKNOWLEDGE,
    RectificationAction.RECORD_DONE,
    RectificationAction.VERIFY,
}


def _rectification_form(action: RectificationAction, data: Any = None, files: Any = None) -> forms.Form:
    auto_id = f"id_{action.value.replace('-', '_')}_%s"
    return RECTIFICATION_ACTIONS[action].form(data, files, auto_id=auto_id)


def _rectification_context(
    request: HttpRequest,
    order: Rectification,
    *,
    bound: tuple[RectificationAction, forms.Form] | None = None,
    allowed: list[RectificationAction] | None = None,
) -> dict[str, Any]:
    user = staff(request)
    if allowed is None:
        allowed = services.allowed_rectification_actions(user, order)
    action_forms = [
        {
            "action": action.value,
            "label": RECTIFICATION_LABELS[action],
            "form": bound[1] if bound and bound[0] == action else _rectification_form(action),
            "url": reverse("inspections:rectification_action", args=[order.pk, action.value]),
            "style": "danger"
            if action == RectificationAction.CANCEL
            else "primary"
            if action in PRIMARY_RECTIFICATION
            else "secondary",
            "open": bool(bound and bound[0] == action) or (bound is None and action in PRIMARY_RECTIFICATION),
            "multipart": action == RectificationAction.RECORD_DONE,
        }
        for action in allowed
    ]
    waiting = None
    if (
        order.status == RectificationStatus.ISSUED
        and RectificationAction.RECORD_DONE not in allowed
        and may_rectify(user, RectificationAction.RECORD_DONE, order)
    ):
        waiting = rules.rectification_why_not(RectificationAction.RECORD_DONE, order.status)
    capa = order.capa if order.capa is not None and visibility.may_see(user, order.capa) else None
    finding = order.finding
    return {
        "order": order,
        "inspection": order.inspection,
        "finding": finding,
        "result_label": _result_label(finding),
        "finding_photos": list(finding.photos.all()),
        "photos": list(order.photos.all()),
        "status_colour": RECTIFICATION_COLOURS.get(order.status, "secondary"),
        "action_forms": action_forms,
        "waiting": waiting,
        "capa": capa,
        "events": list(events_for(order)),
    }


@login_required
def rectification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _get_rectification(request, pk)
    return render(request, "inspections/rectification.html", _rectification_context(request, order))


@login_required
def rectification_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return redirect("inspections:rectification", pk=pk)
    order = _get_rectification(request, pk)
    try:
        verb = RectificationAction(action)
    except ValueError as exc:
        raise Http404 from exc
    user = staff(request)
    allowed = services.allowed_rectification_actions(user, order)
    if verb not in allowed:
        error: BusinessError
        reason = rules.rectification_why_not(verb, order.status)
        if reason is not None:
            error = ConflictError(
                _("“%(action)s” is not possible now: %(reason)s.")
                % {"action": RECTIFICATION_LABELS[verb], "reason": reason}
            )
        elif verb == RectificationAction.VERIFY and user.pk == order.done_by_id:
            error = PermissionDeniedError(_("You recorded the rectification: someone else verifies it."))
        else:
            error = PermissionDeniedError(
                _("Your role does not allow “%(action)s” on this rectification order.")
                % {"action": RECTIFICATION_LABELS[verb]}
            )
        return _refused_rectification(request, order, error, allowed)
    form = _rectification_form(verb, request.POST, request.FILES)
    if form.is_valid():
        try:
            message = RECTIFICATION_ACTIONS[verb].run(user, order, form.cleaned_data)
        except ValidationFailed as exc:
            _put_errors(exc, form)
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused_rectification(request, _get_rectification(request, pk), exc)
        else:
            messages.success(request, message)
            return redirect(reverse("inspections:rectification", args=[pk]) + "#actions")
    context = _rectification_context(request, order, bound=(verb, form), allowed=allowed)
    return render(request, "inspections/rectification.html", context, status=422)


def _refused_rectification(
    request: HttpRequest,
    order: Rectification,
    error: BusinessError,
    allowed: list[RectificationAction] | None = None,
) -> HttpResponse:
    messages.error(request, str(error.message))
    return render(
        request,
        "inspections/rectification.html",
        _rectification_context(request, order, allowed=allowed),
        status=error.status,
    )


# --- checklists ---------------------------------------------------------------------------------


def _parsed(version: Any) -> definition.ChecklistDefinition | None:
    try:
        return services.definition_of(version)
    except ValueError:  # pydantic's ValidationError: a stored version that no longer reads
        return None


@login_required
def checklist_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    rows = []
    for template in selectors.templates(user):
        versions = list(template.versions.all())
        latest = versions[0] if versions else None
        parsed = _parsed(latest) if latest is not None else None
        rows.append(
            {
                "template": template,
                "latest": latest,
                "items": definition.item_count(parsed) if parsed else 0,
                "pass_mark": parsed.pass_mark if parsed else None,
                "sampling": sampling_words(parsed.sampling) if parsed else "",
            }
        )
    return render(
        request,
        "inspections/checklists.html",
        {"rows": rows, "may_manage": may_manage_templates(user)},
    )


def _get_template(request: HttpRequest, pk: int) -> ChecklistTemplate:
    template = selectors.template_detail(staff(request), pk)
    if template is None:
        raise Http404
    return template


def _checklist_context(
    request: HttpRequest,
    template: ChecklistTemplate,
    *,
    form: forms.Form | None = None,
    problems: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    user = staff(request)
    versions = list(template.versions.all())
    if not versions:
        raise Http404
    wanted = request.GET.get("version")
    version = next((v for v in versions if str(v.number) == wanted), versions[0])
    parsed = _parsed(version)
    sections = []
    if parsed is not None:
        for section in parsed.sections:
            sections.append(
                {
                    "title": section.title,
                    "items": [{"item": item, "kind": item_kind_words(item)} for item in section.items],
                    "weight": sum(item.weight for item in section.items),
                }
            )
    manage = may_manage_templates(user)
    if manage and form is None:
        form = inspection_forms.PublishForm(
            initial={
                "name": template.name,
                "definition": json.dumps(versions[0].definition, ensure_ascii=False, indent=2),
            },
            auto_id="id_publish_%s",
        )
    return {
        "template": template,
        "versions": versions,
        "version": version,
        "latest": versions[0],
        "checklist": parsed,
        "sections": sections,
        "points": sum(item.weight for _s, item in parsed.items()) if parsed else 0,
        "sampling_words": sampling_words(parsed.sampling) if parsed else "",
        "may_manage": manage,
        "form": form if manage else None,
        "problems": problems or {},
        "events": list(events_for(template)),
    }


@login_required
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = _get_template(request, pk)
    return render(request, "inspections/checklist.html", _checklist_context(request, template))


@login_required
def checklist_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of the checklist from the form (what changed is said)."""
    if request.method != "POST":
        return redirect("inspections:checklist", pk=pk)
    user = staff(request)
    template = _get_template(request, pk)
    if not may_manage_templates(user):
        raise PermissionDenied(_("Your role does not allow keeping checklists."))
    form = inspection_forms.PublishForm(request.POST, auto_id="id_publish_%s")
    problems: dict[str, list[str]] = {}
    if form.is_valid():
        data = form.cleaned_data
        try:
            version = services.template_publish(
                template=template,
                by=user,
                definition_data=data["definition"],
                note=data["note"],
                name=data["name"],
            )
        except ValidationFailed as exc:
            _put_errors(exc, form)
            problems = _definition_errors(exc)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Version %(n)s published.") % {"n": version.number})
            return redirect(reverse("inspections:checklist", args=[pk]) + f"?version={version.number}")
    context = _checklist_context(request, template, form=form, problems=problems)
    return render(request, "inspections/checklist.html", context, status=422)


@login_required
def checklist_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Retire a checklist (no more inspections planned with it) or put it back in use."""
    if request.method != "POST":
        return redirect("inspections:checklist", pk=pk)
    user = staff(request)
    template = _get_template(request, pk)
    form = inspection_forms.ActiveForm(request.POST)
    if not form.is_valid():
        raise Http404
    try:
        done = services.template_set_active(template=template, by=user, active=form.cleaned_data["active"])
    except PermissionDeniedError as exc:
        raise PermissionDenied(str(exc.message)) from exc
    messages.success(
        request, _("The checklist is in use.") if done.is_active else _("The checklist is retired.")
    )
    return redirect("inspections:checklist", pk=pk)


@login_required
def checklist_create(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not may_manage_templates(user):
        raise PermissionDenied(_("Your role does not allow keeping checklists."))
    assert user.organisation is not None
    status = 200
    problems: dict[str, list[str]] = {}
    if request.method == "POST":
        form = inspection_forms.ChecklistCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = services.template_create(
                    organisation=user.organisation,
                    by=user,
                    code=data["code"],
                    name=data["name"],
                    definition_data=data["definition"],
                    note=data["note"],
                )
            except ValidationFailed as exc:
                _put_errors(exc, form)
                problems = _definition_errors(exc)
            else:
                messages.success(
                    request, _("Checklist “%(name)s” created.") % {"name": version.template.name}
                )
                return redirect("inspections:checklist", pk=version.template_id)
        status = 422
    else:
        form = inspection_forms.ChecklistCreateForm(
            initial={"definition": json.dumps(EXAMPLE, ensure_ascii=False, indent=2)}
        )
    return render(
        request, "inspections/checklist_create.html", {"form": form, "problems": problems}, status=status
    )


# A starting point for a new checklist's content (the form shows it, to be edited).
EXAMPLE: dict[str, Any] = {
    "pass_mark": 80,
    "sampling": {"method": "all"},
    "sections": [
        {
            "title": "服务现场",
            "items": [
                {"code": "uniform", "text": "员工着装整洁, 佩戴工牌", "weight": 2},
                {
                    "code": "site_clean",
                    "text": "作业现场清洁, 无遗留垃圾",
                    "weight": 3,
                    "photo_on_fail": True,
                },
            ],
        },
        {
            "title": "服务过程",
            "items": [
                {
                    "code": "records",
                    "text": "服务记录完整准确",
                    "weight": 4,
                    "kind": "score",
                    "max_score": 10,
                    "pass_at": 6,
                },
            ],
        },
    ],
}


@login_required
def inspection_table_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """《服务质量巡检表》 of one inspection as Excel (404 for one the user may not see)."""
    from .exports import table_download

    return table_download(request.user, pk, "xlsx")


@login_required
def inspection_table_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """《服务质量巡检表》 of one inspection, printable, with its signature lines."""
    from .exports import table_download

    return table_download(request.user, pk, "pdf")
