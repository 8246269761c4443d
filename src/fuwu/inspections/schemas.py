"""Request and response bodies of ``/api/v1/checklists``, ``/api/v1/inspections`` and
``/api/v1/rectifications``.

Input schemas forbid unknown keys and control characters; every value is bounded. A checklist's
``definition`` mirrors ``definition.ChecklistDefinition`` field by field (the same defaults and
bounds), so the document tells a client what a checklist may hold; what spans several fields (item
codes used twice, a pass mark above the maximum score, what a sampling method needs) is checked by
the endpoint and named like ``definition.sections[0].items[1].pass_at``. Related records are given by
id and looked up within the caller's visibility: one they may not see is a 422 on that field that
does not name it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema
from pydantic import Field as PydanticField

from fuwu.lib.inputs import Day, Id, InputSchema, Limit, LongText, Offset, QuerySchema, Reason, refuse_bool

from .definition import CODE_PATTERN, MAX_ITEMS, MAX_SECTIONS
from .models import CODE_LENGTH, MAX_POPULATION, NAME_LENGTH, SITE_LENGTH
from .services.carrying_out import MAX_ANSWERS

VERSION_NOTE_LENGTH = 500  # TemplateVersion.note


ItemCode = Annotated[str, Field(min_length=1, max_length=CODE_LENGTH, pattern=CODE_PATTERN)]
Points = Annotated[int, Field(ge=1, le=100), BeforeValidator(refuse_bool)]  # a weight, a maximum score
Score = Annotated[int, Field(ge=0, le=100), BeforeValidator(refuse_bool)]  # a score given, a pass mark
Population = Annotated[int, Field(ge=1, le=MAX_POPULATION), BeforeValidator(refuse_bool)]
Units = Annotated[int, Field(ge=0, le=MAX_POPULATION), BeforeValidator(refuse_bool)]
GraceMinutes = Annotated[int, Field(ge=0, le=240), BeforeValidator(refuse_bool)]
SampleCount = Annotated[int, Field(ge=1, le=10_000), BeforeValidator(refuse_bool)]
# A share of the units: 0 < ratio ≤ 1, at most three decimals (as ``definition.Sampling.ratio``).
Ratio = Annotated[
    Decimal,
    Field(gt=0, le=1, max_digits=4, decimal_places=3),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                {"type": "string", "pattern": r"^(0(\.\d{1,3})?|1(\.0{1,3})?)$", "maxLength": 5},
            ]
        }
    ),
]

ItemKindCode = Literal["pass_fail", "score"]
ResultCode = Literal["pass", "fail", "na"]
SamplingMethodCode = Literal["all", "ratio", "fixed", "iso2859"]
LevelCode = Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]
AqlCode = Literal[
    "0.010", "0.015", "0.025", "0.040", "0.065", "0.10", "0.15", "0.25", "0.40", "0.65",
    "1.0", "1.5", "2.5", "4.0", "6.5", "10",
]  # fmt: skip
PurposeCode = Literal["inspection", "round", "evaluation"]
InspectionStatusCode = Literal["planned", "in_progress", "submitted", "cancelled"]
RectificationStatusCode = Literal[
    "issued", "in_rectification", "awaiting_verification", "verified", "cancelled"
]  # fmt: skip
DispositionCode = Literal["redo", "contain", "tell_customer", "concession"]


# --- checklist definition ---------------------------------------------------------------------


class ChecklistItemIn(InputSchema):
    code: ItemCode = Field(
        ..., description="Unique within the checklist: lower-case letters, digits, - and _."
    )
    text: str = Field(..., min_length=1, max_length=500)
    weight: Points = Field(1, description="The points the item is worth.")
    kind: ItemKindCode = "pass_fail"
    max_score: Points = Field(1, description="A scored item: scores go from 0 to this.")
    pass_at: Score = Field(1, description="A scored item below this fails (at most `max_score`).")
    photo_on_fail: bool = Field(False, description="A failed item needs a photo before submitting.")
    critical: bool = Field(False, description="Failing it fails the whole checklist, whatever the score.")
    guidance: str = Field("", max_length=1000)
    at: time | None = Field(
        None,
        description="A duty round's item: the time it is due at (`22:30`; before the shift's start: the next day).",
    )


class ChecklistSectionIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=100)
    items: list[ChecklistItemIn] = Field(..., min_length=1, max_length=MAX_ITEMS)


class ChecklistSamplingIn(InputSchema):
    """How the units checked are chosen: `all`; `ratio` (needs `ratio`); `fixed` (needs `count`);
    `iso2859` (ISO 2859-1 / GB/T 2828.1, needs `level` and `aql`)."""

    method: SamplingMethodCode = "all"
    ratio: Ratio | None = None
    count: SampleCount | None = None
    level: LevelCode | None = None
    aql: AqlCode | None = None
    unit: str = Field(
        default="", max_length=40, description="What a unit is, for people (份工单记录, 间客房)."
    )


class ChecklistDefinitionIn(InputSchema):
    sections: list[ChecklistSectionIn] = Field(
        ..., min_length=1, max_length=MAX_SECTIONS, description=f"At most {MAX_ITEMS} items in all."
    )
    pass_mark: Score = Field(80, description="The score in percent the checklist passes at.")
    sampling: ChecklistSamplingIn = PydanticField(default_factory=ChecklistSamplingIn)
    grace_minutes: GraceMinutes = Field(
        15,
        description="A duty round: a timed item ticked more than this many minutes after its time is late.",
    )


# --- input: checklists ----------------------------------------------------------------------


class ChecklistIn(InputSchema):
    code: ItemCode
    name: str = Field(..., min_length=1, max_length=NAME_LENGTH)
    purpose: PurposeCode = "inspection"
    definition: ChecklistDefinitionIn
    note: str = Field("", max_length=VERSION_NOTE_LENGTH)


class ChecklistVersionIn(InputSchema):
    definition: ChecklistDefinitionIn
    note: str = Field(..., min_length=1, max_length=VERSION_NOTE_LENGTH, description="What changed.")
    name: str | None = Field(None, min_length=1, max_length=NAME_LENGTH, description="A new name, if any.")


class ChecklistActiveIn(InputSchema):
    active: bool


class ChecklistFilters(QuerySchema):
    active: bool | None = Field(None, description="Only checklists in use (true) or retired (false).")
    limit: Limit = 50
    offset: Offset = 0


# --- input: inspections ---------------------------------------------------------------------


class InspectionIn(InputSchema):
    """An inspection by hand (an unannounced check): due at close of business of `due_on` (the next
    working day when it is a rest day), with the checklist's latest version."""

    template_id: Id = Field(..., description="The checklist (`GET /checklists`); it must be in use.")
    department_id: Id = Field(..., description="The department inspected.")
    inspector_id: Id
    due_on: Day
    site: str = Field("", max_length=SITE_LENGTH, description="The site or area inspected.")


class InspectionStartIn(InputSchema):
    population: Population | None = Field(
        None,
        description="How many units there are to sample from (records, rooms …): required when the "
        "checklist samples; the units to check are drawn from it.",
    )


class InspectionAnswerIn(InputSchema):
    item_code: ItemCode
    result: ResultCode | None = Field(
        None, description="`pass`, `fail` or `na`; a scored item's result follows from its `score`."
    )
    score: Score | None = Field(None, description="A scored item: 0 to its `max_score`.")
    note: Reason = Field("", description="Required when a pass/fail item fails: what does not conform.")


class InspectionRecordIn(InputSchema):
    answers: list[InspectionAnswerIn] = Field(..., min_length=1, max_length=MAX_ANSWERS)


class InspectionSubmitIn(InputSchema):
    summary: LongText = Field("", description="Overall remarks.")
    nonconforming_units: Units | None = Field(
        None, description="Nonconforming units found in the sample (0 to the sample size)."
    )


class InspectionReassignIn(InputSchema):
    inspector_id: Id
    reason: Reason = Field(..., min_length=1)


class InspectionReasonIn(InputSchema):
    reason: Reason = Field(..., min_length=1)


class InspectionFilters(QuerySchema):
    status: InspectionStatusCode | None = None
    department_id: Id | None = Field(None, description="The department inspected.")
    mine: bool = Field(False, description="Only the caller's own inspections (as inspector).")
    overdue: bool = Field(False, description="Only open inspections past their due moment.")
    open: bool = Field(False, description="Only planned and ongoing inspections, soonest due first.")
    limit: Limit = 50
    offset: Offset = 0


# --- input: rectification orders ------------------------------------------------------------


class RectificationNoteIn(InputSchema):
    note: Reason = ""


class RectificationDispositionIn(InputSchema):
    disposition: DispositionCode
    note: Reason = Field("", description="Required when accepting by concession.")


class RectificationVerifyIn(InputSchema):
    passed: bool = Field(..., description="False reopens the order with a new deadline.")
    note: Reason = Field(..., min_length=1, description="What was checked and found.")


class RectificationReasonIn(InputSchema):
    reason: Reason = Field(..., min_length=1)


class RectificationFilters(QuerySchema):
    status: RectificationStatusCode | None = None
    department_id: Id | None = Field(None, description="The responsible department.")
    open: bool = Field(False, description="Only orders not verified or cancelled, soonest due first.")
    overdue: bool = Field(False, description="Only orders past their deadline.")
    inspection_id: Id | None = None
    limit: Limit = 50
    offset: Offset = 0


# --- output -----------------------------------------------------------------------------------


class InspectionRef(Schema):
    """A person or a department."""

    id: int
    name: str


class InspectionNumberRef(Schema):
    id: int
    number: str


class InspectionPhotoOut(Schema):
    id: int
    url: str
    content_type: str
    size: int
    uploaded_at: datetime


class ChecklistRow(Schema):
    id: int
    code: str
    name: str
    purpose: str
    purpose_label: str
    is_active: bool
    version: int = Field(..., description="The latest version's number (new inspections use it).")
    item_count: int = Field(..., description="Items of the latest version.")
    published_at: datetime = Field(..., description="When the latest version was published.")
    url: str


class ChecklistPage(Schema):
    items: list[ChecklistRow]
    count: int = Field(..., description="Matching checklists; a lower bound when `count_exact` is false.")
    count_exact: bool


class ChecklistVersionOut(Schema):
    number: int
    note: str
    published_at: datetime
    published_by: InspectionRef
    item_count: int
    definition: dict[str, Any] = Field(
        ..., description="As published: `definition` of `POST /checklists` with its defaults filled in."
    )


class ChecklistOut(ChecklistRow):
    created_at: datetime
    created_by: InspectionRef
    versions: list[ChecklistVersionOut] = Field(..., description="Newest first.")


class InspectionChecklistRef(Schema):
    id: int = Field(..., description="The checklist (`GET /checklists/{id}`).")
    name: str
    version: int = Field(..., description="The version this inspection is filled in on.")


class InspectionRow(Schema):
    id: int
    number: str
    status: str
    status_label: str
    department: InspectionRef
    site: str
    inspector: InspectionRef
    due_at: datetime
    is_overdue: bool
    score: Decimal | None = Field(..., description="Percent, one decimal; set when submitted.")
    passed: bool | None
    failed_items: int
    checklist: InspectionChecklistRef
    url: str


class InspectionPage(Schema):
    items: list[InspectionRow]
    count: int = Field(..., description="Matching inspections; a lower bound when `count_exact` is false.")
    count_exact: bool


class InspectionFindingOut(Schema):
    item_code: str
    section: str
    item: str
    kind: str
    kind_label: str
    weight: int
    result: str
    result_label: str
    score: int | None
    note: str
    photos: list[InspectionPhotoOut]
    recorded_by: InspectionRef
    recorded_at: datetime


class InspectionOpenItemOut(Schema):
    """An item of the checklist not filled in yet."""

    item_code: str
    section: str
    item: str
    kind: str
    kind_label: str
    weight: int
    max_score: int
    pass_at: int
    photo_on_fail: bool
    critical: bool
    guidance: str


class InspectionSamplingOut(Schema):
    method: str
    method_label: str
    unit: str
    population: int | None = Field(..., description="Recorded when the inspection starts.")
    sample_size: int | None
    units: list[int] = Field(..., description="The unit numbers to check (the first 1,000), ascending.")
    units_complete: bool = Field(..., description="False when `units` shows only the first 1,000.")
    whole_lot: bool | None
    code_letter: str | None
    accept: int | None = Field(
        ..., description="ISO 2859: accept the lot with at most this many nonconforming."
    )
    reject: int | None
    nonconforming: int | None
    verdict: str | None = Field(..., description="`accept` or `reject` (ISO 2859), once submitted.")
    verdict_label: str


class InspectionRectificationRef(Schema):
    id: int
    number: str
    status: str
    status_label: str


class InspectionOut(InspectionRow):
    confidentiality: int
    schedule: str = Field(..., description="The policy schedule that planned it; empty: by hand.")
    period_start: date | None
    period_end: date | None
    assigned_because: str
    started_at: datetime | None
    submitted_at: datetime | None
    created_at: datetime
    created_by: InspectionRef | None
    points: Decimal | None
    max_points: Decimal | None
    pass_mark: int
    summary: str
    cancel_reason: str
    findings: list[InspectionFindingOut]
    unanswered: list[InspectionOpenItemOut] = Field(..., description="Items not filled in yet.")
    sampling: InspectionSamplingOut
    rectifications: list[InspectionRectificationRef]
    allowed_actions: list[str] = Field(
        ..., description="Actions the caller may take now (POST /{id}/<action>)."
    )


class RectificationRow(Schema):
    id: int
    number: str
    status: str
    status_label: str
    department: InspectionRef
    inspection: InspectionNumberRef
    item_code: str
    item: str
    issued_at: datetime
    due_at: datetime
    is_overdue: bool
    acknowledged_by: InspectionRef | None
    acknowledged_at: datetime | None
    url: str


class RectificationPage(Schema):
    items: list[RectificationRow]
    count: int = Field(..., description="Matching orders; a lower bound when `count_exact` is false.")
    count_exact: bool


class RectificationOut(RectificationRow):
    confidentiality: int
    section: str
    finding_note: str
    finding_photos: list[InspectionPhotoOut]
    acknowledge_note: str
    disposition: str
    disposition_label: str
    disposition_note: str
    disposition_by: InspectionRef | None
    disposition_at: datetime | None
    action_taken: str
    done_by: InspectionRef | None
    done_at: datetime | None
    photos: list[InspectionPhotoOut] = Field(..., description="Photos of what was done.")
    verified_by: InspectionRef | None = Field(..., description="The latest verification's.")
    verified_at: datetime | None
    verification_note: str
    failed_verifications: int
    capa: InspectionNumberRef | None = Field(
        ..., description="The corrective action raised for the recurring finding (when you may see it)."
    )
    allowed_actions: list[str] = Field(
        ..., description="Actions the caller may take now (POST /{id}/<action>)."
    )
