"""huey tasks: send deliveries after commit, and every minute whatever is due (retries after their
back-off, deliveries held for quiet hours, first tries the queue lost)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from . import services


@db_task()
def send_deliveries(ids: list[int]) -> int:
    return sum(services.deliver(pk) is not None for pk in ids)


@db_periodic_task(crontab(minute="*"))
@lock_task("notify-send-due")
def send_due_every_minute() -> int:
    return services.send_due()
