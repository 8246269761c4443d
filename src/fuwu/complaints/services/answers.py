"""The customer decides the end: their answer after the reply (satisfied, unsatisfied, or could
not be reached) and the quality role's judgement of an unsatisfied answer (reasonable or not)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors
from fuwu.lib.inputs import DESCRIPTION_LENGTH
from fuwu.org.models import User

from ..models import (
    AnswerOutcome,
    ClockKind,
    Complaint,
    ComplaintAnswer,
    ReplyMethod,
    Status,
    Validity,
)
from ..notifying import CUSTOMER_UNSATISFIED
from ..rules import Action
from .context import (
    Context,
    _begin,
    _end_return_visit,
    _event,
    _meet,
    _notify,
    _optional_text,
    _required_text,
    _save,
    _set_status,
    _start_clocks,
    handlers_of,
)

# The steps a re-handling round runs again (execution starts with the new plan).
REHANDLING_CLOCKS = (ClockKind.PLAN, ClockKind.REPLY)


def _choices(values: list[str]) -> str:
    return _("must be one of %(choices)s") % {"choices": ", ".join(values)}


def start_rehandling(ctx: Context, changes: dict[str, Any]) -> None:
    """重办: the complaint is handled again (responsibility kept), counted; its plan and reply run
    against new deadlines from now (an invalid complaint only needs the reply again)."""
    complaint = ctx.complaint
    _set_status(ctx, Status.REHANDLING, changes)
    changes["rehandle_count"] = {"before": complaint.rehandle_count, "after": complaint.rehandle_count + 1}
    complaint.rehandle_count += 1
    kinds = [ClockKind.REPLY] if complaint.validity == Validity.INVALID else list(REHANDLING_CLOCKS)
    _start_clocks(ctx, kinds, changes=changes)
    _end_return_visit(ctx, "cancelled")
    _save(complaint, "status", "rehandle_count")


@transaction.atomic
def complaint_record_answer(
    c: Complaint, *, by: User, outcome: str, method: str, comment: str = "", now: datetime | None = None
) -> ComplaintAnswer:
    """Record what the customer said when asked after the reply. Satisfied: answered, ready to
    close. Unsatisfied: re-handled (重办), and asked again after the next reply — the later answer
    is the one that counts (``Complaint.answer``). Not reached: a failed attempt, counted toward
    the policy's limit after which the complaint may close. An attempt is not an answer: the
    complaint's answer stays the latest one the customer gave."""
    errors = FieldErrors()
    if outcome not in AnswerOutcome.values:
        errors.add("outcome", _choices(AnswerOutcome.values))
    if method not in ReplyMethod.values:
        errors.add("method", _choices(ReplyMethod.values))
    comment = _optional_text(comment, "comment", errors, limit=DESCRIPTION_LENGTH)
    errors.raise_if_any()
    ctx = _begin(c, Action.RECORD_CUSTOMER_ANSWER, by, now)
    complaint = ctx.complaint
    answer = ComplaintAnswer.objects.create(
        complaint=complaint,
        round=complaint.rehandle_count,
        outcome=outcome,
        comment=comment,
        method=method,
        recorded_by=by,
        recorded_at=ctx.now,
    )
    changes: dict[str, Any] = {
        "answer": {"after": {"outcome": outcome, "method": method, "round": answer.round}}
    }
    if outcome == AnswerOutcome.UNREACHABLE:
        changes["contact_attempts"] = {
            "before": complaint.contact_attempts,
            "after": complaint.contact_attempts + 1,
        }
        complaint.contact_attempts += 1
        _save(complaint, "contact_attempts")
        _event(ctx, "complaint.contact_failed", changes, comment)
        return answer
    complaint.answer = answer
    _meet(ctx, changes, ClockKind.RETURN_VISIT)
    _end_return_visit(ctx, "done", answer)
    _save(complaint, "answer")
    if outcome == AnswerOutcome.SATISFIED:
        _set_status(ctx, Status.ANSWERED, changes)
        _save(complaint, "status")
        _event(ctx, "complaint.answer_recorded", changes, comment)
        return answer
    start_rehandling(ctx, changes)
    _event(ctx, "complaint.answer_recorded", changes, comment)
    _notify(
        ctx,
        [*handlers_of(ctx), complaint.first_contact_owner],
        CUSTOMER_UNSATISFIED,
        _("%(number)s: the customer is not satisfied — handle it again") % {"number": complaint.number},
        comment,
    )
    return answer


@transaction.atomic
def complaint_classify_answer(
    c: Complaint, *, by: User, reasonable: bool, reason: str, now: datetime | None = None
) -> Complaint:
    """The quality role's judgement of the latest unsatisfied answer (12345 practice): reasonable
    (the re-handling goes on) or unreasonable (the complaint may close without it), with a reason.
    Both are reported."""
    errors = FieldErrors()
    if not isinstance(reasonable, bool):
        errors.add("reasonable", _("must be true or false"))
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(c, Action.CLASSIFY_ANSWER, by, now)
    complaint = ctx.complaint
    answer = complaint.answer
    assert answer is not None  # the state allows it only for an unclassified unsatisfied answer
    answer.reasonable, answer.reasonable_note = reasonable, reason
    answer.classified_by, answer.classified_at = by, ctx.now
    answer.save(update_fields=["reasonable", "reasonable_note", "classified_by", "classified_at"])
    _event(ctx, "complaint.answer_classified", {"reasonable": {"after": reasonable}}, reason)
    return complaint
