"""Completion, the warranty finding (三包) and the customer's confirmation."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.lib.images import ImageRefused, check_image
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify, send_sms
from fuwu.org.models import User

from .. import rules, signals
from ..approvals import Details
from ..models import (
    ApprovalKind,
    ClockKind,
    Confirmation,
    ConfirmationCode,
    ConfirmationMethod,
    Photo,
    ServiceReport,
    Status,
    WarrantyStatus,
    WorkOrder,
)
from ..notifying import CONFIRMATION_REFUSED
from ..permissions import deciding_department
from ..rules import Action
from .clocks import _meet
from .context import Context, _begin, _event, _required_text, _save, _set_status
from .intake import MAX_PHOTOS, _check_photos, _save_photos
from .people import _tell_owner, approvers_told, heads_of

CONFIRMATION_CODE_MINUTES = 15
MAX_CODE_ATTEMPTS = 5


def _clean_parts(parts: Iterable[Mapping[str, Any]], errors: FieldErrors) -> list[dict[str, Any]]:
    cleaned = []
    for index, part in enumerate(parts):
        name = str(part.get("name") or "").strip()
        if not name:
            errors.add(f"parts[{index}].name", _("is required"))
        try:
            quantity = Decimal(str(part.get("quantity", 1)))
            if quantity <= 0:
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors.add(f"parts[{index}].quantity", _("must be greater than %(limit)s") % {"limit": 0})
            quantity = Decimal(0)
        cleaned.append(
            {"name": name, "model": str(part.get("model") or "").strip(), "quantity": str(quantity)}
        )
    return cleaned


def _check_product_warranty(ctx: Context, warranty_status: str) -> None:
    """ "In warranty" cannot be claimed for a product whose warranty has ended (on the local day)."""
    product = ctx.work_order.product
    if (
        warranty_status == WarrantyStatus.IN_WARRANTY
        and product is not None
        and product.warranty_ends_on is not None
        and product.warranty_ends_on < timezone.localtime(ctx.now).date()
    ):
        raise ValidationFailed.field(
            "warranty_status",
            _("the product's warranty ended on %(day)s") % {"day": product.warranty_ends_on.isoformat()},
        )


def paid_service_decision(work_order: WorkOrder) -> Approval | None:
    """The work order's paid-service approval that counts: the latest one not withdrawn."""
    return (
        work_order.approvals.filter(kind=ApprovalKind.PAID_SERVICE)
        .exclude(status=ApprovalStatus.WITHDRAWN)
        .order_by("-requested_at", "-id")
        .first()
    )


def _apply_warranty_finding(
    ctx: Context, warranty_status: str, changes: dict[str, Any], note: str = ""
) -> None:
    """The charge that follows a warranty finding (三包), on site or with the report: paid or free;
    the head's approval asked once where the policy wants it (and the head told at once)."""
    wo = ctx.work_order
    decision = paid_service_decision(wo)
    step = rules.paid_service_step(
        paid_finding=rules.is_paid_finding(warranty_status, wo.service_type.category),
        needs_approval=ctx.policy.approvals.paid_service_needs_approval,
        decision=decision.status if decision else None,
    )
    if not step.is_paid:
        if wo.fees.filter(is_collected=True).exists():
            raise ValidationFailed.field(
                "warranty_status",
                _("fees of the paid service were already collected; the work cannot become free now"),
            )
        dropped = list(wo.fees.filter(is_collected=False).values_list("description", flat=True))
        if dropped:
            wo.fees.filter(is_collected=False).delete()
            changes["fees_dropped"] = {"after": dropped}
    if step.withdraw_pending and decision is not None:
        withdrawn = approvals.withdraw(record=wo, by=ctx.by, now=ctx.now, kinds=[ApprovalKind.PAID_SERVICE])
        changes["approvals_withdrawn"] = {"after": withdrawn}
    if step.ask_approval:
        role = ctx.policy.approvals.paid_service
        reason = _("paid service: %(warranty)s") % {"warranty": WarrantyStatus(warranty_status).label}
        if note:
            reason = f"{reason} — {note}"
        assert ctx.by is not None  # a finding is a technician's (record-warranty, complete: ``by: User``)
        approvals.request(
            record=wo,
            kind=ApprovalKind.PAID_SERVICE,
            approver_role=role,
            reason=reason,
            details=Details(status_before=wo.status).as_json(),
            department=deciding_department(wo),
            requested_by=ctx.by,
            now=ctx.now,
        )
        changes["approval"] = {"after": {"kind": ApprovalKind.PAID_SERVICE, "approver": role}}
        notify(
            approvers_told(role, wo),
            kind=NotificationKind.APPROVAL_REQUESTED,
            subject=wo,
            title=_("%(number)s: a paid service waits for your approval") % {"number": wo.number},
            body=reason,
        )
    changes["is_paid"] = {"before": wo.is_paid, "after": step.is_paid}
    wo.is_paid = step.is_paid


@transaction.atomic
def work_order_record_warranty(
    *, work_order: WorkOrder, by: User, warranty_status: str, note: str = "", now: datetime | None = None
) -> WorkOrder:
    """The technician's warranty finding on site (判定保修状态), before completing: out of warranty or
    misuse makes the work paid, and where the policy wants a head's approval it is asked at once, so
    that the fee can be collected before the technician leaves. Recorded again, it never asks twice."""
    errors = FieldErrors()
    if warranty_status not in WarrantyStatus.values:
        errors.add(
            "warranty_status", _("must be one of %(choices)s") % {"choices": ", ".join(WarrantyStatus.values)}
        )
    note = (note or "").strip()
    if len(note) > 2000:
        errors.add("note", _("must have at most %(n)s characters") % {"n": 2000})
    errors.raise_if_any()
    ctx = _begin(work_order, Action.RECORD_WARRANTY, by, now)
    wo = ctx.work_order
    _check_product_warranty(ctx, warranty_status)
    changes: dict[str, Any] = {
        "warranty_finding": {"before": wo.warranty_finding or None, "after": warranty_status}
    }
    _apply_warranty_finding(ctx, warranty_status, changes, note)
    wo.warranty_finding = warranty_status
    _save(wo, "warranty_finding", "is_paid")
    _event(ctx, "work_order.warranty_recorded", changes, note)
    return wo


def _report_photos(
    ctx: Context, photos: Sequence[UploadedFile], photo_ids: Sequence[int], errors: FieldErrors
) -> tuple[list[tuple[UploadedFile, str]], list[Photo]]:
    """The photos of a service report: uploaded with it, or uploaded before (``photo_ids``: photos of
    this work order not on a report yet). At least the policy's ``service_report.min_photos``."""
    wo = ctx.work_order
    ids = list(dict.fromkeys(photo_ids))
    earlier = list(wo.photos.filter(pk__in=ids, report__isnull=True)) if ids else []
    if len(earlier) != len(ids):
        errors.add("photo_ids", _("names photos that are not this work order's or are on a report already"))
    if wo.photos.count() + len(photos) > MAX_PHOTOS:
        errors.add("photos", _("at most %(n)s photos per record") % {"n": MAX_PHOTOS})
        return [], earlier
    checked = _check_photos(photos, errors)
    wanted = ctx.policy.service_report.min_photos
    if len(photos) + len(ids) < wanted:
        errors.add(
            "photos", _("the policy asks for at least %(n)s photos with the service report") % {"n": wanted}
        )
    return checked, earlier


@transaction.atomic
def work_order_complete(
    *,
    work_order: WorkOrder,
    by: User,
    findings: str,
    work_done: str,
    warranty_status: str,
    minutes_spent: int,
    disassembly_signs: bool = False,
    running_hours: int | None = None,
    mileage_km: int | None = None,
    parts: Iterable[Mapping[str, Any]] = (),
    photos: Sequence[UploadedFile] = (),
    photo_ids: Sequence[int] = (),
    now: datetime | None = None,
) -> ServiceReport:
    """The technician's service report; the work is done and waits for the customer's confirmation.
    A warranty finding already recorded on site keeps its paid-service decision: no second approval."""
    errors = FieldErrors()
    findings = _required_text(findings, "findings", errors, limit=4000)
    work_done = _required_text(work_done, "work_done", errors, limit=4000)
    if warranty_status not in WarrantyStatus.values:
        errors.add(
            "warranty_status", _("must be one of %(choices)s") % {"choices": ", ".join(WarrantyStatus.values)}
        )
    if minutes_spent is None or minutes_spent <= 0:
        errors.add("minutes_spent", _("must be greater than %(limit)s") % {"limit": 0})
    cleaned_parts = _clean_parts(parts, errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.COMPLETE, by, now)
    wo = ctx.work_order
    _check_product_warranty(ctx, warranty_status)
    checked_photos, earlier_photos = _report_photos(ctx, photos, photo_ids, errors)
    errors.raise_if_any()
    report = ServiceReport.objects.create(
        work_order=wo,
        findings=findings,
        work_done=work_done,
        warranty_status=warranty_status,
        disassembly_signs=disassembly_signs,
        running_hours=running_hours,
        mileage_km=mileage_km,
        parts=cleaned_parts,
        minutes_spent=minutes_spent,
        completed_by=by,
        completed_at=ctx.now,
    )
    _save_photos(wo, checked_photos, by, report=report)
    if earlier_photos:
        wo.photos.filter(pk__in=[p.pk for p in earlier_photos]).update(report=report)
    changes: dict[str, Any] = {"report": {"after": {"warranty": warranty_status, "minutes": minutes_spent}}}
    if checked_photos or earlier_photos:
        changes["photos"] = {"after": len(checked_photos) + len(earlier_photos)}
    # In warranty → free; out of warranty or misuse → paid at the fee schedule (三包).
    _apply_warranty_finding(ctx, warranty_status, changes)
    wo.warranty_finding = warranty_status
    wo.done_at, wo.arrived_at = ctx.now, wo.arrived_at or ctx.now
    wo.confirmation_refused = False
    _set_status(ctx, Status.DONE, changes)
    # Done on site: a written reply still owed is answered by the work itself.
    changes.update(_meet(ctx, ClockKind.ARRIVAL, ClockKind.WRITTEN_REPLY, ClockKind.RESOLUTION))
    _save(wo, "is_paid", "warranty_finding", "done_at", "arrived_at", "confirmation_refused", "status")
    _event(ctx, "work_order.completed", changes)
    _tell_owner(ctx, _("the work is done"))
    signals.finished.send(sender=WorkOrder, work_order=wo, step="done", now=ctx.now)
    return report


def _code_hash(work_order: WorkOrder, code: str) -> str:
    return hashlib.sha256(f"{work_order.pk}:{code}".encode()).hexdigest()


@transaction.atomic
def work_order_send_confirmation_code(*, work_order: WorkOrder, by: User, now: datetime | None = None) -> str:
    """Send the customer a one-time code by SMS; they read it back to confirm. Returns the phone used."""
    ctx = _begin(work_order, Action.SEND_CONFIRMATION_CODE, by, now)
    wo = ctx.work_order
    code = f"{secrets.randbelow(10**6):06d}"
    ConfirmationCode.objects.create(
        work_order=wo,
        code_hash=_code_hash(wo, code),
        phone=wo.caller_phone,
        sent_at=ctx.now,
        expires_at=ctx.now + timedelta(minutes=CONFIRMATION_CODE_MINUTES),
    )
    send_sms(
        to=wo.caller_phone,
        subject=wo,
        body=_(
            "Work order %(number)s: your confirmation code is %(code)s. Give it to the technician only once the "
            "work is done."
        )
        % {"number": wo.number, "code": code},
    )
    _event(ctx, "work_order.confirmation_code_sent", {"phone": {"after": wo.caller_phone}})
    return wo.caller_phone


def _signature_file(data_url: str) -> ContentFile | None:
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix):
        return None
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) >= 2_000_000:
        return None
    signature = ContentFile(raw, name="signature.png")
    try:
        kind = check_image(signature, len(raw))
    except ImageRefused:
        return None
    return signature if kind == "image/png" else None


@transaction.atomic
def work_order_confirm(
    *,
    work_order: WorkOrder,
    by: User,
    method: str,
    confirmed_by_name: str,
    signature: str = "",
    code: str = "",
    voucher: UploadedFile | None = None,
    satisfied: bool | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> Confirmation:
    """The customer confirms completed work — only on a completed report, never before (002)."""
    ctx = _begin(work_order, Action.CONFIRM, by, now)
    wo = ctx.work_order
    errors = FieldErrors()
    confirmed_by_name = _required_text(confirmed_by_name, "confirmed_by_name", errors, limit=100)
    evidence: Any = None
    if method == ConfirmationMethod.SIGNATURE:
        evidence = _signature_file(signature)
        if evidence is None:
            errors.add("signature", _("draw the customer's signature (a PNG image)"))
    elif method == ConfirmationMethod.SMS_CODE:
        sent = (
            wo.confirmation_codes.filter(used_at__isnull=True, expires_at__gt=ctx.now)
            .order_by("-sent_at")
            .first()
        )
        # Wrong tries are counted outside the database (this transaction rolls back on the error):
        # after a few, the code is dead and a new one must be sent.
        failures_key = f"fuwu:confirmation-code-failures:{sent.pk}" if sent else ""
        if sent is not None and cache.get(failures_key, 0) >= MAX_CODE_ATTEMPTS:
            errors.add("code", _("too many wrong tries; send a new code"))
        elif sent is None or not secrets.compare_digest(sent.code_hash, _code_hash(wo, (code or "").strip())):
            errors.add("code", _("is wrong or expired; send a new code"))
            if sent is not None:
                cache.add(failures_key, 0, timeout=CONFIRMATION_CODE_MINUTES * 60)
                cache.incr(failures_key)
        else:
            sent.used_at = ctx.now
            sent.save(update_fields=["used_at"])
    elif method == ConfirmationMethod.PAPER_VOUCHER:
        if voucher is None:
            errors.add("voucher", _("upload the signed paper voucher"))
        else:
            try:
                kind = check_image(voucher, voucher.size)
            except ImageRefused as refused:
                errors.add("voucher", str(refused))
            else:
                evidence = ContentFile(voucher.read(), name=f"voucher-{wo.number}.{kind.split('/')[1]}")
    else:
        errors.add(
            "method", _("must be one of %(choices)s") % {"choices": ", ".join(ConfirmationMethod.values)}
        )
    errors.raise_if_any()
    confirmation = Confirmation(
        work_order=wo,
        method=method,
        confirmed_by_name=confirmed_by_name,
        satisfied=satisfied,
        comment=comment.strip(),
        recorded_by=by,
        confirmed_at=ctx.now,
    )
    if evidence is not None:
        confirmation.evidence.save(evidence.name, evidence, save=False)
    confirmation.save()
    changes: dict[str, Any] = {"confirmation": {"after": {"method": method, "by": confirmed_by_name}}}
    wo.confirmed_at = ctx.now
    _set_status(ctx, Status.CONFIRMED, changes)
    _save(wo, "confirmed_at", "status")
    _event(ctx, "work_order.confirmed", changes)
    signals.finished.send(sender=WorkOrder, work_order=wo, step="confirmed", now=ctx.now)
    return confirmation


@transaction.atomic
def work_order_refuse_confirmation(
    *, work_order: WorkOrder, by: User, reason: str, now: datetime | None = None
) -> WorkOrder:
    """The customer will not sign: the department head decides (re-handle or close)."""
    errors = FieldErrors()
    reason = _required_text(reason, "reason", errors)
    errors.raise_if_any()
    ctx = _begin(work_order, Action.REFUSE_CONFIRMATION, by, now)
    wo = ctx.work_order
    wo.confirmation_refused = True
    _save(wo, "confirmation_refused")
    _event(ctx, "work_order.confirmation_refused", {"confirmation_refused": {"after": True}}, reason)
    notify(
        heads_of(wo.department or wo.intake_department),
        kind=CONFIRMATION_REFUSED,
        subject=wo,
        title=_("%(number)s: the customer refused to confirm") % {"number": wo.number},
        body=reason,
    )
    return wo
