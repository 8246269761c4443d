"""Inspections and rectification orders as subjects of notifications (``fuwu.notify``): title,
link and the department whose robots hear of them. Registered when the app is ready."""

from __future__ import annotations

from django.urls import reverse

from fuwu.notify import subjects


def register() -> None:
    subjects.register(
        "inspections.Inspection",
        title=lambda inspection: inspection.number,
        link=lambda inspection: reverse("inspections:detail", args=[inspection.pk]),
        department=lambda inspection: inspection.department,
    )
    subjects.register(
        "inspections.Rectification",
        title=lambda rectification: rectification.number,
        link=lambda rectification: reverse("inspections:rectification", args=[rectification.pk]),
        department=lambda rectification: rectification.department,
    )
