"""The working-day calendar: statutory holidays, make-up working days (调休) and confirmed years.

Rows come from the holiday data package (``source=package``, seeded by a data migration and kept up
to date by ``fuwu calendar_sync``) or from an administrator (``source=admin``). An administrator's
row replaces the package's row for that date and is never overwritten by a re-sync; removing it
brings the package's value back. Days without a row follow the weekday rule (Monday–Friday).

The calendar is the installation's: one table for every organisation (the statutory calendar is
national); business hours come from each organisation's policy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    WORKDAY = "workday", _("Working day")


class Source(models.TextChoices):
    PACKAGE = "package", _("Holiday data package")
    ADMIN = "admin", _("Administrator")


class CalendarDay(models.Model):
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()} {self.name}".strip()

    @property
    def is_admin_override(self) -> bool:
        return self.source == Source.ADMIN


class CalendarYear(models.Model):
    """A year whose holidays are known: the State Council notice is in the package or was entered."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    is_confirmed = models.BooleanField(_("confirmed"), default=False)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.ADMIN)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
