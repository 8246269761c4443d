"""How work orders and their values are shown (loaded by the timeline app at start-up).

Labels and formats of every key the services write into a work order's timeline, the labels of its
actions, and the sentences the services store as text (clock states, decisions, notification titles),
so that each reader gets them in their own language, also for events written before.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from fuwu import visibility
from fuwu.approvals.models import ApprovalStatus
from fuwu.lib import display as fmt
from fuwu.lib.display import system_texts
from fuwu.org.models import Role
from fuwu.timeline.display import (
    Auto,
    Choice,
    Count,
    Custom,
    Day,
    Fields,
    Minutes,
    Money,
    RenderContext,
    Text,
    Value,
    timeline_display,
)

from .models import (
    ApprovalKind,
    Channel,
    ClockKind,
    Confirmation,
    ConfirmationMethod,
    FeeLine,
    NoticeKind,
    Priority,
    ServiceReport,
    Status,
    WarrantyStatus,
    WorkOrder,
)

EVENT_LABELS = {
    "work_order.received": _("Received"),
    "work_order.photos_added": _("Photos added"),
    "work_order.routed": _("Routed"),
    "work_order.dispatched": _("Dispatched"),
    "work_order.accepted": _("Accepted"),
    "work_order.arrived": _("Arrived on site"),
    "work_order.replied_in_writing": _("Replied in writing"),
    "work_order.notice_sent": _("Notice of missing materials sent"),
    "work_order.materials_received": _("Materials received"),
    "work_order.rejection_requested": _("Refusal requested (red light)"),
    "work_order.rejection_approved": _("Refusal approved"),
    "work_order.rejection_denied": _("Refusal denied"),
    "work_order.extension_requested": _("Extension requested"),
    "work_order.extension_approved": _("Extension approved"),
    "work_order.extension_denied": _("Extension denied"),
    "work_order.completed": _("Completed"),
    "work_order.confirmation_code_sent": _("Confirmation code sent"),
    "work_order.confirmed": _("Confirmed by the customer"),
    "work_order.confirmation_refused": _("Customer refused to confirm"),
    "work_order.fee_recorded": _("Fee recorded"),
    "work_order.fee_collected": _("Fee collected"),
    "work_order.paid_service_approved": _("Paid service approved"),
    "work_order.paid_service_denied": _("Paid service denied"),
    "work_order.closed": _("Closed"),
    "work_order.cancelled": _("Cancelled"),
    "work_order.reopened": _("Reopened"),
    "work_order.reminded": _("Reminder sent"),
    "work_order.handed_over": _("Handed over (A/B)"),
    "work_order.escalated": _("Escalated"),
    "work_order.deferral_requested": _("Deferral requested (red light)"),
    "work_order.deferred": _("Deferred"),
    "work_order.deferral_denied": _("Deferral denied"),
    "work_order.resumed": _("Work resumed"),
    "work_order.warranty_recorded": _("Warranty finding recorded"),
}


def extension_text(value: Any, context: RenderContext | None = None) -> str:
    """``{"clock": "arrival", "amount": 2, "unit": "working_days", "approver": "director"}`` →
    时限：到场，延长时间：2 个工作日，审批人：总监 (a decision stored as a word is said in the reader's language)."""
    if not isinstance(value, dict):
        return fmt.system_text(str(value))
    pairs = []
    if value.get("clock"):
        pairs.append((_("clock"), fmt.choice_label(ClockKind, value["clock"])))
    if value.get("amount") is not None:
        pairs.append((_("extra time"), fmt.duration(value["amount"], str(value.get("unit", "")))))
    if value.get("approver"):
        pairs.append((_("approver"), fmt.choice_label(Role, value["approver"])))
    return fmt.join_pairs(pairs) if pairs else fmt.EMPTY


def _work_orders(viewer: Any, ids: set[Any]) -> Any:
    return visibility.work_orders_for_user(viewer).filter(pk__in=ids).only("pk", "number")


timeline_display.reference(
    WorkOrder,
    visible=_work_orders,
    name=lambda wo: wo.number,
    url=lambda wo, viewer: reverse("workorders:detail", args=[wo.pk]),
)

APPROVAL = Fields(
    {
        "kind": Value(_("kind"), Choice(ApprovalKind)),
        "approver": Value(_("approver"), Choice(Role)),
        "deferred_until": Value(_("can be done from"), Day()),
    }
)

timeline_display.subject(
    WorkOrder,
    actions=EVENT_LABELS,
    fields={
        "status": Value(format=Choice(Status)),
        "deferred_until": Value(format=Day()),
        "warranty_finding": Value(format=Choice(WarrantyStatus)),
        "channel": Value(format=Choice(Channel)),
        "priority": Value(format=Choice(Priority)),
        "photos": Value(_("photos"), Count(lambda n: ngettext("%(n)s photo", "%(n)s photos", n) % {"n": n})),
        "clocks": Value(_("clocks"), Text()),
        **{f"clock.{kind.value}": Value(kind.label, Auto()) for kind in ClockKind},
        "notice": Value(
            _("notice"),
            Fields(
                {
                    "kind": Value(_("kind"), Choice(NoticeKind)),
                    "items": Value(_("missing materials"), Auto()),
                }
            ),
        ),
        "received": Value(_("received"), Auto()),
        "still_missing": Value(_("still missing"), Auto()),
        "approval": Value(_("approval"), APPROVAL),
        "approvals_withdrawn": Value(_("approvals withdrawn"), Choice(ApprovalKind)),
        "answer": Value(_("answer to the customer"), Text()),
        "reply": Value(_("written reply"), Text()),
        "addressed_to": Value(_("addressed to"), Value.of(WorkOrder, "assignee").format),
        "extension": Value(_("extension"), Custom(extension_text)),
        "report": Value(
            _("service report"),
            Fields(
                {
                    "warranty": Value.of(ServiceReport, "warranty_status"),
                    "minutes": Value(_("time spent"), Minutes()),
                },
                model=ServiceReport,
            ),
        ),
        "confirmation": Value(
            _("confirmation"),
            Fields(
                {
                    "method": Value.of(Confirmation, "method"),
                    "by": Value.of(Confirmation, "confirmed_by_name"),
                },
                model=Confirmation,
            ),
        ),
        "fee": Value(
            _("fee"),
            Fields(
                {
                    "item": Value.of(FeeLine, "description"),
                    "amount": Value.of(FeeLine, "amount", format=Money()),
                    "receipt_number": Value.of(FeeLine, "receipt_number"),
                },
                model=FeeLine,
            ),
        ),
        "fees_dropped": Value(_("fees dropped"), Auto()),
        "paid_service": Value(_("paid service"), Text()),
        "phone": Value(_("phone"), Auto()),
        # Escalations (sweeps)
        "clock": Value(_("clock"), Choice(ClockKind)),
        "level": Value(_("level"), Auto()),
        "role": Value(_("role"), Choice(Role)),
        "notified": Value(_("notified"), Auto()),
    },
)

# Sentences the services store as text (timeline values and reasons, approval reasons, notifications).
system_texts.register(
    _("met in time"),
    _("met late"),
    _("paused"),
    _("approved"),
    _("denied"),
    # results the first-contact owner tells the customer
    _("closed"),
    _("cancelled"),
    _("refused after approval"),
    _("the work is done"),
    _("deferred until %(day)s"),
    _("the day from which it can be done has come"),
    _("logged at the gate for %(owner)s"),
    _("%(number)s arrived in the %(department)s queue"),
    _("%(number)s was dispatched to you: %(location)s"),
    _("%(number)s: %(result)s — tell the customer"),
    _("%(number)s: a refusal waits for your approval"),
    _("%(number)s: a deferral until %(day)s waits for your approval"),
    _("%(number)s can be done now (deferred until %(day)s)"),
    _("%(number)s: an extension waits for your approval"),
    _("%(number)s: a paid service waits for your approval"),
    _("%(number)s: the customer refused to confirm"),
    _("%(number)s was reopened: %(reason)s"),
    _("%(number)s: reminder from %(name)s"),
    _("%(count)s work orders of %(name)s are yours while they are away"),
)
system_texts.register(_("%(number)s: %(kind)s %(decision)s"), kind=ApprovalKind, decision=ApprovalStatus)
system_texts.register(_("paid service: %(warranty)s"), warranty=WarrantyStatus)
system_texts.register(
    _("%(number)s: %(clock)s due at %(due)s"),
    _("%(number)s: %(clock)s deadline missed"),
    _("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s"),
    clock=ClockKind,
)
system_texts.register_choices(
    Status,
    Channel,
    Priority,
    ClockKind,
    ApprovalKind,
    ApprovalStatus,
    WarrantyStatus,
    ConfirmationMethod,
    NoticeKind,
)

__all__ = ["EVENT_LABELS", "extension_text"]
