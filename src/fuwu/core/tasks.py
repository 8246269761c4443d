"""Background jobs of the core. Work-order sweeps (next release) live in their own app's tasks.py."""

from __future__ import annotations

import os
import socket

from django.utils import timezone
from huey.contrib.djhuey import task


@task()
def heartbeat() -> dict[str, object]:
    """Answer from a consumer: proves the queue (SQLite or Redis) reaches a running worker."""
    return {"host": socket.gethostname(), "pid": os.getpid(), "at": timezone.now().isoformat()}
