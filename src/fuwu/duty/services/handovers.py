"""The handover log at each change of shift (交接班记录). 004 三.2: 提前10分钟到岗, 做好交接班工作;
003 值班经理: 阅读值班经理工作交接本 … 交接工作用具, 包括对讲机、备用金、各类钥匙、票据 … 交接完毕后双方在
交接本上签字.

- ``handover_write``: once their shift has begun, the outgoing person writes the handover for the
  next shift of the post: the open items are collected at that moment (work orders, complaints,
  rectification orders, as they may see them: ``selectors.collect_open_items``) and kept as a
  snapshot, with what they hand over by hand (incidents, keys, petty cash, equipment: text and
  count) and notes. Writing it is the outgoing person's signature. The acknowledgement is due by the
  incoming shift's start (a clock of the clocks engine; its chain ``duty_handover`` escalates a late
  one when the policy names it).
- ``handover_acknowledge``: the incoming person (the person on the next shift now — a swap may
  have changed who) signs it, or a head of the department for them; never the person who wrote it.
  After the incoming shift's start it is flagged late.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.clocks import services as clocks
from fuwu.lib.errors import ConflictError, FieldErrors
from fuwu.lib.inputs import DESCRIPTION_LENGTH, MAX_ITEMS, REASON_LENGTH, optional_text, required_text
from fuwu.notify.services import notify
from fuwu.org.models import User
from fuwu.policy.selectors import active_version_id
from fuwu.workcal.selectors import work_calendar_for

from .. import notifying, selectors
from ..models import ITEM_TEXT_LENGTH, MAX_ITEM_COUNT, ClockKind, Handover, HandoverItem, ItemKind, Shift
from ..rules import HandoverAction, ShiftAction
from .context import (
    begin_handover,
    begin_shift,
    event,
    local_text,
    lock_shift,
    policy_of,
    shift_ref,
    user_ref,
)

MAX_HAND_ITEMS = 30  # things handed over by hand in one handover


@dataclass(frozen=True)
class ItemInput:
    kind: str
    text: str
    count: int | None = None


def _items(items: Sequence[ItemInput], errors: FieldErrors) -> list[ItemInput]:
    if len(items) > min(MAX_HAND_ITEMS, MAX_ITEMS):
        errors.add("items", _("at most %(n)s items") % {"n": MAX_HAND_ITEMS})
        return []
    cleaned = []
    for n, item in enumerate(items):
        if item.kind not in ItemKind.values:
            errors.add(
                f"items[{n}].kind", _("must be one of %(choices)s") % {"choices": ", ".join(ItemKind.values)}
            )
        text = required_text(item.text, f"items[{n}].text", errors, ITEM_TEXT_LENGTH)
        count = item.count
        if count is not None and (isinstance(count, bool) or not 0 <= int(count) <= MAX_ITEM_COUNT):
            errors.add(f"items[{n}].count", _("must be between 0 and %(n)s") % {"n": MAX_ITEM_COUNT})
        cleaned.append(ItemInput(item.kind, text, count))
    return cleaned


@transaction.atomic
def handover_write(
    *,
    shift: Shift,
    by: User,
    items: Sequence[ItemInput] = (),
    notes: str = "",
    now: datetime | None = None,
) -> Handover:
    """The outgoing person's handover of ``shift`` to the next shift of its post."""
    errors = FieldErrors()
    cleaned = _items(items, errors)
    notes = optional_text(notes, "notes", errors, DESCRIPTION_LENGTH)
    errors.raise_if_any()
    locked, now = begin_shift(shift, ShiftAction.WRITE_HANDOVER, by, now)
    incoming = selectors.next_shift(locked)
    if incoming is not None:
        # Held until the handover is written, so that the incoming shift is not cancelled meanwhile
        # (a cancellation that came first: nobody to hand over to yet).
        incoming = lock_shift(incoming.pk)
        if incoming.cancelled_at is not None:
            incoming = None
    if incoming is None:
        raise ConflictError(
            _("No next shift of %(post)s is on the roster: a head adds it first.") % {"post": locked.post},
            extra={"allowed_actions": [], "status": locked.state(now).value},
        )
    collected = selectors.collect_open_items(by, locked, now)
    handover = Handover.objects.create(
        organisation=locked.organisation,
        department=locked.department,
        post=locked.post,
        policy_version_id=active_version_id(locked.organisation),
        shift=locked,
        incoming_shift=incoming,
        written_by=by,
        written_at=now,
        due_at=incoming.starts_at,
        notes=notes,
        open_items=collected.items,
        open_items_not_listed=collected.not_listed,
    )
    rows = HandoverItem.objects.bulk_create(
        [
            HandoverItem(handover=handover, kind=item.kind, text=item.text, count=item.count, position=n)
            for n, item in enumerate(cleaned)
        ]
    )
    policy = policy_of(locked.organisation)
    (clock,) = clocks.start(
        handover,
        [clocks.Planned.fixed(ClockKind.ACKNOWLEDGEMENT, start=now, due_at=incoming.starts_at)],
        policy=policy,
        calendar=work_calendar_for(locked.organisation),
        at=now,
    )
    changes: dict[str, Any] = {
        "shift": {"after": shift_ref(locked)},
        "incoming_shift": {"after": shift_ref(incoming)},
        "incoming": {"after": user_ref(incoming.person)},
        "open_items": {"after": len(collected.items) + collected.not_listed},
        "items": {"after": [row.as_json() for row in rows]},
        "due_at": {"after": clock.due_at},
        **({"notes": {"after": notes}} if notes else {}),
    }
    event(handover, "duty.handover_written", by, now, changes, first=True)
    notify(
        [incoming.person],
        kind=notifying.HANDOVER,
        subject=handover,
        title=_("%(post)s: handover from %(name)s, acknowledge by %(due)s")
        % {"post": locked.post, "name": by.display_name, "due": local_text(incoming.starts_at)},
        now=now,
    )
    return handover


@transaction.atomic
def handover_acknowledge(
    *, handover: Handover, by: User, note: str = "", now: datetime | None = None
) -> Handover:
    """The incoming person signs the handover (a remark if something is missing: 备用金少50元)."""
    errors = FieldErrors()
    note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    locked, now = begin_handover(handover, HandoverAction.ACKNOWLEDGE, by, now)
    locked.acknowledged_by, locked.acknowledged_at, locked.acknowledge_note = by, now, note
    locked.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledge_note"])
    changes: dict[str, Any] = {
        "acknowledged_by": {"after": user_ref(by)},
        "late": {"after": locked.is_late(now)},
    }
    changes.update(clocks.meet(locked.clocks.all(), now, [ClockKind.ACKNOWLEDGEMENT]))
    event(locked, "duty.handover_acknowledged", by, now, changes, note)
    if by.pk != locked.incoming_shift.person_id:
        notify(
            [locked.incoming_shift.person],
            kind=notifying.HANDOVER,
            subject=locked,
            title=_("%(post)s: the handover was acknowledged for you by %(name)s")
            % {"post": locked.post, "name": by.display_name},
            now=now,
        )
    return locked


__all__ = ["MAX_HAND_ITEMS", "ItemInput", "handover_acknowledge", "handover_write"]
