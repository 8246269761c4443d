"""Request and response bodies of ``/api/v1/complaints`` and ``/api/v1/complaint-penalties``.

Input schemas forbid unknown keys and control characters (``fuwu.lib.inputs.InputSchema``). Every
choice is a literal of the model's choices, every text bounded by its column (or, for a text column,
by what it is), every number by its column and by sense. Related records are given by id and looked
up within the caller's organisation and visibility; an unknown id is a 422 error on that field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import WithJsonSchema, field_validator

from fuwu.lib.inputs import (
    DESCRIPTION_LENGTH,
    Clearance,
    Id,
    InputSchema,
    Keywords,
    Limit,
    LongText,
    Moment,
    Offset,
    QuerySchema,
    Reason,
    day_in_range,
)
from fuwu.workorders.schemas import _parse_moment

from .models import MAX_AMOUNT

# --- choices (the models' values) ---------------------------------------------------------------

# Every channel a complaint may arrive on; ``work_order`` is the work-order endpoint's own.
ChannelCode = Literal["phone", "hotline", "walk_in", "letter", "fax", "email", "suggestion_box", "web", "api"]
ChannelFilter = Literal[
    "phone", "hotline", "walk_in", "letter", "fax", "email", "suggestion_box", "web", "api", "work_order"
]
ObjectCode = Literal[
    "service_attitude",
    "professional_competence",
    "efficiency",
    "production_quality",
    "logistics_damage",
    "quantity_mismatch",
    "fees",
    "other",
]
StatusCode = Literal[
    "received",
    "acknowledged",
    "investigating",
    "rehandling",
    "plan_proposed",
    "planned",
    "executed",
    "replied",
    "answered",
    "closed",
    "archived",
    "merged",
]
ValidityCode = Literal["pending", "valid", "invalid"]
AssessedValidity = Literal["valid", "invalid"]
CauseTypeCode = Literal["quality", "non_quality", ""]
ReplyMethodCode = Literal["phone", "in_person", "letter", "email", "sms"]
AnswerOutcomeCode = Literal["satisfied", "unsatisfied", "unreachable"]
CostKindCode = Literal["repair", "parts", "freight", "travel", "compensation", "other"]
ExtendableClock = Literal["plan", "execution", "reply"]
DurationUnit = Literal[
    "working_days", "business_hours", "business_minutes", "calendar_hours", "calendar_minutes"
]
TabCode = Literal["all", "mine", "department", "overdue", "awaiting_approval", "repeated", "open", "closed"]
PenaltyDecision = Literal["confirm", "change", "waive"]
PenaltyStatusCode = Literal["pending", "confirmed", "changed", "waived"]
AppealStatusCode = Literal["none", "pending", "upheld", "rejected"]

# A severity is a code of the policy's ``complaints.severity_levels`` (checked by the service).
SeverityCode = Annotated[str, Field(max_length=40)]
Subject = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(min_length=1, max_length=DESCRIPTION_LENGTH)]
# Complaint.caller_* / address columns.
CallerName = Annotated[str, Field(max_length=100)]
CallerPhone = Annotated[str, Field(max_length=30)]
Address = Annotated[str, Field(max_length=300)]
# An extension is at most the policy's ``complaints.max_extension``; no policy duration exceeds this.
ExtensionAmount = Annotated[int, Field(gt=0, le=1_000_000)]

# Money of a complaint (costs, penalties): yuan, two decimals, at most ``MAX_AMOUNT`` (10,000,000.00).
_AMOUNT_TEXT = r"^(\d{1,7}(\.\d{1,2})?|10000000(\.0{1,2})?)$"
CostAmount = Annotated[
    Decimal,
    Field(gt=0, le=MAX_AMOUNT, max_digits=10, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_AMOUNT)},
                {"type": "string", "pattern": _AMOUNT_TEXT, "maxLength": 11},
            ]
        }
    ),
]
PenaltyAmount = Annotated[
    Decimal,
    Field(ge=0, le=MAX_AMOUNT, max_digits=10, decimal_places=2),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT)},
                {"type": "string", "pattern": _AMOUNT_TEXT, "maxLength": 11},
            ]
        }
    ),
]
MAX_RESPONSIBLE_PEOPLE = 20


class ComplaintStrict(InputSchema):
    """Input bodies of complaint actions (see fuwu.lib.inputs)."""


# --- input --------------------------------------------------------------------------------------


class ComplaintIn(ComplaintStrict):
    """A new complaint. Give ``customer_id`` for a known customer, or the complainant's
    ``caller_name`` and ``caller_phone`` (a phone is needed unless the channel is a letter, fax,
    e-mail or suggestion-box note, which may be anonymous). The caller becomes the first-contact
    owner. ``received_at`` (not in the future, at most a year ago) may be earlier than now for papers
    registered later and for the API; the step clocks count from it."""

    channel: ChannelCode = "api"
    subject: Subject
    description: Description
    object: ObjectCode = "other"
    severity: SeverityCode = Field(
        "",
        description="A code of the policy's `complaints.severity_levels`; empty: the first level a "
        "department head handles.",
    )
    demand: LongText = Field("", description="What the customer asks for (诉求).")
    customer_id: Id | None = None
    caller_name: CallerName = ""
    caller_phone: CallerPhone = ""
    address: Address = ""
    work_order_id: Id | None = Field(None, description="The work order complained about.")
    service_type_id: Id | None = None
    product_id: Id | None = None
    department_id: Id | None = Field(
        None,
        description="The handling department; default: the work order's, the service type's or "
        "the customer's.",
    )
    confidentiality: Clearance = 0
    received_at: Moment | None = None
    identity_protected: bool = Field(
        False,
        description="The complainant asked for their identity to be protected (shown only to "
        "agents, the quality role and the first-contact owner).",
    )


class ComplaintFromWorkOrderIn(ComplaintStrict):
    """A complaint about a work order: its customer, caller, address, product, service type and
    department come along, and each record links to the other."""

    subject: Subject
    description: Description
    object: ObjectCode = "other"
    severity: SeverityCode = ""
    demand: LongText = ""


class ComplaintNoteIn(ComplaintStrict):
    note: Reason = ""


class ComplaintReasonIn(ComplaintStrict):
    reason: Reason


class ComplaintAssessIn(ComplaintStrict):
    """Valid or invalid (a misunderstanding: still answered and explained, counted apart, never in a
    person's assessment), what it is about, the cause type and the severity."""

    validity: AssessedValidity
    object: ObjectCode
    cause_type: CauseTypeCode = ""
    severity: SeverityCode = Field("", description="Empty: keep the current severity.")
    note: Reason = Field(..., description="What the assessment found (required).")


class ComplaintAssignResponsibilityIn(ComplaintStrict):
    cause: LongText
    department_id: Id = Field(..., description="The responsible department.")
    person_ids: Annotated[list[Id], Field(max_length=MAX_RESPONSIBLE_PEOPLE)] = Field(
        [], description="The responsible people (a valid complaint creates a penalty proposal for each)."
    )


class ComplaintProposePlanIn(ComplaintStrict):
    plan: Annotated[str, Field(min_length=1, max_length=DESCRIPTION_LENGTH)]


class ComplaintRequestExtensionIn(ComplaintStrict):
    clock: ExtendableClock
    amount: ExtensionAmount = Field(..., description="At most the policy's `complaints.max_extension`.")
    unit: DurationUnit
    reason: Reason


class ComplaintExecuteIn(ComplaintStrict):
    note: Annotated[str, Field(min_length=1, max_length=DESCRIPTION_LENGTH)] = Field(
        ..., description="What was done."
    )


class ComplaintReplyIn(ComplaintStrict):
    text: Annotated[str, Field(min_length=1, max_length=DESCRIPTION_LENGTH)]
    method: ReplyMethodCode


class ComplaintCustomerAnswerIn(ComplaintStrict):
    outcome: AnswerOutcomeCode = Field(
        ..., description="`unreachable`: a failed attempt to reach the customer (counted)."
    )
    method: ReplyMethodCode
    comment: Reason = Field("", description="The customer's words.")


class ComplaintClassifyAnswerIn(ComplaintStrict):
    reasonable: bool = Field(..., description="Whether the unsatisfied answer is reasonable.")
    reason: Reason


class ComplaintReassignIn(ComplaintStrict):
    department_id: Id
    handler_id: Id | None = Field(None, description="A member of staff of that department (or below).")
    reason: Reason = ""


class ComplaintMergeIn(ComplaintStrict):
    into: Id = Field(..., description="Id of the complaint about the same event that keeps every caller.")
    reason: Reason = ""


class ComplaintAddCostIn(ComplaintStrict):
    kind: CostKindCode
    amount: CostAmount = Field(..., description="Yuan, more than 0, at most 10,000,000.00.")
    description: Annotated[str, Field(max_length=200)] = ""
    department_id: Id | None = Field(
        None, description="Who bears it; default: the responsible department, else the handling one."
    )


class ComplaintVerifyCostIn(ComplaintStrict):
    cost_id: Id
    approved: bool = Field(..., description="False: rejected (a note says why).")
    department_id: Id | None = Field(None, description="Allocate a verified cost to this department.")
    note: Reason = ""


class ComplaintPenaltyDecideIn(ComplaintStrict):
    decision: PenaltyDecision
    amount: PenaltyAmount | None = Field(
        None, description="`change` only: the amount, within the catalogue entry's range."
    )
    note: Reason = Field("", description="Required to waive.")


class ComplaintAppealIn(ComplaintStrict):
    text: Reason


class ComplaintDecideAppealIn(ComplaintStrict):
    upheld: bool = Field(..., description="True: the appeal is upheld and the penalty lifted.")
    note: Reason


class ComplaintQuery(QuerySchema):
    """The filters of the complaint list (``GET /complaints``)."""

    tab: TabCode = Field(
        "all",
        description="`mine` (I handle it or first received it), `department` (handled by my department "
        "and below), `overdue` (a step past its deadline), `awaiting_approval` (a plan or extension I "
        "may decide), `repeated`, `open`, `closed` (closed or archived), `all`.",
    )
    q: Keywords | None = Field(
        None, description="Keywords in number, subject, description, complainant, phone, address, customer."
    )
    status: StatusCode | None = None
    object: ObjectCode | None = None
    validity: ValidityCode | None = None
    channel: ChannelFilter | None = None
    department: Id | None = Field(None, description="Id of the handling department.")
    received_from: date | datetime | None = Field(None, description="A date or an ISO 8601 date and time.")
    received_to: date | datetime | None = Field(
        None, description="A date (that whole day is included) or a date and time."
    )

    @field_validator("received_from", "received_to", mode="before")
    @classmethod
    def _moment(cls, value: Any) -> Any:
        return _parse_moment(value)

    @field_validator("received_from", "received_to", mode="after")
    @classmethod
    def _in_range(cls, value: Any) -> Any:
        return None if value is None else day_in_range(value)


class ComplaintFilters(ComplaintQuery):
    limit: Limit = 50
    offset: Offset = 0


class ComplaintPenaltyFilters(QuerySchema):
    status: PenaltyStatusCode | None = None
    appeal_status: AppealStatusCode | None = None
    mine: bool = Field(False, description="Only the caller's own penalties.")
    complaint: Id | None = Field(None, description="Only the proposals of this complaint.")
    limit: Limit = 50
    offset: Offset = 0


# --- output -------------------------------------------------------------------------------------


class ComplaintPersonRef(Schema):
    id: int
    name: str


class ComplaintRef(Schema):
    id: int
    number: str


class ComplaintCreatedClock(Schema):
    kind: str
    started_at: datetime = Field(..., description="When it started counting: the complaint's receipt.")
    due_at: datetime
    met_at: datetime | None
    calendar_confirmed: bool


class ComplaintCreated(Schema):
    """What registering a complaint answers: enough to tell the complainant the number and the
    deadlines, and whether it repeats an earlier complaint. The whole record (timeline, actions, …)
    is at ``url``."""

    id: int
    number: str
    status: str
    status_label: str
    channel: str
    received_at: datetime
    customer: ComplaintPersonRef | None = Field(
        ..., description="Null when there is none or the complainant's identity is protected from the caller."
    )
    first_contact_owner: ComplaintPersonRef
    logged_by: ComplaintPersonRef | None
    department: ComplaintPersonRef | None
    work_order: ComplaintRef | None
    repeat_of: ComplaintRef | None = Field(
        ...,
        description="The earlier complaint this one repeats (null when none, or not visible to the caller).",
    )
    clocks: list[ComplaintCreatedClock]
    url: str


class ComplaintRow(Schema):
    id: int
    number: str
    status: str
    status_label: str
    channel: str
    channel_label: str
    object: str
    object_label: str
    severity: str
    validity: str
    validity_label: str
    subject: str
    customer: ComplaintPersonRef | None
    caller_name: str = Field(
        ..., description="Empty when the complainant's identity is protected from the caller."
    )
    caller_phone: str = Field(
        ...,
        description="Masked (138****5678) unless the caller's role sees numbers whole; empty when "
        "the identity is protected from the caller.",
    )
    identity_protected: bool
    department: ComplaintPersonRef | None
    handler: ComplaintPersonRef | None
    first_contact_owner: ComplaintPersonRef
    received_at: datetime
    is_overdue: bool
    next_due_at: datetime | None
    is_repeat: bool
    answer: str = Field(..., description="The latest customer answer (the one that counts), or empty.")
    rehandle_count: int


class ComplaintPage(Schema):
    items: list[ComplaintRow]
    count: int = Field(..., description="Matching complaints; a lower bound when `count_exact` is false.")
    count_exact: bool


class ComplaintClockOut(Schema):
    kind: str = Field(
        ..., description="`acknowledge`, `investigation`, `plan`, `execution`, `reply`, `return_visit`."
    )
    kind_label: str
    amount: int
    unit: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    overdue: bool = Field(..., description="Past its deadline (met late, or still running past it).")
    paused: bool
    paused_at: datetime | None
    remaining_business_minutes: int | None = Field(
        ..., description="Business minutes left (negative when past); null once met."
    )
    escalation_level: int
    extended_count: int


class ComplaintCallerOut(Schema):
    id: int
    name: str
    phone: str
    customer: ComplaintPersonRef | None
    merged_from: ComplaintRef | None = Field(
        ..., description="The duplicate this caller came with (null when not visible to the caller)."
    )
    added_at: datetime
    replied_at: datetime | None


class ComplaintAnswerOut(Schema):
    id: int
    round: int
    outcome: str
    outcome_label: str
    method: str
    comment: str
    recorded_by: ComplaintPersonRef
    recorded_at: datetime
    reasonable: bool | None
    reasonable_note: str
    classified_by: ComplaintPersonRef | None
    classified_at: datetime | None


class ComplaintCostOut(Schema):
    id: int
    kind: str
    kind_label: str
    description: str
    amount: Decimal
    department: ComplaintPersonRef | None
    status: str
    status_label: str
    recorded_by: ComplaintPersonRef
    recorded_at: datetime
    verified_by: ComplaintPersonRef | None
    verified_at: datetime | None
    verification_note: str


class ComplaintPenaltyOut(Schema):
    id: int
    complaint: ComplaintRef
    person: ComplaintPersonRef
    department: ComplaintPersonRef | None
    catalogue_code: str
    catalogue_label: str
    approver_role: str
    proposed_amount: Decimal
    points: int
    status: str
    status_label: str
    amount: Decimal | None
    decided_by: ComplaintPersonRef | None
    decided_at: datetime | None
    decision_note: str
    appeal_status: str
    appeal_status_label: str
    appeal_text: str
    appealed_at: datetime | None
    appeal_note: str
    appeal_decided_at: datetime | None
    created_at: datetime


class ComplaintPenaltyPage(Schema):
    items: list[ComplaintPenaltyOut]
    count: int


class ComplaintApprovalOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    approver_role: str
    reason: str
    requested_by: ComplaintPersonRef
    requested_at: datetime
    decided_by: ComplaintPersonRef | None
    decided_at: datetime | None
    decision_note: str


class ComplaintEventOut(Schema):
    at: datetime
    action: str
    actor: str
    changes: dict[str, Any]
    reason: str


class ComplaintProductRef(Schema):
    id: int
    name: str
    model: str
    serial: str


class ComplaintOut(ComplaintRow):
    cause_type: str
    handler_role: str
    description: str
    demand: str
    address: str
    confidentiality: int
    work_order: ComplaintRef | None = Field(
        ..., description="The work order complained about (null when not visible to the caller)."
    )
    service_type: ComplaintPersonRef | None
    product: ComplaintProductRef | None
    intake_department: ComplaintPersonRef | None
    logged_by: ComplaintPersonRef | None
    registered_at: datetime
    assessment_note: str
    assessed_by: ComplaintPersonRef | None
    assessed_at: datetime | None
    cause: str
    responsible_department: ComplaintPersonRef | None
    responsible_people: list[ComplaintPersonRef]
    responsibility_at: datetime | None
    plan: str
    plan_proposed_by: ComplaintPersonRef | None
    plan_proposed_at: datetime | None
    plan_approved_by: ComplaintPersonRef | None
    plan_approved_at: datetime | None
    execution_note: str
    executed_by: ComplaintPersonRef | None
    executed_at: datetime | None
    reply: str
    reply_method: str
    replied_by: ComplaintPersonRef | None
    replied_at: datetime | None
    acknowledged_at: datetime | None
    investigation_started_at: datetime | None
    closed_at: datetime | None
    closed_by: ComplaintPersonRef | None
    close_note: str
    archived_at: datetime | None
    contact_attempts: int
    reminder_count: int
    return_count: int
    reassign_count: int
    repeat_of: ComplaintRef | None = Field(..., description="Null when absent or not visible to the caller.")
    merged_into: ComplaintRef | None = Field(
        ..., description="Null when absent or not visible to the caller."
    )
    clocks: list[ComplaintClockOut]
    callers: list[ComplaintCallerOut]
    answers: list[ComplaintAnswerOut]
    costs: list[ComplaintCostOut]
    penalties: list[ComplaintPenaltyOut] = Field(..., description="Only the proposals the caller may see.")
    approvals: list[ComplaintApprovalOut]
    timeline: list[ComplaintEventOut]
    allowed_actions: list[str] = Field(
        ..., description="Actions the caller may take now (POST /{id}/<action>)."
    )
    created_at: datetime
    updated_at: datetime
