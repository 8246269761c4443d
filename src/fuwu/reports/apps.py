from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "fuwu.reports"
    label = "reports"
    verbose_name = _("Periodic reports")

    def ready(self) -> None:
        # Each engine learns about reports from the module that plugs into it (ADR 0010); the
        # processes' report kinds come from their ``periodic_reports`` modules (ADR 0013).
        from django.utils.module_loading import autodiscover_modules

        from . import approvals, clock_process, display, notifying, visibility_rules  # noqa: F401

        visibility_rules.register()
        notifying.register()
        clock_process.register()
        approvals.register()
        autodiscover_modules("periodic_reports")
