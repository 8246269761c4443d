"""Staff pages of batches, made for the counter and the packing table (a 390 px phone): the list of
open batches by the step they wait for, registering a batch, the batch page with the next step's
sign form (and, for a double-check step, the second person's confirmation with their own login),
returns and their written feedback, the trace of items, and the record as PDF.

Reads go through ``selectors`` (which start from the visibility rules: a batch outside them answers
404); every change goes through one service function. A page offers exactly the actions
``services.allowed_actions`` returns; a forged request for another gets the service's answer (409
for the state, 403 for the person) as a message on the page.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.forms.utils import ErrorDict, ErrorList
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.forms import add_service_errors
from fuwu.lib.paging import page_rows
from fuwu.org.models import User

from . import forms as batch_forms
from . import selectors, services
from .display import status_shown
from .exports import batch_pdf
from .models import MAX_ITEMS, Batch
from .permissions import may_register
from .rules import Action, Counts
from .visibility_rules import batches_for_user

PAGE_SIZE = 30


def staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_staff_member(user):
        raise Http404
    return user


# --- list ---------------------------------------------------------------------------------------


def list_filters(request: HttpRequest) -> dict[str, Any]:
    """The list page's filters as ``selectors.batches_list`` arguments (invalid ones ignored). By
    default the open batches."""
    form = batch_forms.ListFilterForm(request.GET or None)
    if not form.is_bound or not form.is_valid():
        return {"is_open": True}
    data = form.cleaned_data
    view = data["view"] or "open"
    arguments: dict[str, Any] = {
        "is_open": {"open": True, "closed": False}.get(view),
        "step": data["step"] or None,
        "received_from": data["received_from"],
        "received_to": data["received_to"],
        "overdue": True if data["overdue"] else None,
        "q": data["q"] or None,
    }
    if view == "today":
        today = timezone.localdate()
        arguments["received_from"] = arguments["received_to"] = today
    return arguments


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    """Open batches (by default) grouped by the step they wait for, newest first; search and filters."""
    user = staff(request)
    arguments = list_filters(request)
    batches = selectors.batches_list(user=user, **arguments)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    page = min(page, 4000)
    rows = page_rows(batches, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("page", None)
    step_query = request.GET.copy()
    step_query.pop("page", None)
    step_query.pop("step", None)
    # The open batches by the step they wait for (one query), in the order of the steps.
    waiting = (
        batches_for_user(user)
        .filter(closed_at__isnull=True)
        .order_by()
        .values("next_step", "next_step_label")
        .annotate(n=Count("pk"))
    )
    from fuwu.policy.selectors import active_policy

    assert user.organisation is not None
    order = {step.code: index for index, step in enumerate(active_policy(user.organisation).tracing.steps)}
    by_step = sorted(waiting, key=lambda row: (order.get(row["next_step"], len(order)), row["next_step"]))
    return render(
        request,
        "tracing/list.html",
        {
            "rows": [{"batch": b, "status": status_shown(b)} for b in rows],
            "form": batch_forms.ListFilterForm(request.GET or None),
            "by_step": by_step,
            "step": arguments.get("step"),
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
            "step_query": step_query.urlencode(),
            "may_register": may_register(user),
        },
    )


# --- register -----------------------------------------------------------------------------------

SERVICE_FIELDS = {"department_id": "department", "customer_id": "customer"}


def _on_form(form: forms.Form, error: BusinessError, renamed: dict[str, str] | None = None) -> None:
    """A service's field errors on the form's fields (``counts.12`` → ``pieces_12``)."""
    fields: dict[str, list[str]] = {}
    for name, problems in error.fields.items():
        head, _dot, tail = name.partition(".")
        target = (renamed or {}).get(head, head)
        if tail.isdigit() and f"pieces_{tail}" in form.fields:
            target = f"pieces_{tail}"
        fields.setdefault(target, []).extend(problems)
    add_service_errors(form, type(error)(error.message, fields=fields, extra=error.extra))


@login_required
def batch_create(request: HttpRequest) -> HttpResponse:
    """Register a batch: the unit, the items as repeatable rows (one more with "Add a row"), the
    method, where it goes back to."""
    user = staff(request)
    if not may_register(user):
        raise PermissionDenied(_("Only members of staff of a department register batches."))
    status = 200
    initial = {"received_on": timezone.localdate(), "department": user.department_id}
    if request.method == "POST":
        form = batch_forms.BatchForm(request.POST, user=user, initial=initial)
        items = batch_forms.ItemFormSet(request.POST, prefix="items")
        if "add_row" in request.POST:
            # One more empty row, what was typed kept (no script needed).
            data = request.POST.copy()
            try:
                total = int(data.get("items-TOTAL_FORMS", "0"))
            except ValueError:
                total = 0
            data["items-TOTAL_FORMS"] = str(max(1, min(total + 1, MAX_ITEMS)))
            form = _unvalidated(batch_forms.BatchForm(data, user=user, initial=initial))
            items = _unvalidated(batch_forms.ItemFormSet(data, prefix="items"))
            return render(request, "tracing/create.html", {"form": form, "items": items})
        if form.is_valid() and items.is_valid():
            cleaned: dict[str, Any] = form.cleaned_data
            filled = [f.cleaned_data for f in items.forms if f.is_filled]
            customer = None
            if cleaned["customer"]:
                customer = visibility.customers_for_user(user).filter(pk=cleaned["customer"]).first()
            assert user.organisation is not None
            try:
                batch = services.batch_register(
                    organisation=user.organisation,
                    by=user,
                    department=cleaned["department"],
                    customer=customer,
                    unit_name=cleaned["unit_name"],
                    received_on=cleaned["received_on"],
                    items=[services.ItemInput(i["name"], i["packages"] or 0, i["pieces"]) for i in filled],
                    method=cleaned["method"],
                    method_other=cleaned["method_other"],
                    destination=cleaned["destination"],
                    note=cleaned["note"],
                )
            except ValidationFailed as exc:
                _on_form(form, exc, SERVICE_FIELDS)
            else:
                messages.success(request, _("%(number)s registered.") % {"number": batch.number})
                return redirect("tracing:detail", pk=batch.pk)
        status = 422
    else:
        form = batch_forms.BatchForm(user=user, initial=initial)
        items = batch_forms.ItemFormSet(prefix="items")
    return render(request, "tracing/create.html", {"form": form, "items": items}, status=status)


def _unvalidated(form: Any) -> Any:
    """A bound form (or formset) shown again without checking it: rows were only added."""
    if isinstance(form, forms.BaseFormSet):
        form._errors, form._non_form_errors = [], ErrorList()  # type: ignore[attr-defined]
        for row in form.forms:
            row._errors = ErrorDict()
    else:
        form._errors = ErrorDict()
    return form


# --- one batch ----------------------------------------------------------------------------------


def _get(request: HttpRequest, pk: int) -> Batch:
    return selectors.batch_get(user=staff(request), pk=pk)


def _forms(
    batch: Batch, state: services.BatchState, allowed: list[Action], bound: tuple[str, forms.Form] | None
) -> dict[str, Any]:
    """The forms of the actions ``allowed``: one sign form (the next step), one confirmation, one
    return, a correction per signed step, a feedback per return waiting for it. ``bound``: the one
    sent back with its errors (its key)."""

    def pick(key: str, make: Any) -> forms.Form:
        return bound[1] if bound is not None and bound[0] == key else make()

    found: dict[str, Any] = {"corrections": {}, "feedbacks": {}}
    step = state.next_step
    if Action.SIGN in allowed and step is not None:
        found["sign"] = pick(
            "sign",
            lambda: batch_forms.SignForm(
                items=[i for i in state.items if state.expected_at(step.position).get(i.pk) != (0, 0)],
                expected=state.expected_at(step.position),
                initial={"step": step.code},
                auto_id="id_sign_%s",
            ),
        )
    pending = state.pending
    if Action.CONFIRM in allowed and pending is not None:
        found["confirm"] = pick(
            "confirm",
            lambda: batch_forms.ConfirmForm(initial={"step": pending.step}, auto_id="id_confirm_%s"),
        )
    if Action.RETURN in allowed:
        remaining = state.remaining()
        found["return"] = pick(
            "return",
            lambda: batch_forms.ReturnForm(
                items=[i for i in state.items if remaining.get(i.pk, (0, 0))[1] > 0], auto_id="id_return_%s"
            ),
        )
    if Action.CORRECT in allowed:
        for code, signature in state.originals.items():
            counts = state.counts_of(signature)
            found["corrections"][code] = pick(
                f"correct:{code}",
                lambda counts=counts, code=code: batch_forms.CorrectForm(
                    items=[i for i in state.items if i.pk in counts],
                    counts=counts,
                    initial={"step": code},
                    auto_id=f"id_correct_{code}_%s",
                ),
            )
    if Action.FEEDBACK in allowed:
        for item_return in state.returns:
            if not item_return.has_feedback:
                found["feedbacks"][item_return.pk] = pick(
                    f"feedback:{item_return.pk}",
                    lambda pk=item_return.pk: batch_forms.FeedbackForm(
                        initial={"return_id": pk}, auto_id=f"id_feedback_{pk}_%s"
                    ),
                )
    return found


def _detail_context(
    request: HttpRequest,
    batch: Batch,
    *,
    bound: tuple[str, forms.Form] | None = None,
) -> dict[str, Any]:
    user = staff(request)
    now = timezone.now()
    state = services.BatchState.of(batch)
    allowed = services.allowed_actions(user, batch)
    shown = selectors.steps_shown(state)
    action_forms = _forms(batch, state, allowed, bound)
    remaining = state.remaining()
    return {
        "batch": batch,
        "status": status_shown(batch),
        "state": state,
        "steps": [
            {
                "shown": step,
                "rows": [
                    {"item": item, "count": step.counts.get(item.pk)}
                    for item in state.items
                    if item.pk in step.counts
                ],
                "correct_form": action_forms["corrections"].get(step.step.code),
                "corrections": [
                    {"entry": entry, "counts": {c.item_id: c for c in entry.counts.all()}}
                    for entry in step.corrections
                ],
            }
            for step in shown
        ],
        "items": [{"item": item, "remaining": remaining.get(item.pk, (0, 0))} for item in state.items],
        "pending": state.pending,
        "i_signed_pending": state.pending is not None and state.pending.signed_by_id == user.pk,
        "returns": [
            {
                "item_return": r,
                "overdue": r.feedback_overdue(now),
                "lines": [{"line": line, "item": _named(state, line.item_id)} for line in r.lines.all()],
                "form": action_forms["feedbacks"].get(r.pk),
            }
            for r in state.returns
        ],
        "sign_form": action_forms.get("sign"),
        "confirm_form": action_forms.get("confirm"),
        "return_form": action_forms.get("return"),
        "next_step": state.next_step if not batch.is_closed else None,
        "events": list(selectors.timeline_of(batch)),
        "retention_years": services.policy_of(batch).retention.traceable_items_years,
        "now": now,
    }


def _named(state: services.BatchState, item_id: int) -> str:
    return next((item.name for item in state.items if item.pk == item_id), "")


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "tracing/detail.html", _detail_context(request, _get(request, pk)))


def _bound_form(verb: Action, state: services.BatchState, data: Any) -> tuple[str, forms.Form]:
    """The form of ``verb`` filled in with the request's data, and its key on the page."""
    match verb:
        case Action.SIGN:
            step = state.next_step
            expected = state.expected_at(step.position) if step is not None else {}
            items = [i for i in state.items if expected.get(i.pk) != (0, 0)]
            return "sign", batch_forms.SignForm(data, items=items, expected=expected, auto_id="id_sign_%s")
        case Action.CONFIRM:
            return "confirm", batch_forms.ConfirmForm(data, auto_id="id_confirm_%s")
        case Action.CORRECT:
            code = str(data.get("step", ""))[:40]
            signature = state.originals.get(code)
            counts = state.counts_of(signature) if signature is not None else {}
            items = [i for i in state.items if i.pk in counts]
            return f"correct:{code}", batch_forms.CorrectForm(
                data, items=items, counts=counts, auto_id=f"id_correct_{code}_%s"
            )
        case Action.RETURN:
            remaining = state.remaining()
            items = [i for i in state.items if remaining.get(i.pk, (0, 0))[1] > 0]
            return "return", batch_forms.ReturnForm(data, items=items, auto_id="id_return_%s")
        case Action.FEEDBACK:
            key = str(data.get("return_id", ""))[:20]
            return f"feedback:{key}", batch_forms.FeedbackForm(data, auto_id=f"id_feedback_{key}_%s")
    raise Http404  # pragma: no cover - every verb has a form


def _run(verb: Action, batch: Batch, user: User, form: forms.Form) -> str:
    data = form.cleaned_data
    counts: dict[int, Counts] = form.counts() if isinstance(form, batch_forms.CountsMixin) else {}
    match verb:
        case Action.SIGN:
            signature = services.batch_sign(
                batch=batch, by=user, step=data["step"], counts=counts, note=data["note"]
            )
            if signature.double_check:
                return _("%(step)s signed: another person now confirms it with their own login.") % {
                    "step": signature.step_label
                }
            return _("%(step)s signed.") % {"step": signature.step_label}
        case Action.CONFIRM:
            signature = services.batch_confirm(batch=batch, by=user, step=data["step"], note=data["note"])
            return _("%(step)s confirmed by a second person.") % {"step": signature.step_label}
        case Action.CORRECT:
            services.batch_correct(
                batch=batch, by=user, step=data["step"], counts=counts, reason=data["reason"]
            )
            return _("Correction recorded.")
        case Action.RETURN:
            item_return = services.batch_return(batch=batch, by=user, lines=counts, problem=data["problem"])
            return _("Items returned: written feedback is due %(due)s.") % {
                "due": f"{timezone.localtime(item_return.feedback_due_at):%Y-%m-%d %H:%M}"
            }
        case Action.FEEDBACK:
            services.batch_feedback(
                batch=batch,
                by=user,
                return_id=data["return_id"],
                feedback=data["feedback"],
                suggestion=data["suggestion"],
                recipient=data["recipient"],
            )
            return _("Written feedback recorded.")
    raise Http404  # pragma: no cover


@login_required
def batch_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    batch = _get(request, pk)
    try:
        verb = Action(action)
    except ValueError as exc:
        raise Http404 from exc
    user = staff(request)
    refused = services.refusal(user, batch, verb)
    if refused is not None:
        return _refused(request, batch, refused)
    key, form = _bound_form(verb, services.BatchState.of(batch), request.POST)
    if form.is_valid():
        try:
            message = _run(verb, batch, user, form)
        except ValidationFailed as exc:
            _on_form(form, exc)
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused(request, _get(request, pk), exc)
        else:
            messages.success(request, message)
            return redirect(reverse("tracing:detail", args=[pk]) + "#actions")
    context = _detail_context(request, _get(request, pk), bound=(key, form))
    return render(request, "tracing/detail.html", context, status=422)


def _refused(request: HttpRequest, batch: Batch, error: BusinessError) -> HttpResponse:
    messages.error(request, str(error.message))
    return render(request, "tracing/detail.html", _detail_context(request, batch), status=error.status)


@login_required
def batch_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    batch = selectors.batch_get(user=user, pk=pk)
    now = timezone.now()
    response = HttpResponse(batch_pdf(batch, user, now=now), content_type="application/pdf")
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        content_disposition_header(not request.GET.get("inline"), f"batch-{batch.number}-{stamp}.pdf")
        or "attachment"
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- trace --------------------------------------------------------------------------------------


@login_required
def batch_trace(request: HttpRequest) -> HttpResponse:
    """Search by batch number, item name or unit: each batch found with each item's way through
    every step (who signed what and when, counts, returns and feedback)."""
    user = staff(request)
    form = batch_forms.TraceForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        result = selectors.trace(
            user=user, q=data["q"], received_from=data["received_from"], received_to=data["received_to"]
        )
    return render(
        request,
        "tracing/trace.html",
        {"form": form, "result": result, "now": timezone.now()},
    )
