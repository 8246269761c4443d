"""Suppliers as subjects of notifications (``fuwu.notify``): title, link and the department whose
robots hear of them (the managing department); and the event of a supplier's fall in standing.
Registered when the app is ready (the event at import)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu.notify import events, subjects

# Translators: a supplier's evaluation lowered its standing (合格 → 观察 → 取消资格)
STANDING_FELL = events.register("supplier_standing_fell", _("Supplier's standing fell"))


def register() -> None:
    subjects.register(
        "suppliers.Supplier",
        title=lambda supplier: supplier.name,
        link=lambda supplier: reverse("suppliers:detail", args=[supplier.pk]),
        department=lambda supplier: supplier.department,
    )
