"""Staff pages of outsourced suppliers (外包供方): the list with standing badges and filters, a
supplier registered or changed, and the supplier's page — details, standing (since when, why),
contract, the history of its inspections and evaluations with the evaluation scores' trend, the
open rectification orders from its inspections, the timeline — with its actions (edit,
deactivate, evaluate now).

Reads go through ``selectors`` (suppliers: every member of staff of the organisation; their
inspections and rectification orders: ``fuwu.inspections.selectors``, under their own rules);
every change goes through one service function. A form the service refuses comes back with each
problem next to its field (422); a refused action (403, 409) is a message on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
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

from fuwu import visibility
from fuwu.inspections import selectors as inspection_selectors
from fuwu.inspections.models import Purpose, RectificationStatus, Status
from fuwu.lib.display import system_text
from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.paging import page_rows
from fuwu.org.models import User
from fuwu.policy.selectors import active_policy

from . import forms as supplier_forms
from . import selectors, services
from .display import STANDING_COLOURS
from .models import Supplier
from .permissions import may_evaluate, may_manage, may_register

PAGE_SIZE = 25
INSPECTION_COLOURS: dict[str, str] = {
    Status.PLANNED: "secondary",
    Status.IN_PROGRESS: "primary",
    Status.SUBMITTED: "success",
    Status.CANCELLED: "light",
}
RECTIFICATION_COLOURS: dict[str, str] = {
    RectificationStatus.ISSUED: "warning",
    RectificationStatus.IN_RECTIFICATION: "primary",
    RectificationStatus.AWAITING_VERIFICATION: "info",
}
# The trend's drawing (an SVG sparkline, no script): its size and inner margin.
TREND_WIDTH, TREND_HEIGHT, TREND_MARGIN = 300, 90, 8


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


def _on_form(form: forms.Form, error: BusinessError) -> None:
    """Each field problem of ``error`` next to its field of ``form`` (or above the form)."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for name, problems in error.fields.items():
        field = supplier_forms.field_of(name)
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def contract_state(supplier: Supplier, today: date) -> str:
    """``ended``, ``not_started`` or ``current`` (no dates: current)."""
    if supplier.contract_ends_on is not None and supplier.contract_ends_on < today:
        return "ended"
    if supplier.contract_starts_on is not None and supplier.contract_starts_on > today:
        return "not_started"
    return "current"


# --- list ---------------------------------------------------------------------------------------


@login_required
def supplier_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    form = supplier_forms.ListFilterForm(request.GET or None, user=user)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "standing": data["standing"] or None,
            "department_id": data["department"].pk if data["department"] else None,
            "q": data["q"] or None,
            "active": None if data["inactive"] else True,
        }
    suppliers = selectors.suppliers_list(user=user, **filters)
    page = _page(request)
    rows = page_rows(suppliers, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    today = timezone.localdate()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "suppliers/list.html",
        {
            "rows": [
                {
                    "supplier": s,
                    "colour": STANDING_COLOURS.get(s.standing, "secondary"),
                    "contract": contract_state(s, today),
                }
                for s in rows[:PAGE_SIZE]
            ],
            "form": form,
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
            "may_register": may_register(user),
        },
    )


# --- register and change ------------------------------------------------------------------------


def _supplier_values(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in services.EDITABLE}


@login_required
def supplier_create(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not may_register(user):
        raise PermissionDenied(_("Your role does not allow keeping suppliers."))
    status = 200
    if request.method == "POST":
        form = supplier_forms.SupplierForm(request.POST, user=user)
        if form.is_valid():
            assert user.organisation is not None
            try:
                supplier = services.supplier_create(
                    organisation=user.organisation, by=user, **_supplier_values(form.cleaned_data)
                )
            except ValidationFailed as exc:
                _on_form(form, exc)
            else:
                messages.success(request, _("%(supplier)s registered.") % {"supplier": supplier.name})
                return redirect("suppliers:detail", pk=supplier.pk)
        status = 422
    else:
        form = supplier_forms.SupplierForm(user=user)
    return render(request, "suppliers/form.html", {"form": form, "supplier": None}, status=status)


@login_required
def supplier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    supplier = selectors.supplier_get(user=user, pk=pk)
    if not may_manage(user, supplier):
        raise PermissionDenied(_("Your role does not allow changing this supplier."))
    status = 200
    if request.method == "POST":
        form = supplier_forms.SupplierEditForm(request.POST, user=user)
        if form.is_valid():
            try:
                services.supplier_update(
                    supplier=supplier,
                    by=user,
                    reason=form.cleaned_data["reason"],
                    **_supplier_values(form.cleaned_data),
                )
            except ValidationFailed as exc:
                _on_form(form, exc)
            except (ConflictError, PermissionDeniedError) as exc:
                messages.error(request, str(exc.message))
                return redirect("suppliers:detail", pk=pk)
            else:
                messages.success(request, _("Saved."))
                return redirect("suppliers:detail", pk=pk)
        status = 422
    else:
        form = supplier_forms.SupplierEditForm(
            user=user,
            initial={
                **{name: getattr(supplier, name) for name in services.EDITABLE if name != "department"},
                "department": supplier.department_id,
            },
        )
    return render(request, "suppliers/form.html", {"form": form, "supplier": supplier}, status=status)


# --- one supplier -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    points: list[dict[str, Any]]
    line: str  # the polyline's points
    qualified_y: float
    probation_y: float
    width: int = TREND_WIDTH
    height: int = TREND_HEIGHT


def _y(score: Decimal | int) -> float:
    inner = TREND_HEIGHT - 2 * TREND_MARGIN
    return round(TREND_MARGIN + (100 - float(score)) / 100 * inner, 1)


def trend_of(points: list[selectors.TrendPoint], qualified_at: int, probation_at: int) -> Trend | None:
    """The evaluation scores as a sparkline: x by order, y by score (0–100), the thresholds as
    lines."""
    if not points:
        return None
    inner = TREND_WIDTH - 2 * TREND_MARGIN
    step = inner / (len(points) - 1) if len(points) > 1 else 0
    shown = []
    for index, point in enumerate(points):
        x = round(TREND_MARGIN + (index * step if len(points) > 1 else inner / 2), 1)
        shown.append(
            {
                "point": point,
                "x": x,
                "y": _y(point.score),
                "colour": STANDING_COLOURS.get(point.standing, "secondary"),
                "standing": point.standing.label,
            }
        )
    return Trend(
        points=shown,
        line=" ".join(f"{p['x']},{p['y']}" for p in shown),
        qualified_y=_y(qualified_at),
        probation_y=_y(probation_at),
    )


def _history_rows(user: User, supplier: Supplier, now: Any) -> list[dict[str, Any]]:
    rows = []
    for inspection in selectors.history(user, supplier, now=now):
        template = inspection.template_version.template
        rows.append(
            {
                "inspection": inspection,
                "is_evaluation": template.purpose == Purpose.EVALUATION,
                "kind": Purpose(template.purpose).label,
                "checklist": f"{template.name} v{inspection.template_version.number}",
                "day": inspection.submitted_at or inspection.due_at,
                "colour": INSPECTION_COLOURS.get(inspection.status, "secondary"),
            }
        )
    return rows


def _detail_context(
    request: HttpRequest,
    supplier: Supplier,
    *,
    evaluate_form: forms.Form | None = None,
    deactivate_form: forms.Form | None = None,
) -> dict[str, Any]:
    user = staff(request)
    now = timezone.now()
    thresholds = active_policy(supplier.organisation).suppliers
    trend_points = selectors.evaluation_trend(user, supplier, now=now, thresholds=thresholds)
    evaluation_visible = (
        supplier.standing_evaluation_id is not None
        and inspection_selectors.inspections(user, now=now)
        .filter(pk=supplier.standing_evaluation_id)
        .exists()
    )
    managing = may_manage(user, supplier) and supplier.is_active
    evaluating = may_evaluate(user, supplier)
    return {
        "supplier": supplier,
        "standing_colour": STANDING_COLOURS.get(supplier.standing, "secondary"),
        "standing_reason": system_text(supplier.standing_reason),
        "evaluation_visible": evaluation_visible,
        "contract": contract_state(supplier, timezone.localdate()),
        "history": _history_rows(user, supplier, now),
        "history_limit": selectors.HISTORY_SHOWN,
        "trend": trend_of(trend_points, thresholds.qualified_at, thresholds.probation_at),
        "thresholds": thresholds,
        "rectifications": [
            {"order": order, "colour": RECTIFICATION_COLOURS.get(order.status, "secondary")}
            for order in selectors.open_rectifications(user, supplier, now=now)
        ],
        "events": list(selectors.timeline_of(supplier)),
        "may_manage": managing,
        "may_evaluate": evaluating,
        "open_evaluation": selectors.open_evaluation_shown(user, supplier, now=now) if evaluating else None,
        "evaluate_form": evaluate_form
        or (supplier_forms.EvaluateForm(user=user, initial={"inspector": user.pk}) if evaluating else None),
        "deactivate_form": deactivate_form or (supplier_forms.DeactivateForm() if managing else None),
        "now": now,
    }


@login_required
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = selectors.supplier_get(user=staff(request), pk=pk)
    return render(request, "suppliers/detail.html", _detail_context(request, supplier))


def _refused(request: HttpRequest, supplier: Supplier, error: BusinessError) -> HttpResponse:
    messages.error(request, str(error.message))
    return render(request, "suppliers/detail.html", _detail_context(request, supplier), status=error.status)


@login_required
def supplier_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = staff(request)
    supplier = selectors.supplier_get(user=user, pk=pk)
    form = supplier_forms.DeactivateForm(request.POST)
    if form.is_valid():
        try:
            services.supplier_deactivate(supplier=supplier, by=user, reason=form.cleaned_data["reason"])
        except ValidationFailed as exc:
            _on_form(form, exc)
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused(request, supplier, exc)
        else:
            messages.success(request, _("%(supplier)s deactivated.") % {"supplier": supplier.name})
            return redirect("suppliers:detail", pk=pk)
    if not may_manage(user, supplier):
        return _refused(
            request, supplier, PermissionDeniedError(_("Your role does not allow changing this supplier."))
        )
    context = _detail_context(request, supplier, deactivate_form=form)
    return render(request, "suppliers/detail.html", context, status=422)


@login_required
def supplier_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    """Evaluate now: an evaluation planned by hand; the evaluator is told, the page of the new
    evaluation opens."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = staff(request)
    supplier = selectors.supplier_get(user=user, pk=pk)
    form = supplier_forms.EvaluateForm(request.POST, user=user)
    if form.is_valid():
        try:
            inspection = services.supplier_evaluate(
                supplier=supplier,
                by=user,
                inspector=form.cleaned_data["inspector"],
                due_on=form.cleaned_data["due_on"],
            )
        except ValidationFailed as exc:
            _on_form(form, exc)
        except (ConflictError, PermissionDeniedError) as exc:
            return _refused(request, supplier, exc)
        else:
            messages.success(
                request,
                _("%(number)s: evaluation of %(supplier)s planned.")
                % {"number": inspection.number, "supplier": supplier.name},
            )
            if inspection_selectors.inspections(user, now=timezone.now()).filter(pk=inspection.pk).exists():
                return redirect(reverse("inspections:detail", args=[inspection.pk]))
            return redirect("suppliers:detail", pk=pk)
    if not may_evaluate(user, supplier):
        return _refused(
            request, supplier, PermissionDeniedError(_("Your role does not allow evaluating this supplier."))
        )
    context = _detail_context(request, supplier, evaluate_form=form)
    return render(request, "suppliers/detail.html", context, status=422)
