"""Notifications and their deliveries.

- ``Notification``: the in-app message to one member of staff about an event of any record (its
  *subject*: content type + id, with the record's title and link kept at writing time).
- ``Delivery``: one per further channel of a notification (e-mail, SMS, a department's group robot),
  written in the business transaction and sent after commit; status, attempts, last error and when
  to try next, so that nothing is lost when a gateway or the worker is down.
- ``OutboxMessage``: a text message to a customer (confirmation codes, one-time notices); with no SMS
  provider configured it stays here, the development outbox.
- ``RobotChannel``: a WeCom / DingTalk / Feishu group robot of a department, subscribed to events.
- ``NotificationPreference``: which events reach a person by e-mail and SMS, and their quiet hours.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import events
from .events import NotificationKind

__all__ = [
    "Channel",
    "Delivery",
    "DeliveryStatus",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "OutboxChannel",
    "OutboxMessage",
    "RobotChannel",
    "RobotKind",
]


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("event"), max_length=events.KEY_LENGTH, choices=events.choices)
    organisation = models.ForeignKey(
        "org.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_title = models.CharField(_("record"), max_length=200, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox"),
            models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return events.label(self.kind)

    @property
    def subject_kind_label(self) -> str:
        """What kind of record the subject is, for people (工单 / work order)."""
        if self.subject_type_id is None:
            return ""
        model = ContentType.objects.get_for_id(self.subject_type_id).model_class()
        return str(model._meta.verbose_name) if model else ""


class OutboxChannel(models.TextChoices):
    SMS = "sms", _("SMS")


class OutboxMessage(models.Model):
    """A text message to a customer. Sent through the SMS provider when one is configured
    (``SMS_PROVIDER``, a ``Delivery`` row follows it); otherwise this row is all there is."""

    channel = models.CharField(max_length=10, choices=OutboxChannel.choices, default=OutboxChannel.SMS)
    to = models.CharField(_("to"), max_length=50)
    body = models.TextField(_("message"))
    organisation = models.ForeignKey(
        "org.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    subject_title = models.CharField(_("record"), max_length=200, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="outbox_subject")]

    def __str__(self) -> str:
        return f"{self.channel} → {self.to}"

    def save(self, *args: object, **kwargs: object) -> None:
        record = self.subject if self.subject_type_id and self.subject_id else None
        if record is not None and not (self.organisation_id and self.subject_title):
            from .subjects import describe

            described = describe(record)
            self.organisation_id = self.organisation_id or described.organisation_id
            self.subject_title = self.subject_title or described.title
            self.link = self.link or described.link
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk custom robot")
    FEISHU = "feishu", _("Feishu custom bot")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    WECOM = RobotKind.WECOM.value, RobotKind.WECOM.label
    DINGTALK = RobotKind.DINGTALK.value, RobotKind.DINGTALK.label
    FEISHU = RobotKind.FEISHU.value, RobotKind.FEISHU.label


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("delivery", "Pending")
    SENT = "sent", pgettext_lazy("delivery", "Sent")
    FAILED = "failed", pgettext_lazy("delivery", "Failed")
    HELD = "held", pgettext_lazy("delivery", "Held for quiet hours")


class RobotChannel(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, related_name="robots", verbose_name=_("department")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RobotKind.choices)
    url = models.CharField(_("webhook URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")
        ordering = ["department__path", "kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.department}"


class Delivery(models.Model):
    organisation = models.ForeignKey(
        "org.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    outbox_message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    robot = models.ForeignKey(
        RobotChannel, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    kind = models.CharField(_("event"), max_length=events.KEY_LENGTH, blank=True)
    to = models.CharField(_("to"), max_length=254, blank=True)  # an e-mail address or a phone number
    # The message as this channel and recipient may read it (masked, shortened), fixed at writing.
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True)
    urgent = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} {self.to or self.robot_id}"


class NotificationPreference(models.Model):
    """In-app is always on. E-mail needs the user's e-mail address, SMS their mobile number."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_events = models.JSONField(default=list)
    sms_events = models.JSONField(default=list)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def events_for(self, channel: str) -> list[str]:
        return list(self.email_events if channel == Channel.EMAIL else self.sms_events)
