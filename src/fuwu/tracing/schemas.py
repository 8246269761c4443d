"""Request and response bodies of ``/api/v1/batches``.

Input schemas forbid unknown keys and control characters; every value is bounded (counts by the
columns of a batch: at most ``MAX_PACKAGES`` packages and ``MAX_PIECES`` pieces of one item, at most
``MAX_ITEMS`` items). Related records are given by id (``department_id``, ``customer_id``,
``item_id``, ``return_id``), looked up within the caller's visibility: one they may not see is a 422
on that field that does not name it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from fuwu.lib.inputs import Day, Id, InputSchema, Keywords, Limit, LongText, Offset, Reason, refuse_bool

from .models import (
    DESTINATION_LENGTH,
    ITEM_NAME_LENGTH,
    MAX_ITEMS,
    MAX_PACKAGES,
    MAX_PIECES,
    METHOD_OTHER_LENGTH,
    RECIPIENT_LENGTH,
    STEP_LENGTH,
    UNIT_LENGTH,
)
from .selectors import MAX_TRACE_LIMIT, TRACE_LIMIT

MethodCode = Literal[
    "pressure_steam",
    "dry_heat",
    "ethylene_oxide",
    "hydrogen_peroxide_plasma",
    "low_temperature_formaldehyde",
    "other",
]
StepCode = Annotated[str, Field(min_length=1, max_length=STEP_LENGTH, pattern=r"^[a-z][a-z0-9_]*$")]
Packages = Annotated[int, Field(ge=0, le=MAX_PACKAGES), BeforeValidator(refuse_bool)]
Pieces = Annotated[int, Field(ge=0, le=MAX_PIECES), BeforeValidator(refuse_bool)]
RegisteredPieces = Annotated[int, Field(ge=1, le=MAX_PIECES), BeforeValidator(refuse_bool)]


# --- input ------------------------------------------------------------------------------------


class BatchItemIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=ITEM_NAME_LENGTH, description="物品名称")
    packages: Packages = Field(..., description="包数 (0 for loose pieces)")
    pieces: RegisteredPieces = Field(..., description="件数")


class BatchIn(InputSchema):
    """A batch handed over by a customer unit. ``customer_id``: the unit as a customer of kind
    organisation; else ``unit_name`` as typed. ``department_id``: the department handling it (yours
    or one below it; default: yours)."""

    customer_id: Id | None = None
    unit_name: str = Field("", max_length=UNIT_LENGTH, description="单位名称 (default: the customer's name)")
    department_id: Id | None = None
    received_on: Day | None = Field(None, description="Default: today. Not a day ahead.")
    items: Annotated[list[BatchItemIn], Field(min_length=1, max_length=MAX_ITEMS)]
    method: MethodCode = Field(..., description="灭菌方式")
    method_other: str = Field("", max_length=METHOD_OTHER_LENGTH, description="Required with `other`.")
    destination: str = Field(..., min_length=1, max_length=DESTINATION_LENGTH, description="配送地点")
    note: Reason = ""


class BatchCountIn(InputSchema):
    item_id: Id
    packages: Packages
    pieces: Pieces


Counts = Annotated[list[BatchCountIn], Field(min_length=1, max_length=MAX_ITEMS)]


class BatchSignIn(InputSchema):
    """``step``: the batch's next step (its code; any other is 409). ``counts``: every item still in
    the batch; a count other than expected needs the reason in ``note``."""

    step: StepCode
    counts: Counts
    note: Reason = ""


class BatchConfirmIn(InputSchema):
    """The second person's signature of the double-check step ``step`` that waits for it."""

    step: StepCode
    note: Reason = ""


class BatchCorrectIn(InputSchema):
    step: StepCode
    counts: Counts
    reason: Reason = Field(..., min_length=1)


class BatchReturnIn(InputSchema):
    lines: Counts = Field(..., description="What is returned of each item (at least one piece).")
    problem: LongText = Field(..., min_length=1)


class BatchFeedbackIn(InputSchema):
    return_id: Id
    feedback: LongText = Field(..., min_length=1, description="书面反馈")
    suggestion: LongText = Field(..., min_length=1, description="整改建议")
    recipient: str = Field("", max_length=RECIPIENT_LENGTH, description="Whom at the unit it was sent to.")


class BatchQuery(Schema):
    """The filters of the batch list (``GET /batches``) and of its export."""

    status: Literal["open", "closed"] | None = None
    step: StepCode | None = Field(None, description="Open batches whose next step is this one.")
    department: Id | None = Field(None, description="The department and those below it.")
    received_from: Day | None = None
    received_to: Day | None = Field(None, description="That whole day is included.")
    overdue: bool | None = Field(None, description="Written feedback past its deadline.")
    q: Keywords | None = Field(None, description="Words in the number, the unit or an item's name.")


class BatchFilters(BatchQuery):
    limit: Limit = 50
    offset: Offset = 0


class BatchTraceQuery(Schema):
    q: Keywords = Field(..., min_length=1, description="A batch number, an item's name or a unit.")
    received_from: Day | None = None
    received_to: Day | None = None
    limit: Annotated[int, Field(ge=1, le=MAX_TRACE_LIMIT), BeforeValidator(refuse_bool)] = TRACE_LIMIT


# --- output -----------------------------------------------------------------------------------


class BatchRef(Schema):
    id: int
    name: str


class BatchCountOut(Schema):
    packages: int
    pieces: int


class BatchItemOut(Schema):
    id: int
    name: str
    packages: int = Field(..., description="As registered.")
    pieces: int = Field(..., description="As registered.")


class BatchItemDetailOut(BatchItemOut):
    remaining: BatchCountOut = Field(
        ..., description="Still in the batch: what the next step is expected to count (0 once closed)."
    )


class BatchRow(Schema):
    id: int
    number: str
    unit_name: str
    customer_id: int | None
    received_on: date
    method: str
    method_label: str
    destination: str
    department: BatchRef
    status: str = Field(..., description="`registered`, or the code of the last step completed.")
    status_label: str
    next_step: str | None
    next_step_label: str | None
    awaiting_check: bool = Field(
        ..., description="The next step's first signature waits for a second person."
    )
    has_discrepancy: bool
    is_open: bool
    is_overdue: bool = Field(..., description="Written feedback past its deadline.")
    items: list[BatchItemOut]
    registered_by: BatchRef
    registered_at: datetime
    closed_at: datetime | None
    retain_until: date | None


class BatchPage(Schema):
    items: list[BatchRow]
    count: int = Field(..., description="Matching batches; a lower bound when `count_exact` is false.")
    count_exact: bool


class BatchStepCountOut(Schema):
    item_id: int
    packages: int
    pieces: int
    expected_packages: int
    expected_pieces: int
    differs: bool


class BatchEntryOut(Schema):
    id: int
    kind: Literal["signature", "correction"]
    signed_by: BatchRef
    signed_at: datetime
    note: str
    reason: str
    confirmed_by: BatchRef | None
    confirmed_at: datetime | None
    counts: list[BatchStepCountOut]


class BatchStepOut(Schema):
    code: str
    label: str
    double_check: bool
    state: Literal["done", "awaiting_check", "next", "ahead"]
    signature: BatchEntryOut | None
    corrections: list[BatchEntryOut]
    has_discrepancy: bool


class BatchReturnLineOut(Schema):
    item_id: int
    item: str
    packages: int
    pieces: int


class BatchReturnOut(Schema):
    id: int
    step: str
    step_label: str
    problem: str
    returned_by: BatchRef
    returned_at: datetime
    lines: list[BatchReturnLineOut]
    feedback_due_at: datetime
    feedback: str
    suggestion: str
    recipient: str
    feedback_by: BatchRef | None
    feedback_at: datetime | None
    feedback_late: bool = Field(..., description="Written after its deadline.")
    feedback_overdue: bool = Field(..., description="Not written, and past its deadline.")


class BatchEventOut(Schema):
    at: datetime
    action: str
    actor: str
    changes: dict[str, Any]
    reason: str


class BatchOut(BatchRow):
    items: list[BatchItemDetailOut]  # type: ignore[assignment]
    method_other: str
    note: str
    steps: list[BatchStepOut]
    returns: list[BatchReturnOut]
    events: list[BatchEventOut]
    allowed_actions: list[str] = Field(
        ..., description="Actions the caller may take now (POST /{id}/<action>)."
    )


class BatchTraceStepOut(Schema):
    code: str
    label: str
    state: Literal["done", "awaiting_check", "next", "ahead"]
    signed_by: BatchRef | None
    signed_at: datetime | None
    confirmed_by: BatchRef | None
    confirmed_at: datetime | None
    count: BatchStepCountOut | None = Field(..., description="The count that holds (after corrections).")
    corrected: bool
    first_count: BatchStepCountOut | None = Field(..., description="The count first signed, when corrected.")


class BatchTraceReturnOut(Schema):
    return_id: int
    step_label: str
    packages: int
    pieces: int
    problem: str
    returned_by: BatchRef
    returned_at: datetime
    feedback_due_at: datetime
    feedback: str
    suggestion: str
    feedback_by: BatchRef | None
    feedback_at: datetime | None
    feedback_late: bool
    feedback_overdue: bool


class BatchTraceItemOut(Schema):
    id: int
    name: str
    packages: int
    pieces: int
    steps: list[BatchTraceStepOut]
    returns: list[BatchTraceReturnOut]


class BatchTracedOut(Schema):
    id: int
    number: str
    unit_name: str
    received_on: date
    method_label: str
    destination: str
    department: BatchRef
    status: str
    status_label: str
    closed_at: datetime | None
    retain_until: date | None
    items: list[BatchTraceItemOut]


class BatchTraceOut(Schema):
    q: str
    batches: list[BatchTracedOut]
    more: bool = Field(..., description="More batches match than `limit`: narrow the search.")
