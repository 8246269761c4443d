"""CAPA fixtures: complaints to raise from, and helpers to raise a CAPA and take it to a state."""

from __future__ import annotations

from datetime import datetime
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fuwu.capa import services
from fuwu.capa.models import Capa
from fuwu.complaints.models import Complaint

SHANGHAI = ZoneInfo("Asia/Shanghai")
_numbers = count(1)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


RAISED = at(2026, 9, 14, 9, 0)  # a Monday


@pytest.fixture
def complaint(cast):
    """``complaint(department=…, **overrides)`` → a complaint handled by and attributed to
    ``department`` (received there too), as test data."""

    def make(department: Any = None, **overrides: Any) -> Complaint:
        department = department or cast.repair
        values: dict[str, Any] = {
            "organisation": cast.organisation,
            "number": f"2609-{next(_numbers):04d}",
            "channel": "phone",
            "subject": "维修师傅态度差",
            "description": "师傅上门时态度恶劣",
            "object": "service_attitude",
            "severity": "general",
            "handler_role": "department_head",
            "first_contact_owner": cast.head_repair if department == cast.repair else cast.cleaner,
            "intake_department": department,
            "department": department,
            "responsible_department": department,
            "received_at": RAISED,
            "registered_at": RAISED,
        }
        values.update(overrides)
        return Complaint.objects.create(**values)

    return make


@pytest.fixture
def raise_capa(cast):
    """``raise_capa(**overrides)`` → a CAPA raised by the repair head for 工程维修部 at ``RAISED``."""

    def make(**overrides: Any) -> Capa:
        values: dict[str, Any] = {
            "organisation": cast.organisation,
            "by": cast.head_repair,
            "kind": "corrective",
            "title": "上门服务态度问题反复出现",
            "problem": "本月三起投诉均反映维修人员态度差",
            "category": "service_attitude",
            "department": cast.repair,
            "now": RAISED,
        }
        values.update(overrides)
        return services.capa_create(**values)

    return make


def implemented(cast, capa: Capa, *, owners: tuple[Any, ...] = (), now: datetime = RAISED) -> Capa:
    """Analysed, extent checked, one item per owner (default: tech) done, implemented at ``now``."""
    by = cast.head_repair
    capa = services.capa_analyse(capa=capa, by=by, root_cause="未做服务礼仪培训", method="five_whys", now=now)
    services.capa_check_extent(capa=capa, by=by, scope="水电班、保洁部", found=False, now=now)
    for owner in owners or (cast.tech,):
        item = services.capa_add_item(capa=capa, by=by, description="服务礼仪培训", owner=owner, now=now)
        services.capa_complete_item(capa=capa, by=owner, item_id=item.pk, evidence="培训签到表", now=now)
    return services.capa_implement(capa=capa, by=by, now=now)
