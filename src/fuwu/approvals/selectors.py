"""The "awaiting my approval" inbox across every process, and one approval of it.

A user sees only the pending approvals of records they may see and may decide (each process's
``inbox_q``); any other approval does not exist for them (404, naming nothing). The rows and their
records cost a bounded number of queries whatever their number: one for the approvals (with who
asked), one per process for the records' summaries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from fuwu.visibility import is_staff_member

from . import registry
from .models import Approval, ApprovalStatus
from .registry import RecordSummary


def decidable_q(user: Any) -> Q:
    """The approvals ``user`` may see and decide, of every registered process."""
    condition = Q(pk__in=[])
    for process in registry.processes():
        condition |= Q(content_type=process.content_type) & process.inbox_q(user)
    return condition


def decidable(user: Any) -> QuerySet[Approval]:
    """Every approval (any status) of the records ``user`` may see and decide, oldest first."""
    if not is_staff_member(user):
        return Approval.objects.none()
    return (
        Approval.objects.filter(organisation_id=user.organisation_id)
        .filter(decidable_q(user))
        .order_by("requested_at", "id")
    )


def inbox(user: Any) -> QuerySet[Approval]:
    """The pending approvals ``user`` may decide, oldest first."""
    return decidable(user).filter(status=ApprovalStatus.PENDING)


def inbox_count(user: Any) -> int:
    return inbox(user).count()


def approves_anything(user: Any) -> bool:
    return is_staff_member(user) and any(p.approves_anything(user) for p in registry.processes())


def approval_for_user_or_404(user: Any, approval_id: int) -> Approval:
    """One approval the user may decide (pending or decided already: deciding it again is a clear
    409 from the service), else 404 (someone else's, or of a record the user may not see)."""
    found = decidable(user).select_related("requested_by").filter(pk=approval_id).first()
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class InboxRow:
    approval: Approval
    record: RecordSummary
    record_type: str  # "workorders.workorder"
    record_label: str  # "Work order"
    kind_label: str
    note_required_on_deny: bool


def rows(user: Any, approvals: Any) -> list[InboxRow]:
    """``approvals`` (a slice of the inbox) with what the inbox shows of each record."""
    page = list(approvals.select_related("requested_by"))
    by_process: dict[int, list[Approval]] = {}
    for approval in page:
        by_process.setdefault(approval.content_type_id, []).append(approval)
    summaries: dict[tuple[int, int], RecordSummary] = {}
    processes: dict[int, registry.ApprovalProcess] = {}
    for content_type_id, members in by_process.items():
        process = registry.process_of(members[0])
        processes[content_type_id] = process
        described = process.describe(user, sorted({a.object_id for a in members}))
        for object_id, summary in described.items():
            summaries[(content_type_id, object_id)] = summary
    result = []
    for approval in page:
        shown = summaries.get((approval.content_type_id, approval.object_id))
        if shown is None:  # the record left the user's sight meanwhile
            continue
        process = processes[approval.content_type_id]
        kind = process.kind(approval.kind)
        result.append(
            InboxRow(
                approval=approval,
                record=shown,
                record_type=process.model._meta.label_lower,
                record_label=str(process.label),
                kind_label=str(kind.label),
                note_required_on_deny=kind.note_required_on_deny,
            )
        )
    return result
