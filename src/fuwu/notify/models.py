"""In-app notifications, and the outbox of messages to customers (SMS and the like).

E-mail and the group robots (WeCom, DingTalk, Feishu) come later; they will read the same rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    APPROACHING = "approaching", _("Deadline approaching")
    BREACHED = "breached", _("Deadline missed")
    ESCALATED = "escalated", _("Escalated to you")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    APPROVAL_DECIDED = "approval_decided", _("Approval decided")
    RESULT = "result", _("Result to tell the customer")
    REMINDER = "reminder", _("Reminder")
    CONFIRMATION_REFUSED = "confirmation_refused", _("Customer refused to confirm")
    HANDED_OVER = "handed_over", _("Handed over (A/B)")


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title


class OutboxChannel(models.TextChoices):
    SMS = "sms", _("SMS")


class OutboxMessage(models.Model):
    """A message to a customer, handed to the gateway (a fake one here: SMS cannot be reached)."""

    channel = models.CharField(max_length=10, choices=OutboxChannel.choices, default=OutboxChannel.SMS)
    to = models.CharField(_("to"), max_length=50)
    body = models.TextField(_("message"))
    work_order = models.ForeignKey(
        "workorders.WorkOrder", on_delete=models.CASCADE, null=True, blank=True, related_name="outbox"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}"
