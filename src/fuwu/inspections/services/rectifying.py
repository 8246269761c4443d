"""Rectification orders (整改单, 002 4.1): issued for every failed item when an inspection is
submitted; the responsible department head acknowledges (signs) it; the department records what was
done (with photos); the inspector verifies — a failed verification reopens it with a new deadline.
What was decided for the nonconformity (redo, contain, tell the customer, accept by concession) is
recorded with who decided. When the same item has failed in the same department the policy's number
of times within its months (``inspections.recurring_findings``), a corrective action is raised that
links those orders (REQUIREMENTS §7, §8)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.capa.models import Disposition
from fuwu.clocks import services as clocks
from fuwu.lib.errors import FieldErrors
from fuwu.lib.inputs import DESCRIPTION_LENGTH, REASON_LENGTH, choice, optional_text, required_text
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.numbering.services import next_number, numbering_for
from fuwu.org.models import User
from fuwu.org.selectors import heads_of
from fuwu.reports.periods import add_months

from ..models import (
    ClockKind,
    Finding,
    Rectification,
    RectificationStatus,
    Result,
)
from ..rules import RectificationAction
from .context import RectificationContext, begin_rectification, department_ref, event, user_ref

if TYPE_CHECKING:
    from .context import Context

log = logging.getLogger(__name__)
S = RectificationStatus


def _due_title(rectification: Rectification) -> str:
    return _("%(number)s: rectify “%(item)s” by %(due)s") % {
        "number": rectification.number,
        "item": rectification.finding.item[:40],
        "due": f"{timezone.localtime(rectification.due_at):%Y-%m-%d %H:%M}",
    }


def issue_rectifications(ctx: Context, failed: Sequence[Finding]) -> list[Rectification]:
    """One order per failed finding (inside the submit's transaction); the department's heads are
    told; a finding that keeps coming back raises a corrective action."""
    i = ctx.inspection
    deadline = ctx.policy.inspections.rectification
    numbering = numbering_for(i.organisation, ctx.policy.numbering, "rectification")
    issued = []
    for finding in failed:
        rectification = Rectification.objects.create(
            organisation=i.organisation,
            number=next_number(
                organisation_id=i.organisation_id,
                kind="rectification",
                numbering=numbering,
                on=timezone.localtime(ctx.now).date(),
            ),
            inspection=i,
            finding=finding,
            department=i.department,
            confidentiality=i.confidentiality,
            issued_at=ctx.now,
            due_at=ctx.now,  # set from the clock below
        )
        (clock,) = clocks.start(
            rectification,
            [clocks.Planned(ClockKind.RECTIFICATION, deadline.amount, deadline.unit)],
            policy=ctx.policy,
            calendar=ctx.calendar,
            at=ctx.now,
        )
        rectification.due_at = clock.due_at
        rectification.save(update_fields=["due_at"])
        event(
            rectification,
            ctx.by,
            ctx.now,
            "rectification.issued",
            {
                "inspection": {"after": i.number},
                "item": {"after": finding.item[:200]},
                "department": {"after": department_ref(i.department)},
                "clock.rectification": {"after": clock.due_at},
            },
            finding.note,
            first=True,
        )
        notify(
            heads_of(i.department),
            kind=NotificationKind.ASSIGNED,
            subject=rectification,
            title=_due_title(rectification),
        )
        issued.append(rectification)
    for rectification in issued:
        _raise_if_recurring(ctx, rectification)
    return issued


def _raise_if_recurring(ctx: Context, rectification: Rectification) -> None:
    """A corrective action for an item that failed ``count`` times within ``months`` months in the
    department (this time included), unless one is open for it already."""
    rule = ctx.policy.inspections.recurring_findings
    local = timezone.localtime(ctx.now)
    first = add_months(local.date().replace(day=1), -rule.months)
    since = local.replace(year=first.year, month=first.month, day=min(local.day, _month_days(first)))
    earlier = list(
        Rectification.objects.filter(
            organisation=rectification.organisation_id,
            department=rectification.department_id,
            finding__item_code=rectification.finding.item_code,
            issued_at__gte=since,
            finding__result=Result.FAIL,
        )
        .exclude(status=S.CANCELLED)
        .select_related("capa")
        .order_by("-issued_at", "-id")
    )
    if len(earlier) < rule.count:
        return
    if any(r.capa is not None and r.capa.is_open for r in earlier):
        open_capa = next(r.capa for r in earlier if r.capa is not None and r.capa.is_open)
        Rectification.objects.filter(pk=rectification.pk).update(capa=open_capa)
        return
    from fuwu.capa.permissions import may_raise
    from fuwu.capa.services import capa_create

    raiser = ctx.by if may_raise(ctx.by) else next(iter(heads_of(rectification.department)), None)
    if raiser is None:
        log.warning("recurring finding %s: nobody may raise a corrective action", rectification.number)
        return
    recent = earlier[: rule.count]
    capa = capa_create(
        organisation=rectification.organisation,
        by=raiser,
        kind="corrective",
        title=_("Recurring finding: %(item)s") % {"item": rectification.finding.item[:150]},
        problem=_("“%(item)s” failed %(n)s times in %(department)s within %(months)s months: %(orders)s.")
        % {
            "item": rectification.finding.item[:500],
            "n": len(earlier),
            "department": rectification.department.name,
            "months": rule.months,
            "orders": ", ".join(r.number for r in recent),
        },
        category="process",
        department=rectification.department,
        confidentiality=rectification.confidentiality,
        affected=[f"inspections.rectification:{r.pk}" for r in recent],
        now=ctx.now,
    )
    Rectification.objects.filter(pk__in=[r.pk for r in recent]).update(capa=capa)
    rectification.capa = capa


def _month_days(first: date) -> int:
    return (add_months(first, 1) - timedelta(days=1)).day


def _set_status(ctx: RectificationContext, status: RectificationStatus, changes: dict[str, Any]) -> None:
    before = ctx.rectification.status
    if before != status:
        changes["status"] = {"before": before, "after": str(status)}
        ctx.rectification.status = status


def _save(rectification: Rectification, *fields: str) -> None:
    rectification.save(update_fields=[*fields, "updated_at"])


@transaction.atomic
def rectification_acknowledge(
    *, rectification: Rectification, by: User, note: str = "", now: datetime | None = None
) -> Rectification:
    """The responsible department head signs the order (签字确认): the nonconformity is accepted and
    its rectification begins."""
    errors = FieldErrors()
    note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = begin_rectification(rectification, RectificationAction.ACKNOWLEDGE, by, now)
    r = ctx.rectification
    changes: dict[str, Any] = {"acknowledged_by": {"after": user_ref(by)}}
    r.acknowledged_by, r.acknowledged_at, r.acknowledge_note = by, ctx.now, note
    _set_status(ctx, S.IN_RECTIFICATION, changes)
    _save(r, "acknowledged_by", "acknowledged_at", "acknowledge_note", "status")
    event(r, by, ctx.now, "rectification.acknowledged", changes, note)
    return r


@transaction.atomic
def rectification_decide(
    *, rectification: Rectification, by: User, disposition: str, note: str = "", now: datetime | None = None
) -> Rectification:
    """What is done with the nonconforming service (ISO 9001 §8.7); accepting by concession says why."""
    errors = FieldErrors()
    disposition = choice(disposition, Disposition, "disposition", errors)
    if disposition == Disposition.CONCESSION:
        note = required_text(note, "note", errors, REASON_LENGTH)
    else:
        note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = begin_rectification(rectification, RectificationAction.DECIDE_DISPOSITION, by, now)
    r = ctx.rectification
    changes = {
        "disposition": {"before": r.disposition or None, "after": disposition},
        "disposition_by": {"after": user_ref(by)},
    }
    r.disposition, r.disposition_note, r.disposition_by, r.disposition_at = disposition, note, by, ctx.now
    _save(r, "disposition", "disposition_note", "disposition_by", "disposition_at")
    event(r, by, ctx.now, "rectification.disposition_decided", changes, note)
    return r


@transaction.atomic
def rectification_record_done(
    *,
    rectification: Rectification,
    by: User,
    action_taken: str,
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Rectification:
    """What was done, with photos: the rectification clock stops and the verification's starts."""
    from .carrying_out import MAX_PHOTOS_PER_FINDING, _checked_photos, save_photos

    errors = FieldErrors()
    action_taken = required_text(action_taken, "action_taken", errors, DESCRIPTION_LENGTH)
    checked = _checked_photos(photos, MAX_PHOTOS_PER_FINDING, errors) if photos else []
    errors.raise_if_any()
    ctx = begin_rectification(rectification, RectificationAction.RECORD_DONE, by, now)
    r = ctx.rectification
    changes: dict[str, Any] = clocks.meet(r.clocks.all(), ctx.now, [ClockKind.RECTIFICATION])
    window = ctx.policy.inspections.verification
    (clock,) = clocks.start(
        r,
        [clocks.Planned(ClockKind.VERIFICATION, window.amount, window.unit)],
        policy=ctx.policy,
        calendar=ctx.calendar,
        at=ctx.now,
    )
    changes["clock.verification"] = {"after": clock.due_at}
    if checked:
        save_photos({"rectification": r}, r.number, checked, by, ctx.now)
        changes["photos"] = {"after": len(checked)}
    r.action_taken, r.done_by, r.done_at = action_taken, by, ctx.now
    _set_status(ctx, S.AWAITING_VERIFICATION, changes)
    _save(r, "action_taken", "done_by", "done_at", "status")
    event(r, by, ctx.now, "rectification.done", changes, action_taken)
    notify(
        [r.inspection.inspector],
        kind=NotificationKind.ASSIGNED,
        subject=r,
        title=_("%(number)s: verify the rectification by %(due)s")
        % {"number": r.number, "due": f"{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}"},
    )
    return r


@transaction.atomic
def rectification_verify(
    *, rectification: Rectification, by: User, passed: bool | None, note: str, now: datetime | None = None
) -> Rectification:
    """The inspector's verification (跟踪验证): passed closes the order; failed reopens it with a new
    deadline from the policy, and the department is told."""
    errors = FieldErrors()
    if not isinstance(passed, bool):
        errors.add("passed", _("is required"))
    note = required_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = begin_rectification(rectification, RectificationAction.VERIFY, by, now)
    r = ctx.rectification
    changes: dict[str, Any] = clocks.meet(r.clocks.all(), ctx.now, [ClockKind.VERIFICATION])
    changes["verified"] = {"after": passed}
    r.verified_by, r.verified_at, r.verification_note = by, ctx.now, note
    fields = ["verified_by", "verified_at", "verification_note", "status"]
    if passed:
        _set_status(ctx, S.VERIFIED, changes)
    else:
        r.failed_verifications += 1
        deadline = ctx.policy.inspections.rectification
        (clock,) = clocks.start(
            r,
            [clocks.Planned(ClockKind.RECTIFICATION, deadline.amount, deadline.unit)],
            policy=ctx.policy,
            calendar=ctx.calendar,
            at=ctx.now,
        )
        changes["clock.rectification"] = {"before": r.due_at, "after": clock.due_at}
        r.due_at = clock.due_at
        fields += ["failed_verifications", "due_at"]
        _set_status(ctx, S.IN_RECTIFICATION, changes)
    _save(r, *fields)
    event(r, by, ctx.now, "rectification.verified" if passed else "rectification.reopened", changes, note)
    if not passed:
        notify(heads_of(r.department), kind=NotificationKind.ASSIGNED, subject=r, title=_due_title(r))
    return r


@transaction.atomic
def rectification_cancel(
    *, rectification: Rectification, by: User, reason: str, now: datetime | None = None
) -> Rectification:
    errors = FieldErrors()
    reason = required_text(reason, "reason", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = begin_rectification(rectification, RectificationAction.CANCEL, by, now)
    r = ctx.rectification
    changes: dict[str, Any] = {}
    _set_status(ctx, S.CANCELLED, changes)
    r.clocks.filter(met_at__isnull=True, is_active=True).update(is_active=False)
    _save(r, "status")
    event(r, by, ctx.now, "rectification.cancelled", changes, reason)
    return r
