"""huey tasks: the month's samples draw themselves once the month is over; each morning the day's
planned visits (first visits, maintenance reminders, holiday greetings) are planned."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from fuwu.lib.errors import ConflictError
from fuwu.org.models import Organisation
from fuwu.policy.selectors import active_policy

from .models import VisitSample
from .services.planned import plan_day
from .services.sampling import draw_month, last_month, sampled_levels

log = logging.getLogger(__name__)


def draw_last_month(now: datetime | None = None) -> int:
    """Draw the previous month's samples of every organisation that has not drawn them yet (a
    director may have drawn them by hand). Returns how many organisations were drawn."""
    now = now or timezone.now()
    month = last_month(timezone.localtime(now).date())
    drawn = 0
    for organisation in Organisation.objects.all():
        if VisitSample.objects.filter(organisation=organisation, month=month).exists():
            continue
        if not sampled_levels(active_policy(organisation)):
            continue
        try:
            draw_month(organisation, month, by=None, now=now)
            drawn += 1
        except ConflictError:
            continue
        except Exception:  # one organisation's failure must not stop the others
            log.exception("drawing the visit samples of %s for %s failed", organisation.pk, month)
    return drawn


@db_periodic_task(crontab(hour="6", minute="5"))
@lock_task("visit-samples")
def draw_samples_daily() -> int:
    return draw_last_month()


def plan_all(now: datetime | None = None) -> int:
    """The day's planned visits of every organisation (each planner is idempotent: a second run
    plans nothing). Returns how many visits were planned."""
    now = now or timezone.now()
    planned = 0
    for organisation in Organisation.objects.all():
        try:
            day = plan_day(organisation, now)
        except Exception:  # one organisation's failure must not stop the others
            log.exception("planning the visits of %s failed", organisation.pk)
            continue
        planned += day.first_visits + day.maintenance + day.greetings
    return planned


@db_periodic_task(crontab(hour="6", minute="10"))
@lock_task("visit-planning")
def plan_visits_daily() -> int:
    return plan_all()
