"""Logs that an operator can follow: a request id on every line (and in the response), the person
and the records changed; JSON lines on request; errors to a Sentry server without personal data."""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import subprocess
import sys
import textwrap
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fuwu.lib.logcontext import RequestContext


@pytest.fixture
def request_lines(caplog):
    """The ``fuwu.request`` lines, with the context the console handler adds to each."""
    caplog.handler.addFilter(RequestContext())
    caplog.set_level(logging.INFO, logger="fuwu.request")
    return lambda: [r for r in caplog.records if r.name == "fuwu.request"]


@pytest.mark.django_db
def test_a_request_id_from_the_proxy_is_kept_and_a_bad_one_replaced(client, request_lines):
    given = uuid.uuid4().hex
    response = client.get("/login/", HTTP_X_REQUEST_ID=given)
    assert response["X-Request-ID"] == given
    assert request_lines()[-1].request_id == given

    forged = client.get("/login/", HTTP_X_REQUEST_ID='x" onerror=alert(1)')
    made = forged["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert request_lines()[-1].request_id == made

    fresh = client.get("/login/")
    assert re.fullmatch(r"[0-9a-f]{32}", fresh["X-Request-ID"])
    assert fresh["X-Request-ID"] != made


@pytest.mark.django_db
def test_the_request_line_names_the_person_and_the_records_changed(
    cast, api, leak_repair, household, request_lines
):
    """A work order received through the API with a bearer token: the line has the agent and the new
    work order, and the path without the query string; a read changes no record."""
    created = api(cast.agent).post(
        "work-orders?phone=13800000000",
        {
            "channel": "phone",
            "service_type_id": leak_repair.pk,
            "customer_id": household.pk,
            "description": "12号楼3单元1502室 卫生间漏水",
        },
    )
    assert created.status_code == 201, created.json()
    line = request_lines()[-1]
    assert line.user == f"{cast.agent.pk}:{cast.agent.username}"
    assert f"workorders.workorder:{created.json()['id']}" in line.record.split(",")
    assert (line.path, line.status) == ("/api/v1/work-orders", 201)
    assert "13800000000" not in line.getMessage()

    read = api(cast.agent).get(f"work-orders/{created.json()['id']}")
    assert read.status_code == 200
    quiet = request_lines()[-1]
    assert (quiet.user, quiet.record) == (f"{cast.agent.pk}:{cast.agent.username}", "-")


@pytest.mark.django_db
def test_the_context_does_not_leak_into_the_next_request(cast, web, client, request_lines):
    web(cast.agent).get("/")
    client.logout()
    client.get("/login/")
    line = request_lines()[-1]
    assert (line.user, line.record) == ("-", "-")


def run_django(script: str, tmp_path: Any, **env: str) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh Python with fuwu's settings (its own var directory, SQLite)."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fuwu.settings",
        "FUWU_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
        **env,
    }
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_json_logs_are_one_object_per_line_with_the_context(tmp_path):
    done = run_django(
        """
        import django
        django.setup()
        from django.test import Client
        Client().get("/login/", HTTP_X_REQUEST_ID="0123456789abcdef0123456789abcdef")
        """,
        tmp_path,
        LOG_FORMAT="json",
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    request = next(line for line in lines if line["logger"] == "fuwu.request")
    assert request == {
        **request,
        "level": "INFO",
        "message": request["message"],
        "request_id": "0123456789abcdef0123456789abcdef",
        "user": "-",
        "record": "-",
        "status": 200,
        "path": "/login/",
        "method": "GET",
    }
    assert request["message"].startswith("GET /login/ 200 ")
    assert "time" in request


class SentryInbox(BaseHTTPRequestHandler):
    """A Sentry server's envelope endpoint: keeps what it is sent."""

    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


def test_an_error_reaches_sentry_with_the_request_id_and_no_personal_data(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), SentryInbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    SentryInbox.received = []
    request_id = uuid.uuid4().hex
    try:
        done = run_django(
            f"""
            import sys, types
            import django
            django.setup()
            from django.test import Client, override_settings
            from django.urls import include, path

            def broken(request):
                caller_phone = "13987654321"  # a local variable: never sent
                raise RuntimeError("the view broke")

            urls = types.ModuleType("broken_urls")
            urls.urlpatterns = [path("broken/", broken), path("", include("fuwu.urls"))]
            sys.modules["broken_urls"] = urls
            with override_settings(ROOT_URLCONF="broken_urls", DEBUG_PROPAGATE_EXCEPTIONS=False):
                client = Client(raise_request_exception=False)
                client.cookies["csrftoken"] = "secret-csrf-cookie"
                answer = client.get("/broken/?phone=13912345678", HTTP_X_REQUEST_ID="{request_id}")
                assert answer.status_code == 500, answer.status_code
            import sentry_sdk
            sentry_sdk.flush(timeout=10)
            """,
            tmp_path,
            SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_port}/42",
            SENTRY_ENVIRONMENT="ci",
        )
    finally:
        server.shutdown()
    assert done.returncode == 0, done.stderr
    sent = b"\n".join(SentryInbox.received).decode()
    events = [
        item
        for line in sent.splitlines()
        if line.startswith("{")
        for item in [json.loads(line)]
        if "exception" in item
    ]
    assert len(events) == 1, sent[:2000]
    event = events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["tags"]["request_id"] == request_id
    assert event["environment"] == "ci"
    assert event["release"].startswith("fuwu@")
    for private in ("13912345678", "13987654321", "secret-csrf-cookie"):
        assert private not in sent
