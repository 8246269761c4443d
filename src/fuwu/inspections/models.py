"""Service quality inspections (服务质量巡检, REQUIREMENTS §7, seed 002) on a scored-checklist engine.

- A **checklist template** (服务质量巡检表) has numbered, immutable **versions**: sections of items
  with a weight, pass/fail or a score, whether a failed item needs a photo, and how to sample what is
  checked (``definition.ChecklistDefinition``). Editing a template publishes a new version; an
  inspection keeps the version it was made with, so an old table reads as it was filled in.
- An **inspection** checks one responsible department (its site or area) against one version: planned
  from the policy's ``inspections.schedules`` (or by hand), assigned to an inspector through A/B
  duties, due on the working-day calendar (a missed one escalates like any clock), carried out on a
  phone item by item (findings with notes and photos), then submitted, which computes its score and
  turns every failed item into a rectification order.
- A **rectification order** (整改单) is one failed item for the responsible department: its head
  acknowledges (signs) it, records what was done, and the inspector verifies it; a failed
  verification reopens it. What was decided for the nonconformity (redo, contain, tell the customer,
  accept by concession) and who decided is recorded; a finding that keeps coming back raises a
  corrective action (``fuwu.capa``).

Rows change only through ``fuwu.inspections.services`` (one function per business verb, one
transaction, one timeline event).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fuwu.capa.models import Disposition
from fuwu.clocks.models import BaseClock, BaseEscalation, clock_indexes
from fuwu.org.models import Confidentiality

CODE_LENGTH = 40
NAME_LENGTH = 100
SITE_LENGTH = 200
MAX_POPULATION = 1_000_000


class Purpose(models.TextChoices):
    """What a checklist is for: the same engine fills in each kind of scored check."""

    # Translators: 服务质量巡检表
    INSPECTION = "inspection", _("Service quality inspection")
    # Translators: 值班巡查 — a duty manager's timed checks during a shift (003 夜场值班经理)
    ROUND = "round", _("Duty round")
    # Translators: 供方评价 — quality, reputation, cooperation, price (000)
    EVALUATION = "evaluation", _("Supplier evaluation")


class ChecklistTemplate(models.Model):
    organisation = models.ForeignKey(
        "org.Organisation", on_delete=models.CASCADE, related_name="checklist_templates"
    )
    code = models.SlugField(_("code"), max_length=CODE_LENGTH)
    name = models.CharField(_("name"), max_length=NAME_LENGTH)
    purpose = models.CharField(
        _("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.INSPECTION
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="checklist_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One published version of a template: never changed once published (a change is a new one)."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    # ``definition.ChecklistDefinition`` as JSON: sections, items, pass mark, sampling.
    definition = models.JSONField()
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="checklist_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class Status(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("Being carried out")
    SUBMITTED = "submitted", _("Submitted")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.PLANNED, Status.IN_PROGRESS)


class Inspection(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="inspections")
    number = models.CharField(_("number"), max_length=40)
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("checklist")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    # The policy schedule that planned it (its name), and the period it belongs to; blank by hand.
    schedule = models.CharField(_("plan"), max_length=NAME_LENGTH, blank=True)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    # The responsible department inspected, and where (its site, area, or what the duty covers).
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="inspections", verbose_name=_("department")
    )
    site = models.CharField(_("site or area"), max_length=SITE_LENGTH, blank=True)
    # An outsourced supplier's work inspected or evaluated (002 4.10), under ``department`` (the
    # department that manages the supplier); a duty round's shift.
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("supplier"),
    )
    shift = models.ForeignKey(
        "duty.Shift",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rounds",
        verbose_name=_("shift"),
    )
    confidentiality = models.IntegerField(
        _("confidentiality"), choices=Confidentiality.choices, default=Confidentiality.NONE
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("inspector"),
    )
    # Why this person (A/B duties): "A: 王品质 is at work", "B: 李工, because …".
    assigned_because = models.CharField(_("assigned because"), max_length=300, blank=True)
    due_at = models.DateTimeField(_("due at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # How many units the inspector found to sample from (records, rooms, …), and the plan drawn from
    # it (``sampling.Plan.as_dict`` with the drawn unit numbers and the seed): auditable, re-drawable.
    population = models.PositiveIntegerField(
        _("units to sample from"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_POPULATION)],
    )
    sampling = models.JSONField(_("sampling"), default=dict, blank=True)
    nonconforming_units = models.PositiveIntegerField(_("nonconforming units found"), null=True, blank=True)
    # Filled when submitted: points earned / points possible (items not applicable left out), the
    # score in percent and whether it reaches the version's pass mark.
    points = models.DecimalField(_("points"), max_digits=9, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(
        _("points possible"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    failed_items = models.PositiveIntegerField(_("failed items"), default=0)
    summary = models.TextField(_("overall remarks"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    cancel_reason = models.TextField(_("why cancelled"), blank=True)

    notifications = GenericRelation(
        "notify.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="inspection",
    )
    outbox = GenericRelation(
        "notify.OutboxMessage",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="inspection",
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-due_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="inspection_number_unique"),
            # One planned inspection per schedule, period and department (the daily planner is idempotent).
            models.UniqueConstraint(
                fields=["organisation", "schedule", "period_start", "department", "site"],
                condition=~Q(schedule="") & Q(supplier__isnull=True) & Q(shift__isnull=True),
                name="inspection_planned_once",
            ),
            models.UniqueConstraint(
                fields=["organisation", "schedule", "period_start", "supplier"],
                condition=~Q(schedule="") & Q(supplier__isnull=False),
                name="inspection_supplier_once",
            ),
            models.UniqueConstraint(
                fields=["schedule", "shift"],
                condition=~Q(schedule="") & Q(shift__isnull=False),
                name="round_once",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="inspection_score_percent",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"], name="inspection_status"),
            models.Index(fields=["organisation", "department", "due_at"], name="inspection_department"),
            models.Index(fields=["inspector", "status", "due_at"], name="inspection_inspector"),
            models.Index(fields=["supplier", "due_at"], name="inspection_supplier"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ItemKind(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass or fail")
    SCORE = "score", _("Score")


class Result(models.TextChoices):
    PASS = "pass", _("Conforms")
    FAIL = "fail", _("Does not conform")
    NOT_APPLICABLE = "na", _("Not applicable")
    # Translators: 漏检 — a timed item of a duty round not done by the end of the shift
    MISSED = "missed", _("Missed")


class Finding(models.Model):
    """What the inspector found for one item of the checklist (its text copied from the version)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item_code = models.SlugField(max_length=CODE_LENGTH)
    section = models.CharField(_("section"), max_length=NAME_LENGTH)
    item = models.CharField(_("item"), max_length=500)
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    weight = models.PositiveIntegerField(_("weight"))
    result = models.CharField(_("result"), max_length=10, choices=Result.choices)
    score = models.PositiveIntegerField(_("score given"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # A duty round's timed item: when it was due, and whether it was done later than the
    # checklist's grace allows (a missed one has ``result`` missed).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    late = models.BooleanField(_("late"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item_code"], name="finding_once_per_item"),
        ]
        indexes = [models.Index(fields=["item_code", "result"], name="finding_item_result")]

    def __str__(self) -> str:
        return f"{self.inspection} {self.item_code}"


class RectificationStatus(models.TextChoices):
    # Translators: 待签收 — the responsible department head has not signed the order yet
    ISSUED = "issued", _("Awaiting acknowledgement")
    IN_RECTIFICATION = "in_rectification", _("Being rectified")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    CANCELLED = "cancelled", _("Cancelled")


RECTIFICATION_OPEN = (
    RectificationStatus.ISSUED,
    RectificationStatus.IN_RECTIFICATION,
    RectificationStatus.AWAITING_VERIFICATION,
)


class Rectification(models.Model):
    """A rectification order (整改单) for one failed item."""

    organisation = models.ForeignKey(
        "org.Organisation", on_delete=models.PROTECT, related_name="rectifications"
    )
    number = models.CharField(_("number"), max_length=40)
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="rectifications")
    finding = models.OneToOneField(Finding, on_delete=models.PROTECT, related_name="rectification")
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        related_name="rectifications",
        verbose_name=_("responsible department"),
    )
    confidentiality = models.IntegerField(
        _("confidentiality"), choices=Confidentiality.choices, default=Confidentiality.NONE
    )
    status = models.CharField(
        _("status"), max_length=30, choices=RectificationStatus.choices, default=RectificationStatus.ISSUED
    )
    issued_at = models.DateTimeField(_("issued at"))
    due_at = models.DateTimeField(_("to be rectified by"))
    # The head's signature (签字确认): who acknowledged the nonconformity, when, with what remark.
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledge_note = models.TextField(_("remark on acknowledging"), blank=True)
    # What was decided for the nonconforming service (ISO 9001 §8.7) and who decided.
    disposition = models.CharField(
        _("decision on the nonconformity"), max_length=20, choices=Disposition.choices, blank=True
    )
    disposition_note = models.TextField(_("why"), blank=True)
    disposition_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    disposition_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The latest account of what was done (each round is on the timeline).
    action_taken = models.TextField(_("what was done"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verification_note = models.TextField(_("verification result"), blank=True)
    failed_verifications = models.PositiveIntegerField(_("failed verifications"), default=0)
    # The corrective action raised because the same finding keeps coming back.
    capa = models.ForeignKey(
        "capa.Capa", on_delete=models.SET_NULL, null=True, blank=True, related_name="rectifications"
    )

    notifications = GenericRelation(
        "notify.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="rectification",
    )
    outbox = GenericRelation(
        "notify.OutboxMessage",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="rectification",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="rectification_number_unique"),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"], name="rectification_status"),
            models.Index(fields=["organisation", "department", "issued_at"], name="rectification_department"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in RECTIFICATION_OPEN


class Photo(models.Model):
    """A photo of a finding (taken by the inspector) or of a rectification (what was done)."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    image = models.ImageField(upload_to="inspections/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(finding__isnull=False) | Q(rectification__isnull=False), name="photo_of_something"
            )
        ]

    def __str__(self) -> str:
        return self.image.name or ""


class ClockKind(models.TextChoices):
    # Translators: the inspection is to be carried out (巡检) by its due day
    INSPECTION = "inspection", _("Inspection due")
    # Translators: 整改期限
    RECTIFICATION = "rectification", _("Rectification")
    # Translators: 验证 — the inspector checks the rectification
    VERIFICATION = "verification", _("Verification")


class InspectionClock(BaseClock):
    """An inspection's due day: a missed inspection is flagged and escalates (``inspection`` chain)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="clocks")

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("insclock", record_field="inspection")

    def __str__(self) -> str:
        return f"{self.inspection} {self.kind}"


class InspectionEscalation(BaseEscalation):
    clock = models.ForeignKey(InspectionClock, on_delete=models.CASCADE, related_name="escalations")
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="inspection_escalation_once")]

    def __str__(self) -> str:
        return f"{self.inspection} L{self.level}"


class RectificationClock(BaseClock):
    """A rectification order's deadline (``rectification`` chain) and its verification's."""

    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="clocks")

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("rectclock", record_field="rectification")

    def __str__(self) -> str:
        return f"{self.rectification} {self.kind}"


class RectificationEscalation(BaseEscalation):
    clock = models.ForeignKey(RectificationClock, on_delete=models.CASCADE, related_name="escalations")
    rectification = models.ForeignKey(Rectification, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [
            models.UniqueConstraint(fields=["clock", "level"], name="rectification_escalation_once")
        ]

    def __str__(self) -> str:
        return f"{self.rectification} L{self.level}"


ZERO = Decimal("0")
