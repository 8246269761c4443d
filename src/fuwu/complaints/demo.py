"""Demo complaints for ``fuwu demo``: about ten, each taken through the services at past times to a
different step (received from the suggestion box, acknowledged, under investigation, plan awaiting
approval with a penalty proposed, executed with a cost for finance, replied, re-handled after an
unsatisfied answer, closed, and one raised from a work order)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fuwu.org.models import Organisation, User

# step, channel, object, subject, description
STORIES = [
    (
        "received",
        "suggestion_box",
        "service_attitude",
        "保安态度生硬",
        "意见箱纸条：晚上回小区时门岗保安态度生硬",
    ),
    ("acknowledged", "hotline", "efficiency", "报修三天没人来", "厨房水管漏水报修三天还没有人上门"),
    ("investigating", "phone", "professional_competence", "维修后又漏水", "上周刚修过的卫生间又开始漏水"),
    ("plan_proposed", "phone", "service_attitude", "维修工态度恶劣", "维修工上门时与业主争吵，摔门而去"),
    ("executed", "walk_in", "logistics_damage", "搬运时划伤地板", "物业搬运公共家具时划伤了客厅木地板"),
    ("replied", "phone", "fees", "保洁收费不清楚", "居家保洁按小时收费，实际时间与账单不符"),
    ("rehandling", "phone", "efficiency", "电梯多次停运", "三号楼电梯本月已经停运三次，维修后仍有故障"),
    ("closed", "email", "other", "公告张贴不及时", "停水通知当天才贴出，没有提前告知"),
]


def _people(people: dict[str, User]) -> tuple[User, User, User, User, User]:
    return people["agent2"], people["head_repair"], people["quality1"], people["director"], people["tech1"]


def demo_complaints(
    organisation: Organisation, people: dict[str, User], customers: list[Any], now: datetime | None = None
) -> int:
    """Registers the demo complaints (the customers and staff of ``fuwu demo``); returns how many."""
    from fuwu.workorders.models import WorkOrder

    from . import services

    if not customers:
        return 0
    now = now or timezone.now()
    agent, head, quality, director, technician = _people(people)
    repair = head.department
    made = 0
    for index, (step, channel, about, subject, description) in enumerate(STORIES):
        customer = customers[(index * 11 + 3) % len(customers)]
        received = now - timedelta(days=9 - index, hours=2)
        registered = received + timedelta(days=1) if channel in ("suggestion_box", "email") else received
        complaint = services.complaint_create(
            organisation=organisation,
            by=agent,
            data=services.ComplaintInput(
                channel=channel,
                subject=subject,
                description=description,
                object=about,
                demand="希望尽快处理并给予答复",
                customer_id=None if channel == "suggestion_box" else customer.pk,
                department_id=repair.pk if repair is not None else None,
                received_at=received if registered != received else None,
            ),
            now=registered,
        )
        made += 1
        at = registered + timedelta(hours=1)
        if step == "received":
            continue
        if complaint.status == "received":
            complaint = services.complaint_acknowledge(complaint, by=agent, now=at)
        if step == "acknowledged":
            continue
        at += timedelta(hours=1)
        complaint = services.complaint_start_investigation(
            complaint, by=head, note="已联系业主了解情况", now=at
        )
        if step == "investigating":
            continue
        at += timedelta(hours=2)
        valid = step != "replied"  # the fees complaint turns out to be a misunderstanding
        complaint = services.complaint_assess(
            complaint,
            by=head,
            validity="valid" if valid else "invalid",
            object=about,
            cause_type="non_quality",
            severity=complaint.severity,
            note="经核实属实" if valid else "业主误解了计费规则",
            now=at,
        )
        if valid:
            at += timedelta(hours=1)
            complaint = services.complaint_assign_responsibility(
                complaint,
                by=quality,
                cause="服务人员沟通不当" if about == "service_attitude" else "作业不规范",
                department_id=repair.pk if repair is not None else 0,
                person_ids=[technician.pk] if about == "service_attitude" else [],
                now=at,
            )
            at += timedelta(hours=1)
            complaint = services.complaint_propose_plan(
                complaint, by=head, plan="上门致歉，重新处理并回访", now=at
            )
            if step == "plan_proposed":
                continue
            if complaint.status == "plan_proposed":
                at += timedelta(hours=1)
                complaint = services.complaint_decide_plan(
                    complaint, by=director, approved=True, note="同意", now=at
                )
            at += timedelta(days=1)
            complaint = services.complaint_execute(complaint, by=head, note="已按方案处理完毕", now=at)
            if step == "executed":
                services.complaint_add_cost(
                    complaint,
                    by=head,
                    kind="compensation",
                    amount=Decimal("300.00"),
                    description="地板修复补偿",
                    now=at,
                )
                continue
        at += timedelta(hours=2)
        complaint = services.complaint_reply(
            complaint, by=agent, text="已处理完毕，向您致歉并说明情况", method="phone", now=at
        )
        if step == "replied":
            continue
        at += timedelta(days=1)
        outcome = "unsatisfied" if step == "rehandling" else "satisfied"
        services.complaint_record_answer(complaint, by=quality, outcome=outcome, method="phone", now=at)
        if step == "rehandling":
            continue
        complaint = services.complaint_close(
            complaint, by=agent, note="业主满意", now=at + timedelta(minutes=10)
        )

    # one raised from a finished work order: the customer, the department and the technician come along
    work_order = (
        WorkOrder.objects.filter(organisation=organisation, status__in=("confirmed", "closed"))
        .order_by("received_at")
        .first()
    )
    if work_order is not None:
        services.complaint_from_work_order(
            work_order,
            by=agent,
            subject="维修后问题未解决",
            description="维修确认后第二天同样的问题又出现了",
            object="professional_competence",
            now=now - timedelta(minutes=30),
        )
        made += 1
    return made
