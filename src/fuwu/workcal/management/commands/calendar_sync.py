"""``fuwu calendar_sync``: re-read the holiday data package after an upgrade of chinesecalendar."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from fuwu.workcal.package import package_version
from fuwu.workcal.services import calendar_sync_package


class Command(BaseCommand):
    help = (
        "Bring the working-day calendar up to date with the installed chinesecalendar package. "
        "Days entered by an administrator are kept."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = calendar_sync_package()
        self.stdout.write(
            f"chinesecalendar {package_version()}: {report.created} days added, {report.updated} updated, "
            f"{report.deleted} removed, {report.kept_admin} administrator days kept, "
            f"{report.years_added} years added."
        )
