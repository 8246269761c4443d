"""How suppliers and their values are shown (loaded by the timeline app at start-up): the labels
of their actions and of every key the services write into their timeline, and the sentences
stored as text (the standing's reason, notification titles, conflicts)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu.inspections.models import Inspection
from fuwu.lib.display import system_texts
from fuwu.timeline.display import Auto, Choice, Day, Moment, Ref, Text, Value, YesNo, timeline_display

from .models import Standing, Supplier

EVENT_LABELS = {
    # Translators: a supplier registered after its selection and contract (供方登记)
    "supplier.created": _("Supplier registered"),
    "supplier.updated": _("Details changed"),
    "supplier.deactivated": _("Deactivated"),
    # Translators: 供方评价 submitted: its score sets the supplier's standing
    "supplier.evaluated": _("Evaluated"),
    "supplier.evaluation_planned": _("Evaluation requested"),
}

# Badge colours of the standings (Bootstrap).
STANDING_COLOURS: dict[str, str] = {
    Standing.QUALIFIED: "success",
    Standing.PROBATION: "warning",
    Standing.DISQUALIFIED: "danger",
}


def _suppliers(viewer: Any, ids: set[Any]) -> Any:
    from .visibility_rules import suppliers_for_user

    return suppliers_for_user(viewer).filter(pk__in=ids).only("pk", "name")


timeline_display.reference(
    Supplier,
    visible=_suppliers,
    name=lambda supplier: supplier.name,
    url=lambda supplier, viewer: reverse("suppliers:detail", args=[supplier.pk]),
)

timeline_display.subject(
    Supplier,
    actions=EVENT_LABELS,
    fields={
        "name": Value(format=Text()),
        "department": Value(_("managing department"), Auto()),
        "services": Value(format=Text()),
        "contact_name": Value(format=Text()),
        "phone": Value(format=Text()),
        "contract_starts_on": Value(format=Day()),
        "contract_ends_on": Value(format=Day()),
        "standing": Value(format=Choice(Standing)),
        "is_active": Value(format=YesNo()),
        "evaluation": Value(_("supplier evaluation"), Ref(Inspection)),
        "score": Value(_("evaluation score"), Auto()),
        "inspector": Value(_("evaluator"), Auto()),
        "due_at": Value(_("due at"), Moment()),
    },
)

system_texts.register(_("Evaluation %(number)s scored %(score)s"))
system_texts.register(
    _("%(supplier)s: standing fell to %(standing)s (%(reason)s)"),
    standing=Standing,
)
system_texts.register_choices(Standing)

__all__ = ["EVENT_LABELS", "STANDING_COLOURS"]
