"""The one-time notice of missing materials (一次性告知) and the materials received."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.notify.services import send_sms
from fuwu.org.models import User

from ..models import Material, MissingMaterialsNotice, NoticeKind, Status, WorkOrder
from ..rules import Action
from .clocks import _enter_pause_status, _leave_pause_status
from .context import _begin, _event, _save


def notice_text(number: str, items: Sequence[str], *, supplementary: bool) -> str:
    listed = "；".join(f"{i}. {name}" for i, name in enumerate(items, start=1))
    if supplementary:
        return _(
            "Work order %(number)s — supplementary notice: these materials are not on the checklist of "
            "this service and are needed as well: %(items)s"
        ) % {"number": number, "items": listed}
    return _(
        "Work order %(number)s — one-time notice: please provide all of the following materials: %(items)s"
    ) % {"number": number, "items": listed}


@transaction.atomic
def work_order_notice_missing(
    *,
    work_order: WorkOrder,
    by: User,
    received: Iterable[str] = (),
    extra_items: Iterable[str] = (),
    reason: str = "",
    now: datetime | None = None,
) -> MissingMaterialsNotice:
    """One notice listing every missing checklist item (一次性告知). A second notice is only possible for
    materials the checklist did not have, and says so."""
    ctx = _begin(work_order, Action.NOTICE_MISSING, by, now)
    wo = ctx.work_order
    received_names = {name.strip() for name in received if name and name.strip()}
    extra = list(dict.fromkeys(name.strip() for name in extra_items if name and name.strip()))
    materials = list(wo.materials.all())
    checklist_names = {m.name for m in materials if m.from_checklist}
    errors = FieldErrors()
    unknown = received_names - {m.name for m in materials}
    if unknown:
        errors.add(
            "received",
            _("not on this work order's checklist: %(names)s") % {"names": "、".join(sorted(unknown))},
        )
    already_noticed = wo.notices.filter(kind=NoticeKind.ONE_TIME).exists()
    if already_noticed:
        on_checklist = [name for name in extra if name in checklist_names]
        if on_checklist:
            errors.add(
                "extra_items",
                _("%(names)s is on the checklist and should have been in the one-time notice")
                % {"names": "、".join(on_checklist)},
            )
        if not extra:
            errors.add(
                "extra_items",
                _(
                    "a one-time notice was already sent; a second notice may only ask for "
                    "materials the checklist did not have"
                ),
            )
    errors.raise_if_any()

    for material in materials:
        if material.name in received_names and not material.is_received:
            material.is_received, material.received_at = True, ctx.now
            material.save(update_fields=["is_received", "received_at"])
    if already_noticed:
        kind = NoticeKind.SUPPLEMENTARY
        start = len(materials)
        Material.objects.bulk_create(
            [
                Material(work_order=wo, name=name, from_checklist=False, is_required=True, order=start + i)
                for i, name in enumerate(extra)
            ]
        )
        items = extra
    else:
        kind = NoticeKind.ONE_TIME
        extra_new = [name for name in extra if name not in checklist_names]
        Material.objects.bulk_create(
            [
                Material(
                    work_order=wo, name=name, from_checklist=False, is_required=True, order=len(materials) + i
                )
                for i, name in enumerate(extra_new)
            ]
        )
        items = [m.name for m in materials if m.is_required and not m.is_received] + extra_new
        if not items:
            raise ValidationFailed.field(
                "received", _("nothing is missing: every required material has arrived")
            )
    text = notice_text(wo.number, items, supplementary=kind == NoticeKind.SUPPLEMENTARY)
    notice = MissingMaterialsNotice.objects.create(
        work_order=wo, kind=kind, items=items, text=text, reason=reason, sent_by=by, sent_at=ctx.now
    )
    send_sms(to=wo.caller_phone, body=text, subject=wo)
    changes: dict[str, Any] = {"notice": {"after": {"kind": kind, "items": items}}}
    if wo.status != Status.AWAITING_MATERIALS:
        _enter_pause_status(ctx, Status.AWAITING_MATERIALS, changes)
    _save(wo, "status", "resume_status")
    _event(ctx, "work_order.notice_sent", changes, reason)
    return notice


@transaction.atomic
def work_order_materials_received(
    *, work_order: WorkOrder, by: User, received: Iterable[str], now: datetime | None = None
) -> WorkOrder:
    """Record materials that arrived; when none required is missing, the work and its clocks go on."""
    ctx = _begin(work_order, Action.MATERIALS_RECEIVED, by, now)
    wo = ctx.work_order
    names = {name.strip() for name in received if name and name.strip()}
    materials = list(wo.materials.all())
    unknown = names - {m.name for m in materials}
    if not names or unknown:
        raise ValidationFailed.field(
            "received",
            _("name the materials that arrived, from the notice: %(names)s")
            % {"names": "、".join(m.name for m in materials if not m.is_received)},
        )
    for material in materials:
        if material.name in names and not material.is_received:
            material.is_received, material.received_at = True, ctx.now
            material.save(update_fields=["is_received", "received_at"])
    missing = [m.name for m in materials if m.is_required and not m.is_received]
    changes: dict[str, Any] = {"received": {"after": sorted(names)}, "still_missing": {"after": missing}}
    if not missing:
        _leave_pause_status(ctx, changes)
    _save(wo, "status", "resume_status")
    _event(ctx, "work_order.materials_received", changes)
    return wo
