"""One phone-masking rule (``visibility.PhoneShown``) on every interface: pages, API, exports and
the timeline. For the same record a role outside the policy's ``privacy.unmasked_roles`` sees
138****5678, a role in it the whole number."""

from __future__ import annotations

from typing import Any

import pytest

from fuwu import visibility
from fuwu.customers.services import customer_create
from fuwu.workorders import services as wo

from .conftest import at

NOW = at(2026, 11, 23, 10, 5)
WHOLE, MASKED = "13812345678", "138****5678"
# Policy default (property preset): privacy.unmasked_roles = agent, technician, administrator.
ROLES = [
    ("agent", WHOLE),
    ("tech", WHOLE),
    ("admin", WHOLE),
    ("head_repair", MASKED),
    ("director", MASKED),
    ("quality", MASKED),
]


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def order(cast, leak_repair):
    customer = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="宋先生",
        department=cast.repair,
        addresses=[{"building": "5", "unit": "2", "room": "404"}],
        phones=[{"number": WHOLE, "label": "手机"}],
    )
    order = wo.work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=leak_repair,
        customer=customer,
        description="厨房漏水",
        now=NOW,
    )
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)
    wo.work_order_arrive(work_order=order, by=cast.tech, now=NOW)
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status="in_warranty",
        minutes_spent=20,
        now=NOW,
    )
    wo.work_order_send_confirmation_code(
        work_order=order, by=cast.tech, now=NOW
    )  # the timeline names the phone
    return order


def _seen(text: str, expected: str) -> None:
    assert expected in text
    assert (WHOLE in text) is (expected == WHOLE)


@pytest.mark.parametrize(("who", "expected"), ROLES)
def test_pages_show_the_number_by_the_policy(cast, web, order, who, expected):
    client = web(getattr(cast, who))

    for url in (
        f"/work-orders/{order.pk}/",
        "/work-orders/?tab=all",
        f"/work-orders/{order.pk}/voucher/",
        f"/customers/{order.customer_id}/",
        "/customers/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _seen(response.content.decode(), expected)


@pytest.mark.parametrize(("who", "expected"), ROLES)
def test_the_api_shows_the_number_by_the_policy(cast, api, order, who, expected):
    client = api(getattr(cast, who))

    detail = client.get(f"work-orders/{order.pk}").json()
    listed = client.get("work-orders").json()["items"]
    customer = client.get(f"customers/{order.customer_id}").json()

    assert detail["caller_phone"] == expected
    sent = [e for e in detail["events"] if e["action"] == "work_order.confirmation_code_sent"]
    assert sent[0]["changes"]["phone"]["after"] == expected
    assert [row["caller_phone"] for row in listed] == [expected]
    assert customer["phones"][0]["number"] == expected


@pytest.mark.parametrize(("who", "expected"), ROLES)
def test_the_customer_export_shows_the_number_by_the_policy(cast, web, order, who, expected):
    response = web(getattr(cast, who)).get("/customers/export/")

    assert response.status_code == 200
    _seen(response.content.decode("utf-8-sig"), expected)


def test_one_rule_for_numbers_under_a_phone_key_and_inside_text(cast):
    masked, whole = visibility.PhoneShown(cast.director), visibility.PhoneShown(cast.agent)
    changes = {
        "phone": {"before": None, "after": "138 1234 5678"},  # under a phone key: masked however written
        "phones": {"after": [{"number": WHOLE, "label": "手机"}]},
        "reason": {"after": "客户改用 0571-88886666 联系"},  # inside text: every number that looks like one
        "number": {"after": "BX202611230001"},  # a work-order number is not a phone number
    }

    assert masked.in_value(changes) == {
        "phone": {"before": None, "after": "138******5678"},
        "phones": {"after": [{"number": MASKED, "label": "手机"}]},
        "reason": {"after": "客户改用 057******6666 联系"},
        "number": {"after": "BX202611230001"},
    }
    assert whole.in_value(changes) == changes
    assert masked(WHOLE) == MASKED
    assert masked(WHOLE, whole=True) == WHOLE  # one's own number, or one just typed
    assert masked("") == ""
