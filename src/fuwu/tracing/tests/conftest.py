"""Batch fixtures: a batch registered at the counter of 工程维修部 (the cast's department doing the
work), and helpers to sign its steps as expected."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fuwu.tracing import services
from fuwu.tracing.models import Batch

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


RECEIVED = at(2026, 9, 21, 9, 0)  # a Monday
STEPS = ["collect", "count", "clean", "pack", "sterilise", "accept", "deliver"]


@pytest.fixture
def register_batch(cast):
    """``register_batch(**overrides)`` → a batch of 市第一医院 registered by the technician 老赵 for
    工程维修部 at ``RECEIVED``: 换药包 2 packages / 10 pieces, 止血钳 0 / 6."""

    def make(**overrides: Any) -> Batch:
        values: dict[str, Any] = {
            "organisation": cast.organisation,
            "by": cast.tech,
            "department": cast.repair,
            "unit_name": "市第一医院",
            "items": [services.ItemInput("换药包", 2, 10), services.ItemInput("止血钳", 0, 6)],
            "method": "pressure_steam",
            "destination": "市第一医院门诊部",
            "now": RECEIVED,
        }
        values.update(overrides)
        return services.batch_register(**values)

    return make


def expected(batch: Batch, step: str | None = None) -> dict[int, tuple[int, int]]:
    """What the batch's next step (or ``step``) is expected to count, item by item."""
    batch = Batch.objects.get(pk=batch.pk)
    state = services.BatchState.of(batch)
    if step is None:
        return state.remaining()
    position = [s.code for s in state.steps].index(step)
    return state.expected_at(position)


def sign(
    cast: Any, batch: Batch, step: str, *, by: Any = None, now: datetime = RECEIVED, **counts: Any
) -> Any:
    """Sign ``step`` with the expected counts (``counts`` by item name override some); a
    double-check step is confirmed by 小钱 at once."""
    by = by or cast.tech
    found = expected(batch, step)
    names = {item.name: item.pk for item in batch.items.all()}
    for name, value in counts.items():
        found[names[name]] = value
    signature = services.batch_sign(
        batch=batch, by=by, step=step, counts=found, note="有差异" if counts else "", now=now
    )
    if signature.double_check:
        services.batch_confirm(
            batch=batch, by=cast.tech2 if by != cast.tech2 else cast.tech, step=step, now=now
        )
    return signature


def sign_through(cast: Any, batch: Batch, last: str, now: datetime = RECEIVED) -> Batch:
    """Every step up to ``last`` signed (and checked) with the expected counts."""
    for step in STEPS[: STEPS.index(last) + 1]:
        sign(cast, batch, step, now=now)
    return Batch.objects.get(pk=batch.pk)
