"""What every log line says about the work it belongs to: the request id, the user and the records.

A log line written while a request (or a background task) runs carries:

- ``request_id``: the request's id (django-guid: the proxy's ``X-Request-ID`` when it sends a valid
  one, else a new one, returned in the response's ``X-Request-ID``); in a background task, the
  task's id. ``-`` outside both.
- ``user``: the signed-in person (``<id>:<username>``, session or bearer token), ``-`` when none.
- ``record``: the records the work changed so far (``workorders.workorder:123``, comma-separated),
  noted by the timeline engine as each event is written, ``-`` when none.

The values live in context variables, so threads (gunicorn's threads, huey's thread workers) and
tasks never see each other's. ``RequestContext`` is the logging filter that copies them onto every
log record (settings.LOGGING); ``begin`` starts a unit of work and ``note_record`` adds a record.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

from django_guid import get_guid, set_guid

_user: ContextVar[str] = ContextVar("fuwu_log_user", default="")
_records: ContextVar[tuple[str, ...]] = ContextVar("fuwu_log_records", default=())

# Enough to follow one business action; a bulk task touching thousands of records logs the first.
MAX_RECORDS = 20


def begin(*, request_id: str | None = None) -> None:
    """A new unit of work (a request, a task): no user and no records yet; ``request_id`` set when
    given (a request's id is set by django-guid's middleware)."""
    if request_id is not None:
        set_guid(request_id)
    _user.set("")
    _records.set(())


def set_user(user: Any) -> None:
    """The person the work is done for (ignored when not signed in)."""
    if user is not None and getattr(user, "is_authenticated", False):
        _user.set(f"{user.pk}:{user.get_username()}")


def note_record(label: str) -> None:
    """``label`` (``app_label.model:pk``) was changed by the current work."""
    records = _records.get()
    if label not in records and len(records) < MAX_RECORDS:
        _records.set((*records, label))


def current() -> dict[str, str]:
    """The context as it would be logged now."""
    return {
        "request_id": get_guid() or "-",
        "user": _user.get() or "-",
        "record": ",".join(_records.get()) or "-",
    }


class RequestContext(logging.Filter):
    """Puts ``request_id``, ``user`` and ``record`` on every log record (never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in current().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True
