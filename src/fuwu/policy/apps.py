from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "fuwu.policy"
    label = "policy"
    verbose_name = _("Policy")

    def ready(self) -> None:
        # Infrastructure only (no business rule): ``active_policy`` remembers the active version of each
        # organisation for the length of one request.
        from django.core.signals import request_finished, request_started

        from .selectors import begin_request_scope, end_request_scope

        request_started.connect(begin_request_scope, dispatch_uid="fuwu.policy.begin_request_scope")
        request_finished.connect(end_request_scope, dispatch_uid="fuwu.policy.end_request_scope")
