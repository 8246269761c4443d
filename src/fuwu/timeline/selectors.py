from __future__ import annotations

from django.db import models

from .models import Event, EventQuerySet


def events_for(subject: models.Model) -> EventQuerySet:
    """Events of a record the caller has already been allowed to see (through visibility)."""
    return Event.objects.for_subject(subject).select_related("actor").order_by("at", "id")


__all__ = ["Event", "events_for"]
