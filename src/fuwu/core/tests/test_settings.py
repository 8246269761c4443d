"""Configuration that cannot be got wrong: the settings module read in a fresh process, as a server
would read it, with the environment a deployment gives it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PRINT_DATABASE = """
import json
from django.conf import settings
print(json.dumps(settings.DATABASES["default"], default=str))
"""

# Twenty connections, each in its own thread, run read-then-write transactions on one file at the
# same moment: without BEGIN IMMEDIATE and a busy timeout SQLite refuses most of them at once with
# "database is locked" (the reader cannot upgrade to a writer while another transaction writes).
CONCURRENT_WRITERS = """
import threading
import django
django.setup()
from django.db import connection, connections, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
    cursor.execute("INSERT INTO counter (id, value) VALUES (1, 0)")
connections.close_all()

WRITERS, ROUNDS = 20, 10
start = threading.Barrier(WRITERS)
errors = []

def writer():
    try:
        start.wait(timeout=30)
        for _ in range(ROUNDS):
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT value FROM counter WHERE id = 1")
                    value = cursor.fetchone()[0]
                    cursor.execute("UPDATE counter SET value = %s WHERE id = 1", [value + 1])
    except Exception as error:
        errors.append(repr(error))
    finally:
        connections.close_all()

threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=120)
with connection.cursor() as cursor:
    cursor.execute("SELECT value FROM counter WHERE id = 1")
    total = cursor.fetchone()[0]
import json
print(json.dumps({"errors": errors, "total": total, "expected": WRITERS * ROUNDS}))
"""


def run_with_settings(code: str, tmp_path: Path, **environment: str) -> str:
    """Run ``code`` in a new Python process with ``fuwu.settings`` and exactly this deployment's
    variables (none of the test run's own database choice leaks in)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "SQLITE_PATH",
            "SQLITE_TEST_PATH",
            "DB_CONN_MAX_AGE",
            "FUWU_ENV",
            "PYTEST_VERSION",
            "REDIS_URL",
        }
    }
    env.update(
        {"DJANGO_SETTINGS_MODULE": "fuwu.settings", "FUWU_VAR_DIR": str(tmp_path / "var"), **environment}
    )
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip().splitlines()[-1]


def test_sqlite_chosen_through_database_url_gets_wal_busy_timeout_and_immediate_transactions(tmp_path):
    url_chosen = json.loads(
        run_with_settings(PRINT_DATABASE, tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    )
    default = json.loads(run_with_settings(PRINT_DATABASE, tmp_path))

    assert url_chosen["NAME"] == f"{tmp_path}/x.db"
    assert url_chosen["OPTIONS"] == default["OPTIONS"]
    options = url_chosen["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    for pragma in ("journal_mode=WAL", "busy_timeout=", "foreign_keys=ON"):
        assert pragma in options["init_command"]


@pytest.mark.parametrize(
    "url", ["", "sqlite:///{tmp}/x.db", "postgres://fuwu:secret@db.example.cn:5432/fuwu"]
)
def test_connections_are_kept_open_between_requests_by_default(tmp_path, url):
    environment = {"DATABASE_URL": url.format(tmp=tmp_path)} if url else {}

    database = json.loads(run_with_settings(PRINT_DATABASE, tmp_path, **environment))

    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True


def test_connection_lifetime_comes_from_db_conn_max_age(tmp_path):
    database = json.loads(run_with_settings(PRINT_DATABASE, tmp_path, DB_CONN_MAX_AGE="0"))
    assert database["CONN_MAX_AGE"] == 0


def test_concurrent_writers_on_a_sqlite_file_named_by_database_url_never_see_database_is_locked(tmp_path):
    outcome = json.loads(
        run_with_settings(CONCURRENT_WRITERS, tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/busy.db")
    )

    assert outcome["errors"] == []
    assert outcome["total"] == outcome["expected"]
