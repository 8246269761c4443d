from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fuwu.workcal.models import CalendarDay, Source
from fuwu.workcal.package import package_days

SH = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SH)


@pytest.fixture
def packaged(db: None) -> None:
    """The package's rows, as the data migration seeded them (asserted, not re-created)."""
    assert CalendarDay.objects.filter(source=Source.PACKAGE).count() == len(package_days())
