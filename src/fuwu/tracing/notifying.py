"""Batches as subjects of notifications (``fuwu.notify``): title, link and the department whose
robots hear of them. Registered when the app is ready."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from fuwu.notify import subjects


def _link(batch: Any) -> str:
    return reverse("tracing:detail", args=[batch.pk])


def register() -> None:
    subjects.register(
        "tracing.Batch",
        title=lambda batch: batch.number,
        link=_link,
        department=lambda batch: batch.department,
    )
