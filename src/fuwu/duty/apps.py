from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "fuwu.duty"
    label = "duty"
    verbose_name = _("Shifts and handover")

    def ready(self) -> None:
        # Each engine learns about shifts, swaps and handovers from the module that plugs into it
        # (ADR 0010); the timeline engine loads ``display`` itself.
        from . import approvals, clock_process, notifying, visibility_rules

        for plugged in (visibility_rules, notifying, clock_process, approvals):
            plugged.register()
