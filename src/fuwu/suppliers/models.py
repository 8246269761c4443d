"""Outsourced suppliers (外包供方, REQUIREMENTS §12, seed 000 and 002 4.10): the providers whose work a
department commissions and supervises (elevator maintenance, cleaning, security …). They are
inspected like departments and evaluated periodically (quality, reputation, cooperation, price)
from a scored checklist — both are inspections of the inspections engine with ``supplier`` set — and
their standing follows the evaluations (合格 / 观察 / 取消资格). Rows change only through
``fuwu.suppliers.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 40
NAME_LENGTH = 200
SERVICES_LENGTH = 500
CONTACT_LENGTH = 100
PHONE_LENGTH = 30
REASON_LENGTH = 300


class Standing(models.TextChoices):
    # Translators: 合格供方
    QUALIFIED = "qualified", _("Qualified")
    # Translators: 观察 / 限期整改 — the supplier stays under watch until its next evaluation
    PROBATION = "probation", _("On probation")
    # Translators: 取消合格供方资格
    DISQUALIFIED = "disqualified", _("Disqualified")


# A fall in standing (qualified → probation → disqualified) is told to the quality role and the
# managing department's head.
STANDING_RANK = {Standing.DISQUALIFIED: 0, Standing.PROBATION: 1, Standing.QUALIFIED: 2}


class Supplier(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="suppliers")
    code = models.SlugField(_("code"), max_length=CODE_LENGTH)
    name = models.CharField(_("name"), max_length=NAME_LENGTH)
    # The department that commissions and supervises the supplier's work (002 3.3: 各部门负责对所辖
    # 业务涉及的外包服务质量的检验); its head inspects and evaluates the supplier.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        related_name="suppliers",
        verbose_name=_("managing department"),
    )
    services = models.CharField(_("services provided"), max_length=SERVICES_LENGTH)
    contact_name = models.CharField(_("contact"), max_length=CONTACT_LENGTH, blank=True)
    phone = models.CharField(_("phone"), max_length=PHONE_LENGTH, blank=True)
    contract_starts_on = models.DateField(_("contract from"), null=True, blank=True)
    contract_ends_on = models.DateField(_("contract to"), null=True, blank=True)
    standing = models.CharField(
        _("standing"), max_length=20, choices=Standing.choices, default=Standing.QUALIFIED
    )
    standing_since = models.DateTimeField(_("standing since"))
    # Why it stands there: the evaluation that last set or confirmed the standing, its score and
    # when, and that reason as a system sentence (``display``: "Evaluation XJ2609-001 scored
    # 74.0", said in the reader's language). Empty until the first evaluation.
    standing_evaluation = models.ForeignKey(
        "inspections.Inspection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluation"),
    )
    standing_score = models.DecimalField(
        _("evaluation score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    standing_reason = models.CharField(_("why"), max_length=REASON_LENGTH, blank=True)
    evaluated_at = models.DateTimeField(_("last evaluated"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="supplier_code_unique"),
            models.CheckConstraint(
                condition=Q(contract_ends_on__isnull=True)
                | Q(contract_starts_on__isnull=True)
                | Q(contract_ends_on__gte=models.F("contract_starts_on")),
                name="supplier_contract_in_order",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "department"], name="supplier_department")]

    def __str__(self) -> str:
        return self.name
