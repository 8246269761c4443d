"""Work lists (``selectors.WorkList``): the list page's tabs and the API's ``view`` are one definition;
"awaiting my approval" agrees with who may approve; the default orders; bounded query counts; who
may take calls."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.notify.models import Notification
from fuwu.org.models import User
from fuwu.workorders import permissions, selectors, services
from fuwu.workorders.models import WorkOrder
from fuwu.workorders.rules import Action

from .conftest import at

NOW = at(2026, 11, 23, 11, 45)
VIEWS = [w.value for w in selectors.WorkList]
ROLES = [
    "agent",
    "agent2",
    "head_service",
    "head_repair",
    "tech",
    "tech2",
    "plumber",
    "cleaner",
    "director",
    "quality",
    "admin",
]


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def page_numbers(client: Any, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:1000]
    return re.findall(r'data-number="([^"]+)"', response.content.decode())


def api_numbers(client: Any, **params: Any) -> list[str]:
    response = client.get("work-orders", {"limit": 200, **params})
    assert response.status_code == 200, response.content.decode()[:1000]
    return [row["number"] for row in response.json()["items"]]


@pytest.fixture
def variety(cast, steps, receive, enquiry) -> dict[str, WorkOrder]:
    """Work orders in every state that some list holds, received by two agents."""
    made = {
        "received": steps.received(),  # not routed: 客服中心 received it
        "routed": steps.routed(),  # dispatch overdue
        "dispatched": steps.dispatched(),  # arrival due later today
        "on_site": steps.on_site(),
        "awaiting_materials": steps.awaiting_materials(),
        "awaiting_approval": steps.awaiting_approval(),
        "done": steps.done(),
        "done_refused": steps.done_refused(),
        "closed": steps.closed(),
        "by_agent2": receive(by=cast.agent2, priority="urgent", now=at(2026, 11, 23, 11, 0)),
    }
    team_job = receive(now=at(2026, 11, 23, 11, 0))
    made["team"] = services.work_order_dispatch(
        work_order=team_job,
        by=cast.head_repair,
        technician=cast.tech2,
        team=[cast.plumber],
        now=at(2026, 11, 23, 11, 1),
    )
    unrouted = receive(by=cast.agent2, service_type=enquiry, now=at(2026, 11, 23, 11, 10))
    services.work_order_request_rejection(
        work_order=unrouted,
        by=cast.agent2,
        kind="rejection",
        reason="不属于服务范围",
        answer="请联系供水公司",
        now=at(2026, 11, 23, 11, 12),
    )
    made["unrouted_approval"] = unrouted
    return made


# --- one definition for the page and the API ----------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_each_tab_and_the_api_view_list_the_same_work_orders(cast, web, api, variety, who):
    user = getattr(cast, who)
    client, api_client = web(user), api(user)
    found_any = set()

    for view in VIEWS:
        on_page = page_numbers(client, f"/work-orders/?tab={view}")
        in_api = api_numbers(api_client, view=view)
        assert on_page == in_api, view  # same work orders, same order
        expected = selectors.work_orders_list(user=user, view=view, now=NOW)
        assert in_api == [wo.number for wo in expected], view
        found_any |= set(in_api)

    visible = set(api_numbers(api_client))
    assert found_any <= visible  # every list stays within visibility
    if who == "cleaner":
        assert visible == set()


def test_the_lists_hold_what_their_names_say(cast, api, variety):
    def numbers(user: User, **params: Any) -> set[str]:
        return set(api_numbers(api(user), **params))

    def of(*names: str) -> set[str]:
        return {variety[name].number for name in names}

    agent_own = of(
        "received",
        "routed",
        "dispatched",
        "on_site",
        "awaiting_materials",
        "awaiting_approval",
        "done",
        "done_refused",
        "team",
    )
    assert numbers(cast.agent, view="first_received") == agent_own  # closed: no longer followed
    assert numbers(cast.agent2, view="first_received") == of("by_agent2", "unrouted_approval")
    assert numbers(cast.tech, view="assigned") == of("dispatched", "on_site", "done", "done_refused")
    assert numbers(cast.plumber, view="assigned") == of("team")  # a team member
    assert numbers(cast.head_repair, view="queue") == of("routed", "dispatched", "by_agent2", "team")
    assert numbers(cast.director, view="overdue") >= of("routed", "by_agent2")
    assert of("dispatched", "team") <= numbers(cast.director, view="due_today")  # arrival due at 12:03, 13:01
    assert not of("closed", "awaiting_materials") & numbers(cast.director, view="due_today")  # ended; paused
    assert numbers(cast.agent, view="waiting_customer") == of(
        "awaiting_materials", "done"
    )  # not a refused one
    assert of("awaiting_approval") <= numbers(cast.head_repair, view="awaiting_my_approval")
    assert not of("unrouted_approval") & numbers(cast.head_repair, view="awaiting_my_approval")
    assert of("unrouted_approval") <= numbers(cast.head_service, view="awaiting_my_approval")
    assert not of("awaiting_approval") & numbers(cast.head_service, view="awaiting_my_approval")
    assert of("awaiting_approval", "unrouted_approval") <= numbers(cast.director, view="awaiting_my_approval")
    assert numbers(cast.quality, view="awaiting_my_approval") == set()
    assert (
        numbers(cast.agent, view="overdue", mine="first_received")
        == numbers(cast.agent, view="overdue") & agent_own
    )


def test_earlier_tab_names_still_work(cast, web, variety):
    client = web(cast.agent)
    assert page_numbers(client, "/work-orders/?tab=first") == page_numbers(
        client, "/work-orders/?tab=first_received"
    )
    director = web(cast.director)
    assert page_numbers(director, "/work-orders/?tab=approval") == page_numbers(
        director, "/work-orders/?tab=awaiting_my_approval"
    )


def test_a_bad_view_is_a_field_error(cast, api):
    response = api(cast.agent).get("work-orders", {"view": "mine-please"})
    assert response.status_code == 422
    assert "view" in response.json()["error"]["fields"]


# --- awaiting my approval = who may approve -------------------------------------------------------


def _deciders(order: WorkOrder, cast: Any, web: Any, api: Any) -> dict[str, set[str]]:
    order = selectors.work_order_get(user=cast.director, pk=order.pk)
    pending = order.approvals.get(status="pending")
    found: dict[str, set[str]] = {"page": set(), "api": set(), "may_approve": set(), "actions": set()}
    for person in cast.everyone():
        if order.number in page_numbers(web(person), "/work-orders/?tab=awaiting_my_approval"):
            found["page"].add(person.username)
        if order.number in api_numbers(api(person), view="awaiting_my_approval"):
            found["api"].add(person.username)
        if permissions.may_approve(person, pending.approver_role, order):
            found["may_approve"].add(person.username)
        if Action.APPROVE_REJECTION in services.allowed_actions(person, order):
            found["actions"].add(person.username)
    found["approvers_q"] = set(
        User.objects.filter(permissions.approvers_q(pending.approver_role, order)).values_list(
            "username", flat=True
        )
    )
    return found


def test_awaiting_my_approval_of_an_unrouted_order_lists_exactly_who_may_approve(
    cast, web, api, receive, enquiry
):
    order = receive(service_type=enquiry)  # no default department: received by 客服中心, not routed
    assert order.department is None
    services.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="不属于服务范围",
        answer="请联系供水公司",
        now=NOW,
    )

    found = _deciders(order, cast, web, api)

    assert (
        found["page"]
        == found["api"]
        == found["may_approve"]
        == found["actions"]
        == found["approvers_q"]
        == {"director", "head_service"}
    )
    asked = {
        n.recipient.username for n in Notification.objects.filter(work_order=order, kind="approval_requested")
    }
    assert asked == {"head_service"}  # the nearest head of the receiving department is asked
    assert {p.username for p in services.approvers_for(order.approvals.get().approver_role, order)} <= found[
        "page"
    ]


def test_a_head_above_the_department_may_approve_and_sees_it(cast, web, api, receive, leak_repair):
    order = receive(department=cast.plumbing)  # 水电班 has no head of its own: 工程维修部's decides
    services.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="非户内管道",
        answer="请联系物业管理处",
        now=NOW,
    )

    found = _deciders(order, cast, web, api)

    assert (
        found["page"]
        == found["api"]
        == found["may_approve"]
        == found["actions"]
        == found["approvers_q"]
        == {"director", "head_repair"}
    )
    assert [p.username for p in services.approvers_for("department_head", order)] == ["head_repair"]


# --- default orders -------------------------------------------------------------------------------


def test_overdue_and_queue_sort_by_lateness_then_priority_not_by_time_received(cast, api, web, receive):
    oldest_late = receive(now=at(2026, 11, 23, 9, 0))  # dispatch due 9:05: the most overdue
    urgent_late = receive(now=at(2026, 11, 23, 10, 0), priority="urgent")  # due 10:05
    normal_late = receive(now=at(2026, 11, 23, 10, 0))  # due 10:05 too: after the urgent one
    newest_late = receive(now=at(2026, 11, 23, 11, 0))  # due 11:05
    waiting = receive(now=at(2026, 11, 23, 11, 44))  # due 11:49: not overdue yet, the queue's last
    head = api(cast.head_repair)
    late = [oldest_late.number, urgent_late.number, normal_late.number, newest_late.number]

    assert api_numbers(head, view="overdue") == late
    assert api_numbers(head, view="queue") == [*late, waiting.number]
    assert page_numbers(web(cast.head_repair), "/work-orders/?tab=overdue") == late
    assert api_numbers(head, view="overdue", sort="received") == late[::-1]  # asked for: newest first
    assert api_numbers(head, view="all")[0] == waiting.number  # other lists: newest first


# --- bounded queries ------------------------------------------------------------------------------


def _add_rows(cast: Any, receive: Any, count: int) -> None:
    for index in range(count):
        order = receive(
            now=at(2026, 11, 23, 8, 0) if index % 3 == 0 else at(2026, 11, 23, 11, 0),
            by=cast.agent if index % 2 else cast.agent2,
        )
        if index % 2:
            services.work_order_dispatch(
                work_order=order,
                by=cast.head_repair,
                technician=cast.tech,
                team=[cast.plumber],
                now=at(2026, 11, 23, 11, 1),
            )
        if index % 5 == 0:
            services.work_order_request_rejection(
                work_order=order,
                by=cast.agent,
                kind="rejection",
                reason="范围外",
                answer="请联系厂家",
                now=at(2026, 11, 23, 11, 2),
            )


def _page_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _api_queries(client: Any, view: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("work-orders", {"view": view, "limit": 200})
    assert response.status_code == 200
    return len(captured), len(response.json()["items"])


@pytest.mark.parametrize("who", ["agent", "head_repair", "tech", "director"])
def test_every_list_uses_the_same_number_of_queries_at_few_and_many_rows(
    cast, web, api, receive, who, monkeypatch
):
    from fuwu.workorders.views import lists as views

    monkeypatch.setattr(views, "PAGE_SIZE", 250)  # every row on one page
    user = getattr(cast, who)
    client, api_client = web(user), api(user)
    api_client.get("work-orders")  # the token's first use records its time once

    def counts() -> tuple[list[int], list[int]]:
        pages, apis = [], []
        for view in VIEWS:
            client.get(f"/work-orders/?tab={view}")  # warm policy documents and calendars
            pages.append(_page_queries(client, f"/work-orders/?tab={view}"))
            apis.append(_api_queries(api_client, view)[0])
        return pages, apis

    _add_rows(cast, receive, 6)
    few = counts()
    _add_rows(cast, receive, 40)
    many = counts()

    assert many == few
    assert WorkOrder.objects.count() == 46


# --- who may take calls ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("agent", True),
        ("head_repair", True),
        ("director", True),
        ("admin", True),
        ("tech", False),
        ("quality", False),
    ],
)
def test_only_people_who_take_calls_receive_requests_on_the_page_and_the_api(
    cast, web, api, leak_repair, who, may
):
    user = getattr(cast, who)
    page = web(user).get("/work-orders/new/")
    created = api(user).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "caller_phone": "13800001111",
            "caller_name": "李女士",
            "description": "厨房漏水",
        },
    )
    listing = web(user).get("/work-orders/").content.decode()

    assert page.status_code == (200 if may else 403)
    assert created.status_code == (201 if may else 403), created.content
    assert WorkOrder.objects.count() == (1 if may else 0)
    assert ('href="/work-orders/new/"' in listing) is may
    assert permissions.may_take_calls(user) is may


# --- dispatch suggestions -------------------------------------------------------------------------


def test_the_api_offers_the_dispatch_suggestions_of_the_page(cast, web, api, receive):
    from fuwu.org.services import absence_record

    for _ in range(2):
        services.work_order_dispatch(work_order=receive(), by=cast.head_repair, technician=cast.tech, now=NOW)
    services.work_order_dispatch(work_order=receive(), by=cast.head_repair, technician=cast.plumber, now=NOW)
    absence_record(
        person=cast.tech2,
        kind="leave",
        starts_at=at(2026, 11, 23, 8, 0),
        ends_at=at(2026, 11, 24, 18, 0),
        by=cast.admin,
    )
    order = receive()

    body = api(cast.head_repair).get(f"work-orders/{order.pk}/dispatch-suggestions").json()
    html = web(cast.head_repair).get(f"/work-orders/{order.pk}/").content.decode()
    form = html.split('id="id_dispatch_technician"')[1].split("</select>")[0]

    assert [row["technician"]["id"] for row in body] == [
        int(pk) for pk in re.findall(r'option value="(\d+)"', form)
    ]
    assert [row["technician"]["name"] for row in body] == [
        p.display_name for p in (cast.plumber, cast.tech, cast.tech2)
    ]
    assert [row["open_count"] for row in body] == [1, 2, 0]  # at work first, then the least load
    assert body[2]["absent_until"] is not None
    assert api(cast.cleaner).get(f"work-orders/{order.pk}/dispatch-suggestions").status_code == 404


def test_on_a_phone_the_filters_fold_away_unless_one_is_in_use(cast, web):
    plain = web(cast.agent).get("/work-orders/").content.decode()
    assert 'id="more-filters"' in plain
    assert 'collapse d-md-block" id="more-filters"' in plain
    filtered = (
        web(cast.agent).get("/work-orders/", {"priority": "urgent", "channel": "phone"}).content.decode()
    )
    assert 'collapse d-md-block show" id="more-filters"' in filtered
    assert "更多筛选 (2)" in filtered
