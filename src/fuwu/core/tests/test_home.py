"""Home pages are workbenches: each role's lists with counts that equal the lists they open (the same
selectors), never counting a work order outside the user's visibility; bounded queries."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.catalogue.services import service_type_create
from fuwu.customers.services import customer_create
from fuwu.org.services import department_create, staff_create
from fuwu.workorders import services
from fuwu.workorders.models import WorkOrder
from fuwu.workorders.tests.conftest import Steps, at

NOW = at(2026, 11, 23, 11, 45)
TILE = re.compile(r'href="([^"]+)" data-bench="([^"]+)" data-count="(\d+)"')


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def world(cast, leak_repair, household, enquiry, receive) -> dict[str, WorkOrder]:
    steps = Steps(cast, receive, enquiry)
    made = {
        name: getattr(steps, name)()
        for name in (
            "received",
            "routed",
            "dispatched",
            "on_site",
            "awaiting_materials",
            "awaiting_approval",
            "done",
            "closed",
        )
    }
    made["by_agent2"] = receive(by=cast.agent2, now=at(2026, 11, 23, 11, 0))
    cleaning = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="clean",
        name="保洁",
        category="contract",
        sla_class="standard",
        default_department=cast.cleaning,
    )
    made["cleaning"] = receive(by=cast.agent2, service_type=cleaning, now=at(2026, 11, 23, 9, 0))  # overdue
    secret = receive(now=at(2026, 11, 23, 9, 0))  # overdue, above the quality inspector's clearance
    WorkOrder.objects.filter(pk=secret.pk).update(confidentiality=2)
    made["secret"] = secret
    # another organisation's overdue work order: never counted
    other = cast.other_organisation
    desk = department_create(organisation=other, name="维修部", code="repair")
    someone = staff_create(
        organisation=other,
        username="other_agent",
        full_name="别家客服",
        department=desk,
        roles=["agent"],
        password="test12345",
    )
    their_type = service_type_create(
        organisation=other,
        by=cast.outsider,
        code="leak",
        name="漏水",
        category="paid",
        sla_class="standard",
        default_department=desk,
    )
    theirs = customer_create(organisation=other, by=None, name="别家客户", phones=[{"number": "13700000001"}])
    made["elsewhere"] = services.work_order_create(
        organisation=other,
        by=someone,
        channel="phone",
        service_type=their_type,
        customer=theirs,
        description="漏水",
        now=at(2026, 11, 23, 9, 0),
    )
    return made


def tiles(html: str) -> dict[str, tuple[int, str]]:
    """The home page's lists: key → (count, the list page it opens)."""
    return {key: (int(count), url.replace("&amp;", "&")) for url, key, count in TILE.findall(html)}


EXPECTED_TILES = {
    "agent": [
        "first_received",
        "due_today-first_received",
        "overdue-first_received",
        "waiting_customer-first_received",
    ],
    "tech": ["assigned", "due_today-assigned", "overdue-assigned"],
    "head_repair": ["queue", "overdue", "awaiting_my_approval"],
    "head_service": [
        "first_received",
        "due_today-first_received",
        "overdue-first_received",
        "waiting_customer-first_received",
        "queue",
        "overdue",
        "awaiting_my_approval",
    ],
    "director": ["overdue", "awaiting_my_approval"],
    "quality": ["overdue"],
    "admin": ["overdue"],
    "cleaner": ["assigned", "due_today-assigned", "overdue-assigned"],
}


@pytest.mark.parametrize("who", sorted(EXPECTED_TILES))
def test_each_count_is_the_length_of_the_list_it_opens(cast, web, api, world, who, monkeypatch):
    from fuwu.workorders.views import lists as views

    monkeypatch.setattr(views, "PAGE_SIZE", 250)
    user = getattr(cast, who)
    client = web(user)

    found = tiles(client.get("/").content.decode())

    assert list(found) == EXPECTED_TILES[who]
    for key, (count, url) in found.items():
        listed = re.findall(r'data-number="([^"]+)"', client.get(url).content.decode())
        params = {name: values[0] for name, values in parse_qs(urlparse(url).query).items()}
        via_api = api(user).get(
            "work-orders",
            {"view": params["tab"], **({"mine": params["mine"]} if "mine" in params else {}), "limit": 200},
        )
        assert count == len(listed) == via_api.json()["count"], key
        assert world["elsewhere"].pk not in {row["id"] for row in via_api.json()["items"]}


def test_records_outside_visibility_are_not_counted(cast, web, world):
    def overdue(user: Any) -> int:
        return tiles(web(user).get("/").content.decode())["overdue"][0]

    everything_late = WorkOrder.objects.filter(organisation=cast.organisation).count()
    director, quality, head = overdue(cast.director), overdue(cast.quality), overdue(cast.head_repair)

    assert director - quality == 1  # the confidential one (clearance 1 < 2)
    assert head < director  # not 保洁部's
    assert director < everything_late  # only what is late, never another organisation's
    assert tiles(web(cast.cleaner).get("/").content.decode())["assigned"][0] == 0


def test_each_role_finds_its_way_to_work(cast, web, world):
    agent = web(cast.agent).get("/").content.decode()
    tech = web(cast.tech).get("/").content.decode()

    assert 'data-testid="new-work-order"' in agent
    assert 'data-testid="technician-view"' not in agent
    assert 'data-testid="technician-view"' in tech
    assert 'data-testid="new-work-order"' not in tech
    assert 'data-testid="absent-now"' in agent  # who is absent is still there
    first = re.findall(r'data-number="([^"]+)"', tech)
    assert world["dispatched"].number in first  # the technician's jobs, most urgent first


def test_the_most_overdue_comes_first_on_the_head_page(cast, web, receive):
    late = receive(now=at(2026, 11, 23, 9, 0))
    later = receive(now=at(2026, 11, 23, 10, 0))
    fresh = receive(now=at(2026, 11, 23, 11, 44))

    html = web(cast.head_repair).get("/").content.decode()

    assert re.findall(r'data-number="([^"]+)"', html) == [late.number, later.number, fresh.number]


@pytest.mark.parametrize("who", ["agent", "head_repair", "tech", "director"])
def test_the_home_page_uses_the_same_number_of_queries_at_few_and_many_rows(cast, web, receive, who):
    client = web(getattr(cast, who))

    def add(count: int) -> None:
        for index in range(count):
            order = receive(now=at(2026, 11, 23, 9, 0) if index % 2 else at(2026, 11, 23, 11, 0))
            if index % 3 == 0:
                services.work_order_dispatch(
                    work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 11, 1)
                )

    def queries() -> int:
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    add(3)
    few = queries()
    add(30)
    assert queries() == few
