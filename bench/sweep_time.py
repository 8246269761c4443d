"""Time the overdue sweep over the whole table (run inside Django against the loaded database)."""

from __future__ import annotations

import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fuwu.settings")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from fuwu.workorders.models import Clock, WorkOrder  # noqa: E402
from fuwu.workorders.sweeps import sweep  # noqa: E402

rows = WorkOrder.objects.count()
clocks = Clock.objects.count()
times, fired = [], []
for _ in range(5):
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = sweep(timezone.now())
    times.append(time.perf_counter() - started)
    fired.append(result.escalated + result.warned)
print(json.dumps({"work_orders": rows, "clocks": clocks, "sweep_seconds": times, "fired": fired,
                  "queries_last": len(queries)}))
