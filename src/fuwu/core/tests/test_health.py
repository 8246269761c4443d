"""/health/: database, Redis, the workers' heartbeat, the queue and the sweep's lag, for a load
balancer (503 when down) and for monitoring (``degraded`` with the reason)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from fuwu.clocks.sweep import sweep
from fuwu.core import health
from fuwu.core.models import WorkerHeartbeat
from fuwu.core.tasks import worker_heartbeat
from fuwu.workorders.models import Clock
from fuwu.workorders.tests.conftest import at


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.django_db
def test_a_working_installation_is_ok_and_says_so_to_anyone(client):
    worker_heartbeat.call_local()
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok", body
    assert set(body["checks"]) == {"database", "redis", "worker", "queue", "sweep"}
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["worker"]["workers"] == 1
    assert body["checks"]["sweep"]["lag_seconds"] is None
    assert "no-cache" in response["Cache-Control"]
    # The body names no host or process: the probe is public.
    assert socket.gethostname() not in response.content.decode()
    assert client.post("/health/").status_code == 405


@pytest.mark.django_db
def test_no_worker_heartbeat_is_degraded_and_a_late_one_too():
    now = timezone.now()
    worker = health.report(now)["checks"]["worker"]
    assert worker == {**worker, "status": "degraded", "last_heartbeat_age_seconds": None, "workers": 0}

    with time_machine.travel(now, tick=False):
        worker_heartbeat.call_local()
    limit = 180
    just_in_time = health.report(now + timedelta(seconds=limit))
    assert just_in_time["checks"]["worker"]["status"] == "ok"
    assert just_in_time["checks"]["worker"]["last_heartbeat_age_seconds"] == limit
    late = health.report(now + timedelta(seconds=limit + 1))
    assert late["status"] == "degraded"
    assert late["checks"]["worker"] == {**late["checks"]["worker"], "status": "degraded", "workers": 0}


@pytest.mark.django_db
def test_the_heartbeat_keeps_one_row_per_worker_and_forgets_workers_gone_for_a_day():
    long_ago = timezone.now() - timedelta(days=1, minutes=1)
    WorkerHeartbeat.objects.create(worker="old-host:1", started_at=long_ago, beat_at=long_ago)
    first = worker_heartbeat.call_local()
    worker_heartbeat.call_local()
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == [first]


@pytest.mark.django_db
def test_a_long_queue_is_degraded(settings):
    settings.FUWU_HEALTH_QUEUE_MAX = 2
    worker_heartbeat.call_local()
    storage = HUEY.storage
    try:
        for _ in range(2):
            storage.enqueue(b"waiting")
        assert health.report()["checks"]["queue"] == {
            **health.report()["checks"]["queue"],
            "status": "ok",
            "pending": 2,
        }
        storage.enqueue(b"waiting")
        report = health.report()
        assert report["status"] == "degraded"
        assert report["checks"]["queue"]["pending"] == 3
    finally:
        storage.flush_queue()


@pytest.mark.django_db
def test_a_due_clock_the_sweep_has_not_reached_is_lag(cast, receive, settings):
    """A work order's clocks warn and escalate at set moments: when the sweep has not run since, the
    oldest such moment still to act on is the lag; after the sweep the lag is gone. (The property
    preset's dispatch clock warns at 10:04 and is due at 10:05: once due, its warning is moot and the
    escalation due at 10:05 counts.)"""
    with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
        order = receive()
    worker_heartbeat.call_local()
    running = Clock.objects.filter(work_order=order, met_at=None, paused_at=None, is_active=True)
    first_warning = min(clock.warn_at for clock in running if clock.warn_at)
    first_escalation = min(clock.next_escalation_at for clock in running if clock.next_escalation_at)
    assert first_warning < first_escalation

    before = health.report(first_warning - timedelta(seconds=1))["checks"]["sweep"]
    assert before["lag_seconds"] is None
    assert before["status"] == "ok"
    warning_waits = health.report(first_warning + timedelta(seconds=30))["checks"]["sweep"]
    assert warning_waits["lag_seconds"] == 30
    assert warning_waits["oldest_unswept_due_at"] == first_warning.isoformat()

    limit = settings.FUWU_HEALTH_SWEEP_MAX_LAG
    at_limit = health.report(first_escalation + timedelta(seconds=limit))["checks"]["sweep"]
    assert at_limit["lag_seconds"] == limit
    assert at_limit["status"] == "ok"
    assert at_limit["oldest_unswept_due_at"] == first_escalation.isoformat()
    late_moment = first_escalation + timedelta(seconds=limit + 1)
    late = health.report(late_moment)
    assert late["status"] == "degraded"
    assert late["checks"]["sweep"]["status"] == "degraded"
    assert late["checks"]["sweep"]["lag_seconds"] == limit + 1

    with time_machine.travel(late_moment, tick=False):
        sweep(late_moment)
    swept = health.report(late_moment)["checks"]["sweep"]
    assert swept["status"] == "ok"
    assert swept["lag_seconds"] is None


@pytest.mark.django_db
def test_redis_that_does_not_answer_is_down_with_503(client, settings):
    worker_heartbeat.call_local()
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["redis"] == {**body["checks"]["redis"], "status": "down", "configured": True}
    assert body["checks"]["queue"] == {"status": "unknown"}


@pytest.mark.django_db
def test_a_real_redis_is_checked(settings):
    url = os.environ.get("FUWU_TEST_REDIS_URL", "")
    if not url:
        if os.environ.get("FUWU_REQUIRE_REDIS"):
            pytest.fail("FUWU_REQUIRE_REDIS is set but FUWU_TEST_REDIS_URL is not")
        pytest.skip("no Redis for the tests (FUWU_TEST_REDIS_URL)")
    settings.REDIS_URL = url
    redis = health.report()["checks"]["redis"]
    assert (redis["status"], redis["configured"]) == ("ok", True)
    assert 0 <= redis["ms"] < 10_000


PROBE = textwrap.dedent(
    """
    import django, json, os
    django.setup()
    from django.test import Client
    response = Client().get("/health/")
    print(json.dumps({"status_code": response.status_code, "body": response.json()}))
    """
)


def test_a_database_that_does_not_answer_is_down_with_503(tmp_path):
    """A server whose PostgreSQL is unreachable: 503, and the checks that need it are not run."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fuwu.settings",
        "FUWU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://fuwu:fuwu@127.0.0.1:{free_port()}/nowhere",
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "testserver",
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["status_code"] == 503
    checks = answer["body"]["checks"]
    assert checks["database"] == {**checks["database"], "status": "down", "error": "OperationalError"}
    assert checks["worker"] == checks["sweep"] == {"status": "unknown"}
