"""The shared cast of the test suite: one organisation, a department tree and a person per role.

总经理室 (management)   admin (administrator), director (director)
品质部 (quality)        quality (quality inspector)
客服中心 (service)      head_service (head), agent, agent2 (agents)
工程维修部 (repair)     head_repair (head), tech, tech2 (technicians)
  └ 水电班 (plumbing)   plumber (technician)
保洁部 (cleaning)       cleaner (technician)
other organisation      outsider (administrator of 另一家公司)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fuwu.org.models import Department, Organisation, Role, User
from fuwu.org.services import department_create, staff_create

if TYPE_CHECKING:
    from fuwu.catalogue.models import ServiceType


@dataclass
class Cast:
    organisation: Organisation
    other_organisation: Organisation
    management: Department
    quality_department: Department
    service: Department
    repair: Department
    plumbing: Department
    cleaning: Department
    admin: User
    director: User
    quality: User
    head_service: User
    agent: User
    agent2: User
    head_repair: User
    tech: User
    tech2: User
    plumber: User
    cleaner: User
    outsider: User

    def everyone(self) -> list[User]:
        return [
            self.admin,
            self.director,
            self.quality,
            self.head_service,
            self.agent,
            self.agent2,
            self.head_repair,
            self.tech,
            self.tech2,
            self.plumber,
            self.cleaner,
        ]


def build_cast(preset: str = "property") -> Cast:
    organisation = Organisation.objects.create(name="测试物业公司", short_name="测试物业", preset=preset)
    other = Organisation.objects.create(name="另一家公司", preset=preset)

    def dept(
        name: str, code: str, parent: Department | None = None, org: Organisation = organisation
    ) -> Department:
        return department_create(organisation=org, name=name, code=code, parent=parent)

    management = dept("总经理室", "management")
    quality_department = dept("品质部", "quality")
    service = dept("客服中心", "service")
    repair = dept("工程维修部", "repair")
    plumbing = dept("水电班", "plumbing", repair)
    cleaning = dept("保洁部", "cleaning")
    other_dept = dept("客服部", "service", org=other)

    def person(
        username: str,
        name: str,
        department: Department,
        *roles: str,
        phone: str = "",
        org: Organisation = organisation,
        clearance: int = 0,
    ) -> User:
        return staff_create(
            organisation=org,
            username=username,
            full_name=name,
            department=department,
            roles=list(roles),
            phone=phone or f"1380000{len(username):04d}",
            password="test12345",
            clearance=clearance,
        )

    return Cast(
        organisation=organisation,
        other_organisation=other,
        management=management,
        quality_department=quality_department,
        service=service,
        repair=repair,
        plumbing=plumbing,
        cleaning=cleaning,
        admin=person("admin", "管理员", management, Role.ADMINISTRATOR, clearance=3),
        director=person("director", "王总", management, Role.DIRECTOR, clearance=3),
        quality=person("quality", "品质李", quality_department, Role.QUALITY_INSPECTOR, clearance=1),
        head_service=person("head_service", "客服主管", service, Role.DEPARTMENT_HEAD, Role.AGENT),
        agent=person("agent", "客服小张", service, Role.AGENT),
        agent2=person("agent2", "客服小李", service, Role.AGENT),
        head_repair=person("head_repair", "维修主管", repair, Role.DEPARTMENT_HEAD),
        tech=person("tech", "维修工老赵", repair, Role.TECHNICIAN),
        tech2=person("tech2", "维修工小钱", repair, Role.TECHNICIAN),
        plumber=person("plumber", "水电工孙", plumbing, Role.TECHNICIAN),
        cleaner=person("cleaner", "保洁周", cleaning, Role.TECHNICIAN),
        outsider=person("outsider", "外人", other_dept, Role.ADMINISTRATOR, org=other, clearance=3),
    )


def leak_repair_for_browser(cast: Cast, **extra: Any) -> ServiceType:
    """What a browser test of work orders starts from besides the cast: the working-day calendar
    (a live-server test's database is empty) and a free 漏水维修 service routed to 工程维修部."""
    from fuwu.catalogue.services import service_type_create
    from fuwu.workcal.models import CalendarDay
    from fuwu.workcal.services import calendar_sync_package

    if not CalendarDay.objects.exists():
        calendar_sync_package()
    values: dict[str, Any] = {
        "code": "water-leak",
        "name": "漏水维修",
        "category": "free",
        "sla_class": "standard",
    }
    return service_type_create(
        organisation=cast.organisation, by=cast.admin, default_department=cast.repair, **{**values, **extra}
    )
