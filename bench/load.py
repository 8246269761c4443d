"""Load a realistic organisation with N work orders for the benchmark (run inside Django).

    python -m django shell < … no: `python bench/load.py --count 100000` with DJANGO_SETTINGS_MODULE set.

Mix: 10 departments, statuses weighted like a live service desk, Chinese descriptions such as
"12号楼3单元1502室 卫生间漏水", twelve months of dates, clocks from the policy. Rows are bulk-inserted
(the services are what the API part of the benchmark measures); search text is cut with jieba like
the services do.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fuwu.settings")
django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from fuwu.catalogue.services import service_type_create  # noqa: E402
from fuwu.customers.models import Address, Customer, Phone  # noqa: E402
from fuwu.lib.search import search_text  # noqa: E402
from fuwu.numbering.models import Sequence  # noqa: E402
from fuwu.org.models import ApiToken, Organisation, Role, User  # noqa: E402
from fuwu.org.services import department_create, duty_create, staff_create  # noqa: E402
from fuwu.policy.selectors import active_policy, active_version  # noqa: E402
from fuwu.policy.services import organisation_create  # noqa: E402
from fuwu.workcal.selectors import work_calendar_for  # noqa: E402
from fuwu.workorders import rules  # noqa: E402
from fuwu.workorders.models import Clock, Status, WorkOrder  # noqa: E402

DEPARTMENTS = [
    "客服中心",
    "工程维修部",
    "水电班",
    "电梯班",
    "保洁部",
    "绿化部",
    "秩序维护部",
    "品质部",
    "设备部",
    "总经理室",
]
PROBLEMS = [
    "卫生间漏水",
    "厨房下水道堵塞",
    "客厅灯不亮",
    "空调不制冷",
    "热水器打不着火",
    "门锁坏了",
    "电梯异响",
    "楼道灯损坏",
    "窗户关不严",
    "墙面渗水",
    "燃气有异味",
    "水管爆裂",
    "插座没电",
    "地漏返味",
    "阳台漏水",
    "暖气不热",
]
STATUS_MIX = [
    (Status.CLOSED, 55),
    (Status.CONFIRMED, 10),
    (Status.DONE, 8),
    (Status.DISPATCHED, 8),
    (Status.ON_SITE, 4),
    (Status.ROUTED, 5),
    (Status.RECEIVED, 3),
    (Status.AWAITING_MATERIALS, 2),
    (Status.AWAITING_APPROVAL, 1),
    (Status.CANCELLED, 3),
    (Status.REJECTED, 1),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--complaints", type=int, default=None, help="default: as many as work orders")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()

    with transaction.atomic():
        organisation = organisation_create(name="基准测试物业公司", preset="property")
        departments = [
            department_create(organisation=organisation, name=name, code=f"d{i}")
            for i, name in enumerate(DEPARTMENTS)
        ]
        admin = staff_create(
            organisation=organisation,
            username="bench_admin",
            full_name="管理员",
            department=departments[-1],
            roles=[Role.ADMINISTRATOR, Role.DIRECTOR],
            password="bench12345",
            clearance=3,
        )
        agents = [
            staff_create(
                organisation=organisation,
                username=f"agent{i}",
                full_name=f"客服{i}",
                department=departments[0],
                roles=[Role.AGENT],
                password="bench12345",
            )
            for i in range(8)
        ]
        techs = [
            staff_create(
                organisation=organisation,
                username=f"tech{i}",
                full_name=f"师傅{i}",
                department=departments[1 + i % 8],
                roles=[Role.TECHNICIAN],
                password="bench12345",
            )
            for i in range(40)
        ]
        for department in departments[1:9]:
            staff_create(
                organisation=organisation,
                username=f"head{department.pk}",
                full_name=f"主管{department.pk}",
                department=department,
                roles=[Role.DEPARTMENT_HEAD],
                password="bench12345",
            )
        duty_create(
            department=departments[0], name="报修热线", kind="queue", primary=agents[0], backup=agents[1]
        )
        service_types = [
            service_type_create(
                organisation=organisation,
                by=admin,
                code=f"s{i}",
                name=name,
                category="paid",
                sla_class="standard",
                default_department=departments[1 + i % 8],
                materials=[{"name": "身份证明", "is_required": True}],
            )
            for i, name in enumerate(["漏水维修", "电路维修", "管道疏通", "门窗维修", "电梯维修", "公共设施"])
        ]

    customers = []
    for i in range(args.customers):
        customers.append(
            Customer(
                organisation=organisation,
                kind="household",
                name=f"业主{i}",
                department=departments[0],
                search_text=search_text(f"业主{i}", f"{1 + i % 30}号楼"),
            )
        )
    Customer.objects.bulk_create(customers, batch_size=2000)
    Address.objects.bulk_create(
        [
            Address(
                customer=c,
                building=f"{1 + i % 30}号楼",
                unit=f"{1 + i % 4}单元",
                room=f"{1 + i % 30}0{1 + i % 4}室",
            )
            for i, c in enumerate(customers)
        ],
        batch_size=2000,
    )
    Phone.objects.bulk_create(
        [
            Phone(customer=c, number=f"139{i:08d}", digits=f"139{i:08d}", is_primary=True)
            for i, c in enumerate(customers)
        ],
        batch_size=2000,
    )

    policy, version = active_policy(organisation), active_version(organisation)
    calendar = work_calendar_for(organisation)
    now = timezone.now()
    statuses = [s for s, weight in STATUS_MIX for _ in range(weight)]
    sequence: dict[str, int] = {}
    orders, clock_rows = [], []
    for i in range(args.count):
        received = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        status = rng.choice(statuses)
        service_type = service_types[i % len(service_types)]
        customer = customers[rng.randrange(len(customers))]
        building, unit, room = (
            f"{rng.randint(1, 30)}号楼",
            f"{rng.randint(1, 4)}单元",
            f"{rng.randint(1, 30)}0{rng.randint(1, 4)}室",
        )
        description = f"{building}{unit}{room} {rng.choice(PROBLEMS)}"
        period = timezone.localtime(received).strftime("%Y%m")
        sequence[period] = sequence.get(period, 0) + 1
        tech = rng.choice(techs)
        assigned = status not in (Status.RECEIVED, Status.ROUTED)
        number = policy.numbering.render(
            "work_order", on=timezone.localtime(received).date(), seq=sequence[period]
        )
        orders.append(
            WorkOrder(
                organisation=organisation,
                number=number,
                policy_version=version,
                status=status,
                channel=rng.choice(["phone", "phone", "phone", "walk_in", "web", "api"]),
                priority="normal",
                service_type=service_type,
                sla_class="standard",
                customer=customer,
                caller_name=customer.name,
                caller_phone=f"139{rng.randint(0, 99999999):08d}",
                building=building,
                unit=unit,
                room=room,
                description=description,
                search_text=search_text(number, description, customer.name),
                first_contact_owner=rng.choice(agents),
                intake_department=departments[0],
                received_at=received,
                department=service_type.default_department if status != Status.RECEIVED else None,
                assignee=tech if assigned else None,
                dispatched_at=received + timedelta(minutes=4) if assigned else None,
            )
        )
    started_insert = time.monotonic()
    WorkOrder.objects.bulk_create(orders, batch_size=2000)
    plan = rules.plan_clocks(
        policy, sla_class="standard", priority="normal", channel="phone", distance_km=None
    )
    for order in orders:
        finished = order.status not in (
            Status.RECEIVED,
            Status.ROUTED,
            Status.DISPATCHED,
            Status.ON_SITE,
            Status.AWAITING_MATERIALS,
            Status.AWAITING_APPROVAL,
        )
        for planned in plan:
            deadline = rules.due(calendar, order.received_at, planned.duration)
            met = order.received_at + timedelta(minutes=3) if finished or planned.met_at_intake else None
            clock = Clock(
                work_order=order,
                kind=planned.kind,
                amount=planned.duration.amount,
                unit=planned.duration.unit,
                started_at=order.received_at,
                due_at=deadline.due,
                met_at=met,
                escalation_level=0,
            )
            chain = list(policy.escalation.chains.get(planned.kind, []))
            # Past clocks were swept already: their levels are fired, as in a live system.
            clock.escalation_level = len(rules.levels_due(deadline.due, chain, 0, now)) if met is None else 0
            clock.next_escalation_at = (
                rules.next_escalation_at(deadline.due, chain, clock.escalation_level) if met is None else None
            )
            clock.warn_at = rules.warn_at(order.received_at, deadline.due, policy.sla.warn_at_ratio)
            clock.warned_at = now if met is None and clock.warn_at <= now else None
            clock_rows.append(clock)
    Clock.objects.bulk_create(clock_rows, batch_size=5000)
    Sequence.objects.bulk_create(
        [
            Sequence(organisation=organisation, kind="work_order", period=p, last_value=v)
            for p, v in sequence.items()
        ]
    )
    load_complaints(
        args.count if args.complaints is None else args.complaints,
        rng=rng,
        organisation=organisation,
        version=version,
        policy=policy,
        calendar=calendar,
        now=now,
        customers=customers,
        orders=orders,
        agents=agents,
        departments=departments,
        service_types=service_types,
    )
    from django.db import connection

    with connection.cursor() as cursor:  # a live system has statistics (nightly task / autovacuum)
        cursor.execute("ANALYZE")
    _, key = ApiToken.issue(agents[0], name="bench")
    _, director_key = ApiToken.issue(admin, name="bench")
    print(f"TOKEN={key}")
    print(f"DIRECTOR_TOKEN={director_key}")
    print(f"DEPARTMENT={departments[1].pk}")
    print(f"SERVICE_TYPE={service_types[0].pk}")
    print(f"CUSTOMER={customers[0].pk}")
    print(f"COMPLAINT_DEPARTMENT={departments[1].pk}")
    print(
        f"LOADED={args.count} in {time.monotonic() - started:.0f} s "
        f"(insert {time.monotonic() - started_insert:.0f} s)",
        file=sys.stderr,
    )
    assert User.objects.filter(organisation=organisation).count() > 0
    assert Organisation.objects.filter(pk=organisation.pk).exists()


COMPLAINT_SUBJECTS = [
    "维修师傅态度差",
    "维修不及时",
    "收费不合理",
    "漏水反复维修未解决",
    "预约上门未到",
    "噪音扰民无人处理",
]
COMPLAINT_STATUS_MIX = [
    ("archived", 40),
    ("closed", 20),
    ("answered", 5),
    ("replied", 8),
    ("executed", 4),
    ("planned", 6),
    ("investigating", 8),
    ("acknowledged", 4),
    ("received", 3),
    ("rehandling", 2),
]
# Steps a complaint in a status has passed (their clocks are met).
PASSED = {
    "received": set(),
    "acknowledged": {"acknowledge"},
    "investigating": {"acknowledge", "investigation"},
    "rehandling": {"acknowledge", "investigation"},
    "planned": {"acknowledge", "investigation", "plan"},
    "executed": {"acknowledge", "investigation", "plan", "execution"},
}
EVERY_STEP = {"acknowledge", "investigation", "plan", "execution", "reply"}


def load_complaints(
    count: int,
    *,
    rng: random.Random,
    organisation,
    version,
    policy,
    calendar,
    now,
    customers,
    orders,
    agents,
    departments,
    service_types,
) -> None:  # type: ignore[no-untyped-def]
    """``count`` complaints over the same year, a third raised from a work order, with their step
    clocks (bulk-inserted like the work orders: the API part measures the services)."""
    from fuwu.clocks import deadlines
    from fuwu.complaints.models import Complaint, ComplaintClock

    statuses = [s for s, weight in COMPLAINT_STATUS_MIX for _ in range(weight)]
    steps = policy.complaints
    durations = {
        "acknowledge": steps.acknowledge,
        "investigation": steps.investigation_start,
        "plan": steps.plan,
        "reply": steps.reply,
    }
    sequence: dict[str, int] = {}
    complaints = []
    for i in range(count):
        received = now - timedelta(minutes=rng.randint(0, 365 * 24 * 60))
        customer = customers[rng.randrange(len(customers))]
        order = orders[rng.randrange(len(orders))] if i % 3 == 0 else None
        period = timezone.localtime(received).strftime("%Y%m")
        sequence[period] = sequence.get(period, 0) + 1
        number = policy.numbering.render(
            "complaint", on=timezone.localtime(received).date(), seq=sequence[period]
        )
        subject = rng.choice(COMPLAINT_SUBJECTS)
        department = departments[1 + i % 8]
        complaints.append(
            Complaint(
                organisation=organisation,
                number=number,
                policy_version=version,
                status=rng.choice(statuses),
                channel=rng.choice(["phone", "phone", "hotline", "walk_in", "letter", "web"]),
                customer=customer,
                caller_name=customer.name,
                caller_phone=f"139{rng.randint(0, 99999999):08d}",
                work_order=order,
                service_type=order.service_type if order else service_types[i % len(service_types)],
                subject=subject,
                description=f"{subject}, 要求尽快处理",
                search_text=search_text(number, subject, customer.name),
                object=rng.choice(["service_attitude", "efficiency", "fees", "professional_competence"]),
                severity="general",
                handler_role="department_head",
                validity="valid" if i % 7 else "invalid",
                first_contact_owner=rng.choice(agents),
                intake_department=departments[0],
                received_at=received,
                registered_at=received,
                department=department,
                responsible_department=department,
            )
        )
    Complaint.objects.bulk_create(complaints, batch_size=2000)
    clocks = []
    for complaint in complaints:
        passed = PASSED.get(complaint.status, EVERY_STEP)
        for kind, duration in durations.items():
            deadline = deadlines.due(calendar, complaint.received_at, duration.amount, duration.unit)
            met = kind in passed
            chain = policy.escalation.chain(f"complaint_{kind}")
            level = 0 if met else len(deadlines.levels_due(deadline.due, chain, 0, now))
            clocks.append(
                ComplaintClock(
                    complaint=complaint,
                    kind=kind,
                    amount=duration.amount,
                    unit=duration.unit,
                    started_at=complaint.received_at,
                    due_at=deadline.due,
                    met_at=complaint.received_at + timedelta(hours=2) if met else None,
                    escalation_level=level,
                    next_escalation_at=None
                    if met
                    else deadlines.next_escalation_at(deadline.due, chain, level),
                    warn_at=deadlines.warn_at(complaint.received_at, deadline.due, policy.sla.warn_at_ratio),
                    warned_at=None if met else now,
                )
            )
    ComplaintClock.objects.bulk_create(clocks, batch_size=5000)
    Sequence.objects.bulk_create(
        [
            Sequence(organisation=organisation, kind="complaint", period=p, last_value=v)
            for p, v in sequence.items()
        ]
    )


if __name__ == "__main__":
    main()
