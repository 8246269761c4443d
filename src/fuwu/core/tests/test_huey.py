"""huey wiring: SQLite storage by default, Redis when REDIS_URL is set, with a real consumer."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

ENQUEUE = textwrap.dedent(
    """
    import django, json, os
    os.environ["DJANGO_SETTINGS_MODULE"] = "fuwu.settings"
    django.setup()
    from huey.contrib.djhuey import HUEY
    from fuwu.core.tasks import heartbeat
    result = heartbeat()
    print(type(HUEY).__name__, flush=True)
    print(json.dumps(result.get(blocking=True, timeout=60)), flush=True)
    """
)


def run_with_consumer(env: dict[str, str]) -> tuple[str, dict[str, object]]:
    import json

    consumer = subprocess.Popen(
        [sys.executable, "-m", "fuwu", "run_huey", "--workers", "1", "--no-periodic"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", ENQUEUE], env=env, capture_output=True, text=True, timeout=90, check=True
        ).stdout.splitlines()
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
    return out[0], {**json.loads(out[1]), "consumer_pid": consumer.pid}


def base_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_VERSION"}}
    env.update({"FUWU_ENV": "development", "HUEY_IMMEDIATE": "0", "FUWU_VAR_DIR": str(tmp_path)})
    return env


def test_embedded_sqlite_queue_reaches_a_real_consumer(tmp_path):
    kind, answer = run_with_consumer(base_env(tmp_path))
    assert kind == "SqliteHuey"
    assert answer["pid"] == answer["consumer_pid"]


def test_redis_queue_reaches_a_real_consumer(tmp_path):
    url = os.environ.get("FUWU_TEST_REDIS_URL", "")
    if not url:
        if os.environ.get("FUWU_REQUIRE_REDIS"):
            pytest.fail("FUWU_TEST_REDIS_URL is required (a running redis-server)")
        pytest.skip(
            "no Redis: set FUWU_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run the production profile"
        )
    started = time.monotonic()
    kind, answer = run_with_consumer({**base_env(tmp_path), "REDIS_URL": url})
    assert kind == "RedisHuey"
    assert answer["pid"] == answer["consumer_pid"]
    assert time.monotonic() - started < 90
