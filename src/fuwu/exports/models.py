"""An export asked for by a person: what, with which filters, how far it got, and its file.

Files are kept outside MEDIA_ROOT (``settings.FUWU_EXPORT_ROOT``): they have no URL and are served
only by the download view, to the person who asked for them.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportStorage(FileSystemStorage):
    """``settings.FUWU_EXPORT_ROOT``, read at every use (tests point it at a temporary folder)."""

    @property
    def base_location(self) -> str:
        return str(settings.FUWU_EXPORT_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: Any) -> str:
        raise ValueError("export files are served by the download view only")


_storage = ExportStorage()


def export_storage() -> ExportStorage:
    return _storage


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Deleted (expired)")


class Export(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="exports",
        verbose_name=_("requested by"),
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    parameters = models.JSONField(_("filters"), default=dict, blank=True)
    language = models.CharField(max_length=16)
    status = models.CharField(
        _("status"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    file = models.FileField(storage=export_storage, upload_to="%Y/%m/", max_length=300, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="export_mine"),
            models.Index(fields=["status", "finished_at"], name="export_cleanup"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
