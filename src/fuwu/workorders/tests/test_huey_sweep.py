"""The production profile: a real huey consumer on Redis performs the work-order sweep.

The periodic task runs once a minute (too slow for a test, and a periodic task stores no result), so
the test enqueues ``sweep_now``, the same sweep as a plain task, from another process, against a file
SQLite database prepared here: migrated, with a work order whose dispatch deadline has passed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap

import pytest

PREPARE_AND_ENQUEUE = textwrap.dedent(
    """
    import django, json, os
    os.environ["DJANGO_SETTINGS_MODULE"] = "fuwu.settings"
    django.setup()
    from datetime import timedelta
    from django.utils import timezone
    from huey.contrib.djhuey import HUEY
    from fuwu.catalogue.services import service_type_create
    from fuwu.customers.services import customer_create
    from fuwu.testing.cast import build_cast
    from fuwu.workorders.services import work_order_create
    from fuwu.workorders.tasks import sweep_now

    cast = build_cast()
    leak = service_type_create(organisation=cast.organisation, by=cast.admin, code="water-leak", name="漏水维修",
                               category="paid", sla_class="standard", default_department=cast.repair)
    customer = customer_create(organisation=cast.organisation, by=cast.agent, name="王先生",
                               phones=[{"number": "13912345678"}])
    # received 10 minutes ago: the 5-minute dispatch deadline has passed, nobody was dispatched
    order = work_order_create(organisation=cast.organisation, by=cast.agent, channel="phone", service_type=leak,
                              customer=customer, description="卫生间漏水",
                              now=timezone.now() - timedelta(minutes=10))
    result = sweep_now()
    print(type(HUEY).__name__, flush=True)
    print(json.dumps({"work_order": order.pk, "head": cast.head_repair.pk,
                      "result": result.get(blocking=True, timeout=60)}), flush=True)
    """
)


def test_a_real_consumer_on_redis_performs_the_sweep(tmp_path):
    url = os.environ.get("FUWU_TEST_REDIS_URL", "")
    if not url:
        if os.environ.get("FUWU_REQUIRE_REDIS"):
            pytest.fail("FUWU_TEST_REDIS_URL is required (a running redis-server)")
        pytest.skip(
            "no Redis: set FUWU_TEST_REDIS_URL=redis://127.0.0.1:6379/15 to run the production profile"
        )
    database = tmp_path / "fuwu.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "PYTEST_VERSION"}}
    env.update(
        {
            "FUWU_ENV": "development",
            "HUEY_IMMEDIATE": "0",
            "FUWU_VAR_DIR": str(tmp_path),
            "SQLITE_PATH": str(database),
            "REDIS_URL": url,
        }
    )
    subprocess.run(
        [sys.executable, "-m", "fuwu", "migrate", "--no-input"],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )

    consumer = subprocess.Popen(
        [sys.executable, "-m", "fuwu", "run_huey", "--workers", "1", "--no-periodic"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        out = subprocess.run(
            [sys.executable, "-c", PREPARE_AND_ENQUEUE], env=env, capture_output=True, text=True, timeout=120
        )
    finally:
        consumer.terminate()
        consumer.wait(timeout=30)
    assert out.returncode == 0, out.stderr[-3000:]
    kind, answer = out.stdout.splitlines()[-2], json.loads(out.stdout.splitlines()[-1])

    # the sweep ran in the consumer on Redis and fired the first level of the dispatch clock
    assert kind == "RedisHuey"
    assert answer["result"]["escalated"] >= 1
    with sqlite3.connect(database) as db:
        fired = db.execute(
            "SELECT e.level, e.role, e.notified FROM workorders_escalation e JOIN workorders_clock c "
            "ON c.id = e.clock_id WHERE e.work_order_id = ? AND c.kind = 'dispatch'",
            (answer["work_order"],),
        ).fetchall()
        told = db.execute(
            "SELECT count(*) FROM notify_notification n JOIN django_content_type t ON t.id = n.subject_type_id "
            "WHERE n.recipient_id = ? AND t.app_label = 'workorders' AND t.model = 'workorder' "
            "AND n.subject_id = ? AND n.kind = 'breached'",
            (answer["head"], answer["work_order"]),
        ).fetchone()[0]
    assert [(level, role) for level, role, _ in fired] == [(1, "department_head")]
    assert json.loads(fired[0][2]) == [answer["head"]]
    assert told == 1
