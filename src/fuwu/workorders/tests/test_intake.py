"""Intake of a known caller: the customer's whole number is kept and used (never the digits typed
before picking the suggestion), and the caller's recent work orders are shown (visible ones only)."""

from __future__ import annotations

from typing import Any

import pytest

from fuwu.customers.services import customer_create
from fuwu.notify.models import OutboxMessage
from fuwu.workorders import services as wo
from fuwu.workorders.models import WorkOrder

from .conftest import at

NOW = at(2026, 11, 23, 10, 0)
WHOLE = "13375901234"


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def song(cast):
    return customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="宋先生",
        department=cast.repair,
        addresses=[{"building": "5", "unit": "2", "room": "404"}],
        phones=[
            {"number": "0571-88886666", "label": "家"},
            {"number": WHOLE, "label": "手机", "is_primary": True},
        ],
    )


def _notice_sms(order: WorkOrder, by: Any) -> str:
    wo.work_order_notice_missing(work_order=order, by=by, now=NOW)
    return OutboxMessage.objects.filter(work_order=order).latest("pk").to


# --- the whole number -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["agent", "head_repair"])  # numbers whole / masked on the head's screen
def test_picking_a_suggestion_after_part_of_the_number_keeps_the_whole_number(
    cast, web, leak_repair, song, who
):
    response = web(getattr(cast, who)).post(
        "/work-orders/new/",
        {
            "channel": "phone",
            "caller_phone": "1337590",
            "customer": song.pk,
            "caller_name": "宋先生",
            "service_type": leak_repair.pk,
            "priority": "normal",
            "description": "厨房漏水",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    order = WorkOrder.objects.get()
    assert order.caller_phone == WHOLE
    assert _notice_sms(order, getattr(cast, who)) == WHOLE  # and the SMS goes to it


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("1337590", WHOLE),
        ("5901234", WHOLE),
        ("133 7590 1234", WHOLE),
        ("8888", "0571-88886666"),
        ("", WHOLE),  # nothing typed: the primary number
        ("13800001111", "13800001111"),  # another whole number: the customer calls from a new phone
    ],
)
def test_the_api_keeps_the_customers_whole_number(cast, api, leak_repair, song, typed, kept):
    response = api(cast.agent).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "customer_id": song.pk,
            "caller_phone": typed,
            "description": "厨房漏水",
        },
    )

    assert response.status_code == 201, response.content
    order = WorkOrder.objects.get()
    assert order.caller_phone == kept
    assert _notice_sms(order, cast.agent) == kept


def test_a_fragment_that_is_none_of_the_customers_numbers_is_refused(cast, api, web, leak_repair, song):
    response = api(cast.agent).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "customer_id": song.pk,
            "caller_phone": "1399",
            "description": "漏水",
        },
    )
    page = web(cast.agent).post(
        "/work-orders/new/",
        {
            "channel": "phone",
            "caller_phone": "1399",
            "customer": song.pk,
            "service_type": leak_repair.pk,
            "priority": "normal",
            "description": "漏水",
        },
    )

    assert response.status_code == 422
    assert "caller_phone" in response.json()["error"]["fields"]
    assert page.status_code == 422
    assert 'data-field="caller_phone"' in page.content.decode()
    assert WorkOrder.objects.count() == 0


def test_the_suggestion_carries_the_number_being_typed_for_roles_that_see_it(cast, web, song):
    agent = web(cast.agent).get("/work-orders/new/lookup/", {"caller_phone": "13375"}).content.decode()
    head = web(cast.head_repair).get("/work-orders/new/lookup/", {"caller_phone": "13375"}).content.decode()

    assert f'data-phone="{WHOLE}"' in agent  # the mobile being typed, not the first number on file
    assert 'data-phone=""' in head  # masked: the server completes the number instead
    assert "133****1234" in head


# --- the caller's recent work orders ----------------------------------------------------------------


def _receive(cast: Any, service_type: Any, customer: Any, **values: Any) -> WorkOrder:
    return wo.work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=service_type,
        customer=customer,
        description="漏水",
        now=NOW,
        **values,
    )


def test_a_known_number_shows_the_callers_recent_work_orders(cast, web, leak_repair, song):
    earlier = _receive(cast, leak_repair, song)
    wo.work_order_cancel(work_order=earlier, by=cast.agent, reason="客户自行修好", now=NOW)
    still_open = _receive(cast, leak_repair, song)
    client = web(cast.agent)

    by_number = client.get("/work-orders/new/lookup/", {"caller_phone": WHOLE}).content.decode()
    picked = client.get("/work-orders/new/history/", {"customer": song.pk}).content.decode()
    part = client.get("/work-orders/new/lookup/", {"caller_phone": "1337"}).content.decode()

    for html in (by_number, picked):
        assert 'data-testid="customer-history"' in html
        assert html.index(f'data-history-number="{still_open.number}"') < html.index(
            f'data-history-number="{earlier.number}"'
        )  # newest first
        assert "漏水维修" in html
        assert 'data-testid="open-history"' in html  # one still open: a repeat call is obvious
        assert "2026-11-23" in html
    assert 'data-testid="customer-history"' not in part  # a part of a number is not the caller yet


def test_the_history_shows_only_what_the_agent_may_see(cast, web, leak_repair, song):
    mine = _receive(cast, leak_repair, song)
    hidden = _receive(cast, leak_repair, song)
    WorkOrder.objects.filter(pk=hidden.pk).update(
        confidentiality=2
    )  # above the agent's clearance (test data)
    secret = customer_create(
        organisation=cast.organisation,
        by=None,
        name="机密客户",
        confidentiality=2,
        phones=[{"number": "13912349999"}],
    )
    client = web(cast.agent)

    history = client.get("/work-orders/new/history/", {"customer": song.pk}).content.decode()
    of_secret = client.get("/work-orders/new/history/", {"customer": secret.pk}).content.decode()
    by_secret_number = client.get(
        "/work-orders/new/lookup/", {"caller_phone": "13912349999"}
    ).content.decode()

    assert mine.number in history
    assert hidden.number not in history
    assert of_secret.strip() == ""
    assert "机密客户" not in by_secret_number
    assert 'data-testid="customer-history"' not in by_secret_number
    assert client.get("/work-orders/new/history/", {"customer": "9" * 30}).status_code == 200


def test_a_customer_without_work_orders_says_so(cast, web, song):
    html = web(cast.agent).get("/work-orders/new/history/", {"customer": song.pk}).content.decode()
    assert 'data-testid="no-history"' in html


def test_the_callers_phone_and_name_are_marked_required(cast, web, leak_repair):
    html = web(cast.agent).get("/work-orders/new/").content.decode()

    assert 'data-testid="phone-required"' in html
    name_label = html.split('for="id_caller_name"')[1].split("</label>")[0]
    assert "*" in name_label
    assert "<script>" not in html  # behaviours come from static files (CSP)
    assert "fuwu/customer-pick.js" in html
