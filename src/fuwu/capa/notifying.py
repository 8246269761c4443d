"""CAPAs as subjects of notifications (``fuwu.notify``): title, link and the department whose
robots hear of them. Registered when the app is ready."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from fuwu.notify import subjects


def _link(capa: Any) -> str:
    return reverse("capa:detail", args=[capa.pk])


def register() -> None:
    subjects.register(
        "capa.Capa", title=lambda capa: capa.number, link=_link, department=lambda capa: capa.department
    )
