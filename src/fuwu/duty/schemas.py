"""Request and response bodies of ``/api/v1/duty``.

Input schemas forbid unknown keys and control characters; every value is bounded. Related records
are given by id (``department_id``, ``person_id``, ``colleague_id``, ``shift_id``), looked up within
the caller's visibility: one they may not see is a 422 on that field that does not name it. A moment
without a time zone is in the organisation's (Asia/Shanghai).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from fuwu.lib.inputs import (
    Day,
    Id,
    InputSchema,
    Limit,
    LongText,
    Moment,
    Offset,
    PatchSchema,
    QuerySchema,
    Reason,
    refuse_bool,
)

from .models import ITEM_TEXT_LENGTH, MAX_ITEM_COUNT, POST_LENGTH
from .rules import MAX_ROTATION
from .services import MAX_HAND_ITEMS

PostName = Annotated[str, Field(min_length=1, max_length=POST_LENGTH)]
PatternName = Annotated[str, Field(min_length=1, max_length=100)]
SwapStatusCode = Literal["asked", "agreed", "approved", "refused", "declined", "withdrawn"]
ItemKindCode = Literal["incident", "key", "cash", "equipment", "document", "other"]
ItemCount = Annotated[int, Field(ge=0, le=MAX_ITEM_COUNT), BeforeValidator(refuse_bool)]


# --- input ------------------------------------------------------------------------------------


class ShiftIn(InputSchema):
    """One shift by hand. The person is a member of the department (or of one below it)."""

    department_id: Id
    post: PostName = Field(..., description="The post (岗位); a post is on one department's roster.")
    person_id: Id
    starts_at: Moment = Field(..., description="In the future.")
    ends_at: Moment = Field(..., description="After the start, at most 48 hours later.")


class RosterIn(InputSchema):
    """A roster from a policy shift pattern: one shift a day from ``first_day`` to ``last_day``
    (every day, holidays included), the people taking it in turn. All or nothing."""

    department_id: Id
    post: PostName
    pattern: PatternName = Field(..., description="A name of the policy's `business_hours.shifts`.")
    first_day: Day
    last_day: Day = Field(..., description="Included; at most 200 days after the first.")
    person_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_ROTATION)] = Field(
        ..., description="In the order they take their turns (A, B, C, A …)."
    )


class ShiftPatchIn(PatchSchema):
    """Reschedule a shift before it starts. Who works it is not a field: it changes only through a
    swap approved by the supervisor (``POST /duty/swaps``)."""

    starts_at: Moment | None = None
    ends_at: Moment | None = None
    post: PostName | None = None


class DutyReasonIn(InputSchema):
    reason: Reason = Field(..., min_length=1)


class DutyOptionalReasonIn(InputSchema):
    reason: Reason = ""


class DutyNoteIn(InputSchema):
    note: Reason = ""


class SwapIn(InputSchema):
    """Ask a colleague of the department to take your shift (optionally in exchange for theirs)."""

    shift_id: Id = Field(..., description="Your shift (not started).")
    colleague_id: Id
    counter_shift_id: Id | None = Field(None, description="The colleague's shift you take in exchange.")
    reason: Reason = Field(..., min_length=1)


class HandoverItemIn(InputSchema):
    kind: ItemKindCode
    text: str = Field(..., min_length=1, max_length=ITEM_TEXT_LENGTH, description="对讲机, 备用金, 钥匙 …")
    count: ItemCount | None = None


class HandoverIn(InputSchema):
    items: Annotated[list[HandoverItemIn], Field(max_length=MAX_HAND_ITEMS)] = Field(
        [], description="What is handed over by hand: incidents, keys, petty cash, equipment, receipts."
    )
    notes: LongText = ""


class ShiftQuery(QuerySchema):
    post: Annotated[str, Field(max_length=POST_LENGTH)] | None = None
    person: Id | None = None
    department: Id | None = Field(None, description="The department and those below it.")
    starts_from: Day | None = None
    starts_to: Day | None = Field(None, description="That whole day is included.")
    include_cancelled: bool = False
    limit: Limit = 50
    offset: Offset = 0


class SwapQuery(QuerySchema):
    status: SwapStatusCode | None = None
    open: bool | None = Field(None, description="Asked or agreed (true), or over (false).")
    person: Id | None = Field(None, description="Asked by or of this person.")
    shift: Id | None = None
    department: Id | None = None
    limit: Limit = 50
    offset: Offset = 0


class HandoverQuery(QuerySchema):
    post: Annotated[str, Field(max_length=POST_LENGTH)] | None = None
    department: Id | None = None
    unacknowledged: bool | None = None
    late: bool | None = Field(None, description="Not acknowledged by the incoming shift's start.")
    incoming: Id | None = Field(None, description="Handovers to this person (the incoming shift's).")
    written_from: Day | None = None
    written_to: Day | None = None
    limit: Limit = 50
    offset: Offset = 0


# --- output -----------------------------------------------------------------------------------


class DutyRef(Schema):
    id: int
    name: str


class ShiftBrief(Schema):
    id: int
    post: str
    person: DutyRef
    starts_at: datetime
    ends_at: datetime


class ShiftRow(ShiftBrief):
    pattern: str
    department: DutyRef
    state: str = Field(..., description="`upcoming`, `under_way`, `over` or `cancelled`.")
    state_label: str
    cancelled_at: datetime | None
    swap_under_way: bool
    handover_id: int | None = Field(..., description="Its outgoing handover, once written.")


class DutyEventOut(Schema):
    at: datetime
    action: str
    actor: str
    changes: dict[str, Any]
    reason: str


class ShiftOut(ShiftRow):
    created_by: DutyRef
    created_at: datetime
    cancelled_by: DutyRef | None
    cancel_reason: str
    next_shift: ShiftBrief | None = Field(..., description="Who the handover goes to.")
    received_handover_id: int | None = Field(..., description="The handover from the shift before.")
    events: list[DutyEventOut]
    allowed_actions: list[str] = Field(
        ..., description="`edit`, `cancel` (heads), `swap`, `handover` (the person on it)."
    )


class ShiftPage(Schema):
    items: list[ShiftRow]
    count: int = Field(..., description="Matching shifts; a lower bound when `count_exact` is false.")
    count_exact: bool


class RosterOut(Schema):
    items: list[ShiftRow]
    count: int


class DutyPostOut(Schema):
    name: str
    department: DutyRef


class DutyApprovalBrief(Schema):
    id: int = Field(..., description="Decide it with `POST /api/v1/approvals/{id}/approve` or `/deny`.")
    status: str
    status_label: str
    approver_role: str
    approver_role_label: str


class SwapRow(Schema):
    id: int
    status: str
    status_label: str
    department: DutyRef
    shift: ShiftBrief
    counter_shift: ShiftBrief | None
    requester: DutyRef
    colleague: DutyRef
    reason: str
    requested_at: datetime


class SwapOut(SwapRow):
    answered_at: datetime | None
    answer_note: str
    decided_by: DutyRef | None
    decided_at: datetime | None
    decision_note: str
    withdrawn_at: datetime | None
    approval: DutyApprovalBrief | None = Field(..., description="The supervisor's approval, once asked.")
    events: list[DutyEventOut]
    allowed_actions: list[str] = Field(
        ...,
        description="`agree`, `decline` (the colleague), `withdraw` (the requester), `approve`, `refuse`.",
    )


class SwapPage(Schema):
    items: list[SwapRow]
    count: int
    count_exact: bool


class HandoverRow(Schema):
    id: int
    post: str
    department: DutyRef
    shift: ShiftBrief
    incoming_shift: ShiftBrief
    written_by: DutyRef
    written_at: datetime
    due_at: datetime = Field(..., description="To be acknowledged by then (the incoming shift's start).")
    acknowledged_by: DutyRef | None
    acknowledged_at: datetime | None
    late: bool = Field(..., description="Not acknowledged by `due_at` (after it, or not yet and it is past).")
    open_item_count: int


class DutyOpenItemOut(Schema):
    kind: str = Field(..., description="`work_order`, `complaint` or `rectification`.")
    kind_label: str
    id: int
    number: str
    title: str = Field(..., description="Empty when the record is outside your visibility.")
    status: str
    status_label: str
    url: str | None
    visible: bool


class DutyHandItemOut(Schema):
    kind: str
    kind_label: str
    text: str
    count: int | None


class HandoverOut(HandoverRow):
    notes: str
    open_items: list[DutyOpenItemOut]
    open_items_not_listed: int = Field(..., description="Open items beyond those kept, counted only.")
    items: list[DutyHandItemOut]
    acknowledge_note: str
    events: list[DutyEventOut]
    allowed_actions: list[str]


class HandoverPage(Schema):
    items: list[HandoverRow]
    count: int
    count_exact: bool


class DutyOpenItemsOut(Schema):
    items: list[DutyOpenItemOut]
    not_listed: int
