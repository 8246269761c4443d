"""Supplier fixtures: the two checklists the policy's supplier schedules plan with (the monthly
check ``service_quality`` and the quarterly evaluation ``supplier_evaluation``), a supplier, and a
helper that carries out an evaluation with given scores and counts it for the supplier."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fuwu.inspections import services as inspections
from fuwu.inspections.models import ChecklistTemplate, Inspection, Purpose
from fuwu.suppliers import services
from fuwu.suppliers.demo import EVALUATION_CHECKLIST
from fuwu.suppliers.models import Supplier

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


REGISTERED = at(2026, 9, 1, 9)  # a Tuesday
EVALUATED = at(2026, 9, 14, 10)  # a Monday

# The monthly check: two pass/fail items (points possible 3).
MONTHLY: dict[str, Any] = {
    "pass_mark": 80,
    "sections": [
        {
            "title": "服务现场",
            "items": [
                {"code": "uniform", "text": "维保人员着装整洁, 持证上岗", "weight": 1},
                {"code": "records", "text": "维保记录完整, 客户签字确认", "weight": 2},
            ],
        }
    ],
}


@pytest.fixture
def evaluation_checklist(cast) -> ChecklistTemplate:
    return inspections.template_create(
        organisation=cast.organisation,
        by=cast.quality,
        code="supplier_evaluation",
        name="外包供方评价表",
        definition_data=EVALUATION_CHECKLIST,
        purpose=Purpose.EVALUATION,
        now=REGISTERED,
    ).template


@pytest.fixture
def monthly_checklist(cast) -> ChecklistTemplate:
    return inspections.template_create(
        organisation=cast.organisation,
        by=cast.quality,
        code="service_quality",
        name="服务质量巡检表",
        definition_data=MONTHLY,
        now=REGISTERED,
    ).template


@pytest.fixture
def make_supplier(cast):
    """``make_supplier(**overrides)`` → 恒安电梯维保 managed by 工程维修部, registered by 品质李."""

    def make(**overrides: Any) -> Supplier:
        values: dict[str, Any] = {
            "organisation": cast.organisation,
            "by": cast.quality,
            "code": "hengan-elevator",
            "name": "恒安电梯维保有限公司",
            "department": cast.repair,
            "services": "12部电梯日常维保与困人救援",
            "contact_name": "刘经理",
            "phone": "0571-86001234",
            "now": REGISTERED,
        }
        values.update(overrides)
        return services.supplier_create(**values)

    return make


@pytest.fixture
def supplier(make_supplier) -> Supplier:
    return make_supplier()


def scores(quality: int, reputation: int, cooperation: int, price: int) -> list[inspections.AnswerIn]:
    return [
        inspections.AnswerIn("quality", score=quality),
        inspections.AnswerIn("reputation", score=reputation),
        inspections.AnswerIn("cooperation", score=cooperation),
        inspections.AnswerIn("price", score=price),
    ]


@pytest.fixture
def evaluate(cast, evaluation_checklist):
    """``evaluate(supplier, (q, r, c, p), now=…)`` → the evaluation, planned by hand by the repair
    head, carried out and submitted by them, then counted for the supplier (``record_evaluation``,
    as the inspections' submit does)."""

    def run(supplier: Supplier, given: tuple[int, int, int, int], now: datetime = EVALUATED) -> Inspection:
        inspection = services.supplier_evaluate(supplier=supplier, by=cast.head_repair, now=now)
        by = cast.head_repair
        inspections.inspection_start(inspection=inspection, by=by, now=now)
        inspections.inspection_record(inspection=inspection, by=by, answers=scores(*given), now=now)
        submitted = inspections.inspection_submit(inspection=inspection, by=by, now=now)
        services.record_evaluation(inspection=submitted, now=now, by=by)
        return submitted

    return run
