"""Inspection fixtures: a service-quality checklist (服务质量巡检表) with pass/fail and scored items,
and helpers to plan an inspection and fill it in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fuwu.inspections import services
from fuwu.inspections.models import ChecklistTemplate, Inspection

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# Points possible 2 + 3 + 1 + 4 + 2 = 12 (hand-computed scores in the tests rely on it).
DEFINITION: dict[str, Any] = {
    "pass_mark": 80,
    "sections": [
        {
            "title": "服务现场",
            "items": [
                {"code": "uniform", "text": "员工着装整洁, 佩戴工牌", "weight": 2},
                {
                    "code": "site_clean",
                    "text": "作业现场清洁, 无遗留垃圾",
                    "weight": 3,
                    "photo_on_fail": True,
                },
            ],
        },
        {
            "title": "服务过程",
            "items": [
                {"code": "phrases", "text": "使用规范用语接听电话", "weight": 1},
                {
                    "code": "records",
                    "text": "服务记录完整准确",
                    "weight": 4,
                    "kind": "score",
                    "max_score": 10,
                    "pass_at": 6,
                },
                {"code": "safety", "text": "危险设备场所有警示标识", "weight": 2, "critical": True},
            ],
        },
    ],
}


@pytest.fixture
def checklist(cast) -> ChecklistTemplate:
    version = services.template_create(
        organisation=cast.organisation,
        by=cast.quality,
        code="service_quality",
        name="服务质量巡检表",
        definition_data=DEFINITION,
        now=at(2026, 9, 1, 9),
    )
    return version.template


@pytest.fixture
def plan_inspection(cast, checklist):
    """``plan_inspection(**overrides)`` → an inspection of 工程维修部 by 品质李, due 2026-09-18."""

    def make(**overrides: Any) -> Inspection:
        values: dict[str, Any] = {
            "organisation": cast.organisation,
            "by": cast.quality,
            "template": checklist,
            "department": cast.repair,
            "inspector": cast.quality,
            "due_on": date(2026, 9, 18),
            "now": at(2026, 9, 14, 9),
        }
        values.update(overrides)
        return services.inspection_create(**values)

    return make


ALL_PASS = [
    services.AnswerIn("uniform", "pass"),
    services.AnswerIn("site_clean", "pass"),
    services.AnswerIn("phrases", "pass"),
    services.AnswerIn("records", score=10),
    services.AnswerIn("safety", "pass"),
]
