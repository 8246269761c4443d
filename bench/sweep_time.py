"""Time the overdue sweep over the whole table (run inside Django against the loaded database)."""

from __future__ import annotations

import json
import os
import time
from datetime import timedelta

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
# Catch-up after two hours of downtime: 1,000 open dispatch clocks missed their deadline meanwhile,
# so each fires both levels of the property chain (head at once, director after 30 minutes).
now = timezone.now()
late = list(
    Clock.objects.filter(kind="dispatch", met_at__isnull=True, is_active=True).values_list("pk", flat=True)[
        :1000
    ]
)
Clock.objects.filter(pk__in=late).update(
    due_at=now - timedelta(hours=2),
    escalation_level=0,
    next_escalation_at=now - timedelta(hours=2),
    paused_at=None,
)
started = time.perf_counter()
result = sweep(now)
catch_up = time.perf_counter() - started
print(
    json.dumps(
        {
            "work_orders": rows,
            "clocks": clocks,
            "sweep_seconds": times,
            "fired": fired,
            "queries_last": len(queries),
            "catch_up_clocks": len(late),
            "catch_up_escalations": result.escalated,
            "catch_up_seconds": catch_up,
        }
    )
)
