"""``/api/v1/approvals``: the caller's "awaiting my approval" inbox across every process, and the
decisions (the same services as the page).

Only approvals of records the caller may see and may decide exist here; any other answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from fuwu.lib.inputs import Id, InputSchema, Limit, Offset, QuerySchema, Reason
from fuwu.org.models import User

from . import selectors, services
from .models import Approval

router = Router(tags=["approvals"])

StatusFilter = Literal["pending", "approved", "denied", "withdrawn"]


class ApprovalFilters(QuerySchema):
    status: StatusFilter = Field(
        "pending",
        description="`pending` (default): the caller's inbox, what awaits their decision; another "
        "status: the approvals of that status of the records the caller may decide.",
    )
    kind: str | None = Field(None, max_length=40, description="Only approvals of this kind.")
    limit: Limit = 50
    offset: Offset = 0


class PersonOut(Schema):
    id: int
    name: str


class RecordOut(Schema):
    type: str = Field(description="The record's model, `app_label.model` (e.g. `workorders.workorder`).")
    type_label: str
    id: int
    title: str
    url: str = Field(description="The record's page.")
    summary: str
    department: str


class ApprovalItemOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    approver_role: str
    reason: str
    answer: str = Field(description="The proposed answer (e.g. to the customer), sent once approved.")
    note_required_on_deny: bool
    record: RecordOut
    requested_by: PersonOut
    requested_at: datetime
    decided_by: PersonOut | None
    decided_at: datetime | None
    decision_note: str


class ApprovalPage(Schema):
    items: list[ApprovalItemOut]
    count: int


class DecisionIn(InputSchema):
    note: Reason = ""


def _person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def _item(row: selectors.InboxRow) -> dict[str, Any]:
    a = row.approval
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": row.kind_label,
        "status": a.status,
        "status_label": a.get_status_display(),
        "approver_role": a.approver_role,
        "reason": a.reason,
        "answer": a.answer,
        "note_required_on_deny": row.note_required_on_deny,
        "record": {
            "type": row.record_type,
            "type_label": row.record_label,
            "id": a.object_id,
            "title": row.record.title,
            "url": row.record.url,
            "summary": row.record.summary,
            "department": row.record.department,
        },
        "requested_by": _person(a.requested_by),
        "requested_at": a.requested_at,
        "decided_by": _person(a.decided_by),
        "decided_at": a.decided_at,
        "decision_note": a.decision_note,
    }


@router.get("", response=ApprovalPage, summary="Awaiting my approval (every process), oldest first")
def list_approvals(request: HttpRequest, filters: Query[ApprovalFilters]) -> dict[str, Any]:
    user = cast(User, request.user)
    shown = selectors.decidable(user).filter(status=filters.status)
    if filters.kind:
        shown = shown.filter(kind=filters.kind)
    page = shown.select_related("decided_by")[filters.offset : filters.offset + filters.limit]
    return {"items": [_item(row) for row in selectors.rows(user, page)], "count": shown.count()}


def _decided(request: HttpRequest, approval_id: int, approved: bool, note: str) -> dict[str, Any]:
    user = cast(User, request.user)
    approval = selectors.approval_for_user_or_404(user, approval_id)
    services.decide(approval, by=user, approved=approved, note=note)
    decided = Approval.objects.filter(pk=approval.pk)
    rows = selectors.rows(user, decided.select_related("decided_by"))
    if not rows:  # a decision never takes a record out of its decider's sight; if it did: 404
        raise Http404
    return _item(rows[0])


@router.post("/{approval_id}/approve", response=ApprovalItemOut, summary="Approve")
def approve(request: HttpRequest, approval_id: Id, payload: DecisionIn) -> dict[str, Any]:
    return _decided(request, approval_id, True, payload.note)


@router.post("/{approval_id}/deny", response=ApprovalItemOut, summary="Deny (a note may be required)")
def deny(request: HttpRequest, approval_id: Id, payload: DecisionIn) -> dict[str, Any]:
    return _decided(request, approval_id, False, payload.note)
