from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "fuwu.inspections"
    label = "inspections"
    verbose_name = _("Service quality inspections")

    def ready(self) -> None:
        # Each engine learns about inspections from the module that plugs into it (ADR 0010); the
        # timeline, exports and reports engines load ``display``, ``exports`` and
        # ``periodic_reports`` themselves.
        from fuwu.policy.display import register_number_kind

        from . import clock_process, notifying, sources, visibility_rules

        visibility_rules.register()
        notifying.register()
        clock_process.register()
        sources.register()
        register_number_kind("inspection", _("Inspections"))
        register_number_kind("rectification", _("Rectification orders"))
