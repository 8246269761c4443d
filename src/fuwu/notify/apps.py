from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "fuwu.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        self._subject_accessors()

    def _subject_accessors(self) -> None:
        """A process's ``GenericRelation`` to notifications (``related_query_name="work_order"``)
        lets queries say ``filter(work_order=…)``; on a notification the same name reads its subject
        when the subject is such a record (Django would put a reverse manager there)."""
        from django.apps import apps
        from django.contrib.contenttypes.fields import GenericRelation

        from .models import Notification, OutboxMessage

        for model in apps.get_models():
            for field in model._meta.private_fields:
                if not isinstance(field, GenericRelation) or field.related_model not in (
                    Notification,
                    OutboxMessage,
                ):
                    continue
                name = field.remote_field.related_query_name
                if not name or "+" in name:
                    continue

                def subject_if(instance: Any, model: type = model) -> Any:
                    subject = instance.subject if instance.subject_type_id else None
                    return subject if isinstance(subject, model) else None

                setattr(field.related_model, name, property(subject_if))
