"""How complaints and their values are shown (loaded by the timeline app at start-up).

Labels of every complaint action, formats of the keys the services write into a complaint's
timeline (the model's fields are described by the model itself), the work order's
``work_order.complaint_raised``, and the sentences the services store as text (notification
titles, clock states), so that each reader gets them in their own language.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from fuwu.lib import display as fmt
from fuwu.lib.display import system_texts
from fuwu.org.models import Role, User
from fuwu.timeline.display import (
    Auto,
    Choice,
    Custom,
    Fields,
    ListOf,
    Money,
    Ref,
    RenderContext,
    Text,
    Value,
    YesNo,
    timeline_display,
)
from fuwu.workorders.models import WorkOrder

from .models import (
    AnswerOutcome,
    AppealStatus,
    Channel,
    ClockKind,
    Complaint,
    ComplaintObject,
    CostKind,
    CostStatus,
    PenaltyProposal,
    PenaltyStatus,
    ReplyMethod,
    Status,
    Validity,
)

EVENT_LABELS = {
    "complaint.created": _("Complaint registered"),
    "complaint.acknowledged": _("Receipt acknowledged"),
    "complaint.assessed": _("Assessed"),
    "complaint.investigation_started": _("Investigation started"),
    "complaint.responsibility_assigned": _("Cause and responsibility decided"),
    "complaint.plan_proposed": _("Handling plan proposed"),
    "complaint.plan_approved": _("Handling plan approved"),
    "complaint.plan_denied": _("Handling plan denied"),
    "complaint.extension_requested": _("Extension requested"),
    "complaint.extension_approved": _("Extension approved"),
    "complaint.extension_denied": _("Extension denied"),
    "complaint.executed": _("Plan executed"),
    "complaint.replied": _("Replied to the customer"),
    "complaint.answer_recorded": _("Customer's answer recorded"),
    "complaint.contact_failed": _("Customer could not be reached"),
    "complaint.answer_classified": _("Unsatisfied answer judged"),
    "complaint.reopened": _("Reopened for re-handling"),
    "complaint.reminded": _("Reminder sent"),
    "complaint.closed": _("Closed"),
    "complaint.archived": _("Archived"),
    "complaint.escalated": _("Escalated"),
    "complaint.returned": _("Returned by the department"),
    "complaint.reassigned": _("Reassigned"),
    "complaint.merged": _("Merged into another complaint"),
    "complaint.duplicate_merged": _("Duplicate merged in"),
    "complaint.cost_added": _("Cost recorded"),
    "complaint.cost_verified": _("Cost verified"),
    "complaint.cost_rejected": _("Cost rejected"),
    "complaint.penalty_proposed": _("Penalty proposed"),
    "complaint.penalty_waived": _("Penalty waived"),
    "complaint.penalty_decided": _("Penalty decided"),
    "complaint.penalty_confirmed": _("Penalty confirmed"),
    "complaint.penalty_changed": _("Penalty confirmed with a changed amount"),
    "complaint.penalty_appealed": _("Penalty appealed"),
    "complaint.penalty_appeal_upheld": _("Appeal upheld"),
    "complaint.penalty_appeal_rejected": _("Appeal rejected"),
}

KIND_LABELS = {
    "complaint_plan": _("Complaint handling plan"),
    "complaint_extension": _("Complaint deadline extension"),
}


def severity_label(value: Any, context: RenderContext | None = None) -> str:
    """A severity code as its label in the reader's organisation's policy (the code if it is gone)."""
    from fuwu.policy.selectors import active_policy

    viewer = getattr(context, "viewer", None)
    organisation = getattr(viewer, "organisation", None)
    if organisation is not None:
        for level in active_policy(organisation).complaints.severity_levels:
            if level.code == value:
                return str(level.label)
    return str(value)


def extension_text(value: Any, context: RenderContext | None = None) -> str:
    """``{"clock": "plan", "amount": 2, "unit": "working_days", "approver": "director"}`` in words."""
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


def _complaints(viewer: Any, ids: set[Any]) -> Any:
    from .selectors import complaints_for_user

    return complaints_for_user(viewer).filter(pk__in=ids).only("pk", "number")


def _complaint_url(complaint: Complaint, viewer: Any) -> str:
    from .notifying import complaint_link

    return complaint_link(complaint)


timeline_display.reference(
    Complaint, visible=_complaints, name=lambda complaint: complaint.number, url=_complaint_url
)

APPROVAL = Fields(
    {
        "kind": Value(_("kind"), Choice(KIND_LABELS)),
        "approver": Value(_("approver"), Choice(Role)),
        "decision": Value(_("decision"), Text()),
    }
)
ANSWER = Fields(
    {
        "outcome": Value(_("answer"), Choice(AnswerOutcome)),
        "method": Value(_("asked by"), Choice(ReplyMethod)),
        "round": Value(_("handling round"), Auto()),
    }
)

COST = Fields(
    {
        "id": Value(_("cost line no."), Auto()),
        "kind": Value(_("cost"), Choice(CostKind)),
        "amount": Value(_("amount"), Money()),
        "department": Value(_("allocated to"), Text()),
    }
)
PENALTY = Fields(
    {
        "person": Value(_("person"), Ref(User)),
        "penalty": Value(_("penalty"), Text()),
        "amount": Value(_("amount"), Money()),
        "approver": Value(_("approver"), Choice(Role)),
    }
)

timeline_display.subject(
    Complaint,
    actions=EVENT_LABELS,
    fields={
        "status": Value(format=Choice(Status)),
        "channel": Value(format=Choice(Channel)),
        "object": Value(format=Choice(ComplaintObject)),
        "validity": Value(format=Choice(Validity)),
        "severity": Value(format=Custom(severity_label)),
        "handler_role": Value(format=Choice(Role)),
        "reply_method": Value(format=Choice(ReplyMethod)),
        "people_involved": Value(_("people who worked on the work order"), ListOf(Ref(User))),
        "responsible_people": Value(format=ListOf(Ref(User))),
        **{f"clock.{kind.value}": Value(kind.label, Auto()) for kind in ClockKind},
        "clocks": Value(_("clocks"), Text()),
        "clocks_stopped": Value(_("steps no longer due"), Choice(ClockKind)),
        "approval": Value(_("approval"), APPROVAL),
        "approvals_withdrawn": Value(_("approvals withdrawn"), Choice(KIND_LABELS)),
        "extension": Value(_("extension"), Custom(extension_text)),
        "answer": Value(_("customer's answer"), ANSWER),
        "reasonable": Value(_("reasonable"), YesNo()),
        "callers_replied": Value(_("callers replied"), Auto()),
        "penalties_proposed": Value(_("penalties proposed"), Auto()),
        "penalties_waived": Value(_("penalties waived"), Auto()),
        "cost_status": Value(_("cost status"), Choice(CostStatus)),
        "cost_kind": Value(_("cost"), Choice(CostKind)),
        "cost": Value(_("cost"), COST),
        "penalty_status": Value(_("penalty status"), Choice(PenaltyStatus)),
        "allocated_to": Value(_("allocated to"), Auto()),
        # Escalations (the sweep)
        "clock": Value(_("clock"), Choice(ClockKind)),
        "level": Value(_("level"), Auto()),
        "role": Value(_("role"), Choice(Role)),
        "notified": Value(_("notified"), Auto()),
    },
)

# A penalty proposal's own timeline (amounts are kept off the complaint's, which the department reads).
timeline_display.subject(
    PenaltyProposal,
    actions=EVENT_LABELS,
    fields={
        "penalty": Value(_("penalty"), PENALTY),
        "amount": Value(_("amount"), Money()),
        "penalty_status": Value(_("penalty status"), Choice(PenaltyStatus)),
        "appeal_status": Value(_("appeal"), Choice(AppealStatus)),
    },
)

# The work order's page shows the complaint raised about it.
timeline_display.subject(
    WorkOrder,
    actions={"work_order.complaint_raised": _("Complaint raised")},
    fields={"complaint": Value(_("complaint"), Ref(Complaint))},
)

system_texts.register(
    _("stopped"),
    _("approved"),
    _("denied"),
    _("Complaint %(number)s arrived in the %(department)s queue"),
    _("%(number)s: a handling plan waits for your approval"),
    _("%(number)s: the handling plan was %(decision)s"),
    _("%(number)s: an extension waits for your approval"),
    _("%(number)s: the extension was %(decision)s"),
    _("%(number)s: return visit due by %(due)s"),
    _("%(number)s: the customer is not satisfied — handle it again"),
    _("%(number)s: reminder from %(name)s"),
    _("%(number)s was reopened: %(reason)s"),
)
# The clocks engine's sentences, with a complaint step as the clock.
system_texts.register(
    _("%(number)s: %(clock)s due at %(due)s"),
    _("%(number)s: %(clock)s deadline missed"),
    _("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s"),
    clock=ClockKind,
)
system_texts.register_choices(
    Status, Channel, ComplaintObject, Validity, ClockKind, AnswerOutcome, ReplyMethod, CostKind, CostStatus
)

__all__ = ["EVENT_LABELS", "extension_text", "severity_label"]
