from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "fuwu.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        # Each engine learns about complaints from the complaint module that plugs into it
        # (ADR 0010). A module that does not exist yet is simply not registered.
        from importlib import import_module

        for module in (
            "visibility_rules",
            "notifying",
            "clock_process",
            "approvals",
            "display",
            "services.penalties",
        ):
            try:
                plugged = import_module(f"{self.name}.{module}")
            except ModuleNotFoundError as exc:
                if exc.name != f"{self.name}.{module}":
                    raise
                continue
            register = getattr(plugged, "register", None)
            if register is not None:
                register()
