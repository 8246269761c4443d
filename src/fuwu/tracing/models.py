"""Traceable handling of customers' items in batches (REQUIREMENTS §13; 000 消毒供应中心对外服务管理制度).

A batch (批次) is what one customer unit (单位名称) hands over at one time: its items (物品名称) with
their counts (包数 + 件数), the sterilisation method (灭菌方式) and where it goes back to (配送地点).
It goes through the policy's ``tracing.steps`` in order; each step is signed (签名) by the person
doing it, who confirms the count of every item. A ``double_check`` step (封包前双人核对签名) needs a
second, different person's confirmation with their own login before the batch moves on. A signed
step never changes: a correction is a new entry with its reason. Items found nonconforming are
returned (不合格退回) and the unit gets written feedback with the rectification advice (书面反馈,
整改建议) within the policy's ``tracing.feedback_within``.

Records are kept at least ``retention.traceable_items_years`` after the batch closed
(``retain_until``): no interface deletes a batch, and the database refuses to before that day
(``RetentionError``).

Rows change only through ``fuwu.tracing.services`` (one function per business verb, one
transaction, one timeline event).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import F, Q
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fuwu.clocks.models import BaseClock, BaseEscalation, clock_indexes

UNIT_LENGTH = 200
ITEM_NAME_LENGTH = 100
DESTINATION_LENGTH = 200
METHOD_OTHER_LENGTH = 100
RECIPIENT_LENGTH = 100
STEP_LENGTH = 40  # a policy step's code and label (fuwu.policy.schema.TracingStep)
MAX_ITEMS = 100  # items of one batch
MAX_PACKAGES = 10_000  # packages of one item in one batch
MAX_PIECES = 100_000  # pieces of one item in one batch

# ``status`` of a batch no step has been completed for yet.
REGISTERED = "registered"


class Method(models.TextChoices):
    """Sterilisation methods (灭菌方式) of WS 310.2, and another one named in words."""

    # Translators: 压力蒸汽灭菌
    PRESSURE_STEAM = "pressure_steam", _("Pressure steam")
    # Translators: 干热灭菌
    DRY_HEAT = "dry_heat", _("Dry heat")
    # Translators: 环氧乙烷灭菌
    ETHYLENE_OXIDE = "ethylene_oxide", _("Ethylene oxide")
    # Translators: 过氧化氢低温等离子灭菌
    HYDROGEN_PEROXIDE_PLASMA = "hydrogen_peroxide_plasma", _("Hydrogen peroxide plasma")
    # Translators: 低温蒸汽甲醛灭菌
    LOW_TEMPERATURE_FORMALDEHYDE = "low_temperature_formaldehyde", _("Low-temperature steam formaldehyde")
    # Translators: 其他灭菌方式 (named in words)
    OTHER = "other", _("Other method")


class RetentionError(Exception):
    """A traceable record deleted before the end of its retention period (or while still open)."""


class Batch(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="batches")
    number = models.CharField(_("number"), max_length=40)
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    # The department handling the batch (its staff sign the steps and see it).
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="batches", verbose_name=_("department")
    )
    # The customer unit: a customer of the organisation when one fits, its name kept in ``unit_name``
    # (shown when the customer is gone or not visible); otherwise the name as typed.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="batches",
        verbose_name=_("customer"),
    )
    unit_name = models.CharField(_("unit"), max_length=UNIT_LENGTH)
    received_on = models.DateField(_("received on"))
    method = models.CharField(_("sterilisation method"), max_length=30, choices=Method.choices)
    method_other = models.CharField(_("other method"), max_length=METHOD_OTHER_LENGTH, blank=True)
    destination = models.CharField(_("delivery place"), max_length=DESTINATION_LENGTH)
    note = models.TextField(_("note"), blank=True)

    # The last step completed (its code; ``registered`` before the first) and its policy label, the
    # step to sign next ("" once closed), and whether that step's first signature awaits the second
    # person's confirmation. Set by the services only.
    status = models.CharField(_("status"), max_length=STEP_LENGTH, default=REGISTERED)
    status_label = models.CharField(max_length=STEP_LENGTH, blank=True)
    next_step = models.CharField(_("next step"), max_length=STEP_LENGTH, blank=True)
    next_step_label = models.CharField(max_length=STEP_LENGTH, blank=True)
    awaiting_check = models.BooleanField(_("awaiting the second signature"), default=False)
    # A step's counts differed from what was expected (recorded with the reason, never silently).
    has_discrepancy = models.BooleanField(_("count discrepancy"), default=False)

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="registered_batches",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Kept at least until this day (closed day + the policy's retention.traceable_items_years).
    retain_until = models.DateField(_("kept until"), null=True, blank=True)

    notifications = GenericRelation(
        "notify.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="batch",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="batch_number_unique"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(retain_until__isnull=False),
                name="batch_closed_has_retention",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "received_on"], name="batch_received"),
            models.Index(fields=["organisation", "department", "received_on"], name="batch_department"),
            models.Index(fields=["organisation", "closed_at", "next_step"], name="batch_open_step"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def method_shown(self) -> str:
        """The method as people read it: its label, or the other method's name."""
        if self.method == Method.OTHER and self.method_other:
            return self.method_other
        return str(self.get_method_display())


class BatchItem(models.Model):
    """One kind of item of a batch with its count as registered (the unit's 物品名称, 包数, 件数)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    name = models.CharField(_("item"), max_length=ITEM_NAME_LENGTH)
    packages = models.PositiveIntegerField(_("packages"))
    pieces = models.PositiveIntegerField(_("pieces"))

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "position"], name="batch_item_position"),
            models.CheckConstraint(condition=Q(pieces__gte=1), name="batch_item_pieces"),
        ]
        indexes = [models.Index(fields=["name"], name="batch_item_name")]

    def __str__(self) -> str:
        return self.name


class Entry(models.TextChoices):
    SIGNATURE = "signature", _("Signature")
    CORRECTION = "correction", _("Correction")


class StepSignature(models.Model):
    """A step signed by the person doing it, with the count of each item (``counts``). A
    ``double_check`` step is complete once another person confirmed it. A correction is a new row
    (``kind`` correction) pointing at the entry it corrects, with its reason; no row is ever changed
    except to add the second person's confirmation."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="signatures")
    step = models.CharField(_("step"), max_length=STEP_LENGTH)
    step_label = models.CharField(max_length=STEP_LENGTH)
    position = models.PositiveSmallIntegerField()  # the step's place in the batch's policy
    kind = models.CharField(max_length=20, choices=Entry.choices, default=Entry.SIGNATURE)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    double_check = models.BooleanField(default=False)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("signed by")
    )
    signed_at = models.DateTimeField(_("signed at"))
    note = models.TextField(_("note"), blank=True)
    reason = models.TextField(_("reason for the correction"), blank=True)
    has_discrepancy = models.BooleanField(_("count discrepancy"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second signature"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmation_note = models.TextField(_("note of the second person"), blank=True)

    class Meta:
        verbose_name = _("step signature")
        verbose_name_plural = _("step signatures")
        ordering = ["position", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "step"], condition=Q(kind="signature"), name="batch_step_signed_once"
            ),
            # 双人核对: the second signature is always another person's.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("signed_by")),
                name="batch_step_two_people",
            ),
            models.CheckConstraint(
                condition=Q(kind="signature") | (Q(corrects__isnull=False) & ~Q(reason="")),
                name="batch_correction_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} {self.step}"

    @property
    def is_complete(self) -> bool:
        return not self.double_check or self.confirmed_at is not None


class StepCount(models.Model):
    """One item's count at one signed step, and what was expected (from the count step, less what
    was returned since): a difference is a recorded discrepancy."""

    signature = models.ForeignKey(StepSignature, on_delete=models.CASCADE, related_name="counts")
    item = models.ForeignKey(BatchItem, on_delete=models.CASCADE, related_name="counts")
    packages = models.PositiveIntegerField(_("packages"))
    pieces = models.PositiveIntegerField(_("pieces"))
    expected_packages = models.PositiveIntegerField()
    expected_pieces = models.PositiveIntegerField()

    class Meta:
        ordering = ["item__position", "id"]
        constraints = [models.UniqueConstraint(fields=["signature", "item"], name="batch_count_once")]

    def __str__(self) -> str:
        return f"{self.item} {self.packages}/{self.pieces}"

    @property
    def differs(self) -> bool:
        return (self.packages, self.pieces) != (self.expected_packages, self.expected_pieces)


class ClockKind(models.TextChoices):
    # Translators: 书面反馈 — the written feedback to the customer unit on returned items
    FEEDBACK = "feedback", _("Written feedback")


class BatchClock(BaseClock):
    """The written feedback's deadline of a return (the clocks engine)."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("batchclock", record_field="batch")

    def __str__(self) -> str:
        return f"{self.batch} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class BatchEscalation(BaseEscalation):
    clock = models.ForeignKey(BatchClock, on_delete=models.CASCADE, related_name="escalations")
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="batch_escalation_once")]

    def __str__(self) -> str:
        return f"{self.batch} {self.clock.kind} L{self.level}"


class ItemReturn(models.Model):
    """Items returned as nonconforming (不合格退回) during a step, with the problem; the written
    feedback to the unit (书面反馈 with 整改建议) is due by the clock's deadline and recorded by the
    person who sends it."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="returns")
    # The step under way when the items were found nonconforming (its place: returns before a
    # step's signature are not expected at that step any more).
    step = models.CharField(_("step"), max_length=STEP_LENGTH)
    step_label = models.CharField(max_length=STEP_LENGTH)
    position = models.PositiveSmallIntegerField()
    problem = models.TextField(_("problem"))
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("returned by")
    )
    returned_at = models.DateTimeField(_("returned at"))
    clock = models.OneToOneField(
        BatchClock, on_delete=models.SET_NULL, null=True, blank=True, related_name="batch_return"
    )
    feedback_due_at = models.DateTimeField(_("feedback due at"))
    feedback = models.TextField(_("written feedback"), blank=True)
    suggestion = models.TextField(_("rectification advice"), blank=True)
    recipient = models.CharField(_("sent to"), max_length=RECIPIENT_LENGTH, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("feedback by"),
    )
    feedback_at = models.DateTimeField(_("feedback at"), null=True, blank=True)

    class Meta:
        verbose_name = _("nonconforming return")
        verbose_name_plural = _("nonconforming returns")
        ordering = ["returned_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(feedback_at__isnull=True) | ~Q(feedback=""), name="batch_return_feedback_text"
            ),
        ]
        indexes = [models.Index(fields=["feedback_at", "feedback_due_at"], name="batch_return_feedback")]

    def __str__(self) -> str:
        return f"{self.batch} {self.step}"

    @property
    def has_feedback(self) -> bool:
        return self.feedback_at is not None

    @property
    def feedback_late(self) -> bool:
        """Written after its deadline."""
        return self.feedback_at is not None and self.feedback_at > self.feedback_due_at

    def feedback_overdue(self, now: Any = None) -> bool:
        """Not written, and past its deadline."""
        return self.feedback_at is None and (now or timezone.now()) > self.feedback_due_at


class ReturnLine(models.Model):
    batch_return = models.ForeignKey(ItemReturn, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(BatchItem, on_delete=models.CASCADE, related_name="return_lines")
    packages = models.PositiveIntegerField(_("packages"))
    pieces = models.PositiveIntegerField(_("pieces"))

    class Meta:
        ordering = ["item__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch_return", "item"], name="batch_return_line_once")
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.packages}/{self.pieces}"


# --- retention: nothing traceable goes before its time -----------------------------------------


def deletable(retain_until: date | None, today: date | None = None) -> bool:
    """Whether a batch may be deleted: closed, and its retention period over."""
    today = today or timezone.localdate()
    return retain_until is not None and today > retain_until


def _refuse(batch_id: Any) -> None:
    retain_until = Batch.objects.filter(pk=batch_id).values_list("retain_until", flat=True).first()
    if not deletable(retain_until):
        raise RetentionError(
            f"batch {batch_id} is kept until {retain_until or 'it is closed'}: traceable records are "
            "not deleted before the end of their retention period"
        )


@receiver(pre_delete, sender=Batch)
def _keep_batch(sender: Any, instance: Batch, **kwargs: Any) -> None:
    # Read from the database: a row changed in memory does not open the way.
    _refuse(instance.pk)


@receiver(pre_delete, sender=BatchItem)
@receiver(pre_delete, sender=StepSignature)
@receiver(pre_delete, sender=ItemReturn)
def _keep_parts(sender: Any, instance: Any, **kwargs: Any) -> None:
    _refuse(instance.batch_id)


@receiver(pre_delete, sender=StepCount)
def _keep_counts(sender: Any, instance: StepCount, **kwargs: Any) -> None:
    _refuse(StepSignature.objects.filter(pk=instance.signature_id).values("batch_id")[:1])


@receiver(pre_delete, sender=ReturnLine)
def _keep_lines(sender: Any, instance: ReturnLine, **kwargs: Any) -> None:
    _refuse(ItemReturn.objects.filter(pk=instance.batch_return_id).values("batch_id")[:1])
