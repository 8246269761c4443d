"""Background jobs of the core: the worker's heartbeat (read by /health/) and the nightly statistics.
Each process's own jobs live in its app's tasks.py."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, task


@task()
def heartbeat() -> dict[str, object]:
    """Answer from a consumer: proves the queue (SQLite or Redis) reaches a running worker."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "at": timezone.now().isoformat()}


# When this worker process started (the heartbeat's row says so).
STARTED_AT = timezone.now()
# A worker that has not beaten for this long is gone: its row is removed.
FORGET_AFTER = timedelta(days=1)


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> str:
    """Every minute: "this worker runs tasks". The health endpoint reports the newest beat's age,
    so a stopped worker, a queue no worker reads and a scheduler that stopped all show there."""
    from .models import WorkerHeartbeat

    now = timezone.now()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    WorkerHeartbeat.objects.update_or_create(
        worker=worker, defaults={"beat_at": now}, create_defaults={"beat_at": now, "started_at": STARTED_AT}
    )
    WorkerHeartbeat.objects.filter(beat_at__lt=now - FORGET_AFTER).delete()
    return worker


@db_periodic_task(crontab(hour="3", minute="17"))
def refresh_query_planner_statistics() -> str:
    """SQLite's planner picks indexes from statistics that nothing else refreshes: refresh them
    nightly (PRAGMA optimize runs ANALYZE where it helps). PostgreSQL's autovacuum does this itself."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
        return "sqlite: optimized"
    return f"{connection.vendor}: left to the server"
