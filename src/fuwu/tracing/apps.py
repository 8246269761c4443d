from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TracingConfig(AppConfig):
    name = "fuwu.tracing"
    label = "tracing"
    verbose_name = _("Traceable item batches")

    def ready(self) -> None:
        # Each engine learns about batches from the module that plugs into it (ADR 0010); the
        # timeline and exports engines load ``display`` and ``exports`` themselves.
        from . import clock_process, notifying, visibility_rules

        visibility_rules.register()
        notifying.register()
        clock_process.register()
        from fuwu.policy.display import register_number_kind

        register_number_kind("batch", _("Item batches"))
