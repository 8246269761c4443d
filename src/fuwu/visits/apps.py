from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "fuwu.visits"
    label = "visits"
    verbose_name = _("Return visits")

    def ready(self) -> None:
        # Each engine learns about visits from the module that plugs into it (ADR 0010); ``display``
        # registers its timeline labels when imported; ``receivers`` listens to work orders and
        # complaints.
        from . import clock_process, display, notifying, receivers, visibility_rules  # noqa: F401

        for plugged in (visibility_rules, notifying, clock_process):
            plugged.register()
        receivers.connect()
