"""`fuwu demo` builds the organisation the README promises."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory, override_settings
from django.utils import timezone

from fuwu.catalogue.models import ServiceType
from fuwu.customers.models import Customer
from fuwu.org.models import Absence, Department, Duty, Organisation, Role, User
from fuwu.org.selectors import HandlerReason, duty_handlers
from fuwu.policy.selectors import active_policy


@pytest.fixture
def demo(db) -> Organisation:
    call_command("demo", "--customers", "40", "--no-work-orders", stdout=StringIO())
    return Organisation.objects.get()


def test_the_full_demo_has_work_orders_in_every_stage(db):
    from fuwu.workorders.models import WorkOrder

    call_command("demo", "--customers", "30", stdout=StringIO())
    statuses = set(WorkOrder.objects.values_list("status", flat=True))
    assert {"routed", "dispatched", "done", "closed"} <= statuses


@time_machine.travel(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False)
def test_the_full_demo_has_return_visits_at_every_end(db):
    from fuwu.visits.models import Visit
    from fuwu.workorders.models import WorkOrder

    call_command("demo", "--customers", "30", stdout=StringIO())
    visits = Visit.objects.filter(work_order__isnull=False)
    answered = visits.filter(status="done")
    assert answered.filter(satisfied=True).count() == 3
    unsatisfied = answered.get(satisfied=False)
    assert unsatisfied.work_order is not None
    assert unsatisfied.work_order.status != "visited"  # handled again
    visited = WorkOrder.objects.filter(status="visited")
    assert set(visited) == {v.work_order for v in answered.filter(satisfied=True)}
    assert visits.filter(status="due", attempt_log__outcome="unreachable").count() == 1
    assert visits.filter(status="due", attempt_log__outcome="call_later").count() == 1
    # the agents have calls left for their day, and the answers carry a customer's suggestion
    assert visits.filter(status="due", attempts=0).exists()
    assert answered.filter(answers__suggestions="希望上门前先电话联系").count() == 1
    # the morning tasks' work is there too: the new agreement's first visit, last quarter's reports
    from fuwu.reports.models import PeriodicReport

    assert Visit.objects.filter(reason="agreement_started").count() == 1
    kinds = set(PeriodicReport.objects.values_list("kind", flat=True))
    assert kinds >= {"visits_needs", "visits_analysis"}
    # and the inspections' reports of the period that ended last, whichever are due by today
    assert kinds <= {
        "visits_needs",
        "visits_analysis",
        "inspections_department_month",
        "inspections_department_quarter",
        "inspections_quality_quarter",
    }


def test_demo_builds_departments_staff_customers_and_policy(demo):
    assert set(Department.objects.values_list("name", flat=True)) >= {
        "客服中心",
        "工程维修部",
        "保洁部",
        "秩序维护部",
        "品质部",
        "总经理室",
    }
    assert Customer.objects.filter(organisation=demo).count() == 40
    assert ServiceType.objects.filter(organisation=demo).count() >= 5
    assert demo.preset == "property"
    assert active_policy(demo).business_hours.periods  # the property preset has office hours
    for role in Role.values:
        assert User.objects.filter(organisation=demo).filter(User.role_q(role)).exists(), role


@pytest.mark.parametrize(
    "username", ["admin", "agent1", "agent2", "tech1", "tech2", "head_repair", "quality1", "director"]
)
def test_demo_logins_work(demo, username):
    assert authenticate(RequestFactory().post("/login/"), username=username, password="demo12345") is not None


def test_demo_has_a_current_absence_and_its_duty_goes_to_b(demo):
    now = timezone.now()
    absent = Absence.objects.get(starts_at__lte=now, ends_at__gt=now)
    duties = list(
        Duty.objects.filter(primary=absent.person).select_related("primary", "backup", "department")
    )
    handlers = duty_handlers(duties, now)
    assert any(h.reason == HandlerReason.BACKUP for h in handlers.values())


def test_every_duty_has_a_b(demo):
    assert all(d.backup_id and d.backup_id != d.primary_id for d in Duty.objects.all())


def test_demo_if_empty_is_idempotent_and_plain_rerun_refuses(demo):
    call_command("demo", "--if-empty", stdout=StringIO())
    assert Organisation.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("demo", stdout=StringIO())


@override_settings(FUWU_ENV="production")
def test_demo_refuses_in_production(db):
    with pytest.raises(CommandError, match="production"):
        call_command("demo", stdout=StringIO())
    assert not Organisation.objects.exists()


def test_an_account_without_organisation_gets_an_explanation_not_a_crash(client, api, db):
    # given a bare superuser, as `fuwu createsuperuser` makes one
    user = User.objects.create_superuser("root", password="longenough1")
    client.force_login(user)

    # then pages explain, the admin still opens, and the API refuses with 403
    for path in ("/", "/calendar/", "/policy/", "/customers/"):
        response = client.get(path)
        assert response.status_code == 403
        assert "fuwu init" in response.content.decode()
    assert client.get("/admin/").status_code == 200
    denied = api(user).get("calendar/days", {"year": 2026})
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "permission_denied"


def test_reindex_search_recomputes_the_words(db):
    from fuwu.customers.models import Customer
    from fuwu.workorders.models import WorkOrder

    call_command("demo", "--customers", "12", stdout=StringIO())
    WorkOrder.objects.update(search_text="")
    Customer.objects.update(search_text="")
    out = StringIO()
    call_command("reindex_search", stdout=out)
    assert "12 customers" in out.getvalue()
    assert not WorkOrder.objects.filter(search_text="").exists()
    assert not Customer.objects.filter(search_text="").exists()


def test_the_demo_has_late_work_that_the_first_sweep_escalates(db):
    """`make run` shows escalation at once: the demo holds work orders whose deadlines were missed
    hours ago and that nobody has escalated yet; the worker's first sweep escalates them."""
    from fuwu.notify.models import Notification, NotificationKind
    from fuwu.workorders.models import Clock, Escalation
    from fuwu.workorders.sweeps import sweep

    call_command("demo", "--customers", "12", stdout=StringIO())
    now = timezone.now()
    late = Clock.objects.filter(
        is_active=True,
        met_at__isnull=True,
        paused_at__isnull=True,
        due_at__lt=now - timedelta(hours=1),
        escalation_level=0,
    )
    # the emergency (电梯) order received about twelve hours ago and never dispatched is among them
    assert late.filter(kind="dispatch", work_order__service_type__code="lift").exists()
    late_ids = set(late.values_list("pk", flat=True))
    assert not Escalation.objects.exists()

    result = sweep(now)

    assert result.escalated >= 1
    escalated = set(Escalation.objects.values_list("clock_id", flat=True))
    assert escalated & late_ids
    head_repair = User.objects.get(username="head_repair")
    assert Notification.objects.filter(
        recipient=head_repair, kind__in=[NotificationKind.BREACHED, NotificationKind.ESCALATED]
    ).exists()
