"""Staff pages of complaints: intake (hotline, letter, from a work order) with the caller look-up and
history, who sees what (404 without the number), the lists' tabs and bounded queries, the work
order page's complaints, the home page's tiles, and values written for people."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.complaints import services
from fuwu.complaints.models import Complaint, ComplaintClock, Status
from fuwu.testing.rendered import page_text, problems
from fuwu.timeline.models import Event

from .conftest import at

NOW = at(2026, 11, 23, 10, 1)  # a Monday, a working day


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def page(client: Any, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def signed_in(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def numbers_in(html: str) -> set[str]:
    return set(re.findall(r'data-number="([^"]+)"', html))


def intake_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "channel": "phone",
        "caller_phone": "13800001111",
        "caller_name": "李女士",
        "address": "7号楼2单元301室",
        "subject": "维修工迟到两小时",
        "object": "efficiency",
        "severity": "",
        "description": "约好上午九点上门，十一点才到",
        "demand": "要求道歉",
        "confidentiality": "0",
    }
    data.update(overrides)
    return data


# --- intake ---------------------------------------------------------------------------------


def test_hotline_agent_registers_a_phone_complaint(cast, web):
    client = web(cast.agent)
    form = page(client, "/complaints/new/")
    assert "autofocus" in form
    assert 'name="caller_phone"' in form

    response = client.post("/complaints/new/", intake_data())

    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.pk}/"
    assert complaint.channel == "phone"
    assert complaint.first_contact_owner == cast.agent
    assert complaint.status == Status.ACKNOWLEDGED  # spoken to a person: acknowledged at intake
    assert complaint.object == "efficiency"
    assert complaint.caller_name == "李女士"
    detail = page(client, response["Location"])
    assert complaint.number in detail.split('role="alert"')[1]  # the message names the number


def test_a_letter_is_registered_later_and_its_clocks_count_from_its_arrival(cast, web):
    response = web(cast.agent).post(
        "/complaints/new/",
        intake_data(channel="letter", caller_phone="", received_at="2026-11-19T09:00"),
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.received_at == at(2026, 11, 19, 9, 0)
    assert complaint.registered_at == NOW
    investigation = ComplaintClock.objects.get(complaint=complaint, kind="investigation")
    assert investigation.started_at == at(2026, 11, 19, 9, 0)
    assert investigation.due_at < NOW  # one working day from Thursday: already overdue


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"subject": "", "description": ""}, {"subject", "description"}),
        ({"received_at": "2026-11-19T09:00"}, {"received_at"}),  # a phone call is not registered later
        ({"channel": "letter", "received_at": "2026-11-24T09:00"}, {"received_at"}),  # the future
        ({"channel": "carrier_pigeon"}, {"channel"}),
        ({"caller_phone": "12"}, {"caller_phone"}),
        ({"subject": "态度\x00差"}, {"subject"}),
    ],
)
def test_intake_errors_name_the_fields_and_nothing_is_written(cast, web, overrides, fields):
    client = web(cast.agent)
    events_before = Event.objects.count()

    response = client.post("/complaints/new/", intake_data(**overrides))

    html = response.content.decode()
    assert response.status_code == 422
    shown = set(re.findall(r'data-field="([a-z_]+)"', html))
    assert fields <= shown, shown
    assert Complaint.objects.count() == 0
    assert Event.objects.count() == events_before
    assert 'data-testid="form-errors"' in html


def test_roles_that_do_not_register_complaints_cannot_open_intake(cast, web):
    assert web(cast.tech).get("/complaints/new/").status_code == 403
    assert web(cast.tech).post("/complaints/new/", intake_data()).status_code == 403
    assert Complaint.objects.count() == 0


def test_caller_look_up_shows_the_customers_work_orders_and_complaints(cast, web, complain, household):
    earlier = complain(now=at(2026, 11, 20, 9, 0))

    html = page(web(cast.agent), "/complaints/new/lookup/?caller_phone=13912345678")

    assert f'data-pick-customer="{household.pk}"' in html
    assert 'data-testid="customer-history"' in html
    assert f'data-history-complaint="{earlier.number}"' in html
    assert 'data-testid="open-complaints"' in html  # still open: this may be a repeat

    picked = page(web(cast.agent), f"/complaints/new/history/?customer={household.pk}")
    assert earlier.number in picked
    # a customer outside the agent's view gives nothing, a bad id too
    assert "customer-history" not in page(
        web(cast.cleaner), f"/complaints/new/history/?customer={household.pk}"
    )
    assert "customer-history" not in page(web(cast.agent), "/complaints/new/history/?customer=x")


def test_intake_for_a_known_customer_links_the_record(cast, web, household, leak_repair):
    response = web(cast.agent).post(
        "/complaints/new/",
        intake_data(
            customer=household.pk,
            caller_phone="13912345678",
            caller_name="王先生",
            service_type=leak_repair.pk,
        ),
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.customer == household
    assert complaint.department == cast.repair  # the service type's department


# --- raised from a work order ---------------------------------------------------------------


@pytest.fixture
def work_order(cast, household, leak_repair):
    from fuwu.workorders import services as wo

    order = wo.work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=leak_repair,
        customer=household,
        description="卫生间漏水",
        now=at(2026, 11, 20, 9, 0),
    )
    return wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 20, 9, 5)
    )


def test_a_complaint_is_raised_from_the_work_order_page_and_each_links_the_other(cast, web, work_order):
    client = web(cast.agent)
    order_page = page(client, f"/work-orders/{work_order.pk}/")
    assert f'href="/complaints/new/?work_order={work_order.pk}"' in order_page

    form = page(client, f"/complaints/new/?work_order={work_order.pk}")
    assert work_order.number in form
    assert 'data-testid="work-order-summary"' in form
    response = client.post(
        f"/complaints/new/?work_order={work_order.pk}",
        {
            "work_order": work_order.pk,
            "channel": "work_order",
            "subject": "维修工态度差",
            "object": "service_attitude",
            "severity": "",
            "description": "维修工上门时态度恶劣",
            "demand": "",
        },
    )

    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.work_order == work_order
    assert complaint.customer == work_order.customer
    assert complaint.department == work_order.department
    detail = page(client, response["Location"])
    assert f'href="/work-orders/{work_order.pk}/"' in detail
    order_page = page(client, f"/work-orders/{work_order.pk}/")
    assert f'data-complaint="{complaint.number}"' in order_page


def test_a_work_order_the_user_cannot_see_cannot_be_complained_about_here(cast, web, work_order):
    assert web(cast.cleaner).get(f"/complaints/new/?work_order={work_order.pk}").status_code in (403, 404)
    from fuwu.org.models import Role
    from fuwu.org.services import staff_create

    other_agent = staff_create(
        organisation=cast.organisation,
        username="cleaning_agent",
        full_name="保洁客服",
        department=cast.cleaning,
        roles=[Role.AGENT],
        phone="13800007777",
        password="test12345",
    )
    response = web(other_agent).post(
        f"/complaints/new/?work_order={work_order.pk}",
        {
            "work_order": work_order.pk,
            "channel": "work_order",
            "subject": "x",
            "object": "other",
            "description": "y",
        },
    )
    assert response.status_code == 404
    assert Complaint.objects.count() == 0


# --- visibility -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "head_service", "head_repair", "director", "quality"])
def test_people_concerned_see_the_complaint_page(cast, web, complain, who):
    complaint = complain()

    html = page(web(getattr(cast, who)), f"/complaints/{complaint.pk}/")

    assert complaint.number in html
    assert "维修工上门时态度恶劣" in html


@pytest.mark.parametrize("who", ["cleaner", "outsider"])
def test_invisible_complaints_answer_404_without_their_number(cast, web, complain, who):
    complaint = complain()
    client = web(getattr(cast, who))
    events_before = Event.objects.count()

    for url in (f"/complaints/{complaint.pk}/",):
        response = client.get(url)
        assert response.status_code == 404
        assert complaint.number not in response.content.decode()
    response = client.post(f"/complaints/{complaint.pk}/remind/", {"note": "快点"})
    assert response.status_code == 404
    assert complaint.number not in response.content.decode()
    assert Event.objects.count() == events_before
    assert complaint.number not in page(client, "/complaints/?tab=all")


def test_a_protected_identity_is_masked_for_heads_and_shown_to_agents(cast, web, complain):
    complaint = complain(identity_protected=True)

    head = page(signed_in(cast.head_repair), f"/complaints/{complaint.pk}/")
    agent = page(signed_in(cast.agent), f"/complaints/{complaint.pk}/")

    assert "王先生" not in page_text(head, within="complainant")
    assert "139****5678" not in head
    assert "13912345678" not in head
    assert "王先生" in page_text(agent, within="complainant")
    assert "王先生" not in page_text(
        page(signed_in(cast.head_repair), "/complaints/?tab=all"), within="complaint-list"
    )


# --- lists ----------------------------------------------------------------------------------


def test_each_tab_lists_what_it_says(cast, web, complain):
    mine = complain()  # the agent's, handled by 工程维修部
    others = complain(
        by=cast.agent2,
        department_id=cast.cleaning.pk,
        customer_id=None,
        service_type_id=None,
        caller_name="赵女士",
        caller_phone="13700001234",
        subject="保洁不到位",
        object="other",
    )
    head = signed_in(cast.head_repair)
    assert numbers_in(page(head, "/complaints/?tab=department")) == {mine.number}
    assert numbers_in(page(head, "/complaints/")) == {mine.number}  # a head starts with the department's
    client = signed_in(cast.agent)
    assert numbers_in(page(client, "/complaints/?tab=mine")) == {mine.number}
    assert numbers_in(page(client, "/complaints/?tab=all")) == {mine.number, others.number}
    assert numbers_in(page(client, "/complaints/?tab=overdue")) == set()
    assert numbers_in(page(client, "/complaints/?tab=repeated")) == set()
    assert numbers_in(page(client, "/complaints/?tab=closed")) == set()
    assert numbers_in(page(client, "/complaints/?tab=all&object=other")) == {others.number}
    assert numbers_in(page(client, "/complaints/?tab=all&q=保洁")) == {others.number}
    # invalid filter values are ignored, never a 500
    assert numbers_in(page(client, "/complaints/?tab=nonsense&status=bogus&department=abc&date_from=x")) == {
        mine.number  # the agent's own tab, the filters ignored
    }
    assert client.get("/complaints/?q=%00").status_code == 400  # refused before any view


def test_the_overdue_and_repeated_tabs(cast, web, complain, time_machine):
    first = complain(now=at(2026, 11, 16, 9, 0))  # investigation due one working day later: long past
    repeat = complain(subject="又是态度问题")

    client = web(cast.agent)
    assert first.number in numbers_in(page(client, "/complaints/?tab=overdue"))
    repeated = numbers_in(page(client, "/complaints/?tab=repeated"))
    assert repeated == {repeat.number}
    assert 'data-testid="repeat-banner"' in page(client, f"/complaints/{repeat.pk}/")


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


LIST_PAGES = [
    ("agent", "/complaints/?tab=all"),
    ("agent", "/complaints/?tab=mine&q=态度"),
    ("agent", "/complaints/?tab=overdue"),
    ("head_repair", "/complaints/?tab=department"),
    ("head_repair", "/complaints/?tab=awaiting_approval"),
    ("director", "/complaints/?tab=repeated&status=acknowledged"),
    ("head_repair", "/complaints/penalties/?tab=all"),
]


def test_list_query_counts_do_not_grow_with_rows(cast, web, complain, client):
    complain(now=at(2026, 11, 16, 9, 0))  # overdue: the lists show a late step from the start
    complain(by=cast.agent2, subject="再次投诉")
    counts_one = {}
    for who, url in LIST_PAGES:
        client.force_login(getattr(cast, who))
        _queries(client, url)  # the first request fills the process's caches (content types)
        counts_one[(who, url)] = _queries(client, url)
    for index in range(9):
        complain(now=at(2026, 11, 16 + index % 5, 9, 0), subject=f"态度问题 {index}")
    for who, url in LIST_PAGES:
        client.force_login(getattr(cast, who))
        assert _queries(client, url) == counts_one[(who, url)], (who, url)


def test_lists_are_paginated(cast, web, complain, monkeypatch):
    from fuwu.complaints.views import lists

    monkeypatch.setattr(lists, "PAGE_SIZE", 3)
    made = [complain(subject=f"问题 {i}", now=at(2026, 11, 23, 9, i)) for i in range(5)]
    client = web(cast.agent)

    first = numbers_in(page(client, "/complaints/?tab=all"))
    second = numbers_in(page(client, "/complaints/?tab=all&page=2"))

    assert len(first) == 3
    assert len(second) == 2
    assert first | second == {c.number for c in made}
    assert numbers_in(page(client, "/complaints/?tab=all&page=999")) == second  # the last page


# --- home page ------------------------------------------------------------------------------


def test_the_home_page_counts_the_users_complaints(cast, web, complain):
    complain()

    agent_home = page(signed_in(cast.agent), "/")
    head_home = page(signed_in(cast.head_repair), "/")
    cleaner_home = page(signed_in(cast.cleaner), "/")

    assert re.search(r'data-complaint-bench="mine" data-count="1"', agent_home)
    assert 'data-testid="new-complaint"' in agent_home
    assert re.search(r'data-complaint-bench="department" data-count="1"', head_home)
    assert "complaint-bench" not in cleaner_home  # nothing of theirs, and they do not register complaints
    assert 'href="/complaints/"' in agent_home  # the navigation's section is available


# --- values for people ----------------------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_read_as_text_for_people(cast, web, complain, language):
    complaint = complain()
    services.complaint_start_investigation(complaint, by=cast.head_repair, now=NOW)
    client = web(cast.head_repair)
    client.cookies["fuwu_language"] = language

    for url in (
        f"/complaints/{complaint.pk}/",
        "/complaints/?tab=all",
        "/complaints/new/",
        "/complaints/penalties/?tab=all",
    ):
        text = page_text(page(client, url))
        assert problems(text, language, more_codes=["general", "department_head"]) == [], url


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_holds_complaints_in_many_steps_and_their_pages_read_for_people(db, time_machine):
    from io import StringIO

    from django.core.management import call_command

    from fuwu.org.models import User

    time_machine.move_to(at(2026, 11, 27, 16, 0), tick=False)
    call_command("demo", "--customers", "30", stdout=StringIO())

    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert {"received", "acknowledged", "investigating", "plan_proposed", "executed", "replied"} <= statuses
    assert {"rehandling", "closed"} <= statuses
    assert Complaint.objects.filter(work_order__isnull=False).exists()
    director = signed_in(User.objects.get(username="director"))
    for complaint in Complaint.objects.all():
        # the page's own sections (the timeline's values are the display module's, tested with it)
        text = page_text(page(director, f"/complaints/{complaint.pk}/").split('data-testid="timeline"')[0])
        assert problems(text, "zh-hans", more_codes=["general", "department_head"]) == [], complaint.status
    finance = signed_in(User.objects.get(username="finance1"))
    executed = Complaint.objects.get(status="executed")
    assert "verify-cost" in set(
        re.findall(r'data-action="([a-z-]+)"', page(finance, f"/complaints/{executed.pk}/"))
    )


def test_the_complaint_page_raises_a_corrective_action_for_those_who_raise_them(cast, web, complain, finance):
    c = complain()
    link = f'href="/capa/new/?source=complaints.complaint:{c.pk}"'
    assert link in page(web(cast.quality), f"/complaints/{c.pk}/")
    assert link not in page(web(finance), f"/complaints/{c.pk}/")  # finance sees it, raises none

    form = page(web(cast.quality), f"/capa/new/?source=complaints.complaint:{c.pk}")
    assert c.number in form  # the complaint comes along as the affected record
