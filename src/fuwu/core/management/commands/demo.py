"""Load the demo organisation: a property-management company (物业) from the ``property`` preset."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from fuwu.catalogue.services import service_type_create
from fuwu.customers.services import agreement_add, customer_create, product_add
from fuwu.org.models import AbsenceKind, Organisation, Role, User
from fuwu.org.services import absence_record, department_create, duty_create, staff_create
from fuwu.policy.selectors import sla_class_names
from fuwu.policy.services import organisation_create

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
]

DUTIES = [  # department, duty, kind, A, B
    ("service", "报修热线受理", "queue", "agent1", "agent2"),
    ("service", "投诉受理", "queue", "agent2", "head_service"),
    ("service", "客服回访", "post", "agent2", "agent1"),
    ("repair", "水电维修", "queue", "tech1", "tech2"),
    ("repair", "电梯维保", "post", "tech3", "tech1"),
    ("repair", "部门审批", "responsibility", "head_repair", "director"),
    ("cleaning", "公共区域保洁", "queue", "cleaner1", "cleaner2"),
    ("security", "门岗值守", "post", "guard1", "head_security"),
    ("quality", "月度巡检", "responsibility", "quality1", "quality2"),
]

SERVICE_TYPES = [  # code, name, category, department, sla class, materials, fees
    ("water-leak", "漏水维修", "paid", "repair", "urgent", ["报修人身份证明", "漏水部位照片（三张以上）"],
     [("上门检查费", "次", "30.00"), ("更换角阀", "个", "45.00")]),
    ("electric", "电路维修", "paid", "repair", "urgent", ["报修人身份证明"],
     [("上门检查费", "次", "30.00"), ("更换开关插座", "个", "25.00")]),
    ("lift", "电梯故障", "free", "repair", "emergency", [], []),
    ("public-clean", "公共区域保洁", "contract", "cleaning", "standard", [], []),
    ("home-clean", "居家保洁", "paid", "cleaning", "standard", ["居家服务协议书"],
     [("日常保洁", "小时", "40.00"), ("深度保洁", "平方米", "8.00")]),
    ("decoration", "装修申请", "contract", "service", "standard",
     ["装修申请表", "装修图纸", "施工单位营业执照复印件", "施工人员身份证复印件", "装修押金收据"], []),
    ("internal", "内部事务", "internal", "management", "standard", [], []),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "慧"]
APPLIANCES = [("燃气热水器", "JSQ25-13"), ("壁挂空调", "KFR-35GW"), ("智能门锁", "X7"), ("净水器", "RO-600G")]


class Command(BaseCommand):
    help = "Load the demo organisation (property preset, staff of every role, 200 customers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="do nothing when it is already loaded")
        parser.add_argument("--customers", type=int, default=200)
        parser.add_argument("--seed", type=int, default=2611)

    def handle(self, *args: Any, if_empty: bool, customers: int, seed: int, **options: Any) -> None:
        if settings.FUWU_ENV == "production":
            raise CommandError("fuwu demo refuses to run when FUWU_ENV=production")
        if Organisation.objects.filter(name=ORGANISATION).exists():
            if if_empty:
                self.print_logins()
                return
            raise CommandError(f"the demo organisation {ORGANISATION} is already loaded")
        self.build(customers, random.Random(seed))
        self.print_logins()

    @transaction.atomic
    def build(self, customer_count: int, rng: random.Random) -> None:
        organisation = organisation_create(name=ORGANISATION, preset="property", short_name="和谐家园物业")
        departments = {}
        for code, name, parent in DEPARTMENTS:
            departments[code] = department_create(
                organisation=organisation, code=code, name=name, parent=departments.get(parent or "")
            )
        people: dict[str, User] = {}
        for index, (username, name, department, roles, post) in enumerate(STAFF):
            people[username] = staff_create(
                organisation=organisation, username=username, full_name=name, department=departments[department],
                roles=roles, post=post, phone=f"1391234{index:04d}", password=PASSWORD,
                clearance=3 if Role.DIRECTOR in roles or Role.ADMINISTRATOR in roles else 0,
            )
        people["admin"].is_superuser = True
        people["admin"].save(update_fields=["is_superuser"])
        admin = people["admin"]
        for department, name, kind, primary, backup in DUTIES:
            duty_create(department=departments[department], name=name, kind=kind, primary=people[primary],
                        backup=people[backup], by=admin)

        # One current absence: tech1 is on leave from yesterday morning for five days, so 水电维修 goes
        # to tech2 (B) and comes back to tech1 when the leave ends.
        yesterday = timezone.localtime().replace(hour=8, minute=30, second=0, microsecond=0) - timedelta(days=1)
        absence_record(person=people["tech1"], kind=AbsenceKind.LEAVE, starts_at=yesterday,
                       ends_at=yesterday + timedelta(days=4, hours=9), note="年假", by=people["head_repair"])

        classes = sla_class_names(organisation)
        for code, name, category, department, sla, materials, fees in SERVICE_TYPES:
            service_type_create(
                organisation=organisation, by=admin, code=code, name=name, category=category,
                sla_class=sla if sla in classes else sorted(classes)[0], default_department=departments[department],
                materials=[{"name": m, "is_required": True} for m in materials],
                fee_items=[{"name": n, "unit": u, "price": p} for n, u, p in fees],
            )

        agent = people["agent1"]
        today = timezone.localdate()
        for index in range(customer_count):
            building, unit = 1 + index % 12, 1 + (index // 12) % 4
            room = f"{1 + (index // 48) % 18}{rng.choice(['01', '02', '03', '04'])}"
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            customer = customer_create(
                organisation=organisation, by=agent, name=name, kind="household",
                department=departments["service"],
                addresses=[{"building": f"{building}号楼", "unit": f"{unit}单元", "room": f"{room}室"}],
                phones=[{"number": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}", "label": "手机"}],
            )
            if index % 3 == 0:
                appliance, model = rng.choice(APPLIANCES)
                sold = today - timedelta(days=rng.randint(60, 1500))
                product_add(customer=customer, by=agent, name=appliance, model=model,
                            serial=f"SN{seed_digits(rng)}", sale_date=sold, warranty_ends_on=sold + timedelta(days=730))
            if index % 4 == 0:
                starts = date(today.year - rng.randint(0, 2), rng.randint(1, 12), 1)
                agreement_add(customer=customer, by=agent, number=f"JJ{starts:%Y%m}-{index:04d}", starts_on=starts,
                              ends_on=date(starts.year + 3, starts.month, 1) - timedelta(days=1))
        self.stdout.write(self.style.SUCCESS(
            f"Loaded {ORGANISATION}: {len(departments)} departments, {len(people)} staff, "
            f"{customer_count} customers."
        ))

    def print_logins(self) -> None:
        self.stdout.write("Demo logins (password demo12345): admin, director, agent1, agent2, tech1, tech2, "
                          "head_repair, quality1")
        self.stdout.write("Open http://127.0.0.1:8000/ once the server has started.")


def seed_digits(rng: random.Random) -> str:
    return f"{rng.randint(10**9, 10**10 - 1)}"
