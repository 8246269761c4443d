"""Asking, deciding and withdrawing approvals, for every process.

- ``request``: a process asks for an approval of one of its records (inside the process's own
  transaction and event: the engine writes no timeline event of its own).
- ``approve`` / ``deny``: one transaction. The process's gate locks the record and checks its state
  (409) and the decider's role (403); the approval row is locked and must still be pending (a second,
  concurrent decision gets a clear 409, never a 500); the decider must hold the approver role for
  the record; the row is marked decided and the kind's handler applies the decision and writes the
  process's one timeline event.
- ``withdraw``: a process's record ended or restarted; its pending approvals are withdrawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.org.models import Department, User

from . import registry
from .models import Approval, ApprovalStatus


def approvals_of(record: Model) -> Any:
    """Every approval of ``record`` (a queryset, oldest first)."""
    return Approval.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    )


def request(
    *,
    record: Model,
    kind: str,
    approver_role: str,
    reason: str,
    requested_by: User,
    now: datetime,
    answer: str = "",
    details: Mapping[str, Any] | None = None,
    department: Department | None = None,
) -> Approval:
    """A pending approval of ``kind`` for ``record``; refused (422 on ``kind``) while one of the same
    kind is pending. The caller holds the record's lock (the unique constraint backs it up)."""
    registry.kind_of(kind)  # a kind no process registered is a programming error: KeyError
    if approvals_of(record).filter(kind=kind, status=ApprovalStatus.PENDING).exists():
        raise ValidationFailed.field(
            "kind",
            _("a request of this kind (%(kind)s) is already waiting for a decision")
            % {"kind": registry.kind_label(kind)},
        )
    return Approval.objects.create(
        organisation_id=record.organisation_id,  # type: ignore[attr-defined]
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        department=department,
        kind=kind,
        approver_role=approver_role,
        reason=reason,
        answer=answer,
        details=dict(details or {}),
        requested_by=requested_by,
        requested_at=now,
    )


def _already_decided(approval: Approval) -> ConflictError:
    return ConflictError(
        _("This request was already decided (%(status)s) or withdrawn; nothing was changed.")
        % {"status": approval.get_status_display()},
        extra={"status": approval.status},
    )


@transaction.atomic
def decide(
    approval: Approval,
    *,
    by: User,
    approved: bool,
    note: str = "",
    now: datetime | None = None,
    params: Mapping[str, Any] | None = None,
) -> Any:
    """Decides ``approval`` and returns what the kind's handler returns (the process's record)."""
    now = now or timezone.now()
    process = registry.process_of(approval)
    kind = process.kind(approval.kind)
    note = (note or "").strip()
    if not approved and kind.note_required_on_deny and not note:
        raise ValidationFailed.field("note", _("is required"))
    # Fresh from the database, not from the caller's (possibly old) copy.
    current = Approval.objects.filter(pk=approval.pk).values_list("status", flat=True).first()
    if current is not None and current != ApprovalStatus.PENDING:
        raise _already_decided(Approval(status=current))
    context = process.begin(approval, by, approved, now)  # the record's lock first, then the approval's
    locked = Approval.objects.select_for_update().filter(pk=approval.pk).first()
    if locked is None or locked.status != ApprovalStatus.PENDING:
        raise _already_decided(locked or approval)
    if not process.may_decide(by, locked, context):
        raise PermissionDeniedError(_("You may not decide this request."))
    locked.status = ApprovalStatus.APPROVED if approved else ApprovalStatus.DENIED
    locked.decided_by, locked.decided_at, locked.decision_note = by, now, note
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return kind.apply(
        registry.Decision(
            approval=locked,
            approved=approved,
            by=by,
            note=note,
            now=now,
            params=dict(params or {}),
            context=context,
        )
    )


def approve(
    approval: Approval, *, by: User, note: str = "", now: datetime | None = None, **params: Any
) -> Any:
    return decide(approval, by=by, approved=True, note=note, now=now, params=params)


def deny(approval: Approval, *, by: User, note: str = "", now: datetime | None = None, **params: Any) -> Any:
    return decide(approval, by=by, approved=False, note=note, now=now, params=params)


def withdraw(
    *, record: Model, by: User | None, now: datetime, kinds: Iterable[str] | None = None
) -> list[str]:
    """Withdraws ``record``'s pending approvals (of ``kinds``, or all): the kinds withdrawn. The
    caller holds the record's lock and writes the event that says so."""
    pending = approvals_of(record).filter(status=ApprovalStatus.PENDING)
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    withdrawn = list(pending.order_by("requested_at", "id").values_list("kind", flat=True))
    if withdrawn:
        pending.update(status=ApprovalStatus.WITHDRAWN, decided_at=now, decided_by=by)
    return withdrawn
