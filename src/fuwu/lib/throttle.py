"""Counting failures in the shared cache: after ``limit`` failures for one key (an IP address, a
work-order number) within ``window`` seconds, that key is refused until the window ends.

The window is fixed: it starts at the first failure and lasts ``window`` seconds whatever follows, so
a refused client learns exactly when to come back (``Retry-After``). The cache is Redis in
production, files under var/ on one machine, process memory in tests (settings ``CACHES``). On the
file cache two simultaneous failures may count once: a limit is then a few tries generous, never
stricter.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


@dataclass(frozen=True)
class FailureLimit:
    name: str
    limit: int
    window: int  # seconds

    def _keys(self, key: str) -> tuple[str, str]:
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        base = f"fuwu-throttle:{self.name}:{digest}"
        return f"{base}:count", f"{base}:until"

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        count_key, until_key = self._keys(key)
        values = cache.get_many([count_key, until_key])
        if values.get(count_key, 0) < self.limit:
            return 0
        return max(1, math.ceil(values.get(until_key, time.time() + self.window) - time.time()))

    def record_failure(self, key: str) -> int:
        """Count one failure of ``key``; returns the failures counted in the current window."""
        count_key, until_key = self._keys(key)
        if cache.add(count_key, 1, timeout=self.window):
            cache.set(until_key, time.time() + self.window, timeout=self.window)
            return 1
        try:
            return cache.incr(count_key)
        except ValueError:  # the window ended between add() and incr()
            cache.add(count_key, 1, timeout=self.window)
            cache.set(until_key, time.time() + self.window, timeout=self.window)
            return 1

    def reset(self, key: str) -> None:
        cache.delete_many(list(self._keys(key)))


def client_ip(request: HttpRequest) -> str:
    """The client's address as every limit counts it: the header named by ``RATELIMIT_IP_META_KEY``
    behind a reverse proxy (the same one django-ratelimit reads), else ``REMOTE_ADDR``."""
    meta_key = settings.RATELIMIT_IP_META_KEY
    candidate = str(request.META.get(meta_key, "") if meta_key else "").strip()
    for value in (candidate, str(request.META.get("REMOTE_ADDR", "")).strip()):
        try:
            return str(ipaddress.ip_address(value))
        except ValueError:
            continue
    return "unknown"
