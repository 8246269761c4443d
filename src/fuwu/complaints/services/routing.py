"""Who handles a complaint: returned by a department that does not own it (退回), reassigned (改派),
or merged into another complaint about the same event (并单). Every return and reassignment is
counted and on the timeline (12345 practice: at most ``complaints.max_returns`` returns)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.approvals import services as approvals
from fuwu.lib.errors import ConflictError, FieldErrors, ValidationFailed
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Department, Role, User
from fuwu.org.selectors import heads_of

from ..models import ENDED_STATUSES, Caller, Complaint, Status
from ..notifying import RETURNED
from ..rules import Action
from .context import (
    Context,
    _begin,
    _change,
    _event,
    _optional_text,
    _required_text,
    _save,
    _set_status,
    lock,
)


def _quality_people(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(organisation_id=organisation_id, is_active=True).filter(
            User.role_q(Role.QUALITY_INSPECTOR)
        )
    )


def _person_ref(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def _department_ref(department: Department | None) -> dict[str, Any] | None:
    return {"id": department.pk, "name": department.name} if department is not None else None


@transaction.atomic
def complaint_return(
    complaint: Complaint, *, by: User, reason: str, now: datetime | None = None
) -> Complaint:
    """The head of the handling department returns a complaint the department does not own, with a
    reason: it goes back to the intake without a department (the first-contact owner's department
    and the quality role reassign it). Refused (409) once the policy's number of returns is used."""
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(complaint, Action.RETURN, by, now)
    c = ctx.complaint
    limit = ctx.policy.complaints.max_returns
    if c.return_count >= limit:  # the gate refuses it too (rules); kept here so no path misses it
        raise ConflictError(
            _("This complaint was already returned %(count)s times, the most the policy allows.")
            % {"count": c.return_count},
            extra={"allowed_actions": [], "status": c.status},
        )
    returned_from = c.department
    changes: dict[str, Any] = {
        "department": {"before": _department_ref(returned_from), "after": None},
        "return_count": {"before": c.return_count, "after": c.return_count + 1},
    }
    _change(changes, "handler", _person_ref(c.handler), None)
    c.department, c.handler = None, None
    c.return_count += 1
    _save(c, "department", "handler", "return_count")
    _event(ctx, "complaint.returned", changes, reason)
    title = _("%(number)s was returned by %(department)s: reassign it") % {
        "number": c.number,
        "department": returned_from.name if returned_from else "—",
    }
    notify(
        [c.first_contact_owner, *heads_of(c.intake_department), *_quality_people(c.organisation_id)],
        kind=RETURNED,
        subject=c,
        title=title,
        body=reason,
        now=ctx.now,
    )
    return c


def _department_of(ctx: Context, department_id: int | None, errors: FieldErrors) -> Department | None:
    if department_id is None:
        errors.add("department_id", _("is required"))
        return None
    department = Department.objects.filter(
        pk=department_id, organisation_id=ctx.complaint.organisation_id, is_active=True
    ).first()
    if department is None:
        errors.add("department_id", _("no such department"))
    return department


def _handler_of(
    ctx: Context, handler_id: int | None, department: Department | None, errors: FieldErrors
) -> User | None:
    if handler_id is None:
        return None
    handler = (
        User.objects.filter(pk=handler_id, organisation_id=ctx.complaint.organisation_id, is_active=True)
        .select_related("department")
        .first()
    )
    if handler is None:
        errors.add("handler_id", _("no such member of staff"))
        return None
    if department is not None and (
        handler.department is None or not handler.department.path.startswith(department.path)
    ):
        errors.add("handler_id", _("does not work in %(department)s") % {"department": department.name})
    return handler


@transaction.atomic
def complaint_reassign(
    complaint: Complaint,
    *,
    by: User,
    department_id: int | None,
    handler_id: int | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> Complaint:
    """Routes the complaint to another department (a returned one to its owner), optionally to a
    handler in it. Counted in ``reassign_count``."""
    errors = FieldErrors()
    reason = _optional_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(complaint, Action.REASSIGN, by, now)
    c = ctx.complaint
    department = _department_of(ctx, department_id, errors)
    handler = _handler_of(ctx, handler_id, department, errors)
    if (
        not errors
        and department is not None
        and department.pk == c.department_id
        and (handler.pk if handler else None) == c.handler_id
    ):
        errors.add("department_id", _("the complaint is already handled there"))
    errors.raise_if_any()
    assert department is not None
    changes: dict[str, Any] = {"reassign_count": {"before": c.reassign_count, "after": c.reassign_count + 1}}
    _change(changes, "department", _department_ref(c.department), _department_ref(department))
    _change(changes, "handler", _person_ref(c.handler), _person_ref(handler))
    c.department, c.handler = department, handler
    c.reassign_count += 1
    _save(c, "department", "handler", "reassign_count")
    _event(ctx, "complaint.reassigned", changes, reason)
    told = [handler] if handler is not None else heads_of(department)
    notify(
        [p for p in told if p.pk != by.pk],
        kind=NotificationKind.ASSIGNED,
        subject=c,
        title=_("%(number)s is assigned to you: %(subject)s") % {"number": c.number, "subject": c.subject},
        body=reason,
        now=ctx.now,
    )
    return c


# Where merged callers would never be answered, or the target is no longer a complaint of its own.
_NOT_MERGEABLE_INTO = (*ENDED_STATUSES, Status.REPLIED, Status.ANSWERED)


@transaction.atomic
def complaint_merge(
    complaint: Complaint, *, by: User, into: Complaint, reason: str = "", now: datetime | None = None
) -> Complaint:
    """并单: ``complaint`` is a duplicate of ``into`` (another caller about the same event). It becomes
    merged; every caller of it joins ``into``'s callers (``merged_from`` = the duplicate), so that the
    reply on ``into`` answers each of them. Both timelines say so. Returns the duplicate."""
    errors = FieldErrors()
    reason = _optional_text(reason, "reason", errors)
    errors.raise_if_any()
    unknown = ValidationFailed.field("into", _("no such complaint"))
    if into is None or into.pk is None:
        raise unknown
    if into.pk == complaint.pk:
        raise ValidationFailed.field("into", _("a complaint cannot be merged into itself"))
    # Both rows locked, the lower id first, so two opposite merges cannot deadlock.
    if into.pk < complaint.pk:
        target = lock(into.pk)
        ctx = _begin(complaint, Action.MERGE, by, now)
    else:
        ctx = _begin(complaint, Action.MERGE, by, now)
        target = lock(into.pk)
    c = ctx.complaint
    # Another organisation's complaint, or one the user may not see, does not exist for them.
    if target.organisation_id != c.organisation_id or not visibility.may_see(by, target):
        raise unknown
    if target.status in _NOT_MERGEABLE_INTO:
        raise ValidationFailed.field(
            "into",
            _("%(number)s is %(status)s: a complaint can only be merged into one still being handled")
            % {"number": target.number, "status": target.get_status_display()},
        )
    callers = list(c.callers.all())
    if not callers and (c.caller_name or c.caller_phone or c.customer_id):
        callers = [
            Caller(
                name=c.caller_name, phone=c.caller_phone, customer_id=c.customer_id, added_at=c.received_at
            )
        ]
    joined = Caller.objects.bulk_create(
        [
            Caller(
                complaint=target,
                name=caller.name,
                phone=caller.phone,
                customer_id=caller.customer_id,
                merged_from=c,
                added_at=ctx.now,
            )
            for caller in callers
        ]
    )
    changes: dict[str, Any] = {
        "merged_into": {"before": None, "after": {"id": target.pk, "number": target.number}}
    }
    _set_status(ctx, Status.MERGED, changes)
    c.merged_into = target
    stopped = c.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False, paused_at=None)
    if stopped:
        changes["clocks"] = {"after": _("stopped")}
    withdrawn = approvals.withdraw(record=c, by=by, now=ctx.now)
    if withdrawn:
        changes["approvals_withdrawn"] = {"after": withdrawn}
    from .penalties import waive_standing

    waived = waive_standing(c, ctx, _("the complaint was merged into %(number)s") % {"number": target.number})
    if waived:
        changes["penalties_waived"] = {"after": len(waived)}
    _save(c, "status", "merged_into")
    _event(ctx, "complaint.merged", changes, reason)
    # The target's own event: who joined, from which duplicate.
    target_changes = {
        "merged_from": {"after": {"id": c.pk, "number": c.number}},
        "callers": {"after": [{"name": x.name, "phone": x.phone} for x in joined]},
    }
    _event(ctx, "complaint.duplicate_merged", target_changes, reason, subject=target)
    target.save(update_fields=["updated_at"])
    told = [target.handler] if target.handler is not None else heads_of(target.department)
    notify(
        [p for p in told if p is not None and p.pk != by.pk],
        kind=NotificationKind.ASSIGNED,
        subject=target,
        title=_("%(duplicate)s was merged into %(number)s: %(count)s more callers to answer")
        % {"duplicate": c.number, "number": target.number, "count": len(joined)},
        body=reason,
        now=ctx.now,
    )
    return c
