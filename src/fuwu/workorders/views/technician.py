"""The technician's phone view: the work orders assigned to them, as cards."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fuwu import visibility
from fuwu.approvals.models import Approval
from fuwu.clocks.display import Calendars, next_due
from fuwu.policy.models import PolicyVersion
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.visibility import PhoneShown

from .. import forms as wo_forms
from .. import selectors, services
from ..models import Status, WorkOrder
from ..rules import Action
from .common import organisation_of, staff, status_colour
from .detail import complete_form_kwargs, complete_initial, paid_service_banner


def _policies(work_orders: Iterable[WorkOrder]) -> dict[int | None, Any]:
    """The policy document of each work order's version, in one query for all of them."""
    ids = {wo.policy_version_id for wo in work_orders if wo.policy_version_id}
    documents: dict[int | None, Any] = {
        version.pk: policy_document_for_version(version)
        for version in PolicyVersion.objects.filter(pk__in=ids)
    }
    return documents


@login_required
def technician_view(request: HttpRequest) -> HttpResponse:
    """My assigned open work on a phone: address, caller, deadlines, and big buttons."""
    user = staff(request)
    now = timezone.now()
    mine = WorkOrder.objects.filter(Q(assignee=user) | Q(team=user)).values("pk")
    work_orders = list(
        selectors.with_list_related(visibility.work_orders_for_user(user), now=now)
        .filter(pk__in=mine, status__in=selectors.ASSIGNED_STATUSES)
        .select_related("product", "intake_department")
        .prefetch_related(
            "team",
            "clocks",
            "fees",
            Prefetch("approvals", queryset=Approval.objects.select_related("decided_by")),
        )
        .order_by("received_at", "id")[:100]
    )
    policies = _policies(work_orders)
    fallback = (
        active_policy(organisation_of(user))
        if any(wo.policy_version_id is None for wo in work_orders)
        else None
    )
    shown = PhoneShown(user)
    calendars = Calendars(user.organisation)
    # Messages of an action taken on a card are shown in that card (the page comes back to it).
    flashed = list(messages.get_messages(request))
    cards = []
    for wo in work_orders:
        policy = policies.get(wo.policy_version_id) or fallback
        allowed = services.allowed_actions(user, wo, policy)
        anchor = f"wo-{wo.pk}"
        cards.append(
            {
                "wo": wo,
                "anchor": anchor,
                "next": f"{request.path}#{anchor}",
                "phone": shown(wo.caller_phone),
                "phone_full": shown.full,
                "status_colour": status_colour(wo.status),
                "due": next_due(list(wo.clocks.all()), now, calendars),
                "allowed": {a.value for a in allowed},
                "messages": [m for m in flashed if m.extra_tags == anchor],
                "paid_service": paid_service_banner(wo, policy),
                "warranty_form": wo_forms.RecordWarrantyForm(
                    auto_id=f"id_warranty_{wo.pk}_%s", initial=complete_initial(wo)
                )
                if Action.RECORD_WARRANTY in allowed and wo.status == Status.ON_SITE
                else None,  # at the door
                "complete_form": wo_forms.CompleteForm(
                    auto_id=f"id_complete_{wo.pk}_%s",
                    initial=complete_initial(wo),
                    **complete_form_kwargs(wo, policy),
                )
                if Action.COMPLETE in allowed
                else None,
            }
        )
    anchors = {card["anchor"] for card in cards}
    return render(
        request,
        "workorders/technician.html",
        {"cards": cards, "now": now, "page_messages": [m for m in flashed if m.extra_tags not in anchors]},
    )
