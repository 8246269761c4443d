"""Load the demo organisation: a property-management company (物业) from the ``property`` preset."""

from __future__ import annotations

import base64
import io
import random
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from fuwu.catalogue.models import ServiceType
from fuwu.catalogue.services import service_type_create
from fuwu.complaints.demo import demo_complaints
from fuwu.customers.models import Customer
from fuwu.customers.services import agreement_add, customer_create, product_add
from fuwu.inspections.demo import demo_inspections
from fuwu.org.models import AbsenceKind, Organisation, Role, User
from fuwu.org.services import absence_record, department_create, duty_create, staff_create
from fuwu.policy.selectors import sla_class_names
from fuwu.policy.services import organisation_create
from fuwu.reports.tasks import create_due_reports
from fuwu.suppliers.demo import demo_suppliers
from fuwu.visits.demo import demo_visits
from fuwu.visits.services.planned import plan_day

ORGANISATION = "和谐家园物业服务有限公司"
PASSWORD = "demo12345"

DEPARTMENTS = [  # code, name, parent code
    ("management", "总经理室", None),
    ("service", "客服中心", None),
    ("repair", "工程维修部", None),
    ("cleaning", "保洁部", None),
    ("security", "秩序维护部", None),
    ("quality", "品质部", None),
]

STAFF = [  # username, name, department, roles, post
    ("admin", "系统管理员", "management", [Role.ADMINISTRATOR], "信息管理员"),
    ("director", "王建国", "management", [Role.DIRECTOR], "总经理"),
    ("agent1", "张晓梅", "service", [Role.AGENT], "客服专员"),
    ("agent2", "李静", "service", [Role.AGENT], "客服专员"),
    ("head_service", "陈红", "service", [Role.DEPARTMENT_HEAD, Role.AGENT], "客服主管"),
    ("head_repair", "赵志强", "repair", [Role.DEPARTMENT_HEAD], "工程部经理"),
    ("tech1", "孙师傅", "repair", [Role.TECHNICIAN], "水电维修工"),
    ("tech2", "周师傅", "repair", [Role.TECHNICIAN], "水电维修工"),
    ("tech3", "吴师傅", "repair", [Role.TECHNICIAN], "电梯维保员"),
    ("head_cleaning", "郑丽", "cleaning", [Role.DEPARTMENT_HEAD], "保洁主管"),
    ("cleaner1", "冯阿姨", "cleaning", [Role.TECHNICIAN], "保洁员"),
    ("cleaner2", "何阿姨", "cleaning", [Role.TECHNICIAN], "保洁员"),
    ("head_security", "马军", "security", [Role.DEPARTMENT_HEAD], "秩序维护主管"),
    ("guard1", "刘保安", "security", [Role.TECHNICIAN], "门岗"),
    ("quality1", "黄质检", "quality", [Role.QUALITY_INSPECTOR], "品质专员"),
    ("quality2", "林质检", "quality", [Role.QUALITY_INSPECTOR], "品质专员"),
    ("finance1", "钱会计", "management", [Role.FINANCE], "会计"),
]

INTAKE_DUTY = "报修热线受理"  # receives the public web form's requests (首接 for unattended channels)

DUTIES = [  # department, duty, kind, A, B
    ("service", INTAKE_DUTY, "queue", "agent1", "agent2"),
    ("service", "投诉受理", "queue", "agent2", "head_service"),
    ("service", "客服回访", "post", "agent2", "agent1"),
    ("repair", "水电维修", "queue", "tech1", "tech2"),
    ("repair", "电梯维保", "post", "tech3", "tech1"),
    ("repair", "部门审批", "responsibility", "head_repair", "director"),
    ("cleaning", "公共区域保洁", "queue", "cleaner1", "cleaner2"),
    ("security", "门岗值守", "post", "guard1", "head_security"),
    ("quality", "月度巡检", "responsibility", "quality1", "quality2"),
    # 002 4.3: the area administrator's weekly full inspection (A and B)
    ("cleaning", "区域管理员", "post", "cleaner1", "head_cleaning"),
]

SERVICE_TYPES = [  # code, name, category, department, sla class, materials, fees
    (
        "water-leak",
        "漏水维修",
        "paid",
        "repair",
        "urgent",
        ["报修人身份证明", "漏水部位照片（三张以上）"],
        [("上门检查费", "次", "30.00"), ("更换角阀", "个", "45.00")],
    ),
    (
        "electric",
        "电路维修",
        "paid",
        "repair",
        "urgent",
        ["报修人身份证明"],
        [("上门检查费", "次", "30.00"), ("更换开关插座", "个", "25.00")],
    ),
    ("lift", "电梯故障", "free", "repair", "emergency", [], []),
    ("public-clean", "公共区域保洁", "contract", "cleaning", "standard", [], []),
    (
        "home-clean",
        "居家保洁",
        "paid",
        "cleaning",
        "standard",
        ["居家服务协议书"],
        [("日常保洁", "小时", "40.00"), ("深度保洁", "平方米", "8.00")],
    ),
    (
        "decoration",
        "装修申请",
        "contract",
        "service",
        "standard",
        ["装修申请表", "装修图纸", "施工单位营业执照复印件", "施工人员身份证复印件", "装修押金收据"],
        [],
    ),
    ("internal", "内部事务", "internal", "management", "standard", [], []),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "华",
    "慧",
]
APPLIANCES = [("燃气热水器", "JSQ25-13"), ("壁挂空调", "KFR-35GW"), ("智能门锁", "X7"), ("净水器", "RO-600G")]


class Command(BaseCommand):
    help = "Load the demo organisation (property preset, staff of every role, 200 customers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when it is already loaded")
        parser.add_argument("--customers", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2611)
        parser.add_argument("--no-work-orders", action="store_true", help="skip the demo work orders")

    def handle(
        self, *args: Any, if_empty: bool, customers: int, seed: int, no_work_orders: bool, **options: Any
    ) -> None:
        if settings.FUWU_ENV == "production":
            raise CommandError("fuwu demo refuses to run when FUWU_ENV=production")
        if Organisation.objects.filter(name=ORGANISATION).exists():
            if if_empty:
                self.print_logins()
                return
            raise CommandError(f"the demo organisation {ORGANISATION} is already loaded")
        self.build(customers, random.Random(seed), with_work_orders=not no_work_orders)
        self.print_logins()

    @transaction.atomic
    def build(self, customer_count: int, rng: random.Random, *, with_work_orders: bool = True) -> None:
        organisation = organisation_create(name=ORGANISATION, preset="property", short_name="和谐家园物业")
        departments: dict[str, Any] = {}
        for code, name, parent in DEPARTMENTS:
            departments[code] = department_create(
                organisation=organisation, code=code, name=name, parent=departments.get(parent or "")
            )
        people: dict[str, User] = {}
        for index, (username, name, department, roles, post) in enumerate(STAFF):
            people[username] = staff_create(
                organisation=organisation,
                username=username,
                full_name=name,
                department=departments[department],
                roles=roles,
                post=post,
                phone=f"1391234{index:04d}",
                password=PASSWORD,
                clearance=3 if Role.DIRECTOR in roles or Role.ADMINISTRATOR in roles else 0,
            )
        people["admin"].is_superuser = True
        people["admin"].save(update_fields=["is_superuser"])
        admin = people["admin"]
        for department, name, kind, primary, backup in DUTIES:
            duty_create(
                department=departments[department],
                name=name,
                kind=kind,
                primary=people[primary],
                backup=people[backup],
                is_intake=name == INTAKE_DUTY,
                by=admin,
            )

        # One current absence: tech1 is on leave from yesterday morning for five days, so 水电维修 goes
        # to tech2 (B) and comes back to tech1 when the leave ends.
        yesterday = timezone.localtime().replace(hour=8, minute=30, second=0, microsecond=0) - timedelta(
            days=1
        )
        absence_record(
            person=people["tech1"],
            kind=AbsenceKind.LEAVE,
            starts_at=yesterday,
            ends_at=yesterday + timedelta(days=4, hours=9),
            note="年假",
            by=people["head_repair"],
        )

        classes = sla_class_names(organisation)
        for code, name, category, department, sla, materials, fees in SERVICE_TYPES:
            service_type_create(
                organisation=organisation,
                by=admin,
                code=code,
                name=name,
                category=category,
                sla_class=sla if sla in classes else sorted(classes)[0],
                default_department=departments[department],
                materials=[{"name": m, "is_required": True} for m in materials],
                fee_items=[{"name": n, "unit": u, "price": p} for n, u, p in fees],
            )

        agent = people["agent1"]
        today = timezone.localdate()
        created_customers: list[Customer] = []
        for index in range(customer_count):
            building, unit = 1 + index % 12, 1 + (index // 12) % 4
            room = f"{1 + (index // 48) % 18}{rng.choice(['01', '02', '03', '04'])}"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            customer = customer_create(
                organisation=organisation,
                by=agent,
                name=name,
                kind="household",
                department=departments["service"],
                addresses=[{"building": f"{building}号楼", "unit": f"{unit}单元", "room": f"{room}室"}],
                phones=[
                    {"number": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}", "label": "手机"}
                ],
            )
            created_customers.append(customer)
            if index % 3 == 0:
                appliance, model = rng.choice(APPLIANCES)
                sold = today - timedelta(days=rng.randint(60, 1500))
                product_add(
                    customer=customer,
                    by=agent,
                    name=appliance,
                    model=model,
                    serial=f"SN{seed_digits(rng)}",
                    sale_date=sold,
                    warranty_ends_on=sold + timedelta(days=730),
                )
            if index % 4 == 0:
                starts = date(today.year - rng.randint(0, 2), rng.randint(1, 12), 1)
                if index == 0:  # one agreement new since yesterday: its first visit is due (003 首次回访)
                    starts = today - timedelta(days=1)
                agreement_add(
                    customer=customer,
                    by=agent,
                    number=f"JJ{starts:%Y%m}-{index:04d}",
                    starts_on=starts,
                    ends_on=date(starts.year + 3, starts.month, 1) - timedelta(days=1),
                )
        orders = demo_work_orders(organisation, people, created_customers, rng) if with_work_orders else 0
        complaints = demo_complaints(organisation, people, created_customers) if with_work_orders else 0
        visits = demo_visits(organisation, people) if with_work_orders else 0
        inspections = demo_inspections(organisation, people) if with_work_orders else 0
        if with_work_orders:
            demo_suppliers(organisation, people)
        # What the morning tasks would have made by now: the planned visits (first visits of new
        # agreements, reminders, greetings) and the reports of the period that ended last.
        planned = plan_day(organisation) if with_work_orders else None
        reports = create_due_reports() if with_work_orders else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {ORGANISATION}: {len(departments)} departments, {len(people)} staff, "
                f"{customer_count} customers, {orders} work orders, {complaints} complaints, "
                f"{visits} return visits ({planned.first_visits + planned.maintenance + planned.greetings if planned else 0} "
                f"planned), {inspections} inspections, {reports} periodic reports."
            )
        )

    def print_logins(self) -> None:
        self.stdout.write(
            "Demo logins (password demo12345): admin, director, agent1, agent2, tech1, tech2, "
            "head_repair, quality1, finance1"
        )
        self.stdout.write("Open http://127.0.0.1:8000/ once the server has started.")


def seed_digits(rng: random.Random) -> str:
    return f"{rng.randint(10**9, 10**10 - 1)}"


# --- demo work orders -------------------------------------------------------------------------

WORK_ORDER_STORIES = [  # service type code, description
    ("water-leak", "卫生间漏水，楼下天花板有水渍"),
    ("water-leak", "厨房水龙头关不紧，一直滴水"),
    ("electric", "客厅插座没电，空气开关跳闸"),
    ("electric", "楼道灯不亮"),
    ("lift", "电梯按钮失灵，停在5楼"),
    ("public-clean", "地下车库有积水和垃圾"),
    ("home-clean", "预约周六上午居家保洁"),
    ("decoration", "申请卫生间翻新装修"),
    ("water-leak", "阳台地漏反水"),
    ("electric", "入户门禁对讲没有声音"),
]

# The step each demo work order reaches, in order: a realistic mix of statuses. Orders are received
# further back the later they come (about 3 hours apart) and the sweep has not run yet, so late ones
# are escalated by the worker's first sweep after loading (`make run`): e.g. the fifth, a lift
# breakdown (抢修, dispatch within 5 calendar minutes) received about 12 hours ago and never dispatched.
DEMO_STEPS = (
    ["received"] * 5
    + ["dispatched"] * 5
    + ["on_site"] * 3
    + ["notice"] * 2
    + ["red_light"]
    + ["done"] * 4
    + ["confirmed"] * 5
    + ["closed"] * 4
    + ["cancelled"]
)


def _signature_png() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (240, 80), "white")
    ImageDraw.Draw(image).line([(10, 60), (60, 20), (110, 55), (160, 25), (230, 50)], fill="black", width=3)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def demo_work_orders(
    organisation: Organisation, people: dict[str, User], customers: list[Customer], rng: random.Random
) -> int:
    """About thirty work orders in every status, each taken through the services at past times."""
    from fuwu.workorders import services as wo

    if not customers:
        return 0
    types = {
        st.code: st
        for st in ServiceType.objects.filter(organisation=organisation).prefetch_related(
            "materials", "fee_items"
        )
    }
    technicians = {
        "repair": ["tech1", "tech2", "tech3"],
        "cleaning": ["cleaner1", "cleaner2"],
        "service": ["agent2"],
    }
    heads = {"repair": "head_repair", "cleaning": "head_cleaning", "service": "head_service"}
    signature = _signature_png()
    now = timezone.now()
    for index, step in enumerate(DEMO_STEPS):
        code, description = WORK_ORDER_STORIES[index % len(WORK_ORDER_STORIES)]
        if step == "notice":  # a service with a checklist, so that materials can be missing
            code, description = "decoration", "申请厨房和卫生间翻新装修"
        service_type = types[code]
        department = service_type.default_department.code if service_type.default_department else "repair"
        customer = customers[(index * 7) % len(customers)]
        received: datetime = now - timedelta(minutes=25 + index * 170 + rng.randint(0, 40))
        agent = people["agent1" if index % 3 else "agent2"]
        order = wo.work_order_create(
            organisation=organisation,
            by=agent,
            channel="phone" if index % 4 else "walk_in",
            service_type=service_type,
            customer=customer,
            description=description,
            priority="urgent" if code == "lift" else ("high" if index % 5 == 0 else "normal"),
            materials_received=[m.name for m in service_type.materials.all()][: 0 if step == "notice" else 9],
            now=received,
        )
        if step == "received":
            continue
        if step == "cancelled":
            wo.work_order_cancel(
                work_order=order,
                by=agent,
                reason="客户来电取消，已自行处理",
                now=received + timedelta(minutes=20),
            )
            continue
        if step == "notice":
            wo.work_order_notice_missing(work_order=order, by=agent, now=received + timedelta(minutes=3))
            continue
        if step == "red_light":
            wo.work_order_request_rejection(
                work_order=order,
                by=agent,
                kind="rejection",
                reason="属业主自有设备，不在物业维修范围",
                answer="该设备属业主自有，建议联系厂家售后",
                now=received + timedelta(minutes=6),
            )
            continue
        head = people[heads.get(department, "head_repair")]
        technician = people[rng.choice(technicians.get(department, ["tech2"]))]
        wo.work_order_dispatch(
            work_order=order, by=head, technician=technician, now=received + timedelta(minutes=4)
        )
        if step == "dispatched":
            continue
        order.refresh_from_db()
        handler = order.assignee or technician
        wo.work_order_arrive(work_order=order, by=handler, now=received + timedelta(minutes=35))
        if step == "on_site":
            continue
        paid = service_type.category == "paid" and index % 2 == 0
        wo.work_order_complete(
            work_order=order,
            by=handler,
            findings="现场检查，" + description,
            work_done="已处理完毕，试用正常",
            warranty_status="not_applicable" if paid else "in_warranty",
            minutes_spent=30 + index,
            now=received + timedelta(minutes=80),
        )
        if paid:
            wo.work_order_decide_paid_service(
                work_order=order, by=head, approve=True, now=received + timedelta(minutes=85)
            )
            fee_item = service_type.fee_items.all()[0]
            wo.work_order_record_fee(
                work_order=order,
                by=handler,
                fee_item=fee_item,
                receipt_number=f"SJ{received:%m%d}{index:03d}",
                now=received + timedelta(minutes=86),
            )
        if step == "done":
            continue
        wo.work_order_confirm(
            work_order=order,
            by=handler,
            method="signature",
            confirmed_by_name=customer.name,
            signature=signature,
            satisfied=True,
            now=received + timedelta(minutes=90),
        )
        if step == "closed":
            wo.work_order_close(work_order=order, by=agent, now=received + timedelta(minutes=120))
    return len(DEMO_STEPS)
