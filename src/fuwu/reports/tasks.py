"""huey tasks: each period's reports create themselves once the period is over."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from fuwu.lib.errors import ConflictError
from fuwu.lib.worktime import WorkCalendar
from fuwu.org.models import Organisation
from fuwu.policy.selectors import active_policy
from fuwu.workcal.selectors import work_calendar_for

from . import periods, registry
from .models import PeriodicReport
from .services import report_create

log = logging.getLogger(__name__)


def create_due_reports(now: datetime | None = None) -> int:
    """Create the report of the period that ended last, for every kind (and department) of every
    organisation whose policy asks for it, unless it exists (made by hand, or by an earlier run) or
    the kind's ``opens`` moment has not come yet. Returns how many were created. Safe to run any
    number of times: the unique constraints make a second creation a conflict, which is skipped."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    created = 0
    for organisation in Organisation.objects.order_by("pk"):
        policy = active_policy(organisation)
        calendar: WorkCalendar | None = None
        for kind in registry.kinds():
            if not kind.applies(policy):
                continue
            start, end = periods.last_ended_period(today, kind.period, kind.first_month)
            if kind.opens is not None:
                calendar = calendar or work_calendar_for(organisation)
                if now < periods.due_of(calendar, end, kind.opens(policy)).due:
                    continue  # not yet: a later run creates it
            departments = (
                list(kind.departments(organisation, policy, start, end))
                if kind.scope == registry.Scope.DEPARTMENT
                else [None]
            )
            existing = set(
                PeriodicReport.objects.filter(
                    organisation=organisation, kind=kind.code, period_start=start
                ).values_list("department_id", flat=True)
            )
            for department in departments:
                if (department.pk if department is not None else None) in existing:
                    continue
                try:
                    report_create(
                        organisation=organisation,
                        kind=kind,
                        period_start=start,
                        department=department,
                        now=now,
                    )
                    created += 1
                except ConflictError:
                    continue
                except Exception:  # one organisation's failure must not stop the others
                    log.exception(
                        "creating the %s report of %s for %s failed", kind.code, organisation.pk, start
                    )
    return created


@db_periodic_task(crontab(hour="6", minute="15"))
@lock_task("periodic-reports")
def create_reports_daily() -> int:
    return create_due_reports()
