"""Complaints (投诉) from receipt to archive (REQUIREMENTS §5; seeds 002, 003, 004; ISO 10002).

Rows change only through ``fuwu.complaints.services`` (one function per business verb, one
transaction, one timeline event). Status is never assigned anywhere else.

The steps of seed 003/004 — register → acknowledge → investigate → cause and responsibility →
handling plan → execute → reply → the customer's answer (return visit) → close → archive — are the
statuses below; each step with a deadline has a clock (``ComplaintClock``) planned from the policy's
``[complaints]`` section. An unsatisfied answer sends the complaint back to re-handling (重办): the
later answer is the one every figure counts (``Complaint.answer`` always holds the latest).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fuwu.clocks.models import BaseClock, BaseEscalation, clock_indexes
from fuwu.org.models import Confidentiality

# The largest amount of money one cost line or penalty may carry (yuan): a bound by sense, well
# inside the column (12 digits, 2 decimals).
MAX_AMOUNT = Decimal("10000000.00")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    INVESTIGATING = "investigating", _("Under investigation")
    # Translators: 重办 — sent back for re-handling after the customer was not satisfied.
    REHANDLING = "rehandling", _("Re-handling")
    PLAN_PROPOSED = "plan_proposed", _("Plan awaiting approval")
    PLANNED = "planned", _("Plan approved")
    EXECUTED = "executed", _("Executed")
    REPLIED = "replied", _("Replied, awaiting the customer's answer")
    ANSWERED = "answered", _("Answered by the customer")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")
    # Translators: 并单 — merged into another complaint about the same event.
    MERGED = "merged", _("Merged")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ACKNOWLEDGED,
    Status.INVESTIGATING,
    Status.REHANDLING,
    Status.PLAN_PROPOSED,
    Status.PLANNED,
    Status.EXECUTED,
    Status.REPLIED,
    Status.ANSWERED,
)
ENDED_STATUSES = (Status.CLOSED, Status.ARCHIVED, Status.MERGED)


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    HOTLINE = "hotline", _("Complaint hotline")
    WALK_IN = "walk_in", _("Walk-in")
    LETTER = "letter", _("Letter")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail")
    # Translators: 意见箱
    SUGGESTION_BOX = "suggestion_box", _("Suggestion box")
    WEB = "web", _("Public web page")
    API = "api", _("API")
    WORK_ORDER = "work_order", _("Raised from a work order")
    # Translators: the customer was not satisfied at a return visit (回访不满意转投诉).
    RETURN_VISIT = "return_visit", _("Raised at a return visit")


# Channels where the complainant spoke to a person of ours: the complaint is acknowledged at intake.
ACKNOWLEDGED_AT_INTAKE = (Channel.PHONE, Channel.HOTLINE, Channel.WALK_IN)
# Channels whose papers are registered later than they arrived: ``received_at`` may be given.
REGISTERED_LATER = (Channel.LETTER, Channel.FAX, Channel.EMAIL, Channel.SUGGESTION_BOX)


class ComplaintObject(models.TextChoices):
    """What the complaint is about (002, 004)."""

    SERVICE_ATTITUDE = "service_attitude", _("Service attitude")
    PROFESSIONAL_COMPETENCE = "professional_competence", _("Professional competence")
    EFFICIENCY = "efficiency", _("Efficiency")
    PRODUCTION_QUALITY = "production_quality", _("Product quality (production)")
    LOGISTICS_DAMAGE = "logistics_damage", _("Product quality (logistics damage)")
    QUANTITY_MISMATCH = "quantity_mismatch", _("Quantity or delivery mismatch")
    FEES = "fees", _("Fees")
    OTHER = "other", _("Other")


class CauseType(models.TextChoices):
    """Quality or non-quality cause (003 5.1 / 5.2)."""

    QUALITY = "quality", _("Quality cause")
    NON_QUALITY = "non_quality", _("Non-quality cause")


class Validity(models.TextChoices):
    PENDING = "pending", _("Not yet assessed")
    VALID = "valid", _("Valid")
    # 004: an invalid complaint is the customer's misunderstanding; it is still answered and explained.
    INVALID = "invalid", _("Invalid (misunderstanding)")


class ReplyMethod(models.TextChoices):
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class Complaint(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="complaints")
    number = models.CharField(_("number"), max_length=40)
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)

    # Who complains. A suggestion-box note may be anonymous (no customer, no phone).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("customer"),
    )
    caller_name = models.CharField(_("complainant"), max_length=100, blank=True)
    caller_phone = models.CharField(_("complainant's phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # 12345 practice: the requester's identity is protected on request (masked for everyone but the
    # agents and the quality role).
    identity_protected = models.BooleanField(_("identity protected"), default=False)

    # What it is about.
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("work order"),
    )
    service_type = models.ForeignKey(
        "catalogue.ServiceType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("service type"),
    )
    product = models.ForeignKey(
        "customers.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("product"),
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    # The customer's demand (诉求): what they ask us to do.
    demand = models.TextField(_("customer's demand"), blank=True)
    confidentiality = models.IntegerField(
        _("confidentiality"), choices=Confidentiality.choices, default=Confidentiality.NONE
    )
    search_text = models.TextField(editable=False, blank=True, default="")

    # Classification: at intake (object, severity) and after assessment (validity, cause type).
    object = models.CharField(
        _("complaint about"), max_length=30, choices=ComplaintObject.choices, default=ComplaintObject.OTHER
    )
    cause_type = models.CharField(_("cause"), max_length=20, choices=CauseType.choices, blank=True)
    # A code of the policy's ``complaints.severity_levels``; its level decides who must handle it.
    severity = models.CharField(_("severity"), max_length=40)
    handler_role = models.CharField(_("handled at the level of"), max_length=30)
    validity = models.CharField(
        _("validity"), max_length=10, choices=Validity.choices, default=Validity.PENDING
    )
    assessment_note = models.TextField(_("assessment"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed at"), null=True, blank=True)

    # Intake: who first received it (首接责任人, never changed) and when it was received — for a letter
    # or a suggestion-box note earlier than it was registered; the clocks count from ``received_at``.
    first_contact_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="first_received_complaints",
        verbose_name=_("first-contact owner"),
    )
    intake_department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, related_name="+"
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))
    registered_at = models.DateTimeField(_("registered at"))

    # Who handles it now (returns and reassignments change these, on the record and counted).
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("handling department"),
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_complaints",
        verbose_name=_("handler"),
    )

    # Cause and responsibility (decided by the policy's ``complaints.responsibility_role``).
    cause = models.TextField(_("cause found"), blank=True)
    responsible_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_responsible_for",
        verbose_name=_("responsible department"),
    )
    responsible_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="complaints_responsible_for",
        verbose_name=_("responsible people"),
    )
    responsibility_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responsibility_at = models.DateTimeField(null=True, blank=True)

    # Handling plan, its approval and its execution.
    plan = models.TextField(_("handling plan"), blank=True)
    plan_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_proposed_at = models.DateTimeField(null=True, blank=True)
    plan_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    plan_approved_at = models.DateTimeField(_("plan approved at"), null=True, blank=True)
    execution_note = models.TextField(_("what was done"), blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)

    # The reply to the customer (the latest; every reply is on the timeline).
    reply = models.TextField(_("reply to the customer"), blank=True)
    reply_method = models.CharField(_("replied by"), max_length=20, choices=ReplyMethod.choices, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    # The customer's latest answer (the one that counts; every answer is in ``answers``).
    answer = models.ForeignKey(
        "ComplaintAnswer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Failed contact attempts since the last reply (the policy's number lets the complaint close).
    contact_attempts = models.PositiveIntegerField(_("failed contact attempts"), default=0)

    # Counters the figures read (12345: re-handling, reminder, return rates).
    rehandle_count = models.PositiveIntegerField(_("re-handlings"), default=0)
    reminder_count = models.PositiveIntegerField(_("reminders"), default=0)
    return_count = models.PositiveIntegerField(_("returns"), default=0)
    reassign_count = models.PositiveIntegerField(_("reassignments"), default=0)

    # Repeats and duplicates.
    repeat_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repeats",
        verbose_name=_("repeat of"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
        verbose_name=_("merged into"),
    )

    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    investigation_started_at = models.DateTimeField(_("investigation started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_note = models.TextField(_("closing note"), blank=True)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    approvals = GenericRelation("approvals.Approval", related_query_name="complaint")
    notifications = GenericRelation(
        "notify.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="complaint",
    )
    outbox = GenericRelation(
        "notify.OutboxMessage",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="complaint",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="complaint_number_unique"),
            models.CheckConstraint(
                condition=Q(received_at__lte=models.F("registered_at")),
                name="complaint_received_before_registered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "department", "status", "received_at"], name="cp_department_status"
            ),
            models.Index(fields=["organisation", "status", "received_at"], name="cp_status"),
            models.Index(fields=["organisation", "received_at"], name="cp_received"),
            # a department's list, newest first (the department tab and filter)
            models.Index(fields=["organisation", "department", "received_at"], name="cp_department_received"),
            models.Index(fields=["handler", "status"], name="cp_handler_status"),
            models.Index(fields=["first_contact_owner", "status"], name="cp_owner_status"),
            models.Index(fields=["customer", "received_at"], name="cp_customer"),
            models.Index(fields=["organisation", "caller_phone", "received_at"], name="cp_phone"),
            models.Index(fields=["organisation", "address", "received_at"], name="cp_address"),  # repeats
            models.Index(fields=["responsible_department", "received_at"], name="cp_responsible"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_repeat(self) -> bool:
        return self.repeat_of_id is not None


class Caller(models.Model):
    """A person who complained about the complaint's event: the complainant, and every caller of a
    duplicate merged into it (并单). Each is answered: the reply marks each one replied."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="callers")
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The duplicate this caller came with (null for the complaint's own complainant).
    merged_from = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField()
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.name or self.phone


class ClockKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement")
    INVESTIGATION = "investigation", _("Investigation start")
    PLAN = "plan", _("Handling plan")
    EXECUTION = "execution", _("Execution")
    REPLY = "reply", _("Reply to the customer")
    RETURN_VISIT = "return_visit", _("Return visit")


class ComplaintClock(BaseClock):
    """One step deadline of a complaint (the clocks engine)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("cpclock", record_field="complaint")

    def __str__(self) -> str:
        return f"{self.complaint} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class ComplaintEscalation(BaseEscalation):
    clock = models.ForeignKey(ComplaintClock, on_delete=models.CASCADE, related_name="escalations")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="complaint_escalation_once")]

    def __str__(self) -> str:
        return f"{self.complaint} {self.clock.kind} L{self.level}"


class AnswerOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    UNSATISFIED = "unsatisfied", _("Unsatisfied")
    # A failed contact attempt: not an answer, counted toward the policy's limit.
    UNREACHABLE = "unreachable", _("Could not be reached")


class ComplaintAnswer(models.Model):
    """The customer's answer after a reply (or a failed attempt to reach them). An unsatisfied answer
    may be marked by the quality role as reasonable or not, with a reason (12345 practice)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="answers")
    # Which handling round it answers: 0 for the first handling, n after the n-th re-handling.
    round = models.PositiveIntegerField(default=0)
    outcome = models.CharField(_("answer"), max_length=20, choices=AnswerOutcome.choices)
    comment = models.TextField(_("customer's words"), blank=True)
    method = models.CharField(_("asked by"), max_length=20, choices=ReplyMethod.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    reasonable = models.BooleanField(_("reasonable"), null=True, blank=True)
    reasonable_note = models.TextField(_("why"), blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    classified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reasonable__isnull=True) | Q(outcome="unsatisfied"),
                name="complaint_answer_reasonable_only_unsatisfied",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint} {self.outcome}"


class CostKind(models.TextChoices):
    REPAIR = "repair", _("Repair")
    PARTS = "parts", _("Parts")
    FREIGHT = "freight", _("Freight")
    TRAVEL = "travel", _("Travel")
    COMPENSATION = "compensation", _("Compensation")
    OTHER = "other", _("Other")


class CostStatus(models.TextChoices):
    RECORDED = "recorded", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected by finance")


class ComplaintCost(models.Model):
    """A cost of handling a complaint, verified by finance and allocated to a department (003)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="costs")
    kind = models.CharField(_("cost"), max_length=20, choices=CostKind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    amount = models.DecimalField(
        _("amount"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT)],
    )
    # The department that bears it: the responsible department when recorded, finance may change it.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("allocated to"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CostStatus.choices, default=CostStatus.RECORDED
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("finance note"), blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount__lte=MAX_AMOUNT), name="complaint_cost_amount_bounded"
            ),
        ]
        indexes = [models.Index(fields=["department", "status", "recorded_at"], name="cp_cost_department")]

    def __str__(self) -> str:
        return f"{self.complaint} {self.kind} {self.amount}"


class PenaltyStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    CONFIRMED = "confirmed", _("Confirmed")
    CHANGED = "changed", _("Confirmed with a changed amount")
    WAIVED = "waived", _("Waived")


class AppealStatus(models.TextChoices):
    NONE = "none", _("Not appealed")
    PENDING = "pending", _("Appeal pending")
    UPHELD = "upheld", _("Appeal upheld (penalty lifted)")
    REJECTED = "rejected", _("Appeal rejected")


class PenaltyProposal(models.Model):
    """A proposed penalty from the catalogue for a person a valid complaint was attributed to (004:
    30–100 yuan per case). The policy's approver confirms, changes or waives it; the person sees it and
    may appeal. The assessment process consumes confirmed ones."""

    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="penalties")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaint_penalties",
        verbose_name=_("person"),
    )
    # The person's department when proposed (the approver is found through it).
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True, related_name="+")
    catalogue_code = models.CharField(_("catalogue entry"), max_length=40)
    catalogue_label = models.CharField(_("penalty"), max_length=200)
    approver_role = models.CharField(_("approver"), max_length=30)
    proposed_amount = models.DecimalField(
        _("proposed amount"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_AMOUNT)],
    )
    points = models.IntegerField(_("points"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=PenaltyStatus.choices, default=PenaltyStatus.PENDING
    )
    amount = models.DecimalField(_("amount decided"), max_digits=12, decimal_places=2, null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    appeal_status = models.CharField(
        _("appeal"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.NONE
    )
    appeal_text = models.TextField(_("appeal"), blank=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appeal_decided_at = models.DateTimeField(null=True, blank=True)
    appeal_note = models.TextField(_("appeal decision"), blank=True)
    approvals = GenericRelation("approvals.Approval", related_query_name="complaint_penalty")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("penalty proposal")
        verbose_name_plural = _("penalty proposals")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "person"],
                condition=~Q(status="waived"),
                name="one_standing_penalty_per_person",
            ),
            models.CheckConstraint(
                condition=Q(proposed_amount__gte=0) & Q(proposed_amount__lte=MAX_AMOUNT),
                name="penalty_amount_bounded",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="cp_penalty_person")]

    def __str__(self) -> str:
        return f"{self.complaint} {self.person} {self.catalogue_code}"

    @property
    def confidentiality(self) -> int:
        """A proposal is as confidential as its complaint (the visibility rules read this)."""
        return self.complaint.confidentiality
