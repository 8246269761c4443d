from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "fuwu.workorders"
    label = "workorders"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from . import notifying

        notifying.register()
        from . import clock_process

        clock_process.register()
        from . import approvals

        approvals.register()
        from fuwu.org.models import Absence
        from fuwu.org.services import ABSENCE_STARTED_HOOKS

        from .services import hand_over_open_work

        def hand_over(absence: Absence) -> object:
            return hand_over_open_work(absence=absence)

        ABSENCE_STARTED_HOOKS.append(hand_over)
