"""huey tasks: each morning the current period's inspections of every schedule are planned."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from fuwu.org.models import Organisation

from .services.planning import plan_period

log = logging.getLogger(__name__)


def plan_all(now: datetime | None = None) -> int:
    """Plan the current period's inspections of every organisation; returns how many were created."""
    now = now or timezone.now()
    created = 0
    for organisation in Organisation.objects.all():
        try:
            created += plan_period(organisation, now)
        except Exception:  # one organisation's failure must not stop the others
            log.exception("planning the inspections of %s failed", organisation.pk)
    return created


@db_periodic_task(crontab(hour="6", minute="0"))
@lock_task("inspections-plan")
def plan_inspections_daily() -> int:
    return plan_all()
