"""Swaps of shifts as a process of the approvals engine (``fuwu.approvals``): one kind of approval
(``shift_swap``), decided by the policy's ``duty.swap_approver`` — a head of the shift's department
(or of one above it) when that is the role, a director always, never one of the two people swapping
(``permissions.may_decide_swap``). The inbox shows the swapped shift and who swaps with whom; the
decision, there or on the swap's page, ends in ``services.swaps.apply_decision``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.approvals import registry
from fuwu.approvals.models import Approval
from fuwu.approvals.registry import ApprovalProcess, Decision, RecordSummary
from fuwu.org.models import Department, Role, User

from .models import SwapRequest
from .permissions import may_decide_swap
from .services.context import APPROVAL_KIND, local_text


def _may_decide(user: User, approval: Approval, context: Any) -> bool:
    swap = context[0]
    return visibility.may_see(user, swap) and may_decide_swap(user, swap, approval.approver_role)


def inbox_q(user: User) -> Q:
    """The swap approvals ``user`` may see and decide (``may_decide_swap`` as a filter, against the
    swaps as they are now)."""
    from .visibility_rules import swaps_for_user

    swaps = swaps_for_user(user).exclude(requester=user.pk).exclude(colleague=user.pk)
    if user.has_role(Role.DIRECTOR):
        return Q(kind=APPROVAL_KIND, object_id__in=swaps.values("pk"))
    if not user.has_role(Role.DEPARTMENT_HEAD) or user.department is None:
        return Q(pk__in=[])
    subtree = Department.objects.filter(path__startswith=user.department.path).values("pk")
    return Q(
        kind=APPROVAL_KIND,
        approver_role=Role.DEPARTMENT_HEAD,
        object_id__in=swaps.filter(department_id__in=subtree).values("pk"),
    )


def _approves_anything(user: User) -> bool:
    """Without a query (every page's navigation asks)."""
    return user.has_role(Role.DIRECTOR) or (
        user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None
    )


def _describe(user: User, ids: Sequence[int]) -> Mapping[int, RecordSummary]:
    """One query for every swap of the inbox's page."""
    from .visibility_rules import swaps_for_user

    found = (
        swaps_for_user(user)
        .filter(pk__in=ids)
        .select_related("department", "shift", "counter_shift", "requester", "colleague")
    )
    described = {}
    for swap in found:
        summary = f"{swap.requester.display_name} → {swap.colleague.display_name}"
        if swap.counter_shift is not None:
            summary += " · " + str(
                _("in exchange for %(shift)s")
                % {"shift": f"{swap.counter_shift.post} {local_text(swap.counter_shift.starts_at)}"}
            )
        described[swap.pk] = RecordSummary(
            title=f"{swap.shift.post} {local_text(swap.shift.starts_at)}–{local_text(swap.shift.ends_at)}",
            url=reverse("duty:swap", args=[swap.pk]),
            summary=summary,
            department=swap.department.name,
        )
    return described


def _gate(approval: Approval, by: User, approved: bool, now: Any) -> Any:
    from .services.swaps import gate

    return gate(approval, by, approved, now)


def _apply(decision: Decision) -> Any:
    from .services.swaps import apply_decision

    return apply_decision(decision)


def register() -> None:
    registry.register(
        ApprovalProcess(
            model=SwapRequest,
            label=_("shift swap"),
            kinds=[
                # Translators: the kind of an approval — 换班 (004 三.3: 必须经主管批准)
                registry.ApprovalKind(APPROVAL_KIND, _("Shift swap"), _apply, note_required_on_deny=True)
            ],
            inbox_q=inbox_q,
            may_decide=_may_decide,
            describe=_describe,
            approves_anything=_approves_anything,
            gate=_gate,
        )
    )
