"""Customers (客户): people, households and organisations, with their addresses, phones, contacts,
service agreements (居家服务协议书) and products under warranty (三包). REQUIREMENTS §1.

Writes go through ``services.py``; reads through ``selectors.py`` (already filtered by visibility).
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu.org.models import Confidentiality


class CustomerKind(models.TextChoices):
    PERSON = "person", pgettext_lazy("customer kind", "Person")
    HOUSEHOLD = "household", pgettext_lazy("customer kind", "Household")
    ORGANISATION = "organisation", pgettext_lazy("customer kind", "Organisation")


class Customer(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="customers")
    kind = models.CharField(
        _("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.HOUSEHOLD
    )
    name = models.CharField(_("name"), max_length=200)
    # The service point (管理处) that serves the customer; its staff see the customer.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("service department"),
    )
    # ``visibility.customers_for_user`` filters on this field name.
    confidentiality = models.IntegerField(
        _("confidentiality"), choices=Confidentiality.choices, default=Confidentiality.NONE
    )
    notes = models.TextField(_("notes"), blank=True)
    # jieba tokens of name, notes, addresses, phones, agreements and products (fuwu.lib.search).
    search_text = models.TextField(editable=False, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["organisation", "name"], name="customer_org_name"),
            models.Index(fields=["organisation", "kind"], name="customer_org_kind"),
            models.Index(fields=["organisation", "department"], name="customer_org_department"),
        ]

    def __str__(self) -> str:
        return self.name


def _with_suffix(value: str, suffix: str) -> str:
    """``12`` → ``12号楼``; values already carrying a word (``A座``, ``3单元``) stay as written."""
    value = value.strip()
    if not value:
        return ""
    return f"{value}{suffix}" if value.isascii() and value.isalnum() else value


class Address(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    building = models.CharField(_("building"), max_length=50, blank=True)
    unit = models.CharField(pgettext_lazy("address", "unit"), max_length=50, blank=True)
    room = models.CharField(_("room"), max_length=50, blank=True)
    text = models.CharField(_("address"), max_length=300, blank=True)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["order", "id"]
        indexes = [models.Index(fields=["building", "room"], name="address_building_room")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """``12号楼3单元1502室``, after the free-text part (estate, street) when there is one."""
        room = (
            _with_suffix(self.building, "号楼")
            + _with_suffix(self.unit, "单元")
            + _with_suffix(self.room, "室")
        )
        return " ".join(part for part in (self.text.strip(), room) if part)


class Phone(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(_("number"), max_length=30)  # as written, whole; masked only when shown
    digits = models.CharField(max_length=30, editable=False)  # digits only, for lookup
    label = models.CharField(_("label"), max_length=50, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        ordering = ["-is_primary", "id"]
        indexes = [models.Index(fields=["digits"], name="phone_digits")]

    def __str__(self) -> str:
        return self.number


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    relation = models.CharField(_("relation"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ServiceAgreement(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="agreements")
    number = models.CharField(_("agreement number"), max_length=50)
    title = models.CharField(_("title"), max_length=200, default="居家服务协议书")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("service agreement")
        verbose_name_plural = _("service agreements")
        ordering = ["-starts_on", "id"]
        indexes = [models.Index(fields=["number"], name="agreement_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def is_current(self, on: date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)


class Product(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="products")
    name = models.CharField(_("product"), max_length=200)
    model = models.CharField(_("model"), max_length=100, blank=True)
    serial = models.CharField(_("serial number"), max_length=100, blank=True)
    sale_date = models.DateField(_("sale date"), null=True, blank=True)
    warranty_ends_on = models.DateField(_("warranty ends on"), null=True, blank=True)
    running_hours = models.PositiveIntegerField(_("running hours"), null=True, blank=True)
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["id"]
        indexes = [models.Index(fields=["serial"], name="product_serial")]

    def __str__(self) -> str:
        return " ".join(part for part in (self.name, self.model) if part)

    def in_warranty(self, on: date) -> bool:
        """Under warranty (三包) on ``on``: the warranty end is known and not yet passed."""
        return self.warranty_ends_on is not None and on <= self.warranty_ends_on
