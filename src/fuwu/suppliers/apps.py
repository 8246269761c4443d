from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliersConfig(AppConfig):
    name = "fuwu.suppliers"
    label = "suppliers"
    verbose_name = _("Outsourced suppliers")

    def ready(self) -> None:
        # Each engine learns about suppliers from the module that plugs into it (ADR 0010); the
        # timeline engine loads ``display`` itself.
        from . import notifying, visibility_rules

        visibility_rules.register()
        notifying.register()
