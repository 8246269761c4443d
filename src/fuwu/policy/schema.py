"""Typed model of a policy (制度) document.

A policy is a TOML document (see ``docs/policy-format.md``); ``fuwu.policy.loader.parse_policy`` turns
its text into a ``PolicyDocument``. Every section is required and carries its numbers explicitly: the
defaults live in the shipped presets (``presets/*.toml``), never in this module.

Two kinds of checks:
- field checks (types, ranges, unknown keys) done by pydantic on each field;
- cross-field checks (sampling bands without gaps, escalation levels increasing, a referenced SLA class
  exists, …) done once the whole document is typed, in ``PolicyDocument._cross_checks``. Each reports
  the exact key path of the offending value, e.g. ``visits.sampling[1].min_volume``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from datetime import date, time
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

# Role codes of ``fuwu.org.models.Role`` (kept here as a literal so that the schema does not import
# Django models; a test checks the two stay equal).
RoleCode = Literal[
    "agent", "technician", "department_head", "quality_inspector", "director", "administrator", "finance"
]
ApproverRole = Literal["department_head", "director"]

# Units of a duration. Working days follow the working-day calendar (holidays, 调休); business hours
# and minutes count only inside ``business_hours``; calendar hours and minutes count every minute.
DurationUnit = Literal[
    "working_days", "business_hours", "business_minutes", "calendar_hours", "calendar_minutes"
]

PRIORITIES = ("low", "normal", "high", "urgent")
Priority = Literal["low", "normal", "high", "urgent"]

# Work-order statuses (REQUIREMENTS §4) during which an SLA clock may be paused.
WorkOrderStatus = Literal[
    "received",
    "routed",
    "dispatched",
    "on_site",
    "awaiting_materials",
    "awaiting_approval",
    "done",
    "confirmed",
    "visited",
    "closed",
    "rejected",
    "cancelled",
]

# The clocks an escalation chain can follow.
Clock = Literal[
    "response",
    "dispatch",
    "arrival",
    "resolution",
    "complaint_acknowledge",
    "complaint_investigation",
    "complaint_plan",
    "complaint_execution",
    "complaint_reply",
    "complaint_return_visit",
    "inspection",
    "rectification",
    "rectification_verification",
    "tracing_feedback",
    "duty_handover",
    "report",
    "capa_action",
    "capa_verification",
    "visit",
]

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Frequency = Literal["daily", "weekly", "monthly", "quarterly"]

NUMBER_PLACEHOLDERS = ("yyyy", "yy", "mm", "dd", "seq")

Path = tuple[str | int, ...]


def _problem(message: str) -> PydanticCustomError:
    # A "value_error" carrying the message (already in the user's language, naming the value given) in
    # ``error``: ``fuwu.lib.validation`` shows it as it is.
    return PydanticCustomError("value_error", "{error}", {"error": message})


def _check_ratio(value: float) -> float:
    if not 0 <= value <= 1:
        raise _problem(_("must be between 0 and 1, got %(got)s") % {"got": value})
    return value


def _last_day(value: Any) -> Any:
    return 31 if value == "last" else value


Ratio = Annotated[float, AfterValidator(_check_ratio)]
# Day of a month; 31 (or "last") means the month's last day: a day beyond a month's end is its last day.
MonthDay = Annotated[int, BeforeValidator(_last_day), Field(ge=1, le=31)]
NonEmptyText = Annotated[str, Field(min_length=1)]
Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- common types ------------------------------------------------------------------------------


class Duration(Section):
    amount: int = Field(ge=0, le=1_000_000)
    unit: DurationUnit

    def __str__(self) -> str:
        return f"{self.amount} {self.unit}"


class AmountRange(Section):
    """An amount in yuan (元), from ``min`` to ``max``."""

    min: int = Field(ge=0)
    max: int = Field(ge=0)


class DayOfQuarter(Section):
    month_of_quarter: int = Field(ge=1, le=3)
    day: MonthDay


class WeeklyDue(Section):
    weekday: Weekday
    time: time


class MonthlyDue(Section):
    day: MonthDay
    time: time
    next_month: bool = False


# --- sections ----------------------------------------------------------------------------------


class Meta(Section):
    name: NonEmptyText
    description: str = ""


class Period(Section):
    start: time
    end: time


class Shift(Section):
    """A shift pattern, e.g. 24-hour shifts in the heating season (004)."""

    name: NonEmptyText
    start: time
    hours: int = Field(ge=1, le=24)


class BusinessHours(Section):
    always_open: bool
    periods: list[Period]
    shifts: list[Shift] = Field(default_factory=list)


NumberReset = Literal["month", "year", "never"]
# A kind of record is named like a Python identifier (it keys ``numbering.Sequence.kind``, 40 characters).
NUMBER_KIND_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"


class UnknownNumberKind(LookupError):
    """A process asked for a number of a kind its policy does not number."""

    def __init__(self, kind: str) -> None:
        super().__init__(
            f"the policy has no [numbering.{kind}] (format and reset) for numbers of kind {kind!r}"
        )
        self.kind = kind


class NumberFormat(Section):
    """How one kind of record is numbered: the format (placeholders ``{yyyy}``, ``{yy}``, ``{mm}``, ``{dd}``,
    ``{seq}``, ``{seq:05d}``) and when its serial number restarts."""

    format: NonEmptyText
    reset: NumberReset

    def render(self, *, on: date, seq: int) -> str:
        return format_number(self.format, on=on, seq=seq)


class Numbering(Section):
    """``numbering.<kind> = {format = "...", reset = "month" | "year" | "never"}``, one entry per kind of
    record. Work orders and complaints are required; a new process adds its own kind to the policy (an
    extra key of the same shape) without any change here or in ``fuwu.numbering``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, NumberFormat] = Field(init=False)

    work_order: NumberFormat
    complaint: NumberFormat

    @model_validator(mode="before")
    @classmethod
    def _from_one_reset_for_all(cls, data: Any) -> Any:
        """Documents stored before numbering had a reset per kind: ``reset`` and one format string each."""
        if isinstance(data, dict) and isinstance(data.get("reset"), str):
            reset = data["reset"]
            return {
                kind: {"format": fmt, "reset": reset} if isinstance(fmt, str) else fmt
                for kind, fmt in data.items()
                if kind != "reset"
            }
        return data

    @property
    def kinds(self) -> dict[str, NumberFormat]:
        """Every numbered kind and its format, work orders and complaints first."""
        return {"work_order": self.work_order, "complaint": self.complaint, **(self.__pydantic_extra__ or {})}

    def format_for(self, kind: str) -> NumberFormat:
        found = self.kinds.get(kind)
        if found is None:
            raise UnknownNumberKind(kind)
        return found

    def render(self, kind: str, *, on: date, seq: int) -> str:
        return self.format_for(kind).render(on=on, seq=seq)


class Targets(Section):
    """Deadlines of one priority of an SLA class, each counted from the time the request is received."""

    response: Duration
    dispatch: Duration | None = None
    arrival: Duration | None = None
    resolution: Duration


class DistanceBand(Section):
    """Up to ``up_to_km`` (no limit when absent: the last band), commit ``commitment`` within ``within``."""

    up_to_km: int | None = Field(default=None, gt=0)
    commitment: Literal["arrival", "written_reply"]
    within: Duration


class SlaClass(Section):
    label: str = ""
    low: Targets | None = None
    normal: Targets
    high: Targets | None = None
    urgent: Targets | None = None
    distance_bands: list[DistanceBand] = Field(default_factory=list)

    @property
    def priority_targets(self) -> list[tuple[str, Targets]]:
        """(priority, targets) for each priority the class sets, from low to urgent."""
        return [(p, getattr(self, p)) for p in PRIORITIES if getattr(self, p) is not None]

    def targets_for(self, priority: str) -> Targets:
        """The priority's targets; a priority the class does not set uses ``normal``."""
        found = getattr(self, priority, None) if priority in PRIORITIES else None
        return found or self.normal


class Sla(Section):
    default_class: Code
    pause_statuses: list[WorkOrderStatus]
    # Share of a clock's time after which its holders are told the deadline is approaching.
    warn_at_ratio: Ratio
    classes: dict[Code, SlaClass]


class EscalationLevel(Section):
    after_minutes: int = Field(ge=0)
    role: RoleCode


class Escalation(Section):
    chains: dict[Clock, list[EscalationLevel]]

    def chain(self, clock: str) -> list[EscalationLevel]:
        """The levels that follow ``clock`` (a work order's clock kind); none for a clock without a chain."""
        return next((list(levels) for name, levels in self.chains.items() if name == clock), [])


class Notice(Section):
    pauses_clock: bool


class Approvals(Section):
    rejection: ApproverRole
    cannot_do_now: ApproverRole
    extension: ApproverRole
    # The longest extension one request may ask for (12345 practice: at most 10 more working days).
    # The presets set it; the default only serves versions written before the key existed.
    max_extension: Duration = Field(default_factory=lambda: Duration(amount=10, unit="working_days"))
    paid_service_needs_approval: bool
    paid_service: ApproverRole
    # 暂缓办理 (000 6.3): an approved "cannot be done now" waits until a day at most this many working
    # days ahead, and the clocks stand still meanwhile unless the policy says otherwise. The presets
    # set both; the defaults only serve versions written before these keys existed.
    max_deferral_working_days: int = Field(default=20, ge=1, le=250)
    deferral_pauses_clocks: bool = True


class ServiceReportRules(Section):
    # Photos the technician uploads with the service report (at least). The presets set it; the
    # default only serves versions written before the section existed.
    min_photos: int = Field(default=0, ge=0, le=12)


class SeverityLevel(Section):
    code: Code
    label: NonEmptyText
    # Who must handle a complaint of this level (004 处理原则 5: 由相应的主管人员亲自解决).
    handler_role: RoleCode
    # Who approves its handling plan; none: the handler's plan stands (a minor complaint explained
    # on the spot, 004 3.3).
    plan_approver: ApproverRole | None = None


class Complaints(Section):
    # Clocks: acknowledge, investigation_start, plan and reply count from receipt; execution from the
    # plan's approval; return_visit from the reply.
    acknowledge: Duration = Field(default_factory=lambda: Duration(amount=4, unit="business_hours"))
    investigation_start: Duration
    plan: Duration
    execution: Duration
    reply: Duration
    return_visit: Duration
    severity_levels: list[SeverityLevel] = Field(min_length=1)
    penalty: AmountRange
    # Who decides cause and responsibility (department and people).
    responsibility_role: RoleCode = "quality_inspector"
    # Who approves a step's extension, and the longest one request may ask for.
    extension_approver: ApproverRole = "director"
    max_extension: Duration = Field(default_factory=lambda: Duration(amount=10, unit="working_days"))
    # How often a department may return a complaint it does not own (12345 practice: 2).
    max_returns: int = Field(default=2, ge=0, le=10)
    # A new complaint by the same customer about the same matter within this many days is a repeat.
    repeat_window_days: int = Field(default=30, ge=1, le=3660)
    # Failed attempts to reach the customer after the reply after which the complaint may close.
    max_contact_attempts: int = Field(default=3, ge=1, le=20)
    # Who makes the complaint's return visit (REQUIREMENTS §0: the quality role) and verifies costs.
    return_visit_role: RoleCode = "quality_inspector"
    cost_verifier_role: RoleCode = "finance"
    # The penalty catalogue entry (``rewards_penalties.catalogue``) proposed for a person a valid
    # complaint about this object is attributed to; an object not named proposes none.
    penalties: dict[Code, Code] = Field(default_factory=dict)


class CapaCategory(Section):
    code: Code
    label: NonEmptyText


_QUALITY: RoleCode = "quality_inspector"
_DIRECTOR: RoleCode = "director"


class Capa(Section):
    """Corrective and preventive actions (纠正/预防措施, ISO 9001 §10.2). The presets set every key;
    the defaults only serve versions written before the section existed."""

    # Effectiveness is verified no sooner than this after the actions were implemented, and is due
    # ``verification_window`` after that.
    verification_after: Duration = Field(default_factory=lambda: Duration(amount=720, unit="calendar_hours"))
    verification_window: Duration = Field(default_factory=lambda: Duration(amount=10, unit="working_days"))
    # Who may verify effectiveness (never an owner of one of the actions) and who may close.
    verifier_roles: list[RoleCode] = Field(default_factory=lambda: [_QUALITY], min_length=1)
    closer_roles: list[RoleCode] = Field(default_factory=lambda: [_QUALITY, _DIRECTOR], min_length=1)
    # An action item's deadline when whoever adds it names no day.
    action_item_deadline: Duration = Field(default_factory=lambda: Duration(amount=10, unit="working_days"))
    # Problem categories offered (a CAPA may also carry a code of its own) and from how many CAPAs
    # of one category in one period and department the report calls it recurring.
    categories: list[CapaCategory] = Field(default_factory=list)
    recurring_at_least: int = Field(default=2, ge=2, le=1000)


VisitSelection = Literal["every", "ratio", "volume", "count"]


class VisitLevel(Section):
    """One level of return visits (003): who makes them and how they are chosen.

    ``select``: ``every`` finished work order and answered complaint (level 1 of 003: 100 %);
    ``ratio``: a random share of the month's finished work orders and answered complaints, at
    least ``ratio`` of them, rounded up (003: level 2 ≥ 10 %, level 3 ≥ 5 %); ``volume``: a share
    of the month's households by ``visits.sampling`` (001 4.3); ``count``: ``count`` items. When
    absent: ``every`` for a ratio of 1, else ``ratio``. ``per_department``: drawn for each handling
    department (its head visits its own), else for the whole organisation. ``stratify_by``: the
    share is applied within each technician's or service type's items (each rounded up)."""

    level: int = Field(ge=1, le=3)
    role: RoleCode
    ratio: Ratio
    select: VisitSelection | None = None
    count: int | None = Field(default=None, ge=1, le=100_000)
    per_department: bool = False
    stratify_by: Literal["technician", "service_type"] | None = None

    @property
    def selection(self) -> str:
        if self.select is not None:
            return self.select
        return "every" if self.ratio >= 1 else "ratio"


class SamplingBand(Section):
    """Households served in the month from ``min_volume`` to ``max_volume`` (no limit when absent)."""

    min_volume: int = Field(ge=0)
    max_volume: int | None = Field(default=None, ge=0)
    ratio: Ratio


OnSiteRule = Literal[
    "new_agreement_customer", "new_technician_for_customer", "technician_complained_last_time"
]


QuestionMeasure = Literal["solved", "charged", "score", "satisfaction", "suggestions"]


class Question(Section):
    """One question of the visit questionnaire. ``measure`` says what the answer stands for in the
    figures (``solved``: problem solved, yes/no; ``charged``: the customer paid, yes/no;
    ``score``; ``satisfaction``: a satisfaction choice; ``suggestions``: the customer's needs and
    suggestions, collected for the quarterly report); when absent the code decides (a question coded
    ``solved``, ``charged``, ``score`` or ``suggestions``; a choice question otherwise measures
    satisfaction). An answer is unsatisfied when it is one of ``unsatisfied_choices`` (by default
    the last choice), "no" to ``solved``, or a score below ``satisfied_from`` (by default the
    middle of the scale, rounded up)."""

    code: Code
    text: NonEmptyText
    text_en: str = ""
    kind: Literal["yes_no", "choice", "score", "text"]
    choices: list[NonEmptyText] = Field(default_factory=list)
    min_score: int | None = Field(default=None, ge=0, le=100)
    max_score: int | None = Field(default=None, ge=0, le=100)
    required: bool = True
    measure: QuestionMeasure | None = None
    unsatisfied_choices: list[NonEmptyText] | None = None
    satisfied_from: int | None = Field(default=None, ge=0, le=100)

    @property
    def measures(self) -> str:
        if self.measure is not None:
            return self.measure
        if self.code in ("solved", "charged", "score", "suggestions"):
            return self.code
        if self.kind == "score":
            return "score"
        if self.kind == "text":
            return "suggestions"
        return "satisfaction" if self.kind == "choice" else ""

    @property
    def unsatisfied(self) -> list[str]:
        if self.unsatisfied_choices is not None:
            return list(self.unsatisfied_choices)
        return self.choices[-1:] if self.kind == "choice" else []

    @property
    def pass_score(self) -> int | None:
        if self.kind != "score" or self.min_score is None or self.max_score is None:
            return None
        if self.satisfied_from is not None:
            return self.satisfied_from
        return -(-(self.min_score + self.max_score) // 2)


class CallHours(Section):
    """When customers may be called (003: 不打扰客户); a retry outside them moves to the next start."""

    start: time = time(9, 0)
    end: time = time(20, 0)


class VisitAttempts(Section):
    # After this many attempts without an answer the visit ends as not reached (counted apart).
    max: int = Field(default=3, ge=1, le=20)
    retry_after: Duration = Field(default_factory=lambda: Duration(amount=2, unit="business_hours"))
    call_hours: CallHours = Field(default_factory=CallHours)
    # The latest a customer's "call me later" may name, from the attempt.
    latest_callback: Duration = Field(default_factory=lambda: Duration(amount=10, unit="working_days"))


class Greeting(Section):
    """The opening a call starts with during a holiday (004: 节日期间使用统一的开头用语): on the
    days the working-day calendar names after one of ``holidays`` (the State Council notice's
    names, e.g. 元旦, 春节, 劳动节, 中秋节, 国庆节 — "以每次节日通知为准")."""

    holidays: list[NonEmptyText] = Field(min_length=1)
    text: NonEmptyText
    text_en: str = ""


class CallScript(Section):
    """What the visitor says (004 回访过程及内容): the opening, the questionnaire, the closing.
    ``{organisation}`` is the organisation's name and ``{hotline}`` the policy's ``hotline`` (or
    "our service line" when it is empty)."""

    opening: NonEmptyText = "您好，我们是{organisation}，对您反映问题的处理情况进行回访。您现在方便吗？"
    opening_en: str = (
        "Hello, this is {organisation}, calling about how the matter you reported was handled. "
        "Is now a good time?"
    )
    # A planned visit (first visit, maintenance, greeting, campaign) opens with thanks, not with
    # the handling of a request (003 首次回访: 向客户问候和致谢, 通知客户你是…客服专员).
    planned_opening: NonEmptyText = (
        "您好，我们是{organisation}的客服专员，感谢您选择我们的服务，今后您的服务都由我们负责。您现在方便吗？"
    )
    planned_opening_en: str = (
        "Hello, this is customer service at {organisation}. Thank you for choosing us: we look "
        "after your service from now on. Is now a good time?"
    )
    # Said when the customer is busy (如不方便预约回访时间): the visitor then records "call me later".
    not_convenient: NonEmptyText = "好的，请问您什么时间方便？我们到时再联系您。"
    not_convenient_en: str = "Of course — when would suit you? We will call you then."
    closing: NonEmptyText = "感谢您的合作，以后有什么问题，请您随时拨打{hotline}，我们将及时为您服务。"
    closing_en: str = (
        "Thank you for your time. If anything else comes up, please call {hotline} at any time "
        "and we will help you straight away."
    )
    hotline: str = Field(default="", max_length=40)
    greetings: list[Greeting] = Field(default_factory=list)


def _needs_question() -> list[Question]:
    return [
        Question(
            code="needs",
            text="您对我们的服务有什么需求或建议?",
            text_en="Is there anything you need from us, or any suggestion?",
            kind="text",
            required=False,
        )
    ]


class PlannedVisits(Section):
    """Visits no finished work asks for (003 一级回访): the first visit the day after a service
    agreement starts (首次回访), maintenance reminders of a customer's product (技术回访), holiday
    greetings (节日回访); each asks ``questionnaire`` (a campaign brings its own questions)."""

    first_visit: bool = True
    role: RoleCode = "agent"
    # A product's maintenance falls due every this many months from its sale date (0: not by date)
    # and each time its running hours pass a multiple of ``maintenance_every_hours`` (0: not by hours).
    maintenance_every_months: int = Field(default=0, ge=0, le=120)
    maintenance_every_hours: int = Field(default=0, ge=0, le=1_000_000)
    # The reminder is made within this time before the maintenance date.
    maintenance_notice: Duration = Field(default_factory=lambda: Duration(amount=5, unit="working_days"))
    # The holidays (the calendar's names) whose greetings are made, to which customers, and how; a
    # greeting is due by the last working day before the holiday, planned this long before it.
    greet_holidays: list[NonEmptyText] = Field(default_factory=list)
    greet_customers: Literal["agreement", "all"] = "agreement"
    greeting_method: Literal["phone", "sms", "wechat", "email"] = "sms"
    greeting_lead: Duration = Field(default_factory=lambda: Duration(amount=3, unit="working_days"))
    questionnaire: list[Question] = Field(default_factory=_needs_question)


class WorkOrderVisits(Section):
    # The visit follows completion (``done``) or the customer's confirmation (``confirmed``).
    on: Literal["done", "confirmed"] = "done"
    after: Duration = Field(default_factory=lambda: Duration(amount=1, unit="working_days"))


class Visits(Section):
    levels: list[VisitLevel] = Field(min_length=1)
    sampling: list[SamplingBand] = Field(min_length=1)
    on_site_required_for: list[OnSiteRule]
    first_visit_after: Duration
    questionnaire: list[Question]
    needs_summary_due: DayOfQuarter
    analysis_report_due: DayOfQuarter
    work_orders: WorkOrderVisits = Field(default_factory=WorkOrderVisits)
    attempts: VisitAttempts = Field(default_factory=VisitAttempts)
    # Who makes a level-1 visit: the first-contact owner (首问负责, the default) or the least busy
    # person of the level's role in the ``visit_team`` department (by code).
    visitor: Literal["first_contact_owner", "team"] = "first_contact_owner"
    visit_team: Code | None = None
    # What an unsatisfied answer (or "not solved") leads to: the subject handled again (重办) or a
    # complaint raised about it (a complaint's own visit always re-handles the complaint).
    on_unsatisfied: Literal["rehandle", "complaint"] = "rehandle"
    # A sampled (level 2 and 3) visit is due this long after the month's draw.
    samples_due: Duration = Field(default_factory=lambda: Duration(amount=10, unit="working_days"))
    # How long a survey link sent to the customer (SMS, WeChat, e-mail) can be answered.
    survey_link_valid: Duration = Field(default_factory=lambda: Duration(amount=72, unit="calendar_hours"))
    script: CallScript = Field(default_factory=CallScript)
    planned: PlannedVisits = Field(default_factory=PlannedVisits)

    def level(self, number: int) -> VisitLevel | None:
        return next((lv for lv in self.levels if lv.level == number), None)


class InspectionSchedule(Section):
    """One inspection plan (002 4.1–4.3): who inspects, how often, whom.

    ``scope``: ``department`` — each responsible department (``departments`` by code; none: every
    department with staff except the inspector role's and the directors'), inspected by a person of ``inspector_role``
    (the organisation's people of that role take the departments in turn); ``own_department`` —
    each department's head inspects it; ``own_area`` — each department's duty named ``duty`` (an
    area's administrator, with A and B) inspects what the duty covers; ``supplier`` — every active
    outsourced supplier, inspected (or evaluated, with an evaluation checklist) by the head of the
    department that manages it (002 4.10; 000); ``shift`` — a duty round for every shift of the
    roster post named ``duty`` in the period, made by whoever is on that shift (003 夜场值班经理).
    ``template``: the checklist (its code); none: the organisation's first checklist in use of the
    kind the scope needs."""

    name: Annotated[str, Field(min_length=1, max_length=100)]
    inspector_role: RoleCode
    frequency: Frequency
    scope: Literal["department", "own_department", "own_area", "supplier", "shift"]
    template: Code | None = None
    duty: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    departments: list[Code] | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _duty_for_areas(self) -> InspectionSchedule:
        if self.scope in ("own_area", "shift") and self.duty is None:
            raise ValueError("an own_area schedule names its duty, a shift schedule its roster post (duty)")
        return self


class RecurringFindings(Section):
    """When the same item fails in the same department ``count`` times within ``months`` months
    (this failure included), a corrective action is raised (REQUIREMENTS §7, §8)."""

    count: int = Field(ge=2, le=100)
    months: int = Field(ge=1, le=24)


class Inspections(Section):
    schedules: list[InspectionSchedule] = Field(min_length=1, max_length=50)
    monthly_tables_collected_by: MonthDay
    monthly_report_due: MonthDay
    quarterly_report_due: MonthDay
    quality_quarter_summary_due: DayOfQuarter
    rectification: Duration
    # The presets set these; the defaults only serve versions written before the keys existed.
    verification: Duration = Field(default_factory=lambda: Duration(amount=3, unit="working_days"))
    recurring_findings: RecurringFindings = Field(
        default_factory=lambda: RecurringFindings(count=3, months=3)
    )

    @model_validator(mode="after")
    def _unique_names(self) -> Inspections:
        names = [schedule.name for schedule in self.schedules]
        if len(names) != len(set(names)):
            raise ValueError("each inspection schedule needs its own name")
        return self


class Kpi(Section):
    timeliness_at_least: Ratio
    satisfaction_at_least: Ratio
    complaint_rate_below: Ratio


class Assessment(Section):
    base_score: int = Field(ge=0)
    period: Literal["weekly", "monthly", "quarterly"]
    allow_negative: bool


RewardKind = Literal[
    "praise",
    "bonus",
    "criticism",
    "notice_of_criticism",
    "warning",
    "fine",
    "demerit",
    "demotion",
    "dismissal",
]


class CatalogueEntry(Section):
    code: Code
    label: NonEmptyText
    kind: RewardKind
    amount: AmountRange | None = None
    points: int = 0
    approver: ApproverRole


class RewardsPenalties(Section):
    catalogue: list[CatalogueEntry]


class Plans(Section):
    weekly_due: WeeklyDue
    weekly_compiled: WeeklyDue
    monthly_due: MonthlyDue
    monthly_compiled: MonthlyDue


class Privacy(Section):
    unmasked_roles: list[RoleCode]


class TracingStep(Section):
    """One step a batch of customers' items goes through; ``double_check``: two different people
    sign it (000 消毒供应中心: 封包前双人核对签名)."""

    code: Code
    label: Annotated[str, Field(min_length=1, max_length=40)]
    double_check: bool = False


def _seed_tracing_steps() -> list[TracingStep]:
    # 000_1a906e930e34a0c7.txt 消毒供应中心对外服务管理制度 12: 回收 → 清点 → 清洗 → 检查包装 (双人核对)
    # → 灭菌 → 成品验收 → 配送
    return [
        TracingStep(code="collect", label="回收"),
        TracingStep(code="count", label="清点"),
        TracingStep(code="clean", label="清洗"),
        TracingStep(code="pack", label="检查包装", double_check=True),
        TracingStep(code="sterilise", label="灭菌"),
        TracingStep(code="accept", label="成品验收"),
        TracingStep(code="deliver", label="配送"),
    ]


class Tracing(Section):
    """Traceable handling of customers' items (REQUIREMENTS §13): the steps in order; records are
    kept ``retention.traceable_items_years``; written feedback on returned nonconforming items is
    due within ``feedback_within``."""

    steps: list[TracingStep] = Field(default_factory=_seed_tracing_steps, min_length=1, max_length=20)
    feedback_within: Duration = Field(default_factory=lambda: Duration(amount=1, unit="working_days"))

    @model_validator(mode="after")
    def _unique_steps(self) -> Tracing:
        codes = [step.code for step in self.steps]
        if len(codes) != len(set(codes)):
            raise ValueError("each tracing step needs its own code")
        return self


class DutyRules(Section):
    """Shifts and handover (REQUIREMENTS §14)."""

    # 004 三.3: 任何员工不得自行换班, 如遇确实需要换班的情况, 必须经主管批准
    swap_approver: ApproverRole = "department_head"
    # 004 三.2: 提前10分钟到岗, 做好交接班工作 — the incoming person is there this long before the
    # shift and acknowledges the handover by its start.
    arrive_before_minutes: int = Field(default=10, ge=0, le=240)


class Suppliers(Section):
    """Outsourced suppliers' standing from their periodic evaluation's score (000: 质量, 信誉, 合作,
    价格; the thresholds are product defaults): at least ``qualified_at`` qualified, at least
    ``probation_at`` on probation, below that disqualified."""

    qualified_at: int = Field(default=80, ge=0, le=100)
    probation_at: int = Field(default=60, ge=0, le=100)

    @model_validator(mode="after")
    def _in_order(self) -> Suppliers:
        if self.probation_at > self.qualified_at:
            raise ValueError("probation_at must not exceed qualified_at")
        return self


class Retention(Section):
    records_years: int = Field(ge=1)
    traceable_items_years: int = Field(ge=1)


class PolicyDocument(Section):
    meta: Meta
    business_hours: BusinessHours
    numbering: Numbering
    sla: Sla
    escalation: Escalation
    notice: Notice
    approvals: Approvals
    service_report: ServiceReportRules = Field(default_factory=ServiceReportRules)
    complaints: Complaints
    capa: Capa = Field(default_factory=Capa)
    visits: Visits
    inspections: Inspections
    kpi: Kpi
    assessment: Assessment
    rewards_penalties: RewardsPenalties
    plans: Plans
    privacy: Privacy
    retention: Retention
    # The presets set these; the defaults only serve versions written before the sections existed.
    tracing: Tracing = Field(default_factory=Tracing)
    duty: DutyRules = Field(default_factory=DutyRules)
    suppliers: Suppliers = Field(default_factory=Suppliers)

    @model_validator(mode="after")
    def _cross_checks(self) -> PolicyDocument:
        problems = list(cross_field_problems(self))
        if problems:
            raise ValidationError.from_exception_data(
                "PolicyDocument",
                [
                    InitErrorDetails(type=_problem(message), loc=path, input=value)
                    for path, message, value in problems
                ],
            )
        return self


# --- cross-field checks ------------------------------------------------------------------------

Problem = tuple[Path, str, Any]


def cross_field_problems(document: PolicyDocument) -> Iterator[Problem]:
    yield from _business_hours_problems(document.business_hours)
    yield from _numbering_problems(document.numbering)
    yield from _sla_problems(document.sla)
    yield from _escalation_problems(document.escalation)
    yield from _complaints_problems(document.complaints)
    yield from _complaint_penalty_problems(document)
    yield from _visits_problems(document.visits)
    yield from _unique([c.code for c in document.capa.categories], ("capa", "categories"))
    yield from _unique(document.capa.verifier_roles, ("capa", "verifier_roles"))
    yield from _unique(document.capa.closer_roles, ("capa", "closer_roles"))
    yield from _catalogue_problems(document.rewards_penalties)
    yield from _unique(document.privacy.unmasked_roles, ("privacy", "unmasked_roles"))


def _unique(values: list[Any], path: Path) -> Iterator[Problem]:
    seen: set[Any] = set()
    for index, value in enumerate(values):
        if value in seen:
            yield (*path, index), _("appears twice: %(value)s") % {"value": value}, value
        seen.add(value)


def _business_hours_problems(hours: BusinessHours) -> Iterator[Problem]:
    base: Path = ("business_hours", "periods")
    if not hours.always_open and not hours.periods:
        yield base, _("needs at least one period unless always_open is true"), []
    for index, period in enumerate(hours.periods):
        if period.end <= period.start:
            yield (
                (*base, index, "end"),
                _("must be after start (%(start)s), got %(got)s")
                % {"start": period.start.strftime("%H:%M"), "got": period.end.strftime("%H:%M")},
                period.end,
            )
        if index:
            previous = hours.periods[index - 1]
            if period.start < previous.start:
                yield (
                    (*base, index, "start"),
                    _("periods must be in order of time, got %(got)s after %(previous)s")
                    % {"got": period.start.strftime("%H:%M"), "previous": previous.start.strftime("%H:%M")},
                    period.start,
                )
            elif period.start < previous.end:
                yield (
                    (*base, index, "start"),
                    _("overlaps the previous period (until %(end)s), got %(got)s")
                    % {"end": previous.end.strftime("%H:%M"), "got": period.start.strftime("%H:%M")},
                    period.start,
                )
    yield from _unique([shift.name for shift in hours.shifts], ("business_hours", "shifts"))


def number_format_problem(fmt: str, reset: str) -> str | None:
    """Why ``fmt`` is not a valid number format for the given reset period (None when it is)."""
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        return _("is not a valid format: %(problem)s") % {"problem": exc}
    names = [name for _literal, name, _spec, _conversion in parts if name is not None]
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in NUMBER_PLACEHOLDERS:
            return _("unknown placeholder {%(name)s}; use %(known)s") % {
                "name": name,
                "known": ", ".join("{" + p + "}" for p in NUMBER_PLACEHOLDERS),
            }
        if conversion or (spec and name != "seq"):
            return _("placeholder {%(name)s} takes no format") % {"name": name}
        if name == "seq" and spec:
            try:
                format(1, spec)
            except ValueError:
                return _("{seq} has an invalid format: %(spec)s") % {"spec": spec}
    if names.count("seq") != 1:
        return _("must contain {seq} exactly once")
    has_year = "yy" in names or "yyyy" in names
    if reset in {"month", "year"} and not has_year:
        return _("must contain {yy} or {yyyy} when numbers restart every month or year")
    if reset == "month" and "mm" not in names:
        return _("must contain {mm} when numbers restart every month")
    return None


def format_number(fmt: str, *, on: date, seq: int) -> str:
    return fmt.format(
        yyyy=f"{on.year:04d}", yy=f"{on.year % 100:02d}", mm=f"{on.month:02d}", dd=f"{on.day:02d}", seq=seq
    )


def _numbering_problems(numbering: Numbering) -> Iterator[Problem]:
    for kind, number_format in numbering.kinds.items():
        if not re.fullmatch(NUMBER_KIND_PATTERN, kind):
            yield (
                ("numbering", kind),
                _("a kind of record is named with lowercase letters, digits and _ (at most 40)"),
                kind,
            )
            continue
        problem = number_format_problem(number_format.format, number_format.reset)
        if problem:
            yield ("numbering", kind, "format"), problem, number_format.format


def _sla_problems(sla: Sla) -> Iterator[Problem]:
    if sla.default_class not in sla.classes:
        yield (
            ("sla", "default_class"),
            _("names no class of sla.classes: %(got)s (known: %(known)s)")
            % {"got": sla.default_class, "known": ", ".join(sorted(sla.classes)) or "-"},
            sla.default_class,
        )
    yield from _unique(sla.pause_statuses, ("sla", "pause_statuses"))
    for name, sla_class in sla.classes.items():
        bands = sla_class.distance_bands
        base: Path = ("sla", "classes", name, "distance_bands")
        for index, band in enumerate(bands):
            is_last = index == len(bands) - 1
            if band.up_to_km is None and not is_last:
                yield (*base, index, "up_to_km"), _("only the last band may have no limit"), None
            if is_last and band.up_to_km is not None:
                yield (
                    (*base, index, "up_to_km"),
                    _("the last band must have no limit (leave up_to_km out), got %(got)s")
                    % {"got": band.up_to_km},
                    band.up_to_km,
                )
            previous = bands[index - 1].up_to_km if index else None
            if index and band.up_to_km is not None and previous is not None and band.up_to_km <= previous:
                yield (
                    (*base, index, "up_to_km"),
                    _("must be greater than the previous band (%(previous)s), got %(got)s")
                    % {"previous": previous, "got": band.up_to_km},
                    band.up_to_km,
                )


def _escalation_problems(escalation: Escalation) -> Iterator[Problem]:
    for clock, levels in escalation.chains.items():
        for index in range(1, len(levels)):
            previous, level = levels[index - 1].after_minutes, levels[index].after_minutes
            if level <= previous:
                yield (
                    ("escalation", "chains", clock, index, "after_minutes"),
                    _("must be greater than the previous level (%(previous)s), got %(got)s")
                    % {"previous": previous, "got": level},
                    level,
                )


def _complaints_problems(complaints: Complaints) -> Iterator[Problem]:
    yield from _unique(
        [level.code for level in complaints.severity_levels], ("complaints", "severity_levels")
    )
    if complaints.penalty.max < complaints.penalty.min:
        yield (
            ("complaints", "penalty", "max"),
            _("must be at least min (%(min)s), got %(got)s")
            % {"min": complaints.penalty.min, "got": complaints.penalty.max},
            complaints.penalty.max,
        )


# What a complaint can be about (``fuwu.complaints.models.ComplaintObject``; a test keeps them equal).
COMPLAINT_OBJECTS = (
    "service_attitude",
    "professional_competence",
    "efficiency",
    "production_quality",
    "logistics_damage",
    "quantity_mismatch",
    "fees",
    "other",
)


def _complaint_penalty_problems(document: PolicyDocument) -> Iterator[Problem]:
    catalogue = {entry.code for entry in document.rewards_penalties.catalogue}
    for about, code in document.complaints.penalties.items():
        if about not in COMPLAINT_OBJECTS:
            yield (
                ("complaints", "penalties", about),
                _("names no complaint object: %(got)s (known: %(known)s)")
                % {"got": about, "known": ", ".join(COMPLAINT_OBJECTS)},
                about,
            )
        if code not in catalogue:
            yield (
                ("complaints", "penalties", about),
                _("names no entry of rewards_penalties.catalogue: %(got)s (known: %(known)s)")
                % {"got": code, "known": ", ".join(sorted(catalogue))},
                code,
            )


def _visits_problems(visits: Visits) -> Iterator[Problem]:
    if visits.survey_link_valid.amount < 1:
        yield (
            ("visits", "survey_link_valid", "amount"),
            _("must be at least 1"),
            visits.survey_link_valid.amount,
        )
    for index, level in enumerate(visits.levels):
        if level.level != index + 1:
            yield (
                ("visits", "levels", index, "level"),
                _("levels must be 1, 2, 3 in order, expected %(expected)s, got %(got)s")
                % {"expected": index + 1, "got": level.level},
                level.level,
            )
    bands = visits.sampling
    for index, band in enumerate(bands):
        base: Path = ("visits", "sampling", index)
        expected = 0 if index == 0 else (bands[index - 1].max_volume or 0) + 1
        if index == 0 and band.min_volume != 0:
            yield (
                (*base, "min_volume"),
                _("the first band must start at 0, got %(got)s") % {"got": band.min_volume},
                band.min_volume,
            )
        elif index and bands[index - 1].max_volume is not None and band.min_volume != expected:
            kind = _("leaves a gap") if band.min_volume > expected else _("overlaps the previous band")
            yield (
                (*base, "min_volume"),
                _("%(kind)s: expected %(expected)s, got %(got)s")
                % {"kind": kind, "expected": expected, "got": band.min_volume},
                band.min_volume,
            )
        if band.max_volume is not None and band.max_volume < band.min_volume:
            yield (
                (*base, "max_volume"),
                _("must be at least min_volume (%(min)s), got %(got)s")
                % {"min": band.min_volume, "got": band.max_volume},
                band.max_volume,
            )
        is_last = index == len(bands) - 1
        if band.max_volume is None and not is_last:
            yield (*base, "max_volume"), _("only the last band may have no limit"), None
        if is_last and band.max_volume is not None:
            yield (
                (*base, "max_volume"),
                _(
                    "the last band must have no limit (leave max_volume out) so that every volume is covered, got %(got)s"
                )
                % {"got": band.max_volume},
                band.max_volume,
            )
        if level.selection == "count" and level.count is None:
            yield ("visits", "levels", index, "count"), _("is required when select is count"), None
        if level.selection == "every" and level.ratio < 1:
            yield (
                ("visits", "levels", index, "ratio"),
                _("must be 1 when every item is visited, got %(got)s") % {"got": level.ratio},
                level.ratio,
            )
    if visits.visitor == "team" and not visits.visit_team:
        yield ("visits", "visit_team"), _("is required when the visitor is the team"), None
    hours = visits.attempts.call_hours
    if hours.end <= hours.start:
        yield (
            ("visits", "attempts", "call_hours", "end"),
            _("must be later than start (%(start)s), got %(got)s")
            % {"start": hours.start.strftime("%H:%M"), "got": hours.end.strftime("%H:%M")},
            hours.end.strftime("%H:%M"),
        )
    yield from _unique(visits.on_site_required_for, ("visits", "on_site_required_for"))
    yield from questionnaire_problems(visits.questionnaire, ("visits", "questionnaire"))
    yield from questionnaire_problems(visits.planned.questionnaire, ("visits", "planned", "questionnaire"))


def questionnaire_problems(questions: list[Question], path: tuple[Any, ...]) -> Iterator[Problem]:
    """What is wrong with a questionnaire (the policy's, the planned visits', a campaign's): codes
    unique, one question at most per measure of solved / charged / score, each question's kind
    fitting its measure, choices and score ranges that make sense."""
    yield from _unique([q.code for q in questions], path)
    measured: set[str] = set()
    for index, question in enumerate(questions):
        if question.measures in ("solved", "charged", "score"):
            if question.measures in measured:
                yield (
                    (*path, index, "measure"),
                    _("only one question may measure %(measure)s") % {"measure": question.measures},
                    question.measures,
                )
            measured.add(question.measures)
    for index, question in enumerate(questions):
        base = (*path, index)
        if question.kind == "choice" and len(question.choices) < 2:
            yield (*base, "choices"), _("a choice question needs at least two choices"), question.choices
        expected_kind = {"solved": "yes_no", "charged": "yes_no", "score": "score", "satisfaction": "choice"}
        wanted = expected_kind.get(question.measures)
        if wanted and question.kind != wanted:
            yield (
                (*base, "kind"),
                _("a question measuring %(measure)s must be of kind %(kind)s, got %(got)s")
                % {"measure": question.measures, "kind": wanted, "got": question.kind},
                question.kind,
            )
        for choice in question.unsatisfied_choices or []:
            if choice not in question.choices:
                yield (
                    (*base, "unsatisfied_choices"),
                    _("names no choice of the question: %(got)s") % {"got": choice},
                    choice,
                )
        if question.kind == "score":
            if question.min_score is None or question.max_score is None:
                yield (
                    (*base, "max_score"),
                    _("a score question needs min_score and max_score"),
                    question.max_score,
                )
            elif question.max_score <= question.min_score:
                yield (
                    (*base, "max_score"),
                    _("must be greater than min_score (%(min)s), got %(got)s")
                    % {"min": question.min_score, "got": question.max_score},
                    question.max_score,
                )
            elif question.satisfied_from is not None and not (
                question.min_score <= question.satisfied_from <= question.max_score
            ):
                yield (
                    (*base, "satisfied_from"),
                    _("must be between min_score and max_score, got %(got)s")
                    % {"got": question.satisfied_from},
                    question.satisfied_from,
                )


def _catalogue_problems(rewards: RewardsPenalties) -> Iterator[Problem]:
    yield from _unique([entry.code for entry in rewards.catalogue], ("rewards_penalties", "catalogue"))
    for index, entry in enumerate(rewards.catalogue):
        base: Path = ("rewards_penalties", "catalogue", index)
        if entry.kind in {"fine", "bonus"} and entry.amount is None:
            yield (*base, "amount"), _("is required for a %(kind)s") % {"kind": entry.kind}, None
        if entry.amount is not None and entry.amount.max < entry.amount.min:
            yield (
                (*base, "amount", "max"),
                _("must be at least min (%(min)s), got %(got)s")
                % {"min": entry.amount.min, "got": entry.amount.max},
                entry.amount.max,
            )
