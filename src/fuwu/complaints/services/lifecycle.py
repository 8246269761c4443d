"""Reminders (催办), closing (the customer decided the end), reopening (a re-handling) and archiving."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors
from fuwu.notify.models import NotificationKind
from fuwu.org.models import User

from ..models import AnswerOutcome, Complaint, Status
from ..rules import Action
from .answers import start_rehandling
from .context import (
    _begin,
    _end_return_visit,
    _event,
    _notify,
    _optional_text,
    _required_text,
    _save,
    _set_status,
    _withdraw_pending,
    handlers_of,
)


@transaction.atomic
def complaint_remind(c: Complaint, *, by: User, note: str = "", now: datetime | None = None) -> Complaint:
    """A reminder by hand (催办), counted: the handler (else the department's heads) is told."""
    errors = FieldErrors()
    note = _optional_text(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(c, Action.REMIND, by, now)
    complaint = ctx.complaint
    changes = {"reminder_count": {"before": complaint.reminder_count, "after": complaint.reminder_count + 1}}
    complaint.reminder_count += 1
    _save(complaint, "reminder_count")
    _event(ctx, "complaint.reminded", changes, note)
    _notify(
        ctx,
        handlers_of(ctx),
        NotificationKind.REMINDER,
        _("%(number)s: reminder from %(name)s") % {"number": complaint.number, "name": by.display_name},
        note,
    )
    return complaint


@transaction.atomic
def complaint_close(c: Complaint, *, by: User, note: str = "", now: datetime | None = None) -> Complaint:
    """Close once the customer decided (``rules.may_close``): a satisfied latest answer, an
    unsatisfied one the quality role found unreasonable, or the policy's number of failed attempts
    to reach them after the reply. Closing without a satisfied answer needs a note."""
    errors = FieldErrors()
    note = _optional_text(note, "note", errors)
    errors.raise_if_any()
    ctx = _begin(c, Action.CLOSE, by, now)
    complaint = ctx.complaint
    satisfied = complaint.answer is not None and complaint.answer.outcome == AnswerOutcome.SATISFIED
    if not (complaint.status == Status.ANSWERED and satisfied) and not note:
        errors.add("note", _("is required"))
        errors.raise_if_any()
    changes: dict[str, Any] = {}
    _set_status(ctx, Status.CLOSED, changes)
    complaint.closed_at, complaint.closed_by, complaint.close_note = ctx.now, by, note
    # Whatever still runs ends with it (a visit the customer could not be reached for).
    stopped = complaint.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False)
    if stopped:
        changes["clocks"] = {"after": _("stopped")}
    _end_return_visit(ctx, "cancelled")
    _withdraw_pending(ctx, changes)
    _save(complaint, "status", "closed_at", "closed_by", "close_note")
    _event(ctx, "complaint.closed", changes, note)
    return complaint


@transaction.atomic
def complaint_reopen(c: Complaint, *, by: User, reason: str, now: datetime | None = None) -> Complaint:
    """A closed complaint handled again (the customer came back): counted as a re-handling."""
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(c, Action.REOPEN, by, now)
    complaint = ctx.complaint
    changes: dict[str, Any] = {}
    complaint.closed_at, complaint.closed_by = None, None
    _save(complaint, "closed_at", "closed_by")
    start_rehandling(ctx, changes)
    _event(ctx, "complaint.reopened", changes, reason)
    _notify(
        ctx,
        handlers_of(ctx),
        NotificationKind.ASSIGNED,
        _("%(number)s was reopened: %(reason)s") % {"number": complaint.number, "reason": reason},
    )
    return complaint


@transaction.atomic
def complaint_archive(c: Complaint, *, by: User, now: datetime | None = None) -> Complaint:
    ctx = _begin(c, Action.ARCHIVE, by, now)
    complaint = ctx.complaint
    changes: dict[str, Any] = {}
    _set_status(ctx, Status.ARCHIVED, changes)
    complaint.archived_at = ctx.now
    _save(complaint, "status", "archived_at")
    _event(ctx, "complaint.archived", changes)
    return complaint
