"""Rectification orders as records a corrective action can be raised from and link
(``fuwu.capa.sources``): a finding that keeps coming back (REQUIREMENTS §7, §8)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from fuwu.capa.models import Origin
from fuwu.capa.sources import Source, register_source


def _prefill(rectification: Any) -> dict[str, Any]:
    finding = rectification.finding
    return {
        "title": finding.item[:200],
        "problem": "\n".join(part for part in (finding.item, finding.note) if part),
        "department": rectification.department,
        "confidentiality": rectification.confidentiality,
        "category": "process",
        "kind": "corrective",
    }


def register() -> None:
    register_source(
        "inspections.Rectification",
        Source(
            origin=Origin.INSPECTION,
            label=lambda rectification: rectification.number,
            url=lambda rectification: reverse("inspections:rectification", args=[rectification.pk]),
            prefill=_prefill,
        ),
    )
