"""Demo suppliers for ``fuwu demo``, and the seed evaluation checklist (供方评价表).

``EVALUATION_CHECKLIST`` is the periodic evaluation of 000 (定期对供应商的服务质量、信誉、合作态度等进行
评价, with price from 第十一条): four scored items — quality 40, reputation 20, cooperation 20,
price 20 — each scored 0–10 and failed below 6, the checklist passed from 80 (the policy's
``suppliers.qualified_at`` by default). A score of 8, 6, 10 and 5 earns 32 + 12 + 20 + 10 = 74:
on probation, and the price item becomes a rectification order for the managing department.

``demo_suppliers`` registers an elevator maintenance company (电梯维保, managed by 工程维修部) and a
cleaning contractor (managed by 保洁部), creates the evaluation checklist, and has the elevator
company evaluated twice — last quarter by hand (qualified), this quarter through the policy's
plan (74: on probation, which tells the quality department and the head of 工程维修部) — the
cleaning contractor's checks being left for its head. Call it after ``demo_inspections`` (which
creates the monthly checklist, ``service_quality``).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone

from fuwu.inspections import services as inspections
from fuwu.inspections.models import ChecklistTemplate, Inspection, Purpose, Status
from fuwu.lib.errors import BusinessError
from fuwu.org.models import Department, Organisation, User

from . import services
from .models import Supplier

EVALUATION_CHECKLIST: dict[str, Any] = {
    "pass_mark": 80,
    "sections": [
        {
            "title": "质量",
            "items": [
                {
                    "code": "quality",
                    "text": "服务质量: 按合同标准完成服务, 巡检合格, 无质量投诉",
                    "weight": 40,
                    "kind": "score",
                    "max_score": 10,
                    "pass_at": 6,
                    "guidance": "结合本期巡检记录、整改完成情况和客户投诉评分, 10分为全部达标",
                }
            ],
        },
        {
            "title": "信誉",
            "items": [
                {
                    "code": "reputation",
                    "text": "信誉: 履行合同承诺, 资质证照有效, 按约定时限响应",
                    "weight": 20,
                    "kind": "score",
                    "max_score": 10,
                    "pass_at": 6,
                }
            ],
        },
        {
            "title": "合作",
            "items": [
                {
                    "code": "cooperation",
                    "text": "合作态度: 配合检查, 沟通及时, 整改落实到位",
                    "weight": 20,
                    "kind": "score",
                    "max_score": 10,
                    "pass_at": 6,
                }
            ],
        },
        {
            "title": "价格",
            "items": [
                {
                    "code": "price",
                    "text": "价格: 报价合理, 结算规范, 无合同外收费",
                    "weight": 20,
                    "kind": "score",
                    "max_score": 10,
                    "pass_at": 6,
                }
            ],
        },
    ],
}

SUPPLIERS: list[dict[str, Any]] = [
    {
        "code": "hengan-elevator",
        "name": "恒安电梯维保有限公司",
        "department": "repair",
        "services": "小区12部电梯的日常维保、半月保养、年检配合与24小时困人救援",
        "contact_name": "刘经理",
        "phone": "0571-86001234",
        "years": 2,
    },
    {
        "code": "jiejing-cleaning",
        "name": "洁净保洁服务有限公司",
        "department": "cleaning",
        "services": "公共区域日常保洁、垃圾清运、外墙与玻璃幕墙清洗",
        "contact_name": "陈主管",
        "phone": "0571-86005678",
        "years": 1,
    },
]


def _answers(quality: int, reputation: int, cooperation: int, price: int) -> list[inspections.AnswerIn]:
    return [
        inspections.AnswerIn("quality", score=quality),
        inspections.AnswerIn("reputation", score=reputation),
        inspections.AnswerIn("cooperation", score=cooperation),
        inspections.AnswerIn("price", score=price),
    ]


def carry_out(
    inspection: Inspection, scores: tuple[int, int, int, int], summary: str, now: datetime
) -> Inspection:
    """Fill in and submit an evaluation (its inspector), then count it for the supplier."""
    by = inspection.inspector
    inspections.inspection_start(inspection=inspection, by=by, now=now)
    inspections.inspection_record(inspection=inspection, by=by, answers=_answers(*scores), now=now)
    submitted = inspections.inspection_submit(inspection=inspection, by=by, summary=summary, now=now)
    services.record_evaluation(inspection=submitted, now=now, by=by)
    return submitted


def evaluation_checklist(organisation: Organisation, by: User, now: datetime) -> ChecklistTemplate:
    """The organisation's seed evaluation checklist (created when absent)."""
    found = ChecklistTemplate.objects.filter(organisation=organisation, code=services.EVALUATION_CODE).first()
    if found is not None:
        return found
    return inspections.template_create(
        organisation=organisation,
        by=by,
        code=services.EVALUATION_CODE,
        name="外包供方评价表",
        definition_data=EVALUATION_CHECKLIST,
        purpose=Purpose.EVALUATION,
        note="依据《企业外服工作制度》第十一、十二条: 质量、信誉、合作、价格",
        now=now,
    ).template


def demo_suppliers(organisation: Organisation, people: dict[str, User], now: datetime | None = None) -> int:
    """Returns how many suppliers were registered."""
    now = now or timezone.now()
    quality = people["quality1"]
    registered_at = now - timedelta(days=120)
    evaluation_checklist(organisation, quality, registered_at)
    departments = {d.code: d for d in Department.objects.filter(organisation=organisation)}
    created: list[Supplier] = []
    for values in SUPPLIERS:
        starts = date(registered_at.year, registered_at.month, 1)
        created.append(
            services.supplier_create(
                organisation=organisation,
                by=quality,
                code=values["code"],
                name=values["name"],
                department=departments.get(values["department"]),
                services=values["services"],
                contact_name=values["contact_name"],
                phone=values["phone"],
                contract_starts_on=starts,
                contract_ends_on=date(starts.year + values["years"], starts.month, 1) - timedelta(days=1),
                now=registered_at,
            )
        )
    elevator = created[0]
    # a demo loaded on a day the calendar makes odd must still load
    with suppress(BusinessError):
        last_quarter = now - timedelta(days=91)
        earlier = services.supplier_evaluate(supplier=elevator, by=people["head_repair"], now=last_quarter)
        carry_out(earlier, (9, 8, 9, 7), "维保及时, 年检一次通过", last_quarter + timedelta(hours=2))
    inspections.plan_period(organisation, now)
    planned = (
        Inspection.objects.filter(
            supplier=elevator, status=Status.PLANNED, template_version__template__purpose=Purpose.EVALUATION
        )
        .select_related("inspector")
        .first()
    )
    if planned is not None:
        with suppress(BusinessError):
            carry_out(
                planned, (8, 6, 10, 5), "本季度两次困人救援超时, 半月保养记录不全; 维保费上调未提前沟通", now
            )
    return len(created)
