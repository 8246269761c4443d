from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CapaConfig(AppConfig):
    name = "fuwu.capa"
    label = "capa"
    verbose_name = _("Corrective and preventive actions")

    def ready(self) -> None:
        # Each engine learns about CAPAs from the module that plugs into it (ADR 0010); the timeline
        # and exports engines load ``display`` and ``exports`` themselves.
        from . import clock_process, notifying, visibility_rules

        visibility_rules.register()
        notifying.register()
        clock_process.register()
        from fuwu.policy.display import register_number_kind

        register_number_kind("capa", _("Corrective actions"))
