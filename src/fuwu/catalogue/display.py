"""How service types and their values are shown (loaded by the timeline app at start-up)."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.lib import display as fmt
from fuwu.lib.display import system_texts
from fuwu.policy.display import SLA_CLASS
from fuwu.timeline.display import Custom, ListOf, Text, Value, timeline_display

from .models import ServiceCategory, ServiceType

# A fee line as the catalogue's timeline stores it: "上门检查费 30.00/次" (name, price, unit).
_FEE = re.compile(r"^(?P<name>.+) (?P<price>\d+(?:\.\d+)?)(?:/(?P<unit>.+))?$")


def fee_line_text(value: Any, context: Any = None) -> str:
    """``上门检查费 30.00/次`` → ``上门检查费 ¥30.00/次``."""
    match = _FEE.match(str(value))
    if match is None:
        return str(value)
    shown = f"{match['name']} {fmt.money(match['price'])}"
    return f"{shown}/{match['unit']}" if match["unit"] else shown


def _service_types(viewer: Any, ids: set[Any]) -> Any:
    return visibility.service_types_for_user(viewer).filter(pk__in=ids).only("pk", "name")


timeline_display.reference(
    ServiceType,
    visible=_service_types,
    name=lambda service_type: service_type.name,
    url=lambda service_type, viewer: reverse("catalogue:detail", args=[service_type.pk]),
)

timeline_display.subject(
    ServiceType,
    actions={
        "service_type.created": _("Service type created"),
        "service_type.updated": _("Service type changed"),
    },
    fields={
        "sla_class": Value(format=SLA_CLASS),
        "materials": Value(format=ListOf(Text())),
        "fee_items": Value(format=ListOf(Custom(fee_line_text))),
    },
)

# A material that is not required is stored as "name (optional)" in the writer's language.
system_texts.register(lazy(lambda: "%(name)s (" + gettext("optional") + ")", str)())
system_texts.register_choices(ServiceCategory)
