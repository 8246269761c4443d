"""``GET /health/``: is this installation working? For load balancers and monitoring.

Checks, each timed:

- ``database``: a ``SELECT 1`` through Django's connection.
- ``redis``: a ``PING`` when ``REDIS_URL`` is set (the queue and the shared cache live there).
- ``worker``: the age of the newest background worker's heartbeat (``core.tasks.worker_heartbeat``,
  every minute) and how many workers beat within the allowed age.
- ``queue``: tasks waiting in huey's queue, and scheduled for later.
- ``sweep``: the oldest warning or escalation due and not yet swept (the clocks engine), and how
  long it has waited.

``status`` is ``ok``; ``degraded`` when a worker, the queue or the sweep is beyond its limit
(settings ``FUWU_HEALTH_*``: this server can still serve pages, monitoring should alert); ``down``
when the database or Redis does not answer (the answer is then 503, so a load balancer takes the
server out). The body names no host, person or record: it is public, like the probe.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

OK, DEGRADED, DOWN = "ok", "degraded", "down"


def _timed(check: Any) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        result = check()
    except Exception as error:  # a failing check is the answer, not a server error
        result = {"status": DOWN, "error": type(error).__name__}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return {"status": DOWN, "error": type(error).__name__}
    return {"status": OK, "vendor": connection.vendor}


def _redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": OK, "configured": False}
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        return {"status": DOWN, "configured": True, "error": type(error).__name__}
    finally:
        client.close()
    return {"status": OK, "configured": True}


def _age(moment: datetime | None, now: datetime) -> float | None:
    return None if moment is None else round(max((now - moment).total_seconds(), 0.0), 1)


def _worker(now: datetime) -> dict[str, Any]:
    from .models import WorkerHeartbeat

    limit = settings.FUWU_HEALTH_WORKER_MAX_AGE
    beats = list(WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True)[:50])
    age = _age(beats[0] if beats else None, now)
    alive = sum(1 for beat in beats if (now - beat).total_seconds() <= limit)
    return {
        "status": OK if age is not None and age <= limit else DEGRADED,
        "last_heartbeat_age_seconds": age,
        "workers": alive,
        "max_age_seconds": limit,
    }


def _queue() -> dict[str, Any]:
    from huey.contrib.djhuey import HUEY

    pending = HUEY.pending_count()
    limit = settings.FUWU_HEALTH_QUEUE_MAX
    return {
        "status": OK if pending <= limit else DEGRADED,
        "pending": pending,
        "scheduled": HUEY.scheduled_count(),
        "max_pending": limit,
    }


def _sweep(now: datetime) -> dict[str, Any]:
    from fuwu.clocks.sweep import oldest_unswept

    oldest = oldest_unswept(now)
    lag = _age(oldest, now)
    limit = settings.FUWU_HEALTH_SWEEP_MAX_LAG
    return {
        "status": OK if lag is None or lag <= limit else DEGRADED,
        "oldest_unswept_due_at": oldest.isoformat() if oldest else None,
        "lag_seconds": lag,
        "max_lag_seconds": limit,
    }


def report(now: datetime | None = None) -> dict[str, Any]:
    """Every check and the overall status. The checks that read the database are skipped (reported
    ``unknown``) when the database is down."""
    now = now or timezone.now()
    checks: dict[str, dict[str, Any]] = {"database": _timed(_database), "redis": _timed(_redis)}
    if checks["database"]["status"] == OK:
        checks["worker"] = _timed(lambda: _worker(now))
        checks["sweep"] = _timed(lambda: _sweep(now))
    else:
        checks["worker"] = checks["sweep"] = {"status": "unknown"}
    checks["queue"] = _timed(_queue) if checks["redis"]["status"] == OK else {"status": "unknown"}
    statuses = {check["status"] for check in checks.values()}
    if DOWN in statuses:
        status = DOWN
    elif statuses - {OK}:
        status = DEGRADED
    else:
        status = OK
    return {"status": status, "checked_at": now.isoformat(), "checks": checks}
