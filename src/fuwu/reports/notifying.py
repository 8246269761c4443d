"""Periodic reports as subjects of notifications (``fuwu.notify``): title, link and the department
whose robots hear of them. Registered when the app is ready."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from fuwu.notify import subjects


def _title(report: Any) -> str:
    from .services import title_of

    return title_of(report)


def register() -> None:
    subjects.register(
        "reports.PeriodicReport",
        title=_title,
        link=lambda report: reverse("reports:detail", args=[report.pk]),
        department=lambda report: report.department,
    )
