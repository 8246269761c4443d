"""Demo inspections for ``fuwu demo``: the organisation's 服务质量巡检表 (seed 002 4.4–4.5: duties,
the site, the key processes — suppliers' services, emergencies, dangerous equipment and places), the
current period's inspections planned as the morning task would, one carried out with a failed item
whose rectification order the department head has signed, one carried out without a fault, and the
rest left for the inspectors."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from fuwu.lib.errors import BusinessError
from fuwu.org.models import Organisation, User

from . import services
from .models import Inspection, Purpose, Status

CHECKLIST: dict[str, Any] = {
    "pass_mark": 85,
    "sampling": {"method": "fixed", "count": 5, "unit": "份服务记录"},
    "sections": [
        {
            "title": "管理职责",
            "items": [
                {"code": "duty_roster", "text": "值班表、AB角安排公示且与实际一致", "weight": 2},
                {"code": "meeting_records", "text": "班前会、周例会记录完整", "weight": 1},
            ],
        },
        {
            "title": "服务现场",
            "items": [
                {"code": "uniform", "text": "员工着装整洁, 佩戴工牌, 使用规范用语", "weight": 2},
                {
                    "code": "site_clean",
                    "text": "作业现场整洁, 完工后无遗留垃圾",
                    "weight": 3,
                    "photo_on_fail": True,
                },
                {
                    "code": "signage",
                    "text": "危险设备、场所警示标识齐全",
                    "weight": 3,
                    "photo_on_fail": True,
                    "critical": True,
                },
            ],
        },
        {
            "title": "关键服务过程",
            "items": [
                {
                    "code": "service_records",
                    "text": "抽查服务记录: 填写完整、客户签字确认",
                    "weight": 4,
                    "kind": "score",
                    "max_score": 10,
                    "pass_at": 7,
                    "guidance": "按抽样的记录逐份检查, 10分为全部合格",
                },
                {"code": "supplier_service", "text": "外包供方服务按合同要求执行并有检查记录", "weight": 2},
                {"code": "emergency_drill", "text": "突发事件应急预案有效, 本季度已演练", "weight": 2},
            ],
        },
    ],
}

# 003_9e3918e2d7e96ac0.txt 夜场值班经理日常工作细则: the night's timed checks.
NIGHT_ROUND: dict[str, Any] = {
    "pass_mark": 90,
    "grace_minutes": 15,
    "sections": [
        {
            "title": "夜间值班",
            "items": [
                {"code": "handover", "text": "20:00 值班经理交接, 双方在交接本上签字", "at": "20:00"},
                {"code": "lights", "text": "开启店招及大堂区域灯光", "at": "20:30"},
                {
                    "code": "roof",
                    "text": "巡视楼顶、重要设备区、楼层公共区域的安全情况",
                    "at": "21:00",
                    "weight": 2,
                    "photo_on_fail": True,
                },
                {"code": "cash", "text": "督促前台将大额备用金锁入保险箱", "at": "22:00", "weight": 2},
                {"code": "patrol", "text": "督促内保开始第一次巡更", "at": "22:00"},
                {"code": "audit", "text": "检查客帐并与系统核对, 做好夜审前的准备", "at": "23:00"},
                {"code": "night_patrol", "text": "凌晨巡视楼层及公共区域", "at": "02:00", "weight": 2},
            ],
        }
    ],
}
NIGHT_POST = "夜班值班经理"

PASSING = [
    services.AnswerIn("duty_roster", "pass"),
    services.AnswerIn("meeting_records", "pass"),
    services.AnswerIn("uniform", "pass"),
    services.AnswerIn("site_clean", "pass"),
    services.AnswerIn("signage", "pass"),
    services.AnswerIn("service_records", score=9),
    services.AnswerIn("supplier_service", "na"),
    services.AnswerIn("emergency_drill", "pass"),
]


def demo_inspections(organisation: Organisation, people: dict[str, User], now: datetime | None = None) -> int:
    """Returns how many inspections were planned."""
    now = now or timezone.now()
    services.template_create(
        organisation=organisation,
        by=people["quality1"],
        code="service_quality",
        name="服务质量巡检表",
        definition_data=CHECKLIST,
        note="依据《服务质量检验办法》4.4–4.5",
        now=now,
    )
    services.template_create(
        organisation=organisation,
        by=people["quality1"],
        code="night_round",
        name="夜场值班经理巡查表",
        definition_data=NIGHT_ROUND,
        purpose=Purpose.ROUND,
        note="依据《夜场值班经理日常工作细则》",
        now=now,
    )
    _night_roster(organisation, people, now)
    planned = services.plan_period(organisation, now)
    monthly = list(
        Inspection.objects.filter(organisation=organisation, schedule="品质部月度巡检", status=Status.PLANNED)
        .select_related("inspector", "department")
        .order_by("department__path")
    )
    with suppress(BusinessError):  # a demo loaded on a day the calendar makes odd must still load
        _carry_out(monthly, people, now)
    return planned


def _night_roster(organisation: Organisation, people: dict[str, User], now: datetime) -> None:
    """A week of night duty (the property preset's 夜班 pattern, 20:00 for 12 hours) for the
    customer-service centre's head and agents in turn, from tonight (tomorrow once 20:00 has
    passed); the planner gives each night its round."""
    from fuwu.duty.services import roster_generate

    local = timezone.localtime(now)
    first = local.date() if local.hour < 20 else local.date() + timedelta(days=1)
    service = people["head_service"].department
    roster_generate(
        organisation=organisation,
        by=people["head_service"],
        department=service,
        post=NIGHT_POST,
        pattern="夜班",
        first_day=first,
        last_day=first + timedelta(days=6),
        people=[people["head_service"], people["agent2"], people["agent1"]],
        now=now,
    )


def _carry_out(inspections: list[Inspection], people: dict[str, User], now: datetime) -> None:
    by_department = {i.department.code: i for i in inspections}
    repair = by_department.get("repair")
    if repair is not None:
        inspector = repair.inspector
        services.inspection_start(inspection=repair, by=inspector, population=40, now=now)
        answers = [
            services.AnswerIn("uniform", "fail", note="2号楼维修现场一名师傅未佩戴工牌")
            if a.item_code == "uniform"
            else a
            for a in PASSING
        ]
        services.inspection_record(inspection=repair, by=inspector, answers=answers, now=now)
        repair = services.inspection_submit(
            inspection=repair, by=inspector, summary="整体良好, 个别着装问题", now=now
        )
        for order in repair.rectifications.all():
            services.rectification_acknowledge(
                rectification=order, by=people["head_repair"], note="已安排班组长落实", now=now
            )
    cleaning = by_department.get("cleaning")
    if cleaning is not None:
        inspector = cleaning.inspector
        services.inspection_start(inspection=cleaning, by=inspector, population=25, now=now)
        services.inspection_record(inspection=cleaning, by=inspector, answers=PASSING, now=now)
        services.inspection_submit(inspection=cleaning, by=inspector, now=now)
