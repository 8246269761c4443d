"""Work orders as a process of the approvals engine (``fuwu.approvals``): their kinds of approval
(red light: refusal and "cannot be done now"; deadline extension; paid service), who decides them
(``permissions.ApprovalAuthority``: a director all, a head those asking a head for their deciding
department or below — not A/B-aware, as before), how the inbox shows a work order, and the typed
view of the work-order parameters an approval keeps in ``details``.

What a decision does stays in the services (``services.red_light``, ``services.fees``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.approvals import registry
from fuwu.approvals.models import Approval
from fuwu.approvals.registry import ApprovalProcess, Decision, RecordSummary
from fuwu.org.models import Role, User

from .models import ApprovalKind, WorkOrder
from .permissions import ApprovalAuthority, may_approve
from .rules import Action


@dataclass(frozen=True)
class Details:
    """The work-order parameters of an approval (``Approval.details``)."""

    status_before: str = ""  # the status when asked (a refusal denied goes back to it)
    clock_kind: str = ""  # extensions: the clock to move…
    extension_amount: int | None = None  # …by this much
    extension_unit: str = ""
    deferred_until: date | None = None  # "cannot be done now": the day from which it can be done

    @classmethod
    def of(cls, approval: Approval) -> Details:
        data = approval.details or {}
        day = data.get("deferred_until")
        return cls(
            status_before=data.get("status_before", ""),
            clock_kind=data.get("clock_kind", ""),
            extension_amount=data.get("extension_amount"),
            extension_unit=data.get("extension_unit", ""),
            deferred_until=date.fromisoformat(day) if day else None,
        )

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "status_before": self.status_before,
            "clock_kind": self.clock_kind,
            "extension_amount": self.extension_amount,
            "extension_unit": self.extension_unit,
            "deferred_until": self.deferred_until.isoformat() if self.deferred_until else None,
        }
        return {key: value for key, value in data.items() if value not in ("", None)}


# The action whose gate (state and role) a decision of each kind passes, approving and denying.
DECISION_ACTIONS: dict[str, tuple[Action, Action]] = {
    ApprovalKind.REJECTION: (Action.APPROVE_REJECTION, Action.DENY_REJECTION),
    ApprovalKind.CANNOT_DO_NOW: (Action.APPROVE_REJECTION, Action.DENY_REJECTION),
    ApprovalKind.EXTENSION: (Action.APPROVE_EXTENSION, Action.DENY_EXTENSION),
    ApprovalKind.PAID_SERVICE: (Action.APPROVE_PAID_SERVICE, Action.DENY_PAID_SERVICE),
}


def decision_action(kind: str, approved: bool) -> Action:
    approve, deny = DECISION_ACTIONS[kind]
    return approve if approved else deny


def _gate(approval: Approval, by: User, approved: bool, now: datetime) -> Any:
    from .services.context import _begin

    return _begin(WorkOrder(pk=approval.object_id), decision_action(approval.kind, approved), by, now)


def _may_decide(user: User, approval: Approval, context: Any) -> bool:
    work_order = context.work_order
    return visibility.may_see(user, work_order) and may_approve(user, approval.approver_role, work_order)


def inbox_q(user: User) -> Q:
    """The work-order approvals ``user`` may see and decide (``ApprovalAuthority.allows`` as a filter
    on approvals, against the work orders as they are now)."""
    authority = ApprovalAuthority.of(user)
    records = visibility.work_orders_for_user(user)
    if authority.decides_all:
        return Q(object_id__in=records.values("pk"))
    if authority.head_path is None:
        return Q(pk__in=[])
    deciding = Q(department__path__startswith=authority.head_path) | Q(
        department__isnull=True, intake_department__path__startswith=authority.head_path
    )
    return Q(approver_role=Role.DEPARTMENT_HEAD, object_id__in=records.filter(deciding).values("pk"))


def _approves_anything(user: User) -> bool:
    """Without a query (every page's navigation asks)."""
    return user.has_role(Role.DIRECTOR) or (
        user.has_role(Role.DEPARTMENT_HEAD) and user.department_id is not None
    )


def _describe(user: User, ids: Sequence[int]) -> Mapping[int, RecordSummary]:
    """One query for every work order of the inbox's page."""
    found = (
        visibility.work_orders_for_user(user).filter(pk__in=ids).select_related("department", "service_type")
    )
    return {
        wo.pk: RecordSummary(
            title=wo.number,
            url=reverse("workorders:detail", args=[wo.pk]),
            summary=f"{wo.service_type.name} · {wo.get_status_display()}",
            department=wo.department.name if wo.department is not None else "",
        )
        for wo in found
    }


def _apply_red_light(decision: Decision) -> Any:
    from .services.red_light import apply_red_light_decision

    return apply_red_light_decision(decision)


def _apply_extension(decision: Decision) -> Any:
    from .services.red_light import apply_extension_decision

    return apply_extension_decision(decision)


def _apply_paid_service(decision: Decision) -> Any:
    from .services.fees import apply_paid_service_decision

    return apply_paid_service_decision(decision)


def pending_of(work_order: WorkOrder, *kinds: str) -> Approval | None:
    """The work order's pending approval of one of ``kinds`` (from the prefetched ones when there are)."""
    return next(
        (a for a in work_order.approvals.all() if a.is_pending and a.kind in kinds),
        None,
    )


def content_type() -> ContentType:
    return ContentType.objects.get_for_model(WorkOrder)


def register() -> None:
    registry.register(
        ApprovalProcess(
            model=WorkOrder,
            label=_("work order"),
            kinds=[
                registry.ApprovalKind(
                    ApprovalKind.REJECTION, ApprovalKind.REJECTION.label, _apply_red_light, True
                ),
                registry.ApprovalKind(
                    ApprovalKind.CANNOT_DO_NOW, ApprovalKind.CANNOT_DO_NOW.label, _apply_red_light, True
                ),
                registry.ApprovalKind(ApprovalKind.EXTENSION, ApprovalKind.EXTENSION.label, _apply_extension),
                registry.ApprovalKind(
                    ApprovalKind.PAID_SERVICE, ApprovalKind.PAID_SERVICE.label, _apply_paid_service
                ),
            ],
            inbox_q=inbox_q,
            may_decide=_may_decide,
            describe=_describe,
            approves_anything=_approves_anything,
            gate=_gate,
        )
    )
