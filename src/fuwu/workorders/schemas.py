"""Request and response bodies of ``/api/v1/work-orders``.

Input schemas forbid unknown keys (a misspelt field is an error, not silently ignored). Related
records are given by id (``service_type_id``, ``technician_id``…) and looked up within the
caller's organisation and visibility; an unknown id is a 422 error on that field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import field_validator

from fuwu.lib.inputs import (
    DESCRIPTION_LENGTH,
    MAX_INT,
    MAX_ITEMS,
    REASON_LENGTH,
    Clearance,
    Day,
    DistanceKm,
    Id,
    InputSchema,
    Keywords,
    Kilometres,
    Limit,
    LongText,
    Money,
    Offset,
    Quantity,
    Reason,
    RunningHours,
    day_in_range,
)

ChannelCode = Literal["phone", "walk_in", "letter", "fax", "email", "web", "api"]
PriorityCode = Literal["low", "normal", "high", "urgent"]
ClockCode = Literal["response", "dispatch", "arrival", "written_reply", "resolution"]
DurationUnit = Literal[
    "working_days", "business_hours", "business_minutes", "calendar_hours", "calendar_minutes"
]
WarrantyCode = Literal["in_warranty", "out_of_warranty", "misuse", "not_applicable"]
ConfirmationMethodCode = Literal["signature", "sms_code", "paper_voucher"]
RejectionKind = Literal["rejection", "cannot_do_now"]
# The work lists of the list page's tabs and the home pages (``selectors.WorkList``).
WorkListCode = Literal[
    "first_received",
    "assigned",
    "queue",
    "overdue",
    "due_today",
    "waiting_customer",
    "awaiting_my_approval",
    "all",
]
MyListCode = Literal["first_received", "assigned"]
SortCode = Literal["received", "due"]


MAX_MINUTES_SPENT = 30 * 24 * 60
# A photographed voucher or a drawn signature as a data URL: the image limit (10 MB) in base64.
MAX_DATA_URL_LENGTH = 14_000_000
Material = Annotated[str, Field(min_length=1, max_length=200)]
StaffChoice = Annotated[str, Field(max_length=20)]  # an id or "me", checked with the other filters


class Strict(InputSchema):
    """Input bodies of work-order actions (see fuwu.lib.inputs)."""


# --- input ------------------------------------------------------------------------------------


class WorkOrderIn(Strict):
    """A new request. Give ``customer_id`` for a known customer, or ``caller_name`` + ``caller_phone``
    (and the address) for a caller: a customer with that phone number is matched, else created.
    A gatekeeper names the member of staff who receives the visitor in ``first_contact_owner_id``."""

    channel: ChannelCode = "api"
    service_type_id: Id
    description: str = Field(..., min_length=1, max_length=DESCRIPTION_LENGTH)
    priority: PriorityCode = "normal"
    customer_id: Id | None = None
    caller_name: str = Field("", max_length=100)
    caller_phone: str = Field("", max_length=30)
    building: str = Field("", max_length=50)
    unit: str = Field("", max_length=50)
    room: str = Field("", max_length=50)
    address: str = Field("", max_length=300)
    product_id: Id | None = None
    distance_km: DistanceKm | None = None
    department_id: Id | None = None
    confidentiality: Clearance = 0
    materials_received: Annotated[list[Material], Field(max_length=MAX_ITEMS)] = []
    first_contact_owner_id: Id | None = None


class RouteIn(Strict):
    department_id: Id
    reason: Reason = ""


class DispatchIn(Strict):
    technician_id: Id = Field(..., description="The technician, or the leader when a team goes.")
    team_ids: Annotated[list[Id], Field(max_length=20)] = []
    reason: Reason = ""


class ReplyIn(Strict):
    text: LongText


class NoticeMissingIn(Strict):
    received: Annotated[list[Material], Field(max_length=MAX_ITEMS)] = Field(
        [], description="Checklist items the customer has provided."
    )
    extra_items: Annotated[list[Material], Field(max_length=MAX_ITEMS)] = Field(
        [], description="Materials not on the checklist that are needed too."
    )
    reason: Reason = ""


class MaterialsReceivedIn(Strict):
    received: Annotated[list[Material], Field(max_length=MAX_ITEMS)]


class RequestRejectionIn(Strict):
    """A refusal (``rejection``), or ``cannot_do_now`` (暂缓办理): not a refusal but a wait, with the day
    from which the work can be done in ``deferred_until`` (required then; after today, at most the
    policy's ``approvals.max_deferral_working_days`` working days ahead). Once a head approves, the
    customer gets ``answer`` (why) and the day, and the work order is ``deferred`` — open — until then."""

    kind: RejectionKind
    reason: Reason
    answer: str = Field(
        ..., max_length=REASON_LENGTH, description="The answer the customer gets once a head approves."
    )
    deferred_until: Day | None = Field(
        None, description="`cannot_do_now` only: the day from which the work can be done (YYYY-MM-DD)."
    )


class ApproveRejectionIn(Strict):
    note: Reason = ""
    deferred_until: Day | None = Field(
        None,
        description="`cannot_do_now` only: another day than the one asked "
        "for (required when that day has passed meanwhile).",
    )


class ResumeIn(Strict):
    reason: Reason = Field("", description="Why the deferred work is taken up before its day.")


class RecordWarrantyIn(Strict):
    """The warranty finding on site (判定保修状态): out of warranty or misuse makes the work paid, and
    where the policy asks for a head's approval it is requested at once (once per work order)."""

    warranty_status: WarrantyCode
    note: Reason = Field("", description="What was found; shown to the head with the approval request.")


class NoteIn(Strict):
    note: Reason = ""


class DenyRejectionIn(Strict):
    note: Reason


class RequestExtensionIn(Strict):
    clock: ClockCode
    amount: int = Field(
        ...,
        gt=0,
        le=MAX_INT,
        description="At most the policy's `extensions.max_amount` "
        "for the unit (the request is refused with a field error beyond it).",
    )
    unit: DurationUnit
    reason: Reason


class PartIn(Strict):
    name: str = Field(..., max_length=200)
    model: str = Field("", max_length=100)
    quantity: Quantity = Decimal(1)


class CompleteIn(Strict):
    findings: LongText
    work_done: LongText
    warranty_status: WarrantyCode
    minutes_spent: int = Field(..., gt=0, le=MAX_MINUTES_SPENT, description="At most 30 days of work.")
    disassembly_signs: bool = False
    running_hours: RunningHours | None = None
    mileage_km: Kilometres | None = None
    parts: Annotated[list[PartIn], Field(max_length=MAX_ITEMS)] = []
    photo_ids: Annotated[list[Id], Field(max_length=12)] = Field(
        [],
        description="Photos uploaded before (`POST /{id}/photos`) that belong to this report; the policy's "
        "`service_report.min_photos` counts them.",
    )


class ConfirmIn(Strict):
    """How the customer confirmed. ``signature``: a ``data:image/png;base64,…`` URL of the drawn
    signature; ``sms_code``: the code the customer read back; ``paper_voucher``: the photographed
    signed voucher as a ``data:image/<jpeg|png|webp|gif>;base64,…`` URL in ``voucher``."""

    method: ConfirmationMethodCode
    confirmed_by_name: str = Field(..., max_length=100)
    signature: str = Field("", max_length=MAX_DATA_URL_LENGTH)
    code: str = Field("", max_length=12)
    voucher: str = Field("", max_length=MAX_DATA_URL_LENGTH)
    satisfied: bool | None = None
    comment: Reason = ""


class ReasonIn(Strict):
    reason: Reason


class CloseIn(Strict):
    reason: Reason = Field("", description="Required when closing after the customer refused to confirm.")


class RecordFeeIn(Strict):
    fee_item_id: Id | None = None
    description: str = Field("", max_length=200)
    quantity: Quantity = Decimal(1)
    unit_price: Money | None = Field(
        None, description="The amount (quantity × unit price) must stay below 100,000,000.00 too."
    )
    receipt_number: str = Field("", max_length=60)


class CollectFeeIn(Strict):
    fee_line_id: Id
    receipt_number: str = Field(..., max_length=60)


def _parse_moment(value: Any) -> Any:
    """``YYYY-MM-DD`` is a date (a whole day); anything longer an ISO 8601 date and time."""
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(_("must be a date (YYYY-MM-DD) or a date and time (ISO 8601)")) from None


class WorkOrderQuery(Schema):
    """The filters of the work-order list (``GET /work-orders``) and of its export."""

    status: Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=14)] = Field(
        [], description="Repeat the parameter or separate statuses with commas."
    )
    department: Id | None = Field(None, description="Id of the handling department.")
    assignee: StaffChoice | None = Field(None, description="Id of a member of staff, or `me`.")
    first_contact_owner: StaffChoice | None = Field(None, description="Id of a member of staff, or `me`.")
    service_type: Id | None = None
    channel: ChannelCode | None = None
    priority: PriorityCode | None = None
    received_from: date | datetime | None = Field(None, description="A date or an ISO 8601 date and time.")
    received_to: date | datetime | None = Field(
        None, description="A date (that whole day is included) or a date and time."
    )
    overdue: bool | None = None
    q: Keywords | None = Field(
        None, description="Keywords (Chinese is cut into words): every word must appear."
    )
    view: WorkListCode | None = Field(
        None,
        description=(
            "One of the work lists the list page shows as tabs, for the caller: `first_received` (what I first "
            "received, until it is closed or ended), `assigned` (my open work, as assignee, team member or A whose B "
            "took it, and done work awaiting confirmation), `queue` (my department and below: received, routed or "
            "dispatched), `overdue` (a clock past its deadline), `due_today` (a running clock due later today), "
            "`waiting_customer` (awaiting materials, or done and awaiting the customer's confirmation), "
            "`awaiting_my_approval` (a pending request the caller may decide, also before the work order is routed), "
            "`all`."
        ),
    )
    mine: MyListCode | None = Field(
        None,
        description=(
            "Narrow to one of the caller's own lists as well: `view=due_today&mine=first_received`."
        ),
    )
    sort: SortCode | None = Field(
        None,
        description=(
            "`received`: newest first. `due`: overdue first, most overdue first, then the earliest deadline, then "
            "priority (urgent first). Default: `due` for the `overdue`, `queue` and `due_today` views, else `received`."
        ),
    )

    @field_validator("received_from", "received_to", mode="before")
    @classmethod
    def _moment(cls, value: Any) -> Any:
        return _parse_moment(value)

    @field_validator("received_from", "received_to", mode="after")
    @classmethod
    def _in_range(cls, value: Any) -> Any:
        return None if value is None else day_in_range(value)


class WorkOrderFilters(WorkOrderQuery):
    limit: Limit = 50
    offset: Offset = 0


# --- output -----------------------------------------------------------------------------------


class Ref(Schema):
    id: int
    name: str


class DispatchSuggestionOut(Schema):
    technician: Ref
    open_count: int = Field(..., description="Open work orders assigned to them now (the load).")
    absent_until: datetime | None = Field(
        ..., description="Set while they are absent (leave, trip, off shift)."
    )
    handler: Ref | None = Field(..., description="Who gets the work while they are absent (A/B).")


class WorkOrderRow(Schema):
    id: int
    number: str
    status: str
    status_label: str
    priority: str
    priority_label: str
    channel: str
    service_type: Ref
    customer: Ref
    caller_name: str
    caller_phone: str = Field(
        ..., description="Masked (138****5678) unless the caller's role sees numbers whole."
    )
    location: str
    department: Ref | None
    assignee: Ref | None
    first_contact_owner: Ref
    received_at: datetime
    is_overdue: bool
    next_due_at: datetime | None


class WorkOrderPage(Schema):
    items: list[WorkOrderRow]
    count: int = Field(..., description="Matching work orders; a lower bound when `count_exact` is false.")
    count_exact: bool = Field(
        ..., description="False when there are more than 1,000 (or than the page's end)."
    )


class ClockOut(Schema):
    kind: str
    kind_label: str
    amount: int
    unit: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    paused: bool
    paused_at: datetime | None
    breached: bool
    remaining_business_minutes: int | None = Field(
        ..., description="Business minutes left (negative when past); frozen while paused; null once met."
    )
    calendar_confirmed: bool
    escalation_level: int
    extended_count: int


class MaterialOut(Schema):
    id: int
    name: str
    is_required: bool
    from_checklist: bool
    is_received: bool
    received_at: datetime | None


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    items: list[str]
    text: Reason
    reason: str
    sent_by: Ref
    sent_at: datetime


class ApprovalOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    approver_role: str
    reason: Reason
    answer: str
    clock_kind: str
    extension_amount: int | None
    extension_unit: str
    deferred_until: date | None = Field(None, description="`cannot_do_now`: the day asked for.")
    requested_by: Ref
    requested_at: datetime
    decided_by: Ref | None
    decided_at: datetime | None
    decision_note: str


class PartOut(Schema):
    name: str
    model: str
    quantity: str


class ReportOut(Schema):
    id: int
    findings: str
    warranty_status: str
    warranty_label: str
    disassembly_signs: bool
    running_hours: int | None
    mileage_km: int | None
    work_done: str
    parts: list[PartOut]
    minutes_spent: int
    completed_by: Ref
    completed_at: datetime


class ConfirmationOut(Schema):
    id: int
    method: str
    method_label: str
    confirmed_by_name: str
    evidence_url: str | None
    satisfied: bool | None
    comment: str
    confirmed_at: datetime


class FeeOut(Schema):
    id: int
    fee_item_id: int | None
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    is_collected: bool
    receipt_number: str
    collected_at: datetime | None


class PhotoOut(Schema):
    id: int
    report_id: int | None = Field(None, description="The service report the photo was taken with.")
    url: str
    content_type: str
    size: int
    uploaded_at: datetime


class EventOut(Schema):
    at: datetime
    action: str
    actor: str
    changes: dict[str, Any]
    reason: Reason


class ProductRef(Schema):
    id: int
    name: str
    model: str
    serial: str


class WorkOrderOut(WorkOrderRow):
    resume_status: str
    channel_label: str
    sla_class: str
    product: ProductRef | None
    building: str
    unit: str
    room: str
    address: str
    distance_km: int | None
    description: str
    confidentiality: int
    intake_department: Ref | None
    logged_by: Ref | None
    team: list[Ref]
    dispatched_at: datetime | None
    accepted_at: datetime | None
    arrived_at: datetime | None
    done_at: datetime | None
    confirmed_at: datetime | None
    closed_at: datetime | None
    deferred_until: date | None = Field(
        None,
        description="While `deferred` (暂缓办理): the day from which the "
        "work can be done; the work order comes back to its previous status then.",
    )
    warranty_finding: str = Field(
        "",
        description="The warranty finding recorded on site or with the report "
        "(`in_warranty`, `out_of_warranty`, `misuse`, `not_applicable`; empty: none yet).",
    )
    is_paid: bool
    confirmation_refused: bool
    reminder_count: int
    reopen_count: int
    clocks: list[ClockOut]
    materials: list[MaterialOut]
    notices: list[NoticeOut]
    approvals: list[ApprovalOut]
    reports: list[ReportOut]
    confirmations: list[ConfirmationOut]
    fees: list[FeeOut]
    photos: list[PhotoOut]
    events: list[EventOut]
    allowed_actions: list[str] = Field(
        ..., description="Actions the caller may take now (POST /{id}/<action>)."
    )
    created_at: datetime
    updated_at: datetime


class CreatedClock(Schema):
    kind: str
    due_at: datetime
    met_at: datetime | None
    calendar_confirmed: bool


class WorkOrderCreated(Schema):
    """What creating a work order answers: enough to tell the caller their number and deadlines.
    The whole record (timeline, actions, …) is at ``url``."""

    id: int
    number: str
    status: str
    status_label: str
    priority: str
    channel: str
    received_at: datetime
    customer: Ref
    first_contact_owner: Ref
    logged_by: Ref | None
    department: Ref | None
    clocks: list[CreatedClock]
    url: str
