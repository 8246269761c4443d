"""Append-only timeline of business events.

Each event is written in the same transaction as the change it describes, and chained to the
previous event of the same record by a SHA-256 hash, so an edit made behind the application's back
(directly in the database) is detected by ``verify_chain``. No interface edits or deletes events:
``save`` refuses an update, ``delete`` and queryset ``update``/``delete`` refuse outright.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet["Event"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("timeline events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("timeline events cannot be deleted")

    def for_subject(self, subject: models.Model) -> EventQuerySet:
        return self.filter(
            subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
            subject_id=str(subject.pk),
        )


class Event(models.Model):
    organisation = models.ForeignKey(
        "org.Organisation", on_delete=models.PROTECT, null=True, related_name="+", db_index=False
    )
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    at = models.DateTimeField(_("time"))
    action = models.CharField(_("action"), max_length=60)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    previous_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "at"], name="event_subject_time")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("timeline events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("timeline events cannot be deleted")

    def payload(self, at_text: str | None = None) -> str:
        return json.dumps(
            {
                "subject": f"{self.subject_type_id}:{self.subject_id}",
                "actor": self.actor_id,
                "at": hashed_time(self.at) if at_text is None else at_text,
                "action": self.action,
                "changes": self.changes,
                "reason": self.reason,
                "previous": self.previous_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            default=str,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()

    def hash_matches(self) -> bool:
        """Whether the stored event still hashes to ``hash``. Events written before the time was hashed
        in UTC were hashed with the time as the writer held it: UTC (matches the current form) or the
        installation's time zone (``settings.TIME_ZONE``), accepted as well."""
        if self.compute_hash() == self.hash:
            return True
        legacy = timezone.localtime(_aware(self.at), timezone.get_default_timezone()).isoformat()
        return hashlib.sha256(self.payload(at_text=legacy).encode()).hexdigest() == self.hash


def _aware(at: datetime) -> datetime:
    return timezone.make_aware(at, timezone.get_default_timezone()) if timezone.is_naive(at) else at


def hashed_time(at: datetime) -> str:
    """The time as the hash reads it: the same instant gives the same text whatever time zone it was
    written in or read back in (``2026-11-23T01:00:00+00:00``: ISO 8601 in UTC, as Django's
    ``timezone.now()`` gives it, so events written with UTC times before this form keep their hash)."""
    return _aware(at).astimezone(UTC).isoformat()
