"""Effectiveness verification (by someone who owns none of the actions, no sooner than the policy's
interval), closure (only once verified effective) and cancellation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.clocks import services as clocks
from fuwu.lib.errors import FieldErrors
from fuwu.lib.inputs import DESCRIPTION_LENGTH, REASON_LENGTH
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import User

from ..models import Capa, ClockKind, Status, Verification, VerificationResult
from ..rules import Action
from .context import _begin, _event, _save, _set_status, choice, optional_text, required_text
from .people import heads_of


@transaction.atomic
def capa_verify(*, capa: Capa, by: User, result: str, note: str, now: datetime | None = None) -> Capa:
    """Effective: verified, ready to close. Not effective: back to the actions (a new round: at
    least one new action item before implementing again)."""
    errors = FieldErrors()
    result = choice(result, VerificationResult, "result", errors)
    note = required_text(note, "note", errors, DESCRIPTION_LENGTH)
    errors.raise_if_any()
    ctx = _begin(capa, Action.VERIFY, by, now)
    c = ctx.capa
    Verification.objects.create(capa=c, result=result, note=note, verified_by=by, verified_at=ctx.now)
    changes: dict[str, Any] = {
        "verification_result": {"before": c.verification_result or None, "after": result}
    }
    changes.update(clocks.meet(c.clocks.all(), ctx.now, [ClockKind.VERIFICATION]))
    c.verification_result, c.verified_by, c.verified_at = result, by, ctx.now
    fields = ["verification_result", "verified_by", "verified_at", "status"]
    if result == VerificationResult.PASSED:
        _set_status(ctx, Status.VERIFIED, changes)
    else:
        changes["failed_verifications"] = {
            "before": c.failed_verifications,
            "after": c.failed_verifications + 1,
        }
        c.failed_verifications += 1
        c.implemented_at, c.verify_from = None, None
        fields += ["failed_verifications", "implemented_at", "verify_from"]
        _set_status(ctx, Status.IN_ACTION, changes)
    _save(c, *fields)
    _event(ctx, "capa.verified", changes, note)
    outcome = (
        _("effective") if result == VerificationResult.PASSED else _("not effective: back to the actions")
    )
    notify(
        [c.raised_by, *heads_of(c.department)],
        kind=NotificationKind.RESULT,
        subject=c,
        title=_("%(number)s: verification — %(result)s") % {"number": c.number, "result": outcome},
    )
    return c


@transaction.atomic
def capa_close(*, capa: Capa, by: User, note: str = "", now: datetime | None = None) -> Capa:
    errors = FieldErrors()
    note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = _begin(capa, Action.CLOSE, by, now)
    c = ctx.capa
    changes: dict[str, Any] = {}
    c.closed_at, c.closed_by, c.close_note = ctx.now, by, note
    _set_status(ctx, Status.CLOSED, changes)
    _save(c, "closed_at", "closed_by", "close_note", "status")
    _event(ctx, "capa.closed", changes, note)
    return c


@transaction.atomic
def capa_cancel(*, capa: Capa, by: User, reason: str, now: datetime | None = None) -> Capa:
    """Raised in error, or overtaken by another CAPA: ended with a reason, its clocks stopped."""
    errors = FieldErrors()
    reason = required_text(reason, "reason", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = _begin(capa, Action.CANCEL, by, now)
    c = ctx.capa
    changes: dict[str, Any] = {}
    c.clocks.filter(is_active=True, met_at__isnull=True).update(is_active=False, paused_at=None)
    c.closed_at, c.closed_by, c.close_note = ctx.now, by, reason
    _set_status(ctx, Status.CANCELLED, changes)
    _save(c, "closed_at", "closed_by", "close_note", "status")
    _event(ctx, "capa.cancelled", changes, reason)
    return c
