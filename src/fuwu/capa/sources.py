"""The records a CAPA can be raised from and link as affected: complaints and work orders now,
inspection findings and return visits when their processes exist (each registers itself here with
``register_source``).

A record is named ``<app_label>.<model>:<id>`` (``complaints.complaint:12``), in the API's
``affected`` list and in the create page's ``?source=``. It is found only through the visibility
rules: a record the user may not see (another department, a higher clearance, another organisation)
answers exactly like one that does not exist — the message never names it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model
from django.urls import NoReverseMatch, reverse

from fuwu import visibility
from fuwu.lib.inputs import MAX_BIGINT

from .models import Origin

REFERENCE = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*):([1-9][0-9]{0,18})$")
REFERENCE_PATTERN = REFERENCE.pattern
REFERENCE_LENGTH = 100


@dataclass(frozen=True)
class Source:
    origin: str
    label: Callable[[Any], str]  # the record's name for people (its number)
    url: Callable[[Any], str | None] = lambda record: None
    # What a CAPA raised from the record starts with: title, problem, department, confidentiality, category.
    prefill: Callable[[Any], dict[str, Any]] = field(default=lambda record: {})


_SOURCES: dict[str, Source] = {}


def register_source(label: str, source: Source) -> None:
    """``label``: the model's ``app_label.ModelName``."""
    _SOURCES[label.lower()] = source


def source_of(record: Model) -> Source | None:
    return _SOURCES.get(record._meta.label_lower)


def reference_of(record: Model) -> str:
    return f"{record._meta.label_lower}:{record.pk}"


def parse(reference: str) -> tuple[str, int] | None:
    match = REFERENCE.match(reference.strip())
    if match is None:
        return None
    number = int(match.group(3))
    if number > MAX_BIGINT:
        return None
    return f"{match.group(1)}.{match.group(2)}", number


def resolve(user: Any, reference: str) -> Model | None:
    """The record ``reference`` names, if it may be linked and ``user`` may see it; else None (the
    same answer for absent and invisible records)."""
    parsed = parse(reference)
    if parsed is None or parsed[0] not in _SOURCES:
        return None
    label, pk = parsed
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    record = model._default_manager.filter(pk=pk).first()
    if record is None:
        return None
    try:
        return record if visibility.may_see(user, record) else None
    except TypeError:  # a model without a visibility rule is never linked
        return None


def record_url(record: Model) -> str | None:
    source = source_of(record)
    if source is None:
        return None
    try:
        return source.url(record)
    except NoReverseMatch:
        return None


# --- the sources known today ----------------------------------------------------------------

# A complaint's object (what it is about) as the policy's default problem category.
COMPLAINT_CATEGORIES = {
    "service_attitude": "service_attitude",
    "professional_competence": "professional_competence",
    "efficiency": "timeliness",
    "production_quality": "product_quality",
    "logistics_damage": "product_quality",
    "quantity_mismatch": "product_quality",
    "fees": "process",
    "other": "other",
}


def _complaint_prefill(complaint: Any) -> dict[str, Any]:
    department = complaint.responsible_department or complaint.department or complaint.intake_department
    problem = "\n".join(p for p in (complaint.description, complaint.cause) if p)
    return {
        "title": complaint.subject,
        "problem": problem,
        "department": department,
        "confidentiality": complaint.confidentiality,
        "category": COMPLAINT_CATEGORIES.get(complaint.object, "other"),
        "kind": "corrective",
    }


def _work_order_prefill(work_order: Any) -> dict[str, Any]:
    return {
        "title": work_order.service_type.name,
        "problem": work_order.description,
        "department": work_order.department or work_order.intake_department,
        "confidentiality": work_order.confidentiality,
        "kind": "corrective",
    }


def _url(name: str) -> Callable[[Any], str | None]:
    def url(record: Any) -> str | None:
        return reverse(name, args=[record.pk])

    return url


register_source(
    "complaints.Complaint",
    Source(
        origin=Origin.COMPLAINT,
        label=lambda complaint: complaint.number,
        url=_url("complaints:detail"),
        prefill=_complaint_prefill,
    ),
)
register_source(
    "workorders.WorkOrder",
    Source(
        origin=Origin.WORK_ORDER,
        label=lambda work_order: work_order.number,
        url=_url("workorders:detail"),
        prefill=_work_order_prefill,
    ),
)
