"""Periodic reports (定期报告): one report of one kind for one period (and department), with the
figures computed from the records, the preparer's commentary and its lifecycle
draft → submitted → approved, or returned and submitted again (ADR 0013).

Rows change only through ``fuwu.reports.services`` (one function per business verb, one
transaction, one timeline event). The kinds (what a report contains, who prepares and approves it,
its due-day rule) are the processes' (``fuwu.reports.registry``).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu.clocks.models import BaseClock, BaseEscalation, clock_indexes


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("report", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("report", "Submitted")
    APPROVED = "approved", pgettext_lazy("report", "Approved")
    # Translators: sent back to the preparer to be corrected and submitted again.
    RETURNED = "returned", pgettext_lazy("report", "Returned")


EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)


class PeriodicReport(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=40)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))  # inclusive
    # None: the whole organisation's report.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"))
    calendar_confirmed = models.BooleanField(default=True)
    # The figures as computed from the records (kept as they were when generated: a later change of
    # a record does not change a submitted report; a draft can be refreshed).
    figures = models.JSONField(_("figures"), default=dict)
    figures_at = models.DateTimeField(_("figures computed at"))
    commentary = models.TextField(_("commentary"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    # Lateness is judged by the first submission: a return is the approver's iteration, not a delay.
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned by"),
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_note = models.TextField(_("why returned"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approval_note = models.TextField(_("approval note"), blank=True)

    class Meta:
        verbose_name = _("periodic report")
        verbose_name_plural = _("periodic reports")
        ordering = ["-period_start", "kind", "department_id", "id"]
        constraints = [
            # One report per kind, period and department (or whole organisation): NULLs are distinct
            # in a plain unique constraint, so the organisation's report has its own.
            models.UniqueConstraint(
                fields=["organisation", "kind", "period_start", "department"],
                condition=Q(department__isnull=False),
                name="periodic_report_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "period_start"],
                condition=Q(department__isnull=True),
                name="periodic_report_unique_organisation",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="periodic_report_period"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_at"], name="periodic_report_due"),
            models.Index(fields=["organisation", "kind", "period_start"], name="periodic_report_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start:%Y-%m}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    def is_late(self, now: datetime) -> bool:
        """Submitted (the first time) after the due moment, or not submitted and past it."""
        moment = self.first_submitted_at or now
        return moment > self.due_at


class ReportClock(BaseClock):
    """The due moment of a report as a clock of the clocks engine: met by the first submission,
    escalated along the policy's ``report`` chain when missed."""

    report = models.ForeignKey(PeriodicReport, on_delete=models.CASCADE, related_name="clocks")

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("reportclock", record_field="report")

    def __str__(self) -> str:
        return f"{self.report} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"

    def kind_label(self) -> str:
        return str(_("report due"))


class ReportEscalation(BaseEscalation):
    clock = models.ForeignKey(ReportClock, on_delete=models.CASCADE, related_name="escalations")
    report = models.ForeignKey(PeriodicReport, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="report_escalation_once")]

    def __str__(self) -> str:
        return f"{self.report} L{self.level}"
