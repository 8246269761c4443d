"""Routing and dispatch: to a department, to a technician; accept, arrive, reply."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify, send_sms
from fuwu.org.models import Department, User
from fuwu.org.selectors import person_handler
from fuwu.visibility import below_clearance

from ..models import ClockKind, Status, WorkOrder
from ..rules import Action
from .clocks import _meet
from .context import _begin, _event, _required_text, _save, _set_status
from .people import heads_of


@transaction.atomic
def work_order_route(
    *, work_order: WorkOrder, by: User, department: Department, reason: str = "", now: datetime | None = None
) -> WorkOrder:
    """Route (or transfer) to a department's queue. The first-contact owner stays the owner."""
    ctx = _begin(work_order, Action.ROUTE, by, now)
    wo = ctx.work_order
    if department.organisation_id != wo.organisation_id or not department.is_active:
        raise ValidationFailed.field("department_id", _("no such department"))
    heads = heads_of(department)
    if heads and len(below_clearance(heads, wo.confidentiality)) == len(heads):
        raise ValidationFailed.field(
            "department_id",
            _("%(people)s may not see this work order (its confidentiality is above their clearance)")
            % {"people": "、".join(str(h) for h in heads)},
        )
    changes: dict[str, Any] = {"department": {"before": wo.department, "after": department}}
    if wo.assignee_id or wo.team.exists():  # back in a department's queue: nobody is dispatched
        changes["assignee"] = {"before": wo.assignee, "after": None}
        wo.assignee, wo.dispatched_at, wo.accepted_at = None, None, None
        wo.team.clear()
    wo.department = department
    _set_status(ctx, Status.ROUTED, changes)
    changes.update(_meet(ctx, ClockKind.RESPONSE))
    _save(wo, "department", "assignee", "dispatched_at", "accepted_at", "status")
    _event(ctx, "work_order.routed", changes, reason)
    notify(
        heads_of(department),
        kind=NotificationKind.ASSIGNED,
        subject=wo,
        title=_("%(number)s arrived in the %(department)s queue")
        % {"number": wo.number, "department": department.name},
    )
    return wo


@transaction.atomic
def work_order_dispatch(
    *,
    work_order: WorkOrder,
    by: User,
    technician: User,
    team: Sequence[User] = (),
    reason: str = "",
    now: datetime | None = None,
) -> WorkOrder:
    """Dispatch to a technician (the leader when a team goes). An absent person's B takes it (AB角)."""
    ctx = _begin(work_order, Action.DISPATCH, by, now)
    wo = ctx.work_order
    for field, person in [
        ("technician_id", technician),
        *((f"team_ids[{i}]", p) for i, p in enumerate(team)),
    ]:
        if person.organisation_id != wo.organisation_id or not person.is_active:
            raise ValidationFailed.field(field, _("no such member of staff"))
    handler = person_handler(technician, ctx.now)
    leader = handler.person
    changes: dict[str, Any] = {"assignee": {"before": wo.assignee, "after": leader}}
    handover_reason = ""
    if leader.pk != technician.pk:
        changes["addressed_to"] = {"after": technician}
        handover_reason = handler.explanation()
    members = [person_handler(p, ctx.now).person for p in team]
    members = [
        m for i, m in enumerate(members) if m.pk != leader.pk and m.pk not in {x.pk for x in members[:i]}
    ]
    # Whoever is sent (after A/B hand-over) must be allowed to see the record they are sent to.
    cleared = FieldErrors()
    for field, person in [("technician_id", leader), *((f"team_ids[{i}]", m) for i, m in enumerate(members))]:
        if below_clearance([person], wo.confidentiality):
            cleared.add(
                field,
                _("%(person)s may not see this work order (its confidentiality is above their clearance)")
                % {"person": person},
            )
    cleared.raise_if_any()
    if members:
        changes["team"] = {"after": [str(m) for m in members]}
    wo.assignee = leader
    wo.handed_over_from = technician if leader.pk != technician.pk else None
    wo.team.set(members)
    wo.department = wo.department or leader.department
    wo.dispatched_at, wo.accepted_at, wo.arrived_at = ctx.now, None, None
    _set_status(ctx, Status.DISPATCHED, changes)
    changes.update(_meet(ctx, ClockKind.RESPONSE, ClockKind.DISPATCH))
    _save(
        wo,
        "assignee",
        "handed_over_from",
        "department",
        "dispatched_at",
        "accepted_at",
        "arrived_at",
        "status",
    )
    _event(ctx, "work_order.dispatched", changes, "; ".join(r for r in (reason, handover_reason) if r))
    notify(
        [leader, *members],
        kind=NotificationKind.ASSIGNED,
        subject=wo,
        title=_("%(number)s was dispatched to you: %(location)s")
        % {"number": wo.number, "location": wo.location},
    )
    return wo


@transaction.atomic
def work_order_accept(*, work_order: WorkOrder, by: User, now: datetime | None = None) -> WorkOrder:
    ctx = _begin(work_order, Action.ACCEPT, by, now)
    ctx.work_order.accepted_at = ctx.now
    _save(ctx.work_order, "accepted_at")
    _event(ctx, "work_order.accepted", {"accepted_at": {"after": ctx.now}})
    return ctx.work_order


@transaction.atomic
def work_order_arrive(*, work_order: WorkOrder, by: User, now: datetime | None = None) -> WorkOrder:
    ctx = _begin(work_order, Action.ARRIVE, by, now)
    wo = ctx.work_order
    changes: dict[str, Any] = {"arrived_at": {"after": ctx.now}}
    wo.arrived_at = ctx.now
    wo.accepted_at = wo.accepted_at or ctx.now
    _set_status(ctx, Status.ON_SITE, changes)
    changes.update(_meet(ctx, ClockKind.ARRIVAL))
    _save(wo, "arrived_at", "accepted_at", "status")
    _event(ctx, "work_order.arrived", changes)
    return wo


@transaction.atomic
def work_order_reply(*, work_order: WorkOrder, by: User, text: str, now: datetime | None = None) -> WorkOrder:
    """The written reply a distance band commits to instead of a visit."""
    errors = FieldErrors()
    text = _required_text(text, "text", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REPLY, by, now)
    changes = {"reply": {"after": text}, **_meet(ctx, ClockKind.WRITTEN_REPLY)}
    send_sms(to=ctx.work_order.caller_phone, body=text, subject=ctx.work_order)
    _event(ctx, "work_order.replied_in_writing", changes)
    return ctx.work_order
