from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "fuwu.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        # Each engine learns about complaints from the complaint module that plugs into it (ADR 0010);
        # ``display`` registers its timeline labels when imported.
        from . import approvals, clock_process, display, notifying, visibility_rules  # noqa: F401
        from .services import penalties

        for plugged in (visibility_rules, notifying, clock_process, approvals, penalties):
            plugged.register()
