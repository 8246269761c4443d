"""Signing the steps of a batch, in order, with the count of every item: the second person's
confirmation of a double-check step, and corrections (a new entry with its reason, never a change
to a signed step). Completing the last step closes the batch and starts its retention period."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.lib.inputs import REASON_LENGTH, optional_text, required_text
from fuwu.org.models import User

from .. import rules
from ..models import MAX_ITEMS, MAX_PACKAGES, MAX_PIECES, Batch, BatchItem, Entry, StepCount, StepSignature
from ..rules import Action, Counts, Step
from .context import Context, _begin, _event, _refused, _save


def clean_counts(
    counts: Mapping[int, Counts] | None, errors: FieldErrors, field: str = "counts", empty: Any = None
) -> dict[int, Counts]:
    """Counts by item id, each within the bounds of a batch's counts (0 is a count: an item missing)."""
    found: dict[int, Counts] = {}
    if not isinstance(counts, Mapping) or not counts:
        errors.add(field, empty or _("count every item"))
        return found
    if len(counts) > MAX_ITEMS:
        errors.add(field, _("at most %(n)s items") % {"n": MAX_ITEMS})
        return found
    for item, value in counts.items():
        try:
            packages, pieces = (int(v) for v in value)
        except (TypeError, ValueError):
            errors.add(f"{field}.{item}", _("packages and pieces are whole numbers"))
            continue
        if not 0 <= packages <= MAX_PACKAGES:
            errors.add(f"{field}.{item}", _("packages must be between 0 and %(n)s") % {"n": MAX_PACKAGES})
        elif not 0 <= pieces <= MAX_PIECES:
            errors.add(f"{field}.{item}", _("pieces must be between 0 and %(n)s") % {"n": MAX_PIECES})
        else:
            found[int(item)] = (packages, pieces)
    return found


def _covering(
    counted: Mapping[int, Counts], expected: Mapping[int, Counts], items: list[BatchItem]
) -> dict[int, Counts]:
    """The counts of every item still expected (an item wholly returned may be left out), and of no
    item the batch does not have: 422 naming each one."""
    errors = FieldErrors()
    names = {item.pk: item.name for item in items}
    for item_id in counted:
        if item_id not in names:
            errors.add(f"counts.{item_id}", _("no such item in this batch"))
    for item in items:
        if item.pk not in counted and expected.get(item.pk, (0, 0)) != (0, 0):
            errors.add(f"counts.{item.pk}", _("count %(item)s too") % {"item": item.name})
    errors.raise_if_any()
    return {item.pk: counted[item.pk] for item in items if item.pk in counted}


def _rows(items: list[BatchItem], counts: Mapping[int, Counts]) -> list[dict[str, Any]]:
    return [
        {"item": item.name, "packages": counts[item.pk][0], "pieces": counts[item.pk][1]}
        for item in items
        if item.pk in counts
    ]


def _differences(items: list[BatchItem], differences: list[rules.Difference]) -> list[dict[str, Any]]:
    names = {item.pk: item.name for item in items}
    return [
        {
            "item": names.get(d.item, ""),
            "expected_packages": d.expected[0],
            "expected_pieces": d.expected[1],
            "packages": d.counted[0],
            "pieces": d.counted[1],
        }
        for d in differences
    ]


def _write_counts(
    signature: StepSignature, counted: Mapping[int, Counts], expected: Mapping[int, Counts]
) -> None:
    StepCount.objects.bulk_create(
        [
            StepCount(
                signature=signature,
                item_id=item,
                packages=packages,
                pieces=pieces,
                expected_packages=expected.get(item, (0, 0))[0],
                expected_pieces=expected.get(item, (0, 0))[1],
            )
            for item, (packages, pieces) in counted.items()
        ]
    )


def advance(ctx: Context, step: Step, changes: dict[str, Any]) -> list[str]:
    """``step`` is complete: it is the batch's status; the next step is due, or — after the last —
    the batch closes and is kept ``retention.traceable_items_years`` from that day. The fields to save."""
    batch = ctx.batch
    changes["status"] = {"before": batch.status, "after": step.code}
    batch.status, batch.status_label = step.code, step.label
    batch.awaiting_check = False
    following = ctx.state.steps[step.position + 1] if step.position + 1 < len(ctx.state.steps) else None
    if following is not None:
        batch.next_step, batch.next_step_label = following.code, following.label
    else:
        close(ctx, changes)
    return [
        "status",
        "status_label",
        "awaiting_check",
        "next_step",
        "next_step_label",
        "closed_at",
        "retain_until",
    ]


def close(ctx: Context, changes: dict[str, Any]) -> None:
    batch = ctx.batch
    batch.next_step, batch.next_step_label = "", ""
    batch.closed_at = ctx.now
    batch.retain_until = rules.retained_until(
        timezone.localtime(ctx.now).date(), ctx.policy.retention.traceable_items_years
    )
    changes["closed_at"] = {"after": ctx.now}
    changes["retain_until"] = {"after": batch.retain_until}


@transaction.atomic
def batch_sign(
    *,
    batch: Batch,
    by: User,
    step: str,
    counts: Mapping[int, Counts],
    note: str = "",
    now: datetime | None = None,
) -> StepSignature:
    """Sign ``step`` — the batch's next one, never another — with the count of each item. A count
    other than the one expected (the count step's, less what was returned since) is recorded as a
    discrepancy and needs the reason in ``note``. A double-check step then waits for another
    person's confirmation (``batch_confirm``); any other step is complete at once."""
    errors = FieldErrors()
    note = optional_text(note, "note", errors, REASON_LENGTH)
    counted = clean_counts(counts, errors)
    errors.raise_if_any()
    ctx = _begin(batch, Action.SIGN, by, now)
    chosen = rules.step_named(ctx.state.steps, step)
    if chosen is None:
        raise ValidationFailed.field("step", _("no such step"))
    target = ctx.state.next_step
    assert target is not None  # an open batch has a next step
    if chosen.code != target.code:
        raise _refused(
            Action.SIGN,
            ctx.batch,
            _("steps are signed in order, the next one is “%(next)s”") % {"next": target.label},
            [Action.SIGN],
        )
    expected = ctx.state.expected_at(chosen.position)
    counted = _covering(counted, expected, ctx.state.items)
    differences = rules.differences(expected, counted)
    if differences and not note:
        raise ValidationFailed.field(
            "note", _("the counts differ from the expected ones: say why (the difference is recorded)")
        )
    signature = StepSignature.objects.create(
        batch=ctx.batch,
        step=chosen.code,
        step_label=chosen.label,
        position=chosen.position,
        double_check=chosen.double_check,
        signed_by=by,
        signed_at=ctx.now,
        note=note,
        has_discrepancy=bool(differences),
    )
    _write_counts(signature, counted, expected)
    changes: dict[str, Any] = {
        "step": {"after": chosen.label},
        "counts": {"after": _rows(ctx.state.items, counted)},
    }
    if differences:
        changes["discrepancy"] = {"after": _differences(ctx.state.items, differences)}
    fields = ["has_discrepancy"]
    ctx.batch.has_discrepancy = ctx.batch.has_discrepancy or bool(differences)
    if chosen.double_check:
        ctx.batch.awaiting_check = True
        changes["awaiting_check"] = {"after": True}
        fields.append("awaiting_check")
    else:
        fields += advance(ctx, chosen, changes)
    _save(ctx.batch, *dict.fromkeys(fields))
    _event(ctx, "batch.step_signed", changes, note)
    return signature


@transaction.atomic
def batch_confirm(
    *, batch: Batch, by: User, step: str, note: str = "", now: datetime | None = None
) -> StepSignature:
    """The second person's signature of a double-check step (双人核对): someone other than the one
    who signed it, with their own login. The step is then complete."""
    errors = FieldErrors()
    note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = _begin(batch, Action.CONFIRM, by, now)
    pending = ctx.state.pending
    assert pending is not None  # the gate let CONFIRM through
    if step != pending.step:
        raise _refused(
            Action.CONFIRM,
            ctx.batch,
            _("the step waiting for its second signature is “%(step)s”") % {"step": pending.step_label},
            [Action.CONFIRM],
        )
    pending.confirmed_by, pending.confirmed_at, pending.confirmation_note = by, ctx.now, note
    pending.save(update_fields=["confirmed_by", "confirmed_at", "confirmation_note"])
    chosen = rules.step_named(ctx.state.steps, pending.step)
    assert chosen is not None
    changes: dict[str, Any] = {
        "step": {"after": chosen.label},
        "signed_by": {"after": {"id": pending.signed_by_id, "label": pending.signed_by.display_name}},
        "second_signature": {"after": {"id": by.pk, "label": by.display_name}},
    }
    fields = advance(ctx, chosen, changes)
    _save(ctx.batch, *fields)
    _event(ctx, "batch.step_confirmed", changes, note)
    return pending


@transaction.atomic
def batch_correct(
    *,
    batch: Batch,
    by: User,
    step: str,
    counts: Mapping[int, Counts],
    reason: str,
    now: datetime | None = None,
) -> StepSignature:
    """Correct the counts of a signed step: a new entry with its reason (the signed one stays as it
    was, both on the record and on the timeline), checked against what that step expected."""
    errors = FieldErrors()
    reason = required_text(reason, "reason", errors, REASON_LENGTH)
    counted = clean_counts(counts, errors)
    errors.raise_if_any()
    ctx = _begin(batch, Action.CORRECT, by, now)
    original = ctx.state.originals.get(step)
    if original is None:
        raise ValidationFailed.field("step", _("this step has not been signed"))
    expected = {c.item_id: (c.expected_packages, c.expected_pieces) for c in original.counts.all()}
    items = [item for item in ctx.state.items if item.pk in expected]
    counted = _covering(counted, expected, items)
    before = ctx.state.counts_of(original)
    differences = rules.differences(expected, counted)
    correction = StepSignature.objects.create(
        batch=ctx.batch,
        step=original.step,
        step_label=original.step_label,
        position=original.position,
        kind=Entry.CORRECTION,
        corrects=original,
        signed_by=by,
        signed_at=ctx.now,
        reason=reason,
        has_discrepancy=bool(differences),
    )
    _write_counts(correction, counted, expected)
    changes: dict[str, Any] = {
        "step": {"after": original.step_label},
        "counts": {"before": _rows(items, before), "after": _rows(items, counted)},
    }
    if differences:
        changes["discrepancy"] = {"after": _differences(items, differences)}
    ctx.batch.has_discrepancy = bool(differences) or ctx.state.any_discrepancy(besides=original)
    _save(ctx.batch, "has_discrepancy")
    _event(ctx, "batch.step_corrected", changes, reason)
    return correction
