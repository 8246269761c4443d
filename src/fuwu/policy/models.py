"""Policy versions: every change of an organisation's policy is a new, immutable version.

Records that follow the policy (work orders, complaints, visits, …) keep a foreign key to the version
that set their deadlines, so publishing a new version never changes history. Only ``is_active`` of a
version ever changes after it is written (when a newer version replaces it).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MUTABLE_FIELDS = frozenset({"is_active"})


class ImmutableVersionError(Exception):
    pass


class PolicyVersionQuerySet(models.QuerySet["PolicyVersion"]):
    def update(self, **kwargs: Any) -> int:
        if set(kwargs) - MUTABLE_FIELDS:
            raise ImmutableVersionError("a policy version cannot be changed once written, only (de)activated")
        return super().update(**kwargs)


class PolicyVersion(models.Model):
    organisation = models.ForeignKey(
        "org.Organisation",
        on_delete=models.CASCADE,
        related_name="policy_versions",
        verbose_name=_("organisation"),
    )
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("policy text"))
    document = models.JSONField(_("validated document"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    reason = models.TextField(_("reason"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=False)

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["organisation", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="policy_version_number_unique"),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(is_active=True), name="policy_one_active_version"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="policy_version_number_positive"),
        ]

    def __str__(self) -> str:
        return f"v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or set(update_fields) - MUTABLE_FIELDS:
                raise ImmutableVersionError(
                    "a policy version cannot be changed once written, only (de)activated"
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableVersionError("policy versions are kept for the records they governed")
