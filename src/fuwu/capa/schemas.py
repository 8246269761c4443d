"""Request and response bodies of ``/api/v1/capa``.

Input schemas forbid unknown keys and control characters; every value is bounded. Related records
are given by id (``department_id``, ``owner_id``) or, for affected records, as references
``<app_label>.<model>:<id>`` (``complaints.complaint:12``), looked up within the caller's
visibility: one they may not see is a 422 on that field that does not name it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from fuwu.lib.inputs import (
    DESCRIPTION_LENGTH,
    Clearance,
    Day,
    Id,
    InputSchema,
    Keywords,
    Limit,
    LongText,
    Offset,
    Reason,
)

from .models import CATEGORY_LENGTH, TITLE_LENGTH
from .services import MAX_AFFECTED
from .sources import REFERENCE_LENGTH, REFERENCE_PATTERN

KindCode = Literal["corrective", "preventive"]
OriginCode = Literal["by_hand", "complaint", "work_order", "inspection", "return_visit"]
MethodCode = Literal["five_whys", "fishbone", "other"]
DispositionCode = Literal["redo", "contain", "tell_customer", "concession"]
ResultCode = Literal["passed", "failed"]
PeriodCode = Literal["month", "quarter", "year"]
CategoryCode = Annotated[str, Field(min_length=1, max_length=CATEGORY_LENGTH, pattern=r"^[a-z][a-z0-9_]*$")]
Reference = Annotated[str, Field(min_length=3, max_length=REFERENCE_LENGTH, pattern=REFERENCE_PATTERN)]
Text = Annotated[str, Field(max_length=DESCRIPTION_LENGTH)]


# --- input ------------------------------------------------------------------------------------


class CapaIn(InputSchema):
    """A new CAPA. ``affected``: the records it deals with (several complaints sharing a cause);
    empty: raised by hand. ``department_id``: the department the problem belongs to."""

    kind: KindCode = "corrective"
    title: str = Field(..., min_length=1, max_length=TITLE_LENGTH)
    problem: LongText = Field(..., min_length=1)
    category: CategoryCode = Field(
        ..., description="A code of the policy's `capa.categories`, or one of your own."
    )
    department_id: Id
    confidentiality: Clearance = Field(
        0, description="At most your clearance; raised to the most confidential affected record's level."
    )
    affected: Annotated[list[Reference], Field(max_length=MAX_AFFECTED)] = Field(
        [], description="References `<app_label>.<model>:<id>`, e.g. `complaints.complaint:12`."
    )


class CapaLinkRecordIn(InputSchema):
    reference: Reference


class CapaAnalyseIn(InputSchema):
    root_cause: LongText = Field(..., min_length=1)
    method: MethodCode


class CapaDispositionIn(InputSchema):
    disposition: DispositionCode
    note: Reason = Field("", description="Required when accepting by concession.")


class CapaExtentIn(InputSchema):
    scope: LongText = Field(..., min_length=1, description="Where else the same problem was looked for.")
    found: bool
    note: Text = Field("", description="What was found (required when found).")


class CapaAddItemIn(InputSchema):
    description: LongText = Field(..., min_length=1)
    owner_id: Id
    due_on: Day | None = Field(
        None,
        description="The day it is due (close of business; a rest day moves to the next working day). "
        "None: the policy's `capa.action_item_deadline`.",
    )


class CapaCompleteItemIn(InputSchema):
    item_id: Id
    evidence: LongText = Field(..., min_length=1)


class CapaNoteIn(InputSchema):
    note: Reason = ""


class CapaVerifyIn(InputSchema):
    result: ResultCode
    note: LongText = Field(..., min_length=1, description="What was checked and found.")


class CapaReasonIn(InputSchema):
    reason: Reason = Field(..., min_length=1)


class CapaQuery(Schema):
    """The filters of the CAPA list (``GET /capa``) and of its export."""

    status: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=6)] = Field(
        [], description="Repeat the parameter or separate statuses with commas."
    )
    kind: KindCode | None = None
    origin: OriginCode | None = None
    department: Id | None = Field(None, description="The department and those below it.")
    exact_department: bool = Field(False, description="Only `department` itself, not those below it.")
    category: CategoryCode | None = None
    raised_from: Day | None = None
    raised_to: Day | None = Field(None, description="That whole day is included.")
    overdue: bool | None = None
    owner: Id | None = Field(None, description="CAPAs with an action item of this member of staff.")
    q: Keywords | None = None


class CapaFilters(CapaQuery):
    limit: Limit = 50
    offset: Offset = 0


class CapaReportQuery(Schema):
    period: PeriodCode = "month"
    raised_from: Day | None = None
    raised_to: Day | None = None
    department: Id | None = None
    kind: KindCode | None = None


# --- output -----------------------------------------------------------------------------------


class CapaRef(Schema):
    id: int
    name: str


class CapaRow(Schema):
    id: int
    number: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    origin: str
    origin_label: str
    category: str
    category_label: str
    title: str
    department: CapaRef
    raised_by: CapaRef
    raised_at: datetime
    is_overdue: bool
    next_due_at: datetime | None


class CapaPage(Schema):
    items: list[CapaRow]
    count: int = Field(..., description="Matching CAPAs; a lower bound when `count_exact` is false.")
    count_exact: bool


class CapaClockOut(Schema):
    kind: str
    kind_label: str
    item_id: int | None
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    breached: bool
    calendar_confirmed: bool
    escalation_level: int


class CapaAffectedOut(Schema):
    reference: str
    label: str
    visible: bool = Field(..., description="False: linked, but outside your visibility (no link).")
    url: str | None


class CapaItemOut(Schema):
    id: int
    description: str
    owner: CapaRef
    due_at: datetime
    round: int
    done_at: datetime | None
    done_by: CapaRef | None
    evidence: str


class CapaVerificationOut(Schema):
    result: str
    result_label: str
    note: str
    verified_by: CapaRef
    verified_at: datetime


class CapaEventOut(Schema):
    at: datetime
    action: str
    actor: str
    changes: dict[str, Any]
    reason: str


class CapaOut(CapaRow):
    confidentiality: int
    problem: str
    root_cause: str
    root_cause_method: str
    disposition: str
    disposition_label: str
    disposition_note: str
    disposition_by: CapaRef | None
    disposition_at: datetime | None
    extent_scope: str
    extent_found: bool | None
    extent_note: str
    extent_checked_at: datetime | None
    implemented_at: datetime | None
    verify_from: datetime | None = Field(None, description="Effectiveness can be verified from then.")
    verification_result: str
    failed_verifications: int
    closed_at: datetime | None
    close_note: str
    affected: list[CapaAffectedOut]
    items: list[CapaItemOut]
    verifications: list[CapaVerificationOut]
    clocks: list[CapaClockOut]
    events: list[CapaEventOut]
    allowed_actions: list[str] = Field(
        ..., description="Actions the caller may take now (POST /{id}/<action>)."
    )


class CapaReportRow(Schema):
    period_start: date
    period_end: date
    department: CapaRef
    category: str
    category_label: str
    count: int
    recurring: bool = Field(..., description="At least the policy's `capa.recurring_at_least`.")
    drill_down: str = Field(..., description="`GET` this to list the CAPAs behind the figure.")


class CapaReportOut(Schema):
    period: str
    rows: list[CapaReportRow]
