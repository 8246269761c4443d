"""Service requests / work orders (服务工单, 报修) and what hangs off them.

Rows change only through ``fuwu.workorders.services`` (one function per business verb, one
transaction, one timeline event). Status is never assigned anywhere else.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu.clocks.models import BaseClock, BaseEscalation, clock_indexes
from fuwu.org.models import Confidentiality


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ROUTED = "routed", _("Routed")
    DISPATCHED = "dispatched", _("Dispatched")
    ON_SITE = "on_site", _("On site")
    AWAITING_MATERIALS = "awaiting_materials", _("Awaiting materials")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    # Translators: 暂缓办理 — approved "cannot be done now": open, waiting for the day it can be done.
    DEFERRED = "deferred", _("Deferred")
    DONE = "done", _("Done")
    CONFIRMED = "confirmed", _("Confirmed")
    VISITED = "visited", _("Visited")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (
    Status.RECEIVED,
    Status.ROUTED,
    Status.DISPATCHED,
    Status.ON_SITE,
    Status.AWAITING_MATERIALS,
    Status.AWAITING_APPROVAL,
    Status.DEFERRED,
)
FINISHED_STATUSES = (Status.DONE, Status.CONFIRMED, Status.VISITED)
ENDED_STATUSES = (Status.CLOSED, Status.REJECTED, Status.CANCELLED)


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    LETTER = "letter", _("Letter")
    FAX = "fax", _("Fax")
    EMAIL = "email", _("E-mail")
    WEB = "web", _("Web form")
    API = "api", _("API")


# Channels where the customer spoke to a person of ours: the request got its response at intake.
ANSWERED_AT_INTAKE = (Channel.PHONE, Channel.WALK_IN)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class WarrantyStatus(models.TextChoices):
    IN_WARRANTY = "in_warranty", _("In warranty")
    OUT_OF_WARRANTY = "out_of_warranty", _("Out of warranty")
    MISUSE = "misuse", _("Misuse (not covered)")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")


class WorkOrder(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="work_orders")
    number = models.CharField(_("number"), max_length=40)
    policy_version = models.ForeignKey(
        "policy.PolicyVersion",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("policy version"),
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # The status to return to when a pause (awaiting materials / approval, deferred) ends.
    resume_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    service_type = models.ForeignKey(
        "catalogue.ServiceType",
        on_delete=models.PROTECT,
        related_name="work_orders",
        verbose_name=_("service type"),
    )
    sla_class = models.CharField(_("SLA class"), max_length=40)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("customer")
    )
    product = models.ForeignKey(
        "customers.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("product"),
    )
    caller_name = models.CharField(_("caller"), max_length=100)
    caller_phone = models.CharField(_("caller's phone"), max_length=30)
    building = models.CharField(_("building"), max_length=50, blank=True)
    unit = models.CharField(pgettext_lazy("address", "unit"), max_length=50, blank=True)
    room = models.CharField(_("room"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    distance_km = models.PositiveIntegerField(_("distance (km)"), null=True, blank=True)
    description = models.TextField(_("description"))
    confidentiality = models.IntegerField(
        _("confidentiality"), choices=Confidentiality.choices, default=Confidentiality.NONE
    )
    search_text = models.TextField(editable=False, blank=True, default="")

    # First-contact ownership (首接负责制): set at intake, never changed afterwards.
    first_contact_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="first_received_work_orders",
        verbose_name=_("first-contact owner"),
    )
    intake_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("receiving department"),
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    received_at = models.DateTimeField(_("received at"))

    # Who handles it now: routing, transfer, escalation and A/B hand-over change these, never the owner.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("department"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_work_orders",
        verbose_name=_("assignee"),
    )
    # Set when the assignee's absence handed the work to their B (AB角): A keeps seeing it in their
    # list ("handled by B while you are away") and can take it back on return.
    handed_over_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over from"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="team_work_orders", verbose_name=_("team")
    )
    # The work order's approvals (red light, extension, paid service) in the approvals engine's table.
    approvals = GenericRelation("approvals.Approval", related_query_name="work_order")
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # 暂缓办理: the day from which the work can be done, while deferred (approved "cannot be done now").
    deferred_until = models.DateField(_("deferred until"), null=True, blank=True)
    # The warranty finding (三包) recorded on site, before the service report: it decides the charge.
    warranty_finding = models.CharField(
        _("warranty finding"), max_length=20, blank=True, choices=WarrantyStatus.choices
    )
    is_paid = models.BooleanField(_("paid service"), default=False)
    confirmation_refused = models.BooleanField(_("confirmation refused"), default=False)
    reminder_count = models.PositiveIntegerField(_("reminders"), default=0)
    reopen_count = models.PositiveIntegerField(_("reopened"), default=0)
    # Its notifications and customer messages (fuwu.notify points at any record; these let a query
    # say ``Notification.objects.filter(work_order=…)`` and delete them with the order).
    notifications = GenericRelation(
        "notify.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="work_order",
    )
    outbox = GenericRelation(
        "notify.OutboxMessage",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="work_order",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="work_order_number_unique"),
        ]
        indexes = [
            models.Index(
                fields=["organisation", "department", "status", "received_at"], name="wo_department_status"
            ),
            models.Index(fields=["organisation", "status", "received_at"], name="wo_status"),
            models.Index(fields=["assignee", "status"], name="wo_assignee_status"),
            models.Index(fields=["first_contact_owner", "status"], name="wo_owner_status"),
            models.Index(fields=["organisation", "received_at"], name="wo_received"),
            models.Index(fields=["customer", "received_at"], name="wo_customer"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def location(self) -> str:
        parts = "".join(p for p in (self.building, self.unit, self.room) if p)
        return parts or self.address


class ClockKind(models.TextChoices):
    RESPONSE = "response", _("Response")
    DISPATCH = "dispatch", _("Dispatch")
    ARRIVAL = "arrival", _("Arrival")
    WRITTEN_REPLY = "written_reply", _("Written reply")
    RESOLUTION = "resolution", _("Resolution")


class Clock(BaseClock):
    """One SLA clock of a work order: its deadline, pause and escalation state (the clocks engine)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("clock")

    def __str__(self) -> str:
        return f"{self.work_order} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class Escalation(BaseEscalation):
    """One level of an escalation chain, fired once for one clock."""

    clock = models.ForeignKey(Clock, on_delete=models.CASCADE, related_name="escalations")
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="escalation_once_per_level")]

    def __str__(self) -> str:
        return f"{self.work_order} {self.clock.kind} L{self.level}"


class Photo(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="photos")
    # Set for the photos the technician took with a service report (the policy may require some).
    report = models.ForeignKey(
        "ServiceReport", on_delete=models.SET_NULL, null=True, blank=True, related_name="photos"
    )
    image = models.ImageField(upload_to="work_orders/%Y/%m/")
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name or ""


class Material(models.Model):
    """An item of the service type's checklist (or a supplementary one) and whether it has arrived."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("material"), max_length=200)
    is_required = models.BooleanField(default=True)
    from_checklist = models.BooleanField(default=True)
    is_received = models.BooleanField(_("received"), default=False)
    received_at = models.DateTimeField(null=True, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class NoticeKind(models.TextChoices):
    ONE_TIME = "one_time", _("One-time notice")
    SUPPLEMENTARY = "supplementary", _("Supplementary notice")


class MissingMaterialsNotice(models.Model):
    """A one-time notice (一次性告知): every missing item in one message."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    items = models.JSONField(default=list)
    text = models.TextField()
    reason = models.TextField(blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["sent_at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order} {self.kind}"


class ApprovalKind(models.TextChoices):
    REJECTION = "rejection", _("Refusal (red light)")
    CANNOT_DO_NOW = "cannot_do_now", _("Cannot be done now (red light)")
    EXTENSION = "extension", _("Deadline extension")
    PAID_SERVICE = "paid_service", _("Paid service")


class ServiceReport(models.Model):
    """The technician's report on completion (a re-handled order gets a new one)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="reports")
    findings = models.TextField(_("findings"))
    warranty_status = models.CharField(_("warranty"), max_length=20, choices=WarrantyStatus.choices)
    disassembly_signs = models.BooleanField(_("signs of disassembly"), default=False)
    running_hours = models.PositiveIntegerField(_("running hours"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    work_done = models.TextField(_("work done"))
    parts = models.JSONField(_("parts used"), default=list, blank=True)
    minutes_spent = models.PositiveIntegerField(_("time spent (minutes)"))
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    completed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.work_order} report"


class ConfirmationMethod(models.TextChoices):
    SIGNATURE = "signature", _("Signature on screen")
    SMS_CODE = "sms_code", _("SMS code")
    PAPER_VOUCHER = "paper_voucher", _("Signed paper voucher")


class Confirmation(models.Model):
    """The customer's confirmation of completed work: who, how and when (never before completion)."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="confirmations")
    method = models.CharField(_("method"), max_length=20, choices=ConfirmationMethod.choices)
    confirmed_by_name = models.CharField(_("confirmed by"), max_length=100)
    evidence = models.FileField(upload_to="confirmations/%Y/%m/", blank=True)
    satisfied = models.BooleanField(null=True)
    comment = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.work_order} {self.method}"


class ConfirmationCode(models.Model):
    """A one-time code sent by SMS to the customer to confirm completed work."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="confirmation_codes")
    code_hash = models.CharField(max_length=64)
    phone = models.CharField(max_length=30)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.work_order} code"


class FeeLine(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="fees")
    fee_item = models.ForeignKey(
        "catalogue.FeeItem", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("item"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2, default=Decimal(1))
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    is_collected = models.BooleanField(_("collected"), default=False)
    receipt_number = models.CharField(_("invoice/receipt number"), max_length=60, blank=True)
    collected_at = models.DateTimeField(null=True, blank=True)
    collected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_collected=False) | ~Q(receipt_number=""),
                name="fee_collected_only_with_receipt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"
