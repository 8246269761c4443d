"""Request and response bodies of ``/api/v1/work-orders``.

Input schemas forbid unknown keys (a misspelt field is an error, not silently ignored). Related
records are given by id (``service_type_id``, ``technician_id``…) and looked up within the
caller's organisation and visibility; an unknown id is a 422 error on that field.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

ChannelCode = Literal["phone", "walk_in", "letter", "fax", "email", "web", "api"]
PriorityCode = Literal["low", "normal", "high", "urgent"]
ClockCode = Literal["response", "dispatch", "arrival", "written_reply", "resolution"]
DurationUnit = Literal["working_days", "business_hours", "business_minutes", "calendar_hours", "calendar_minutes"]
WarrantyCode = Literal["in_warranty", "out_of_warranty", "misuse", "not_applicable"]
ConfirmationMethodCode = Literal["signature", "sms_code", "paper_voucher"]
RejectionKind = Literal["rejection", "cannot_do_now"]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


# --- input ------------------------------------------------------------------------------------

class WorkOrderIn(Strict):
    """A new request. Give ``customer_id`` for a known customer, or ``caller_name`` + ``caller_phone``
    (and the address) for a caller: a customer with that phone number is matched, else created.
    A gatekeeper names the member of staff who receives the visitor in ``first_contact_owner_id``."""

    channel: ChannelCode = "api"
    service_type_id: int
    description: str = Field(..., max_length=4000)
    priority: PriorityCode = "normal"
    customer_id: int | None = None
    caller_name: str = Field("", max_length=100)
    caller_phone: str = Field("", max_length=30)
    building: str = Field("", max_length=50)
    unit: str = Field("", max_length=50)
    room: str = Field("", max_length=50)
    address: str = Field("", max_length=300)
    product_id: int | None = None
    distance_km: int | None = Field(None, ge=0)
    department_id: int | None = None
    confidentiality: int = Field(0, ge=0, le=3)
    materials_received: list[str] = []
    first_contact_owner_id: int | None = None


class RouteIn(Strict):
    department_id: int
    reason: str = ""


class DispatchIn(Strict):
    technician_id: int = Field(..., description="The technician, or the leader when a team goes.")
    team_ids: list[int] = []
    reason: str = ""


class ReplyIn(Strict):
    text: str


class NoticeMissingIn(Strict):
    received: list[str] = Field([], description="Checklist items the customer has provided.")
    extra_items: list[str] = Field([], description="Materials not on the checklist that are needed too.")
    reason: str = ""


class MaterialsReceivedIn(Strict):
    received: list[str]


class RequestRejectionIn(Strict):
    kind: RejectionKind
    reason: str
    answer: str = Field(..., description="The answer the customer gets once a head approves.")


class NoteIn(Strict):
    note: str = ""


class DenyRejectionIn(Strict):
    note: str


class RequestExtensionIn(Strict):
    clock: ClockCode
    amount: int = Field(..., gt=0)
    unit: DurationUnit
    reason: str


class PartIn(Strict):
    name: str = Field(..., max_length=200)
    model: str = Field("", max_length=100)
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=10, decimal_places=2)


class CompleteIn(Strict):
    findings: str
    work_done: str
    warranty_status: WarrantyCode
    minutes_spent: int = Field(..., gt=0)
    disassembly_signs: bool = False
    running_hours: int | None = Field(None, ge=0)
    mileage_km: int | None = Field(None, ge=0)
    parts: list[PartIn] = []


class ConfirmIn(Strict):
    """How the customer confirmed. ``signature``: a ``data:image/png;base64,…`` URL of the drawn
    signature; ``sms_code``: the code the customer read back; ``paper_voucher``: the photographed
    signed voucher as a ``data:image/<jpeg|png|webp|gif>;base64,…`` URL in ``voucher``."""

    method: ConfirmationMethodCode
    confirmed_by_name: str
    signature: str = ""
    code: str = ""
    voucher: str = ""
    satisfied: bool | None = None
    comment: str = ""


class ReasonIn(Strict):
    reason: str


class CloseIn(Strict):
    reason: str = Field("", description="Required when closing after the customer refused to confirm.")


class RecordFeeIn(Strict):
    fee_item_id: int | None = None
    description: str = Field("", max_length=200)
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=10, decimal_places=2)
    unit_price: Decimal | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    receipt_number: str = Field("", max_length=60)


class CollectFeeIn(Strict):
    fee_line_id: int
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


class WorkOrderFilters(Schema):
    status: list[str] = Field([], description="Repeat the parameter or separate statuses with commas.")
    department: int | None = Field(None, description="Id of the handling department.")
    assignee: str | None = Field(None, description="Id of a member of staff, or `me`.")
    first_contact_owner: str | None = Field(None, description="Id of a member of staff, or `me`.")
    service_type: int | None = None
    channel: ChannelCode | None = None
    priority: PriorityCode | None = None
    received_from: date | datetime | None = Field(None, description="A date or an ISO 8601 date and time.")
    received_to: date | datetime | None = Field(None, description="A date (that whole day is included) or a date and time.")
    overdue: bool | None = None
    q: str | None = Field(None, description="Keywords (Chinese is cut into words): every word must appear.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)

    @field_validator("received_from", "received_to", mode="before")
    @classmethod
    def _moment(cls, value: Any) -> Any:
        return _parse_moment(value)


# --- output -----------------------------------------------------------------------------------

class Ref(Schema):
    id: int
    name: str


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
    caller_phone: str = Field(..., description="Masked (138****5678) unless the caller's role sees numbers whole.")
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
    count_exact: bool = Field(..., description="False when there are more than 1,000 (or than the page's end).")


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
        ..., description="Business minutes left (negative when past); frozen while paused; null once met.")
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
    text: str
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
    reason: str
    answer: str
    clock_kind: str
    extension_amount: int | None
    extension_unit: str
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
    url: str
    content_type: str
    size: int
    uploaded_at: datetime


class EventOut(Schema):
    at: datetime
    action: str
    actor: str
    changes: dict[str, Any]
    reason: str


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
    allowed_actions: list[str] = Field(..., description="Actions the caller may take now (POST /{id}/<action>).")
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
