from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClocksConfig(AppConfig):
    """The clocks engine: abstract clock and escalation models (one concrete table per process), the
    deadline maths, the clock services, the registry of processes and the one sweep over it."""

    name = "fuwu.clocks"
    label = "clocks"
    verbose_name = _("Clocks and escalation")
