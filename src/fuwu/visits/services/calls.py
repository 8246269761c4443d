"""Making the visit: attempts (not reached, "call me later"), the customer's answers and what
follows from them, a new time, another visitor, cancelling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.clocks import deadlines
from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.lib.inputs import REASON_LENGTH, has_control_characters
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Role, User

from ..models import AttemptOutcome, Consequence, Method, Status, Visit, VisitAttempt
from ..notifying import CHARGE_FLAGGED, UNSATISFIED
from ..permissions import VisitAction, makes_visits_as
from ..rules import Verdict, clean_answers, verdict, within_call_hours
from .context import (
    Context,
    _begin,
    _event,
    meet_clock,
    note_revoked,
    questionnaire_of,
    revoke_survey_links,
    stop_clocks,
)
from .scheduling import zone

# The complaint's own words for how the customer was asked.
COMPLAINT_METHODS = {
    Method.PHONE: "phone",
    Method.ON_SITE: "in_person",
    Method.EMAIL: "email",
    Method.SMS: "sms",
    Method.WECHAT: "sms",
    Method.SURVEY: "sms",
}


def _choices(values: list[str]) -> str:
    return _("must be one of %(choices)s") % {"choices": ", ".join(values)}


def _text(
    value: Any, field: str, errors: FieldErrors, *, required: bool = False, limit: int = REASON_LENGTH
) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, _("must be text"))
        return ""
    text = value.strip()
    if required and not text:
        errors.add(field, _("is required"))
    elif len(text) > limit:
        errors.add(field, _("must have at most %(n)s characters") % {"n": limit})
    elif has_control_characters(text):
        errors.add(field, _("must not contain control characters"))
    return text


def _method(value: Any, errors: FieldErrors) -> str:
    if value not in Method.values:
        errors.add("method", _choices(Method.values))
        return ""
    return str(value)


def _take(ctx: Context, changes: dict[str, Any]) -> None:
    """A visit nobody had been given is the caller's from their first attempt."""
    visit = ctx.visit
    if visit.visitor_id is None and ctx.by is not None and not ctx.by_customer:
        visit.visitor = ctx.by
        changes["visitor"] = {"before": None, "after": ctx.by.pk}


def _log(ctx: Context, outcome: str, method: str, note: str, next_at: datetime | None) -> VisitAttempt:
    visit = ctx.visit
    visit.attempts += 1
    return VisitAttempt.objects.create(
        visit=visit,
        number=visit.attempts,
        outcome=outcome,
        method=method,
        note=note[:500],
        next_attempt_at=next_at,
        by=None if ctx.by_customer else ctx.by,
        at=ctx.now,
    )


def retry_at(ctx: Context) -> datetime:
    """The policy's next attempt: ``retry_after`` from now, moved into the call hours."""
    attempts = ctx.policy.visits.attempts
    later = deadlines.due(ctx.calendar, ctx.now, attempts.retry_after.amount, attempts.retry_after.unit).due
    return within_call_hours(later, attempts.call_hours.start, attempts.call_hours.end, zone())


def _latest_callback(ctx: Context) -> datetime:
    latest = ctx.policy.visits.attempts.latest_callback
    return deadlines.due(ctx.calendar, ctx.now, latest.amount, latest.unit).due


def _save(visit: Visit, *fields: str) -> None:
    visit.save(update_fields=list(fields))


@transaction.atomic
def visit_attempt(
    visit: Visit,
    *,
    by: User,
    outcome: str,
    method: str = Method.PHONE,
    note: str = "",
    call_back_at: datetime | None = None,
    now: datetime | None = None,
) -> Visit:
    """An attempt that got no answer. Not reachable: tried again after the policy's spacing,
    within the call hours; after the policy's last attempt the visit ends as not reached — counted
    apart, never as satisfied. "Call me later": at the time the customer named (or the policy's
    spacing), not counted toward the limit: the customer was reached."""
    errors = FieldErrors()
    if outcome not in (AttemptOutcome.UNREACHABLE, AttemptOutcome.CALL_LATER):
        errors.add("outcome", _choices([AttemptOutcome.UNREACHABLE, AttemptOutcome.CALL_LATER]))
    method = _method(method, errors)
    note = _text(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(visit, VisitAction.ATTEMPT, by, now)
    visit = ctx.visit
    if call_back_at is not None:
        if outcome != AttemptOutcome.CALL_LATER:
            errors.add("call_back_at", _("only for “call me later”"))
        elif call_back_at <= ctx.now:
            errors.add("call_back_at", _("must be in the future"))
        elif call_back_at > _latest_callback(ctx):
            errors.add(
                "call_back_at",
                _("must be no later than %(latest)s")
                % {"latest": _latest_callback(ctx).astimezone(zone()).strftime("%Y-%m-%d %H:%M")},
            )
        errors.raise_if_any()
    changes: dict[str, Any] = {"outcome": {"after": outcome}, "method": {"after": method}}
    _take(ctx, changes)
    failed = visit.attempt_log.filter(outcome=AttemptOutcome.UNREACHABLE).count() + (
        outcome == AttemptOutcome.UNREACHABLE
    )
    limit = ctx.policy.visits.attempts.max
    last = outcome == AttemptOutcome.UNREACHABLE and failed >= limit
    next_at = None if last else (call_back_at or retry_at(ctx))
    _log(ctx, outcome, method, note, next_at)
    changes["attempts"] = {"before": visit.attempts - 1, "after": visit.attempts}
    if last:
        meet_clock(visit, ctx.now)  # made as the policy says: reached or not, the visitor's part is done
        visit.status, visit.ended_at = Status.UNREACHABLE, ctx.now
        changes["status"] = {"before": Status.DUE, "after": Status.UNREACHABLE}
        note_revoked(revoke_survey_links(visit, ctx.now), changes)
    else:
        assert next_at is not None
        changes["next_attempt_at"] = {
            "before": visit.next_attempt_at.isoformat(),
            "after": next_at.isoformat(),
        }
        visit.next_attempt_at = next_at
    _save(visit, "visitor", "attempts", "status", "ended_at", "next_attempt_at")
    if visit.complaint_id and outcome == AttemptOutcome.UNREACHABLE:
        # The complaint counts its failed contact attempts toward the policy's limit for closing.
        from fuwu.complaints.services import complaint_record_answer

        assert visit.complaint is not None
        complaint_record_answer(
            visit.complaint,
            by=by,
            outcome="unreachable",
            method=COMPLAINT_METHODS[Method(method)],
            comment=note,
            now=ctx.now,
        )
    _event(ctx, "visit.not_reached" if last else "visit.attempted", changes, note)
    return visit


@transaction.atomic
def visit_record_answer(
    visit: Visit,
    *,
    by: User,
    answers: Any,
    method: str = Method.PHONE,
    note: str = "",
    now: datetime | None = None,
) -> Visit:
    """The customer answered the questionnaire. Their answers are kept as given and read by the
    policy: not solved, an unsatisfied choice or a low score make the visit unsatisfied, which
    sends the work order back for re-handling (重办, or raises a complaint, as the policy says) or
    the complaint back to its handlers; the customer is visited again after it. This answer now
    counts for the subject; an earlier answer no longer does. "Charged" on a free service is
    flagged to the quality role."""
    errors = FieldErrors()
    method = _method(method, errors)
    note = _text(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(visit, VisitAction.RECORD_ANSWER, by, now)
    changes: dict[str, Any] = {}
    # Answered on the phone (or at the door): a survey link still open can no longer be used.
    note_revoked(revoke_survey_links(ctx.visit, ctx.now), changes)
    return record_answer(ctx, answers=answers, method=method, note=note, changes=changes)


def record_answer(
    ctx: Context, *, answers: Any, method: str, note: str, changes: dict[str, Any] | None = None
) -> Visit:
    """The answer and everything that follows from it, inside the caller's transaction after its
    gate (``_begin``, or the survey link's): the same for an answer the visitor records and one the
    customer gives on the survey page (``ctx.by_customer``; ``ctx.by`` is then the visitor on whose
    behalf the consequences are taken, with their rights). Writes the visit's one event."""
    errors = FieldErrors()
    visit = ctx.visit
    questionnaire = questionnaire_of(visit, ctx.policy)
    cleaned = clean_answers(questionnaire, answers, errors)
    errors.raise_if_any()
    result = verdict(questionnaire, cleaned)
    changes = {"method": {"after": method}, **(changes or {})}
    _take(ctx, changes)
    _log(ctx, AttemptOutcome.ANSWERED, method, note, None)
    visit.status, visit.answered_at, visit.ended_at = Status.DONE, ctx.now, ctx.now
    meet_clock(visit, ctx.now)
    visit.answers, visit.method = cleaned, method
    visit.satisfied, visit.solved, visit.charged, visit.score = (
        result.satisfied,
        result.solved,
        result.charged,
        result.score,
    )
    visit.counts = True
    changes.update(
        {
            "status": {"before": Status.DUE, "after": Status.DONE},
            "answers": {"after": cleaned},
            "satisfied": {"after": result.satisfied},
        }
    )
    if not visit.is_planned:  # a planned visit stands alone: no later answer replaces it
        superseded = Visit.objects.filter(
            **(
                {"work_order_id": visit.work_order_id}
                if visit.work_order_id
                else {"complaint_id": visit.complaint_id}
            ),
            counts=True,
            answered_at__isnull=False,
        ).exclude(pk=visit.pk)
        if count := superseded.update(counts=False):
            changes["superseded"] = {"after": count}
    _flag_charge(ctx, result, changes)
    _save(
        visit,
        "visitor",
        "attempts",
        "status",
        "answered_at",
        "ended_at",
        "answers",
        "method",
        "satisfied",
        "solved",
        "charged",
        "score",
        "counts",
        "charge_flagged",
    )
    if visit.complaint_id:
        _answer_complaint(ctx, result, method, note, changes)
    elif visit.work_order_id:
        _answer_work_order(ctx, result, note, changes)
    _save(visit, "consequence", "raised_complaint")
    _event(ctx, "visit.answered", changes, note)
    return visit


def _flag_charge(ctx: Context, result: Verdict, changes: dict[str, Any]) -> None:
    """The customer says they paid for a free (or warranty) service: possible private collection
    (seeds 000/002), for the quality role to look into."""
    visit = ctx.visit
    work_order = visit.work_order
    if not result.charged or work_order is None or work_order.is_paid:
        return
    visit.charge_flagged = True
    changes["charge_flagged"] = {"after": True}
    quality = User.objects.filter(
        organisation_id=visit.organisation_id, is_active=True, clearance__gte=visit.confidentiality
    ).filter(User.role_q(Role.QUALITY_INSPECTOR))
    notify(
        list(quality),
        kind=CHARGE_FLAGGED,
        subject=visit,
        title=_("%(number)s: the customer says they were charged for a free service")
        % {"number": work_order.number},
    )


def _answer_complaint(ctx: Context, result: Verdict, method: str, note: str, changes: dict[str, Any]) -> None:
    """The complaint hears the customer's answer: satisfied, or handled again (its own rule)."""
    from fuwu.complaints.services import complaint_record_answer

    visit = ctx.visit
    assert ctx.by is not None
    assert visit.complaint is not None
    complaint_record_answer(
        visit.complaint,
        by=ctx.by,
        outcome="satisfied" if result.satisfied else "unsatisfied",
        method=COMPLAINT_METHODS[Method(method)],
        comment=note,
        now=ctx.now,
    )
    if not result.satisfied:
        visit.consequence = Consequence.REHANDLING
        changes["consequence"] = {"after": Consequence.REHANDLING}


def _answer_work_order(ctx: Context, result: Verdict, note: str, changes: dict[str, Any]) -> None:
    from fuwu.workorders import services as work_orders

    visit = ctx.visit
    work_order = visit.work_order
    assert work_order is not None
    if result.satisfied:
        work_orders.work_order_mark_visited(
            work_order=work_order, by=ctx.by, satisfied=True, visit=visit, now=ctx.now
        )
        return
    reason = _("Return visit: the customer is not satisfied (%(questions)s)") % {
        "questions": ", ".join(result.unsatisfied_by)
    }
    if note:
        reason = f"{reason} — {note}"
    if ctx.policy.visits.on_unsatisfied == "complaint":
        from fuwu.complaints.services import complaint_from_work_order

        complaint = complaint_from_work_order(
            work_order,
            by=ctx.by,  # type: ignore[arg-type]
            subject=_("Not satisfied at the return visit")[:200],
            description=reason[:4000],
            channel="return_visit",
            now=ctx.now,
        )
        visit.consequence, visit.raised_complaint = Consequence.COMPLAINT, complaint
        changes["consequence"] = {"after": Consequence.COMPLAINT}
        changes["raised_complaint"] = {"after": complaint.pk}
        return
    allowed = work_orders.allowed_actions(ctx.by, work_order)  # type: ignore[arg-type]
    from fuwu.workorders.rules import Action as WorkOrderAction

    if WorkOrderAction.REOPEN in allowed:
        work_orders.work_order_reopen(work_order=work_order, by=ctx.by, reason=reason[:2000], now=ctx.now)  # type: ignore[arg-type]
        visit.consequence = Consequence.REHANDLING
        changes["consequence"] = {"after": Consequence.REHANDLING}
        return
    # The visitor may not reopen it (or its state does not allow it now): those who may are told.
    people = [*work_orders.heads_of(work_order.department or work_order.intake_department)]
    if work_order.first_contact_owner_id:
        people.append(work_order.first_contact_owner)
    notify(
        people,
        kind=UNSATISFIED,
        subject=work_order,
        title=_("%(number)s: the customer is not satisfied at the return visit — handle it again")
        % {"number": work_order.number},
        body=note,
    )
    changes["rehandling_requested"] = {"after": True}


@transaction.atomic
def visit_reschedule(
    visit: Visit, *, by: User, at: datetime | None, reason: str, now: datetime | None = None
) -> Visit:
    """The visit is made at another time (an appointment with the customer): no later than the
    policy's latest call-back."""
    errors = FieldErrors()
    reason = _text(reason, "reason", errors, required=True)
    if at is None:
        errors.add("at", _("is required"))
    errors.raise_if_any()
    assert at is not None
    ctx = _begin(visit, VisitAction.RESCHEDULE, by, now)
    if at <= ctx.now:
        raise ValidationFailed.field("at", _("must be in the future"))
    latest = _latest_callback(ctx)
    if at > latest:
        raise ValidationFailed.field(
            "at",
            _("must be no later than %(latest)s")
            % {"latest": latest.astimezone(zone()).strftime("%Y-%m-%d %H:%M")},
        )
    visit = ctx.visit
    changes: dict[str, Any] = {
        "next_attempt_at": {"before": visit.next_attempt_at.isoformat(), "after": at.isoformat()}
    }
    _take(ctx, changes)
    visit.next_attempt_at = at
    _save(visit, "visitor", "next_attempt_at")
    _event(ctx, "visit.rescheduled", changes, reason)
    return visit


def checked_visitor(
    visitor_id: int,
    *,
    organisation_id: int,
    role: str,
    rated: set[int],
    confidentiality: int,
    errors: FieldErrors,
) -> User | None:
    """The person who is to make a visit, if they may: an active member of the organisation's
    staff, making visits as ``role``, not one of the people it rates, cleared for its subject.
    Otherwise an error on ``visitor_id`` and None."""
    person = User.objects.filter(pk=visitor_id, organisation_id=organisation_id, is_active=True).first()
    if person is None:
        errors.add("visitor_id", _("is not an active member of staff of your organisation"))
    elif not makes_visits_as(person, role):
        errors.add("visitor_id", _("does not make visits as %(role)s") % {"role": Role(role).label})
    elif person.pk in rated:
        errors.add("visitor_id", _("is rated by this visit and may not make it"))
    elif person.clearance < confidentiality:
        errors.add("visitor_id", _("is not cleared for this visit"))
    else:
        return person
    return None


@transaction.atomic
def visit_reassign(
    visit: Visit, *, by: User, visitor_id: Any, reason: str, now: datetime | None = None
) -> Visit:
    """Another person makes the visit: active, of the visit's role, cleared for it, and not one of
    the people it rates."""
    errors = FieldErrors()
    reason = _text(reason, "reason", errors, required=True)
    if isinstance(visitor_id, bool) or not isinstance(visitor_id, int) or not 0 < visitor_id < 2**63:
        errors.add("visitor_id", _("is required"))
    errors.raise_if_any()
    ctx = _begin(visit, VisitAction.REASSIGN, by, now)
    visit = ctx.visit
    person = checked_visitor(
        visitor_id,
        organisation_id=visit.organisation_id,
        role=visit.visitor_role,
        rated={p.pk for p in visit.rated_people.all()},
        confidentiality=visit.confidentiality,
        errors=errors,
    )
    errors.raise_if_any()
    assert person is not None
    changes = {"visitor": {"before": visit.visitor_id, "after": person.pk}}
    visit.visitor = person
    _save(visit, "visitor")
    _event(ctx, "visit.reassigned", changes, reason)
    notify(
        [person],
        kind=NotificationKind.ASSIGNED,
        subject=visit,
        title=_("A return visit was given to you: %(contact)s, due %(due)s")
        % {
            "contact": visit.contact_name or visit.contact_phone,
            "due": visit.due_at.astimezone(zone()).strftime("%Y-%m-%d %H:%M"),
        },
    )
    return visit


@transaction.atomic
def visit_cancel(visit: Visit, *, by: User, reason: str, now: datetime | None = None) -> Visit:
    errors = FieldErrors()
    reason = _text(reason, "reason", errors, required=True)
    errors.raise_if_any()
    ctx = _begin(visit, VisitAction.CANCEL, by, now)
    visit = ctx.visit
    visit.status, visit.ended_at = Status.CANCELLED, ctx.now
    stop_clocks([visit])
    _save(visit, "status", "ended_at")
    changes: dict[str, Any] = {"status": {"before": Status.DUE, "after": Status.CANCELLED}}
    note_revoked(revoke_survey_links(visit, ctx.now), changes)
    _event(ctx, "visit.cancelled", changes, reason)
    return visit
