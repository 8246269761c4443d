"""Watching the installation run: a log line per request, task ids in the worker's logs, and error
reports to Sentry when ``SENTRY_DSN`` is set.

- ``RequestLogMiddleware``: one ``fuwu.request`` line per request (method, path without the query
  string — it may hold a caller's phone number —, status, duration), after the view, when the
  signed-in person (session or bearer token) and the records changed are known; every line the
  request logs carries its id, person and records (``fuwu.lib.logcontext``).
- ``on_task_start``: huey calls it before each task, so the worker's lines carry the task's id.
- ``init_sentry``: errors of the web server and of the worker (unhandled exceptions, ``ERROR``
  log lines) go to the Sentry project of ``SENTRY_DSN``, without personal data: no cookies, no
  request bodies, query strings or local variables, no names or addresses — the person as an id only, with the
  request id and records as tags to find the log lines.

Logs are text by default (``LOG_FORMAT=text``) and one JSON object per line with
``LOG_FORMAT=json`` (python-json-logger), for a log collector (settings.LOGGING).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from fuwu.lib import logcontext

request_log = logging.getLogger("fuwu.request")


class RequestLogMiddleware:
    """Starts each request's log context and writes its line when the response is ready. Placed
    after django-guid's middleware (the id) and before the session and authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        logcontext.begin()
        started = time.perf_counter()
        response = self.get_response(request)
        logcontext.set_user(_known_user(request))
        if not request.path.startswith(QUIET_PREFIXES):
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            request_log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                },
            )
        return response


def _known_user(request: HttpRequest) -> Any:
    """The person the request was served to, if the request already knows: a bearer token sets
    ``request.user`` in the view (the API's auth); a session sets a lazy one that is read here only
    if the request read it — logging never costs a query."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    return user


# Static files and the load balancer's health probes (every few seconds) would drown the rest.
QUIET_PREFIXES = ("/static/", "/health/")


def on_task_start(task: Any) -> None:
    """huey's pre-execute hook: the task's id is the worker's request id until the next task."""
    logcontext.begin(request_id=str(task.id))


def _before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("query_string", None)  # a search for a caller's phone number stays here
        request["url"] = str(request.get("url", "")).split("?", 1)[0]
    context = logcontext.current()
    tags = event.setdefault("tags", {})
    tags["request_id"] = context["request_id"]
    tags["record"] = context["record"][:200]
    person = context["user"].split(":", 1)[0]
    if person != "-":
        event["user"] = {"id": person}  # the id only: names stay in our database
    return event


def init_sentry(dsn: str, *, environment: str, release: str, traces_sample_rate: float = 0.0) -> None:
    """Report errors to Sentry (the Django and huey integrations switch on by themselves)."""
    import sentry_sdk

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,  # a frame's variables hold callers' names and numbers
        traces_sample_rate=traces_sample_rate,
        before_send=_before_send,  # type: ignore[arg-type]
    )
