"""Return visits as subjects of notifications (``fuwu.notify``): title, link, department, and the
events only visits have. Registered when the app is ready."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from fuwu.notify import events, subjects

# The customer says they paid for a free or warranty service (possible private collection).
CHARGE_FLAGGED = events.register("visit_charge_flagged", _("Charged for a free service"), urgent=True)
# The customer was not satisfied at a return visit: the work is to be handled again.
UNSATISFIED = events.register("visit_unsatisfied", _("Customer not satisfied at the return visit"))


def visit_link(visit: Any) -> str:
    try:
        return reverse("visits:detail", args=[visit.pk])
    except NoReverseMatch:
        return f"/visits/{visit.pk}/"


def visit_title(visit: Any) -> str:
    subject = visit.work_order or visit.complaint
    number = subject.number if subject is not None else visit.get_reason_display()
    return f"{number} · {visit.contact_name or visit.contact_phone}".strip(" ·")


def register() -> None:
    subjects.register(
        "visits.Visit",
        title=visit_title,
        link=visit_link,
        department=lambda visit: visit.department,
    )
