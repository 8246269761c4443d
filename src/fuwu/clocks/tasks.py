"""huey tasks: thin wrappers that take the time and call the engine's one sweep."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from .sweep import sweep


def _sweep() -> dict[str, int]:
    result = sweep(timezone.now())
    return {
        "warned": result.warned,
        "escalated": result.escalated,
        "moved_on": result.moved_on,
        "failed": result.failed,
        **result.steps,
    }


@db_periodic_task(crontab(minute="*"))
@lock_task("clock-sweep")
def sweep_every_minute() -> dict[str, int]:
    return _sweep()


@db_task()
@lock_task("clock-sweep")
def sweep_now() -> dict[str, int]:
    """One sweep at once (a periodic task stores no result; this one does, so a caller can wait on it)."""
    return _sweep()
