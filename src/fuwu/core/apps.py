from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fuwu.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from huey.contrib.djhuey import HUEY

        from .observability import on_task_start

        HUEY.pre_execute(name="fuwu-log-context")(on_task_start)
