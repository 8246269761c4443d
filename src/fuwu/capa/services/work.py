"""The work on a CAPA: root cause, the decision on a nonconforming service, the check whether the
same problem exists elsewhere, action items and their completion, and the actions implemented
(which opens the effectiveness verification after the policy's interval)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.clocks import services as clocks
from fuwu.lib.errors import FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import DESCRIPTION_LENGTH, REASON_LENGTH
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import User

from .. import rules
from ..models import ActionItem, ClockKind, Disposition, RootCauseMethod, Status
from ..models import Capa as CapaModel
from ..permissions import manages
from ..rules import Action
from .context import _begin, _event, _save, _set_status, choice, optional_text, owners_of, required_text
from .people import verifiers_of


def _user_ref(user: User) -> dict[str, Any]:
    return {"id": user.pk, "label": user.display_name}


@transaction.atomic
def capa_analyse(
    *, capa: CapaModel, by: User, root_cause: str, method: str, now: datetime | None = None
) -> CapaModel:
    """Record the root cause and the method used to find it; the actions can be planned then."""
    errors = FieldErrors()
    root_cause = required_text(root_cause, "root_cause", errors, DESCRIPTION_LENGTH)
    method = choice(method, RootCauseMethod, "method", errors)
    errors.raise_if_any()
    ctx = _begin(capa, Action.ANALYSE, by, now)
    c = ctx.capa
    changes: dict[str, Any] = {
        "root_cause": {"before": c.root_cause or None, "after": root_cause},
        "root_cause_method": {"before": c.root_cause_method or None, "after": method},
    }
    c.root_cause, c.root_cause_method, c.root_cause_by, c.root_cause_at = root_cause, method, by, ctx.now
    _set_status(ctx, Status.IN_ACTION, changes)
    _save(c, "root_cause", "root_cause_method", "root_cause_by", "root_cause_at", "status")
    _event(ctx, "capa.analysed", changes)
    return c


@transaction.atomic
def capa_decide_disposition(
    *, capa: CapaModel, by: User, disposition: str, note: str = "", now: datetime | None = None
) -> CapaModel:
    """What was decided for the nonconforming service (ISO 9001 §8.7) and who decided it. Accepting
    by concession says why."""
    errors = FieldErrors()
    disposition = choice(disposition, Disposition, "disposition", errors)
    if disposition == Disposition.CONCESSION:
        note = required_text(note, "note", errors, REASON_LENGTH)
    else:
        note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = _begin(capa, Action.DECIDE_DISPOSITION, by, now)
    c = ctx.capa
    changes = {
        "disposition": {"before": c.disposition or None, "after": disposition},
        "disposition_by": {"after": _user_ref(by)},
    }
    c.disposition, c.disposition_note, c.disposition_by, c.disposition_at = disposition, note, by, ctx.now
    _save(c, "disposition", "disposition_note", "disposition_by", "disposition_at")
    _event(ctx, "capa.disposition_decided", changes, note)
    return c


@transaction.atomic
def capa_check_extent(
    *,
    capa: CapaModel,
    by: User,
    scope: str,
    found: bool | None,
    note: str = "",
    now: datetime | None = None,
) -> CapaModel:
    """Whether the same problem exists elsewhere (other sites, teams, products): where it was looked
    for and what was found. Required before the actions count as implemented."""
    errors = FieldErrors()
    scope = required_text(scope, "scope", errors, DESCRIPTION_LENGTH)
    if not isinstance(found, bool):
        errors.add("found", _("is required"))
    note = (
        required_text(note, "note", errors, DESCRIPTION_LENGTH)
        if found
        else optional_text(note, "note", errors, DESCRIPTION_LENGTH)
    )
    errors.raise_if_any()
    ctx = _begin(capa, Action.CHECK_EXTENT, by, now)
    c = ctx.capa
    changes = {
        "extent_scope": {"after": scope},
        "extent_found": {"before": c.extent_found, "after": found},
    }
    c.extent_scope, c.extent_found, c.extent_note = scope, found, note
    c.extent_checked_by, c.extent_checked_at = by, ctx.now
    _save(c, "extent_scope", "extent_found", "extent_note", "extent_checked_by", "extent_checked_at")
    _event(ctx, "capa.extent_checked", changes, note)
    return c


@transaction.atomic
def capa_add_item(
    *,
    capa: CapaModel,
    by: User,
    description: str,
    owner: User | None,
    due_on: date | None = None,
    now: datetime | None = None,
) -> ActionItem:
    """An action with its owner and deadline: the day given (at close of business; a rest day moves
    to the next working day), else the policy's ``capa.action_item_deadline``."""
    errors = FieldErrors()
    description = required_text(description, "description", errors, DESCRIPTION_LENGTH)
    if owner is None:
        errors.add("owner_id", _("is required"))
    elif owner.organisation_id != capa.organisation_id or not owner.is_active:
        errors.add("owner_id", _("no such member of staff"))
    elif owner.clearance < capa.confidentiality:
        errors.add("owner_id", _("may not see this record (clearance)"))
    errors.raise_if_any()
    assert owner is not None
    ctx = _begin(capa, Action.ADD_ITEM, by, now)
    if due_on is not None:
        due_at = rules.item_due_at(ctx.calendar, due_on)
        if due_at <= ctx.now:
            raise ValidationFailed.field("due_on", _("must be today or later"))
        planned = clocks.Planned.fixed(ClockKind.ACTION_ITEM, start=ctx.now, due_at=due_at)
    else:
        deadline = ctx.policy.capa.action_item_deadline
        planned = clocks.Planned(ClockKind.ACTION_ITEM, deadline.amount, deadline.unit)
    (clock,) = clocks.start(ctx.capa, [planned], policy=ctx.policy, calendar=ctx.calendar, at=ctx.now)
    item = ActionItem.objects.create(
        capa=ctx.capa,
        description=description,
        owner=owner,
        due_at=clock.due_at,
        clock=clock,
        round=ctx.capa.failed_verifications,
        added_by=by,
        added_at=ctx.now,
    )
    _event(
        ctx,
        "capa.item_added",
        {
            "item": {
                "after": {"description": description, "owner": owner.display_name, "due_at": clock.due_at}
            }
        },
    )
    notify(
        [owner],
        kind=NotificationKind.ASSIGNED,
        subject=ctx.capa,
        title=_("%(number)s: an action is yours, due %(due)s")
        % {"number": ctx.capa.number, "due": f"{timezone.localtime(clock.due_at):%Y-%m-%d %H:%M}"},
    )
    return item


@transaction.atomic
def capa_complete_item(
    *, capa: CapaModel, by: User, item_id: int, evidence: str, now: datetime | None = None
) -> ActionItem:
    """An action done, with the evidence (what was done, where the record is). Its owner or whoever
    leads the CAPA records it."""
    errors = FieldErrors()
    evidence = required_text(evidence, "evidence", errors, DESCRIPTION_LENGTH)
    errors.raise_if_any()
    ctx = _begin(capa, Action.COMPLETE_ITEM, by, now)
    item = ctx.capa.items.filter(pk=item_id, done_at__isnull=True).select_related("owner").first()
    if item is None:
        raise ValidationFailed.field("item_id", _("no such open action item"))
    if item.owner_id != by.pk and not manages(by, ctx.capa):
        raise PermissionDeniedError(_("Only the action's owner or whoever leads the CAPA records it done."))
    item.done_at, item.done_by, item.evidence = ctx.now, by, evidence
    item.save(update_fields=["done_at", "done_by", "evidence"])
    changes: dict[str, Any] = {
        "item": {"after": {"description": item.description, "owner": item.owner.display_name}}
    }
    if item.clock_id is not None:
        met = clocks.meet(ctx.capa.clocks.filter(pk=item.clock_id), ctx.now, [ClockKind.ACTION_ITEM])
        changes.update(met)
    _event(ctx, "capa.item_completed", changes, evidence)
    return item


@transaction.atomic
def capa_implement(*, capa: CapaModel, by: User, note: str = "", now: datetime | None = None) -> CapaModel:
    """Every action done and the extent checked: effectiveness can be verified from the end of the
    policy's ``capa.verification_after``, and is due ``capa.verification_window`` after that."""
    errors = FieldErrors()
    note = optional_text(note, "note", errors, REASON_LENGTH)
    errors.raise_if_any()
    ctx = _begin(capa, Action.IMPLEMENT, by, now)
    c = ctx.capa
    window = rules.verification_window(ctx.calendar, ctx.now, ctx.policy)
    (clock,) = clocks.start(
        c,
        [clocks.Planned.fixed(ClockKind.VERIFICATION, start=ctx.now, due_at=window.due_at)],
        policy=ctx.policy,
        calendar=ctx.calendar,
        at=ctx.now,
    )
    changes: dict[str, Any] = {
        "verify_from": {"after": window.opens_at},
        "clock.verification": {"after": clock.due_at},
    }
    c.implemented_at, c.verify_from = ctx.now, window.opens_at
    _set_status(ctx, Status.AWAITING_VERIFICATION, changes)
    _save(c, "implemented_at", "verify_from", "status")
    _event(ctx, "capa.implemented", changes, note)
    owner_ids, _open = owners_of(c)
    notify(
        verifiers_of(c, list(ctx.policy.capa.verifier_roles), owner_ids),
        kind=NotificationKind.ASSIGNED,
        subject=c,
        title=_("%(number)s: verify the effectiveness from %(day)s")
        % {"number": c.number, "day": f"{timezone.localtime(window.opens_at):%Y-%m-%d}"},
    )
    return c
