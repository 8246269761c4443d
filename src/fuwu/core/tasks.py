"""Background jobs of the core. Work-order sweeps (next release) live in their own app's tasks.py."""

from __future__ import annotations

import os
import socket

from django.db import connection
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, task


@task()
def heartbeat() -> dict[str, object]:
    """Answer from a consumer: proves the queue (SQLite or Redis) reaches a running worker."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "at": timezone.now().isoformat()}


@db_periodic_task(crontab(hour="3", minute="17"))
def refresh_query_planner_statistics() -> str:
    """SQLite's planner picks indexes from statistics that nothing else refreshes: refresh them
    nightly (PRAGMA optimize runs ANALYZE where it helps). PostgreSQL's autovacuum does this itself."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA optimize")
        return "sqlite: optimized"
    return f"{connection.vendor}: left to the server"
