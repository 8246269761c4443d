"""One table for every approval of every process (红灯 refusals, deferrals, extensions, paid service
today; complaint plans, penalties, shift swaps, CAPA closure later).

An approval concerns one record of a process (a generic reference: content type + object id), asks
one role to decide, and is decided once. What a decision *does* is the process's business: it
registers a handler per kind (``fuwu.approvals.registry``) that the engine calls in the decision's
transaction. Rows change only through ``fuwu.approvals.services``.

The process-specific parameters of a request live in ``details`` (JSON), not in typed columns: the
table is shared by processes whose parameters have nothing in common (a deferral's day, an
extension's clock and amount, later a penalty's amount or a swapped shift). Each process reads and
writes its own keys through its own accessor (work orders: ``fuwu.workorders.approvals``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    WITHDRAWN = "withdrawn", _("Withdrawn")  # the record ended or restarted before a decision


class Approval(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    # The record the approval concerns.
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    # The record's deciding department when the request was made. A record can move between
    # departments while an approval waits: who may decide is always the process's rule read against
    # the record as it is now (``registry.ApprovalProcess.inbox_q``), never this column alone.
    department = models.ForeignKey(
        "org.Department", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # A key registered by the process (``registry.register``), e.g. "rejection", "extension".
    kind = models.CharField(_("kind"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    approver_role = models.CharField(_("approver"), max_length=30)
    reason = models.TextField(_("reason"))
    # What the record's counterpart is told once approved (e.g. the answer to the customer).
    answer = models.TextField(_("proposed answer"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["requested_at", "id"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="approval_record"),
            # The inbox: an organisation's pending approvals by approver role, oldest first.
            models.Index(
                fields=["organisation", "approver_role", "requested_at"],
                name="approval_inbox",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["organisation", "status", "requested_at"], name="approval_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=Q(status="pending"),
                name="approval_one_pending_per_record_and_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.kind} {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status == ApprovalStatus.PENDING

    def get_kind_display(self) -> str:
        from .registry import kind_label

        return kind_label(self.kind)
