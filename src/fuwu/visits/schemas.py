"""Request and response bodies of ``/api/v1/visits`` and ``/api/v1/visit-samples``.

Input schemas forbid unknown keys and control characters (``fuwu.lib.inputs.InputSchema``); every
choice is a literal of the model's choices, every text bounded. The answers of a visit are an
object keyed by the codes of the policy's questionnaire: their values are checked against the
questionnaire by the service (a wrong one is a 422 naming ``answers.<code>``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BeforeValidator

from fuwu.lib.inputs import Id, InputSchema, Limit, Moment, Offset, QuerySchema, Reason

StatusCode = Literal["due", "done", "unreachable", "cancelled"]
MethodCode = Literal["phone", "sms", "wechat", "email", "on_site", "survey"]
AttemptOutcomeCode = Literal["unreachable", "call_later"]
SurveyMethodCode = Literal["sms", "wechat", "email"]
TabCode = Literal["today", "mine", "all"]
MONTH_PATTERN = r"^(19|20)\d\d-(0[1-9]|1[0-2])$"
# One answer: yes/no, a choice, a score or text (checked against the questionnaire).
AnswerValue = bool | Annotated[int, Field(ge=0, le=100)] | Annotated[str, Field(max_length=4000)]
QuestionCode = Annotated[str, Field(min_length=1, max_length=40)]


class VisitFilters(QuerySchema):
    tab: TabCode = Field(
        "all",
        description="`today`: the caller's visits due by the end of today, in call order; "
        "`mine`: given to the caller; `all`: every visit the caller sees.",
    )
    status: StatusCode | None = None
    level: int | None = Field(None, ge=1, le=3)
    work_order: Id | None = Field(None, description="Only the visits of this work order.")
    complaint: Id | None = Field(None, description="Only the visits of this complaint.")
    limit: Limit = 50
    offset: Offset = 0


class VisitStrict(InputSchema):
    pass


class VisitIn(VisitStrict):
    """A visit planned by hand (a follow-up call, a visit the customer asked for): about a work
    order or a complaint the caller sees."""

    work_order_id: Id | None = None
    complaint_id: Id | None = None
    level: int = Field(1, ge=1, le=3)
    method: MethodCode = "phone"
    due_at: Moment = Field(..., description="When the visit is due (in the future).")
    visitor_id: Id | None = Field(None, description="Who makes it; none: anyone of the level's role.")
    note: Reason = ""


class VisitAttemptIn(VisitStrict):
    outcome: AttemptOutcomeCode = Field(
        ..., description="`unreachable` (counted toward the policy's attempts) or `call_later`."
    )
    method: MethodCode = "phone"
    note: Reason = ""
    call_back_at: Moment | None = Field(
        None, description="For `call_later`: when the customer asked to be called."
    )


class VisitAnswerIn(VisitStrict):
    answers: dict[QuestionCode, AnswerValue] = Field(
        ...,
        description="The answers by question code of the policy's questionnaire "
        "(yes/no as `yes`/`no` or a boolean; a choice as its text; a score as a whole number).",
        max_length=50,
    )
    method: MethodCode = "phone"
    note: Reason = ""


class VisitSendSurveyIn(VisitStrict):
    method: SurveyMethodCode = Field(
        ...,
        description="`sms`: to the visit's contact phone (a mobile number); `email`: to `email`; "
        "`wechat`: no message is sent — the answer's `survey_url` is for the visitor to paste into "
        "the customer's WeChat chat.",
    )
    email: str = Field(
        "", max_length=254, description="For `email`: the customer's address (none is kept on record)."
    )


class VisitRescheduleIn(VisitStrict):
    at: Moment = Field(..., description="The new time of the visit (in the future).")
    reason: Reason


class VisitReassignIn(VisitStrict):
    visitor_id: Id
    reason: Reason


class VisitReasonIn(VisitStrict):
    reason: Reason


class VisitSampleIn(VisitStrict):
    month: str = Field(..., pattern=MONTH_PATTERN, description="The month to draw, `YYYY-MM` (over already).")


class VisitSampleFilters(QuerySchema):
    month: str = Field(..., pattern=MONTH_PATTERN, description="`YYYY-MM`.")


# --- output -------------------------------------------------------------------------------------


class VisitRef(Schema):
    id: int
    name: str


class SubjectRef(Schema):
    kind: Literal["work_order", "complaint"]
    id: int
    number: str


class VisitRow(Schema):
    id: int
    level: int
    reason: str
    reason_label: str
    subject: SubjectRef | None = Field(..., description="None when the caller may not open the subject.")
    customer: VisitRef | None
    contact_name: str
    contact_phone: str
    department: VisitRef | None
    visitor_role: str
    visitor_role_label: str
    visitor: VisitRef | None
    method: str
    method_label: str
    on_site_reasons: list[str]
    status: str
    status_label: str
    due_at: datetime
    next_attempt_at: datetime
    is_overdue: bool
    attempts: int
    satisfied: bool | None
    counts: bool
    planned_for: str = Field(
        ..., description="A planned visit (first visit, maintenance, greeting, campaign): what it is for."
    )
    campaign: VisitRef | None


class VisitPage(Schema):
    items: list[VisitRow]
    count: int


class QuestionOut(Schema):
    code: str
    text: str
    kind: str
    choices: list[str]
    min_score: int | None
    max_score: int | None
    required: bool


class AttemptOut(Schema):
    number: int
    outcome: str
    outcome_label: str
    method: str
    note: str
    next_attempt_at: datetime | None
    by: VisitRef | None
    at: datetime


class VisitEventOut(Schema):
    at: datetime
    action: str
    actor: str
    changes: dict[str, Any]
    reason: str


class SurveyLinkOut(Schema):
    """A survey link sent for the visit (never its token: only a hash of it is kept)."""

    id: int
    method: str
    method_label: str
    sent_to: str = Field(..., description="The phone (masked as the caller may see it) or e-mail address.")
    sent_by: VisitRef | None
    created_at: datetime
    expires_at: datetime
    state: Literal["open", "answered", "revoked", "expired"]
    delivery: Literal["pending", "sent", "failed", "handed_over"]
    delivery_label: str
    delivery_error: str
    delivered_at: datetime | None
    used_at: datetime | None
    revoked_at: datetime | None


class VisitOut(VisitRow):
    round: int
    sample_id: int | None
    sample_note: str
    answered_at: datetime | None
    answers: dict[str, Any]
    solved: bool | None
    charged: bool | None
    score: int | None
    consequence: str
    charge_flagged: bool
    raised_complaint: SubjectRef | None
    ended_at: datetime | None
    created_at: datetime
    questionnaire: list[QuestionOut]
    attempt_log: list[AttemptOut]
    timeline: list[VisitEventOut]
    survey_links: list[SurveyLinkOut]
    allowed_actions: list[str]


class VisitSurveySentOut(VisitOut):
    survey_url: str = Field(
        ...,
        description="For `wechat`: the survey page's one-time address, to paste into the customer's "
        "chat (it is shown this once); empty for SMS and e-mail, which carry it themselves.",
    )
    survey_delivery: Literal["pending", "sent", "failed", "handed_over"]


class SampledVisit(Schema):
    id: int
    subject: SubjectRef | None
    status: str
    visitor: VisitRef | None
    why: str


class StratumOut(Schema):
    name: str
    population: int
    size: int


class VisitSampleOut(Schema):
    id: int
    month: date
    level: int
    department: VisitRef | None
    selection: str
    selection_label: str
    population: int
    households: int | None
    ratio: float | None
    size: int
    rule: str
    seed: str
    reproducible: bool = Field(..., description="The stored seed re-draws exactly the stored choice.")
    strata: list[StratumOut]
    drawn_by: VisitRef | None
    drawn_at: datetime
    visits: list[SampledVisit]


class VisitSamplesOut(Schema):
    month: str
    drawn: bool
    samples: list[VisitSampleOut]


# --- the public survey (customers, no login) ----------------------------------------------------


def _token_or_empty(value: Any) -> Any:
    """A token of the wrong shape is simply not one of ours: the endpoint answers 404, not 422."""
    return value if isinstance(value, str) and len(value) <= 64 else ""


SurveyToken = Annotated[str, BeforeValidator(_token_or_empty), Field(max_length=64)]


class PublicSurveyAboutOut(Schema):
    kind: Literal["work_order", "complaint"]
    number: str
    service: str = Field(..., description="The service type's name (work orders; empty for a complaint).")
    day: date | None
    text: str = Field(..., description="The same in words, in the reader's language.")


class PublicSurveyOut(Schema):
    organisation: str
    about: PublicSurveyAboutOut
    questionnaire: list[QuestionOut]
    expires_at: datetime


class PublicSurveyAnswerIn(InputSchema):
    answers: dict[QuestionCode, AnswerValue] = Field(
        ...,
        description="The answers by question code of `questionnaire` (yes/no as `yes`/`no` or a "
        "boolean; a choice as its text; a score as a whole number; text).",
        max_length=50,
    )


class PublicSurveyAnsweredOut(Schema):
    status: Literal["answered"]
    message: str
