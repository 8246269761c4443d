"""Penalty proposals (004 客户投诉处罚): the person's own ("my penalties", with the appeal), those the
user decides (confirm, change, waive), and the appeals a director or the quality role decides.

Only proposals of ``selectors.penalties_for_user`` are listed or acted on (another one answers 404);
each form is offered only when the service would accept it from this user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.forms import add_service_errors
from fuwu.org.models import User

from .. import forms as cp_forms
from .. import selectors, services
from ..models import AppealStatus, PenaltyProposal, PenaltyStatus
from ..services.penalties import may_decide_appeal, may_decide_penalty
from .common import staff

PAGE_SIZE = 25

TABS = [
    ("mine", gettext_lazy("My penalties")),
    ("to_decide", gettext_lazy("To decide")),
    ("appeals", gettext_lazy("Appeals")),
    ("all", gettext_lazy("All I may see")),
]

ACTION_LABELS = {
    "decide": gettext_lazy("Decide"),
    "appeal": gettext_lazy("Appeal"),
    "decide-appeal": gettext_lazy("Decide the appeal"),
}


def penalty_actions(user: User, proposal: PenaltyProposal) -> list[str]:
    """What ``user`` may do with ``proposal`` now (the services' own conditions)."""
    actions = []
    if proposal.status == PenaltyStatus.PENDING and may_decide_penalty(user, proposal):
        actions.append("decide")
    if (
        proposal.person_id == user.pk
        and proposal.status in (PenaltyStatus.CONFIRMED, PenaltyStatus.CHANGED)
        and proposal.appeal_status == AppealStatus.NONE
    ):
        actions.append("appeal")
    if proposal.appeal_status == AppealStatus.PENDING and may_decide_appeal(user, proposal):
        actions.append("decide-appeal")
    return actions


FORMS: dict[str, Callable[..., forms.Form]] = {
    "decide": cp_forms.PenaltyDecisionForm,
    "appeal": cp_forms.PenaltyAppealForm,
    "decide-appeal": cp_forms.AppealDecisionForm,
}


def _run(action: str, user: User, proposal: PenaltyProposal, data: dict[str, Any]) -> str:
    if action == "decide":
        decision = data["decision"]
        services.penalty_decide(
            proposal,
            by=user,
            decision=decision,
            amount=data["amount"] if decision == "change" else None,
            note=data["note"],
        )
        return _("Penalty waived.") if decision == "waive" else _("Penalty confirmed.")
    if action == "appeal":
        services.penalty_appeal(proposal, by=user, text=data["text"])
        return _("Your appeal was sent.")
    upheld = data["upheld"] == "yes"
    services.penalty_decide_appeal(proposal, by=user, upheld=upheld, note=data["note"])
    return _("Appeal upheld: the penalty is lifted.") if upheld else _("Appeal rejected: the penalty stands.")


def _tab_filter(tab: str, user: User, proposals: Any) -> Any:
    if tab == "mine":
        return proposals.filter(person=user)
    if tab == "to_decide":
        return proposals.filter(status=PenaltyStatus.PENDING).exclude(person=user)
    if tab == "appeals":
        return proposals.filter(appeal_status=AppealStatus.PENDING).exclude(person=user)
    return proposals


def _page(
    request: HttpRequest,
    *,
    bound: tuple[int, str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = staff(request)
    keys = [key for key, _label in TABS]
    tab = request.GET.get("tab") or request.POST.get("tab") or "mine"
    if tab not in keys:
        tab = "mine"
    proposals = _tab_filter(tab, user, selectors.penalties_for_user(user)).select_related(
        "complaint", "person", "department", "decided_by", "appeal_decided_by"
    )
    page = Paginator(proposals.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for proposal in page.object_list:
        actions = []
        for action in penalty_actions(user, proposal):
            if bound and bound[0] == proposal.pk and bound[1] == action:
                form = bound[2]
            else:
                form = FORMS[action](auto_id=f"id_{action.replace('-', '_')}_{proposal.pk}_%s")
            actions.append(
                {
                    "action": action,
                    "label": ACTION_LABELS[action],
                    "form": form,
                    "url": reverse("complaints:penalty_action", args=[proposal.pk, action]),
                    "open": bool(bound and bound[0] == proposal.pk and bound[1] == action),
                }
            )
        rows.append({"p": proposal, "actions": actions})
    return render(
        request,
        "complaints/penalties.html",
        {
            "rows": rows,
            "page": page,
            "tab": tab,
            "tabs": [{"key": key, "label": label, "active": key == tab} for key, label in TABS],
        },
        status=status,
    )


@login_required
def penalty_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@login_required
def penalty_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    user = staff(request)
    proposal = (
        selectors.penalties_for_user(user)
        .select_related("complaint", "person", "department")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or action not in FORMS:
        raise Http404
    error: BusinessError | None = None
    if action not in penalty_actions(user, proposal):
        error = PermissionDeniedError(_("You cannot do this with this penalty now."))
    else:
        form = FORMS[action](request.POST, auto_id=f"id_{action.replace('-', '_')}_{proposal.pk}_%s")
        if form.is_valid():
            try:
                message = _run(action, user, proposal, dict(form.cleaned_data))
            except ValidationFailed as exc:
                add_service_errors(form, exc)
            except (ConflictError, PermissionDeniedError) as exc:
                error = exc
            else:
                messages.success(request, message)
                return redirect(f"{reverse('complaints:penalties')}?tab={request.POST.get('tab', 'mine')}")
        if error is None:
            return _page(request, bound=(proposal.pk, action, form), status=422)
    messages.error(request, str(error.message))
    return _page(request, status=error.status)
