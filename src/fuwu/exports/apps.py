from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    name = "fuwu.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        # Every app's ``exports`` module registers its registers (fuwu.workorders.exports, …).
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("exports")
