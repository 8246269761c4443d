from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class TimelineConfig(AppConfig):
    name = "fuwu.timeline"
    label = "timeline"
    verbose_name = _("Timeline")

    def ready(self) -> None:
        # Every app describes how its values are shown in its own ``display`` module
        # (fuwu.timeline.display.timeline_display, fuwu.lib.display.system_texts).
        autodiscover_modules("display")
