"""Service catalogue (服务项目): service types with their category, default department, SLA class,
required materials and fee schedule. REQUIREMENTS §1; categories from 002 售后服务管理办法.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ServiceCategory(models.TextChoices):
    """有偿服务(A) / 合同服务(B) / 免费服务(C) / 内务服务(D)."""

    PAID = "paid", _("Paid (A)")
    CONTRACT = "contract", _("Contract (B)")
    FREE = "free", _("Free (C)")
    INTERNAL = "internal", _("Internal (D)")


class ServiceType(models.Model):
    organisation = models.ForeignKey(
        "org.Organisation", on_delete=models.CASCADE, related_name="service_types"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=ServiceCategory.choices)
    default_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_types",
        verbose_name=_("default department"),
    )
    # Name of an SLA class of the organisation's policy (fuwu.policy.selectors.sla_class_names).
    sla_class = models.CharField(_("SLA class"), max_length=40)
    description = models.TextField(_("description"), blank=True)
    # Readings the service report asks for (002 客车: running time, mileage): off for most services
    # (a kitchen leak has neither); a product with a reading recorded asks for it too.
    asks_running_hours = models.BooleanField(_("report asks for running hours"), default=False)
    asks_mileage = models.BooleanField(_("report asks for mileage"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="service_type_code_unique_in_organisation"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "category", "is_active"], name="service_type_category")
        ]

    def __str__(self) -> str:
        return self.name


class MaterialItem(models.Model):
    """A material the customer must bring or provide (checklist of the one-time notice, 一次性告知)."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("material"), max_length=200)
    is_required = models.BooleanField(_("required"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("required material")
        verbose_name_plural = _("required materials")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class FeeItem(models.Model):
    """A line of the service type's fee schedule (收费标准)."""

    service_type = models.ForeignKey(ServiceType, on_delete=models.CASCADE, related_name="fee_items")
    name = models.CharField(_("fee item"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} {self.price}/{self.unit}" if self.unit else f"{self.name} {self.price}"
