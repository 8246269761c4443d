"""Request and response bodies of ``/api/v1/suppliers``.

Input schemas forbid unknown keys and control characters; every value is bounded. The managing
department is given by id (``department_id``), a department of the caller's organisation they
may keep suppliers for.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from fuwu.lib.inputs import Day, Id, InputSchema, Keywords, Limit, Offset, PatchSchema, QuerySchema, Reason

from .models import CODE_LENGTH, CONTACT_LENGTH, NAME_LENGTH, PHONE_LENGTH, SERVICES_LENGTH

StandingCode = Literal["qualified", "probation", "disqualified"]
Code = Annotated[str, Field(min_length=1, max_length=CODE_LENGTH, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=NAME_LENGTH)]
Services = Annotated[str, Field(min_length=1, max_length=SERVICES_LENGTH)]
Contact = Annotated[str, Field(max_length=CONTACT_LENGTH)]
Phone = Annotated[str, Field(max_length=PHONE_LENGTH)]


# --- input ------------------------------------------------------------------------------------


class SupplierIn(InputSchema):
    """A supplier selected and under contract; it starts qualified."""

    code: Code = Field(..., description="Unique in the organisation: lower-case letters, digits, - and _.")
    name: Name
    department_id: Id = Field(..., description="The managing department: its head inspects and evaluates it.")
    services: Services
    contact_name: Contact = ""
    phone: Phone = ""
    contract_starts_on: Day | None = None
    contract_ends_on: Day | None = Field(None, description="Not before `contract_starts_on`.")


class SupplierPatch(PatchSchema):
    """A key left out is kept; ``null`` clears a contract date."""

    nullable = frozenset({"contract_starts_on", "contract_ends_on"})
    code: Code | None = None
    name: Name | None = None
    department_id: Id | None = None
    services: Services | None = None
    contact_name: Contact | None = None
    phone: Phone | None = None
    contract_starts_on: Day | None = None
    contract_ends_on: Day | None = None
    reason: Reason = ""


class SupplierDeactivateIn(InputSchema):
    reason: Reason = Field(..., min_length=1)


class SupplierEvaluateIn(InputSchema):
    inspector_id: Id | None = Field(None, description="The evaluator; none: the caller.")
    due_on: Day | None = Field(
        None,
        description="Due at close of business that day; none: today, or the next working day after hours.",
    )


class SupplierFilters(QuerySchema):
    standing: StandingCode | None = None
    department_id: Id | None = Field(None, description="The managing department and those below it.")
    state: Literal["active", "inactive", "all"] = Field("active", description="Active suppliers by default.")
    q: Keywords | None = Field(None, description="Words in the name, code or services.")
    limit: Limit = 50
    offset: Offset = 0


# --- output -----------------------------------------------------------------------------------


class SupplierRef(Schema):
    id: int
    name: str


class SupplierEvaluationRef(Schema):
    id: int
    number: str


class SupplierRow(Schema):
    id: int
    code: str
    name: str
    department: SupplierRef
    services: str
    standing: str
    standing_label: str
    standing_since: datetime
    standing_score: Decimal | None = Field(..., description="The score of the last evaluation.")
    contract_starts_on: date | None
    contract_ends_on: date | None
    is_active: bool


class SupplierPage(Schema):
    items: list[SupplierRow]
    count: int = Field(..., description="Matching suppliers; a lower bound when `count_exact` is false.")
    count_exact: bool


class SupplierScoreOut(Schema):
    inspection_id: int
    number: str
    submitted_at: datetime
    score: Decimal
    standing: str
    standing_label: str


class SupplierHistoryOut(Schema):
    """Within the caller's visibility of inspections and rectification orders."""

    inspections: int = Field(..., description="Submitted inspections that are not evaluations.")
    evaluations: int = Field(..., description="Submitted evaluations.")
    open_inspections: int = Field(..., description="Planned or being carried out (evaluations included).")
    open_rectifications: int
    last_inspected_at: datetime | None
    evaluation_scores: list[SupplierScoreOut] = Field(
        ..., description="The latest evaluations, the oldest first."
    )


class SupplierEventOut(Schema):
    at: datetime
    action: str
    actor: str
    changes: dict[str, Any]
    reason: str


class SupplierOut(SupplierRow):
    contact_name: str
    phone: str
    standing_reason: str = Field(
        ..., description="Why, in the request's language (the evaluation and its score)."
    )
    standing_evaluation: SupplierEvaluationRef | None = Field(
        ..., description="The evaluation that last set the standing, when the caller may see it."
    )
    evaluated_at: datetime | None
    created_by: SupplierRef
    created_at: datetime
    history: SupplierHistoryOut
    events: list[SupplierEventOut]
    allowed_actions: list[str] = Field(
        ..., description="What the caller may do now: update, deactivate, evaluate."
    )


class SupplierEvaluationOut(Schema):
    """The evaluation planned (an inspection: ``/api/v1/inspections/{id}``)."""

    id: int
    number: str
    due_at: datetime
    inspector: SupplierRef
    supplier_id: int
