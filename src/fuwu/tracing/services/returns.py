"""Items returned as nonconforming (不合格退回) and the written feedback to the customer unit
(书面反馈 with 整改建议), due within the policy's ``tracing.feedback_within`` (the clocks engine)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.clocks import services as clocks
from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.lib.inputs import DESCRIPTION_LENGTH, optional_text, required_text
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import User

from ..models import RECIPIENT_LENGTH, Batch, ClockKind, ItemReturn, ReturnLine
from ..rules import Action, Counts
from .context import _begin, _event, _save
from .people import heads_of
from .steps import clean_counts, close


@transaction.atomic
def batch_return(
    *,
    batch: Batch,
    by: User,
    lines: Mapping[int, Counts],
    problem: str,
    now: datetime | None = None,
) -> ItemReturn:
    """Return items found nonconforming during the step under way, with the problem. They leave the
    batch (the later steps do not expect them); written feedback to the unit is due within the
    policy's ``tracing.feedback_within``. A batch with nothing left closes."""
    errors = FieldErrors()
    problem = required_text(problem, "problem", errors, DESCRIPTION_LENGTH)
    returned = {
        item: counts
        for item, counts in clean_counts(lines, errors, "lines", _("return at least one piece")).items()
        if counts != (0, 0)
    }
    if not errors and not returned:
        errors.add("lines", _("return at least one piece"))
    errors.raise_if_any()
    ctx = _begin(batch, Action.RETURN, by, now)
    step = ctx.state.next_step
    assert step is not None  # the gate refuses a closed batch
    remaining = ctx.state.remaining()
    names = {item.pk: item.name for item in ctx.state.items}
    for item, (packages, pieces) in returned.items():
        have = remaining.get(item)
        if have is None:
            errors.add(f"lines.{item}", _("no such item in this batch"))
        elif pieces < 1:
            errors.add(f"lines.{item}", _("return at least one piece of %(item)s") % {"item": names[item]})
        elif packages > have[0] or pieces > have[1]:
            errors.add(
                f"lines.{item}",
                _("only %(packages)s packages and %(pieces)s pieces of %(item)s are left")
                % {"packages": have[0], "pieces": have[1], "item": names[item]},
            )
    errors.raise_if_any()
    within = ctx.policy.tracing.feedback_within
    (clock,) = clocks.start(
        ctx.batch,
        [clocks.Planned(ClockKind.FEEDBACK, within.amount, within.unit)],
        policy=ctx.policy,
        calendar=ctx.calendar,
        at=ctx.now,
    )
    item_return = ItemReturn.objects.create(
        batch=ctx.batch,
        step=step.code,
        step_label=step.label,
        position=step.position,
        problem=problem,
        returned_by=by,
        returned_at=ctx.now,
        clock=clock,
        feedback_due_at=clock.due_at,
    )
    ReturnLine.objects.bulk_create(
        [
            ReturnLine(batch_return=item_return, item_id=item, packages=packages, pieces=pieces)
            for item, (packages, pieces) in returned.items()
        ]
    )
    rows = [
        {"item": names[item], "packages": packages, "pieces": pieces}
        for item, (packages, pieces) in returned.items()
    ]
    changes: dict[str, Any] = {
        "returned": {"after": {"step": step.label, "lines": rows, "problem": problem}},
        f"clock.{ClockKind.FEEDBACK}": {"after": clock.due_at},
    }
    left = sum(pieces for item, (_packages, pieces) in remaining.items()) - sum(
        pieces for _packages, pieces in returned.values()
    )
    if left <= 0:
        close(ctx, changes)
        _save(ctx.batch, "next_step", "next_step_label", "closed_at", "retain_until")
    _event(ctx, "batch.items_returned", changes)
    notify(
        heads_of(ctx.batch.department),
        kind=NotificationKind.ASSIGNED,
        subject=ctx.batch,
        title=_("%(number)s: items returned as nonconforming, written feedback to %(unit)s due %(due)s")
        % {
            "number": ctx.batch.number,
            "unit": ctx.batch.unit_name,
            "due": f"{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}",
        },
    )
    return item_return


@transaction.atomic
def batch_feedback(
    *,
    batch: Batch,
    by: User,
    return_id: int,
    feedback: str,
    suggestion: str,
    recipient: str = "",
    now: datetime | None = None,
) -> ItemReturn:
    """The written feedback to the unit on returned items, with the rectification advice, recorded
    by the person who sends it (``recipient``: whom at the unit it went to). Late is flagged."""
    errors = FieldErrors()
    feedback = required_text(feedback, "feedback", errors, DESCRIPTION_LENGTH)
    suggestion = required_text(suggestion, "suggestion", errors, DESCRIPTION_LENGTH)
    recipient = optional_text(recipient, "recipient", errors, RECIPIENT_LENGTH)
    errors.raise_if_any()
    ctx = _begin(batch, Action.FEEDBACK, by, now)
    found = next((r for r in ctx.state.returns if r.pk == return_id and not r.has_feedback), None)
    if found is None:
        raise ValidationFailed.field("return_id", _("no returned items wait for this feedback"))
    found.feedback, found.suggestion, found.recipient = feedback, suggestion, recipient
    found.feedback_by, found.feedback_at = by, ctx.now
    found.save(update_fields=["feedback", "suggestion", "recipient", "feedback_by", "feedback_at"])
    changes: dict[str, Any] = {
        "feedback": {
            "after": {
                "step": found.step_label,
                "feedback": feedback,
                "suggestion": suggestion,
                "recipient": recipient,
                "late": found.feedback_late,
            }
        }
    }
    if found.clock_id is not None:
        changes.update(clocks.meet(ctx.batch.clocks.filter(pk=found.clock_id), ctx.now, [ClockKind.FEEDBACK]))
    _event(ctx, "batch.feedback_written", changes)
    return found
