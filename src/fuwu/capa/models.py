"""Corrective and preventive actions (纠正措施 / 预防措施; REQUIREMENTS §8, ISO 9001 §10.2 and §8.7).

A CAPA record states a problem (corrective: it happened; preventive: a risk was found), links the
records it affects (complaints sharing a cause, later inspection findings and return visits; none
when raised by hand), records the root cause and the method used to find it, what was decided for a
nonconforming service and by whom, the action items with owner and deadline, a check whether the
same problem exists elsewhere, and the effectiveness verification by someone who owns none of the
actions, no sooner than the policy's interval after the actions were implemented. It closes only
once verified effective.

Rows change only through ``fuwu.capa.services`` (one function per business verb, one transaction,
one timeline event). Status is never assigned anywhere else.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fuwu.clocks.models import BaseClock, BaseEscalation, clock_indexes
from fuwu.org.models import Confidentiality

TITLE_LENGTH = 200
CATEGORY_LENGTH = 40


class Kind(models.TextChoices):
    # Translators: 纠正措施 — a problem happened and must not happen again
    CORRECTIVE = "corrective", _("Corrective action")
    # Translators: 预防措施 — a risk was found before it became a problem
    PREVENTIVE = "preventive", _("Preventive action")


class Status(models.TextChoices):
    RAISED = "raised", _("Raised: cause to be found")
    IN_ACTION = "in_action", _("Actions under way")
    AWAITING_VERIFICATION = "awaiting_verification", _("Awaiting effectiveness verification")
    VERIFIED = "verified", _("Verified effective")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.RAISED, Status.IN_ACTION, Status.AWAITING_VERIFICATION, Status.VERIFIED)
ENDED_STATUSES = (Status.CLOSED, Status.CANCELLED)


class Origin(models.TextChoices):
    """Where the CAPA came from: the kind of its affected records, or by hand."""

    BY_HAND = "by_hand", _("Raised by hand")
    COMPLAINT = "complaint", _("Complaints")
    WORK_ORDER = "work_order", _("Work orders")
    INSPECTION = "inspection", _("Inspection findings")
    RETURN_VISIT = "return_visit", _("Return visits")


class RootCauseMethod(models.TextChoices):
    # Translators: 5个为什么 (5 whys)
    FIVE_WHYS = "five_whys", _("5 whys")
    # Translators: 鱼骨图 (Ishikawa diagram)
    FISHBONE = "fishbone", _("Fishbone (cause and effect) diagram")
    OTHER = "other", _("Other method")


class Disposition(models.TextChoices):
    """What was decided for a nonconforming service (ISO 9001 §8.7)."""

    # Translators: 返工 / 重新服务
    REDO = "redo", _("Redo the service")
    # Translators: 隔离 / 停止
    CONTAIN = "contain", _("Contain (stop, isolate)")
    # Translators: 告知顾客
    TELL_CUSTOMER = "tell_customer", _("Tell the customer")
    # Translators: 让步接收
    CONCESSION = "concession", _("Accept by concession")


class VerificationResult(models.TextChoices):
    PASSED = "passed", _("Effective")
    FAILED = "failed", _("Not effective")


class Capa(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="capas")
    number = models.CharField(_("number"), max_length=40)
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.CORRECTIVE)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.RAISED)
    origin = models.CharField(_("raised from"), max_length=20, choices=Origin.choices, default=Origin.BY_HAND)
    # The department the problem belongs to (whose head leads the actions).
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="capas", verbose_name=_("department")
    )
    confidentiality = models.IntegerField(
        _("confidentiality"), choices=Confidentiality.choices, default=Confidentiality.NONE
    )
    # A code of the policy's ``capa.categories``, or one of the organisation's own.
    category = models.CharField(_("problem category"), max_length=CATEGORY_LENGTH)
    title = models.CharField(_("title"), max_length=TITLE_LENGTH)
    problem = models.TextField(_("problem statement"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="raised_capas",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised at"))

    root_cause = models.TextField(_("root cause"), blank=True)
    root_cause_method = models.CharField(
        _("method"), max_length=20, choices=RootCauseMethod.choices, blank=True
    )
    root_cause_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    root_cause_at = models.DateTimeField(null=True, blank=True)

    disposition = models.CharField(
        _("decision on the nonconforming service"), max_length=20, choices=Disposition.choices, blank=True
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

    # Does the same problem exist elsewhere (举一反三)? Where it was looked for, and what was found.
    extent_scope = models.TextField(_("where else it was looked for"), blank=True)
    extent_found = models.BooleanField(_("found elsewhere"), null=True, blank=True)
    extent_note = models.TextField(_("what was found"), blank=True)
    extent_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    extent_checked_at = models.DateTimeField(null=True, blank=True)

    # The actions implemented: effectiveness can be verified from ``verify_from`` (the policy's interval).
    implemented_at = models.DateTimeField(_("actions implemented at"), null=True, blank=True)
    verify_from = models.DateTimeField(_("verifiable from"), null=True, blank=True)
    # The latest verification (every one is in ``verifications``); failed ones count the rounds.
    verification_result = models.CharField(
        _("verification"), max_length=10, choices=VerificationResult.choices, blank=True
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    failed_verifications = models.PositiveIntegerField(_("failed verifications"), default=0)

    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    close_note = models.TextField(_("closing note"), blank=True)

    notifications = GenericRelation(
        "notify.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="capa",
    )
    outbox = GenericRelation(
        "notify.OutboxMessage",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="capa",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("corrective or preventive action")
        verbose_name_plural = _("corrective and preventive actions")
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="capa_number_unique"),
            models.CheckConstraint(
                condition=Q(verification_result="passed") | ~Q(status__in=["verified", "closed"]),
                name="capa_closed_only_verified",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "raised_at"], name="capa_status"),
            models.Index(fields=["organisation", "department", "raised_at"], name="capa_department"),
            models.Index(fields=["organisation", "category", "raised_at"], name="capa_category"),
            models.Index(fields=["organisation", "raised_at"], name="capa_raised"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AffectedRecord(models.Model):
    """A record the CAPA deals with (a complaint, an inspection finding, a return visit …): several
    complaints sharing one cause link to one CAPA."""

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="affected")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # What the record was called when linked (its number), shown when it is gone.
    label = models.CharField(_("record"), max_length=60)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField()

    class Meta:
        ordering = ["linked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["capa", "content_type", "object_id"], name="capa_affected_once"),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="capa_affected_record")]

    def __str__(self) -> str:
        return self.label


class ClockKind(models.TextChoices):
    ACTION_ITEM = "action_item", _("Action item")
    VERIFICATION = "verification", _("Effectiveness verification")


class CapaClock(BaseClock):
    """An action item's deadline, or the effectiveness verification's due date (the clocks engine)."""

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("capaclock", record_field="capa")

    def __str__(self) -> str:
        return f"{self.capa} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class CapaEscalation(BaseEscalation):
    clock = models.ForeignKey(CapaClock, on_delete=models.CASCADE, related_name="escalations")
    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="capa_escalation_once")]

    def __str__(self) -> str:
        return f"{self.capa} {self.clock.kind} L{self.level}"


class ActionItem(models.Model):
    """One action: what is done, by whom, by when, and the evidence that it was done."""

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="items")
    description = models.TextField(_("action"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="capa_items", verbose_name=_("owner")
    )
    due_at = models.DateTimeField(_("due at"))
    clock = models.OneToOneField(
        CapaClock, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_item"
    )
    # The verification round it belongs to: 0 before any failed verification, n after the n-th.
    round = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evidence = models.TextField(_("evidence"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        indexes = [models.Index(fields=["owner", "done_at"], name="capa_item_owner")]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_done(self) -> bool:
        return self.done_at is not None


class Verification(models.Model):
    """One effectiveness verification (every round is kept; the CAPA holds the latest)."""

    capa = models.ForeignKey(Capa, on_delete=models.CASCADE, related_name="verifications")
    result = models.CharField(_("result"), max_length=10, choices=VerificationResult.choices)
    note = models.TextField(_("what was checked"))
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField()

    class Meta:
        ordering = ["verified_at", "id"]

    def __str__(self) -> str:
        return f"{self.capa} {self.result}"
