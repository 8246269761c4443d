"""The work-order API through real HTTP: the whole flow, visibility (404), bad input (422, nothing
written), list filters, query counts, OpenAPI and languages. The action × role × state table is in
``test_api_actions.py``."""

from __future__ import annotations

import base64
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from fuwu.catalogue.services import service_type_create
from fuwu.customers.models import Customer
from fuwu.notify.models import OutboxMessage
from fuwu.testing.sms import confirmation_code
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo_services
from fuwu.workorders.models import Clock, Photo, Status, WorkOrder
from fuwu.workorders.rules import Action

from .conftest import at


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def png_data_url() -> str:
    return "data:image/png;base64," + base64.b64encode(png_bytes()).decode()


def events_of(order: WorkOrder) -> list[str]:
    return list(Event.objects.for_subject(order).values_list("action", flat=True))


@pytest.fixture(autouse=True)
def morning():
    """Monday 23 November 2026, 10:05 in Shanghai: a working day, within business hours."""
    with time_machine.travel(at(2026, 11, 23, 10, 5), tick=False) as traveller:
        yield traveller


# --- the whole flow ---------------------------------------------------------------------------


def test_phone_call_to_closed_through_the_api_by_agent_technician_and_head(api, cast, leak_repair, household):
    agent, head, tech = api(cast.agent), api(cast.head_repair), api(cast.tech)

    created = agent.post(
        "work-orders",
        {
            "channel": "phone",
            "service_type_id": leak_repair.pk,
            "customer_id": household.pk,
            "description": "12号楼3单元1502室 卫生间漏水",
            "materials_received": ["身份证明"],
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    order_id = body["id"]
    assert body["number"] == "GD2611-00001"
    assert body["status"] == "routed"  # the service type routes it to 工程维修部
    assert body["first_contact_owner"]["id"] == cast.agent.pk
    assert {c["kind"] for c in body["clocks"]} == {"response", "dispatch", "arrival", "resolution"}
    assert body["url"] == f"/api/v1/work-orders/{order_id}"
    body = agent.get(body["url"]).json()
    assert body["location"] == "12号楼3单元1502室"
    assert [m["is_received"] for m in body["materials"]] == [True, False]
    assert "route" in body["allowed_actions"]
    assert body["events"][0]["action"] == "work_order.received"

    routed = agent.post(
        f"work-orders/{order_id}/route", {"department_id": cast.repair.pk, "reason": "漏水归工程部"}
    )
    assert routed.status_code == 200, routed.json()
    dispatched = head.post(f"work-orders/{order_id}/dispatch", {"technician_id": cast.tech.pk})
    assert dispatched.status_code == 200, dispatched.json()
    assert dispatched.json()["assignee"]["id"] == cast.tech.pk
    assert tech.post(f"work-orders/{order_id}/accept").status_code == 200
    arrived = tech.post(f"work-orders/{order_id}/arrive")
    assert arrived.json()["status"] == "on_site"
    completed = tech.post(
        f"work-orders/{order_id}/complete",
        {
            "findings": "角阀老化",
            "work_done": "更换角阀",
            "warranty_status": "in_warranty",
            "minutes_spent": 35,
            "parts": [{"name": "角阀", "model": "DN15", "quantity": "1"}],
        },
    )
    assert completed.status_code == 200, completed.json()
    assert completed.json()["status"] == "done"
    assert completed.json()["reports"][0]["parts"] == [{"name": "角阀", "model": "DN15", "quantity": "1"}]
    confirmed = tech.post(
        f"work-orders/{order_id}/confirm",
        {
            "method": "signature",
            "confirmed_by_name": "王先生",
            "signature": png_data_url(),
            "satisfied": True,
        },
    )
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["confirmations"][0]["evidence_url"].startswith("/media/confirmations/")
    closed = agent.post(f"work-orders/{order_id}/close", {})
    assert closed.status_code == 200, closed.json()

    final = head.get(f"work-orders/{order_id}").json()
    assert final["status"] == "closed"
    assert final["first_contact_owner"]["id"] == cast.agent.pk
    assert [e["action"] for e in final["events"]] == [
        "work_order.received",
        "work_order.routed",
        "work_order.dispatched",
        "work_order.accepted",
        "work_order.arrived",
        "work_order.completed",
        "work_order.confirmed",
        "work_order.closed",
    ]
    assert all(c["met_at"] is not None for c in final["clocks"])
    assert final["allowed_actions"] == ["reopen"]


def test_a_caller_by_phone_becomes_a_customer_and_the_channel_defaults_to_api(api, cast, leak_repair):
    response = api(cast.agent).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "description": "厨房水管漏水",
            "caller_name": "李女士",
            "caller_phone": "13812345678",
            "building": "8号楼",
            "unit": "1单元",
            "room": "301室",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["channel"] == "api"
    assert body["customer"]["name"] == "李女士"
    assert Customer.objects.filter(organisation=cast.organisation, name="李女士").count() == 1
    again = api(cast.agent).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "description": "又漏了",
            "caller_name": "李女士",
            "caller_phone": "138 1234 5678",
        },
    )
    assert again.json()["customer"]["id"] == body["customer"]["id"]  # matched by the phone number


def test_a_gatekeeper_logs_a_visitor_for_a_named_owner(api, cast, leak_repair, household):
    cast.agent2.is_gatekeeper = True
    cast.agent2.save(update_fields=["is_gatekeeper"])
    client = api(cast.agent2)
    base = {
        "channel": "walk_in",
        "service_type_id": leak_repair.pk,
        "customer_id": household.pk,
        "description": "门口来访: 卫生间漏水",
    }

    missing = client.post("work-orders", base)
    named = client.post("work-orders", {**base, "first_contact_owner_id": cast.agent.pk})

    assert missing.status_code == 422
    assert "first_contact_owner_id" in missing.json()["error"]["fields"]
    assert named.status_code == 201, named.json()
    assert named.json()["first_contact_owner"]["id"] == cast.agent.pk
    assert named.json()["logged_by"]["id"] == cast.agent2.pk


def test_photos_are_uploaded_separately_several_at_once(api, cast, receive):
    order = receive()
    client = api(cast.agent)
    files = [io.BytesIO(png_bytes()), io.BytesIO(png_bytes((8, 8)))]
    for index, f in enumerate(files):
        f.name = f"leak{index}.png"

    response = client.client.post(
        f"/api/v1/work-orders/{order.pk}/photos", data={"photos": files}, headers=client.headers
    )

    assert response.status_code == 201, response.json()
    assert len(response.json()["photos"]) == 2
    assert response.json()["photos"][0]["content_type"] == "image/png"
    assert events_of(order)[-1] == "work_order.photos_added"


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_is_stored(api, cast, receive):
    order = receive()
    client = api(cast.agent)
    text = io.BytesIO(b"not a picture")
    text.name = "note.png"
    before = events_of(order)

    response = client.client.post(
        f"/api/v1/work-orders/{order.pk}/photos", data={"photos": [text]}, headers=client.headers
    )

    assert response.status_code == 422
    assert list(response.json()["error"]["fields"]) == ["photos[0]"]
    assert Photo.objects.count() == 0
    assert events_of(order) == before


def test_detail_shows_clocks_with_remaining_business_time(api, cast, receive, morning):
    order = receive()  # received 10:00; arrival within 2 business hours
    morning.move_to(at(2026, 11, 23, 10, 30))

    body = api(cast.head_repair).get(f"work-orders/{order.pk}").json()

    clocks = {c["kind"]: c for c in body["clocks"]}
    assert clocks["arrival"]["remaining_business_minutes"] == 90
    assert clocks["dispatch"]["breached"] is True  # 5 minutes to dispatch, 30 minutes passed
    assert clocks["dispatch"]["remaining_business_minutes"] == -25
    assert clocks["response"]["met_at"] is not None  # a phone call is answered at intake
    assert clocks["response"]["remaining_business_minutes"] is None
    assert body["is_overdue"] is True


def test_phone_numbers_are_masked_for_roles_that_do_not_need_them(api, cast, receive):
    order = receive()
    wo_services.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech)
    wo_services.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换",
        warranty_status="in_warranty",
        minutes_spent=20,
    )
    wo_services.work_order_send_confirmation_code(work_order=order, by=cast.tech)

    for_head = api(cast.head_repair).get(f"work-orders/{order.pk}").json()
    for_agent = api(cast.agent).get(f"work-orders/{order.pk}").json()
    listed = api(cast.director).get("work-orders").json()["items"][0]

    assert for_head["caller_phone"] == "139****5678"
    assert for_agent["caller_phone"] == "13912345678"
    assert listed["caller_phone"] == "139****5678"
    code_sent = [e for e in for_head["events"] if e["action"] == "work_order.confirmation_code_sent"]
    assert code_sent[0]["changes"]["phone"]["after"] == "139****5678"


# --- visibility: 404 on every endpoint --------------------------------------------------------


@pytest.mark.parametrize("who", ["cleaner", "outsider"])
def test_every_endpoint_answers_404_outside_visibility(api, cast, receive, who):
    # given a 工程维修部 order, seen neither by 保洁部's technician nor by another organisation
    from .test_api_actions import CASES, well_formed_body

    order = receive()
    wo_services.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech)
    client = api(getattr(cast, who))
    before = events_of(order)

    assert client.get(f"work-orders/{order.pk}").status_code == 404
    for case in CASES:
        response = client.post(
            f"work-orders/{order.pk}/{case.action.value}", well_formed_body(case, cast, order)
        )
        assert response.status_code == 404, (case.action, response.json())
        assert response.json()["error"]["code"] == "not_found"
        malformed = client.post(f"work-orders/{order.pk}/{case.action.value}", {"no such field": [1]})
        assert malformed.status_code == 404, (case.action, malformed.json())  # 404 before anything else
    upload = io.BytesIO(png_bytes())
    upload.name = "x.png"
    photos = client.client.post(
        f"/api/v1/work-orders/{order.pk}/photos", data={"photos": [upload]}, headers=client.headers
    )
    assert photos.status_code == 404
    assert all(item["id"] != order.pk for item in client.get("work-orders").json()["items"])
    assert events_of(order) == before
    assert WorkOrder.objects.get(pk=order.pk).status == Status.DISPATCHED


def test_a_missing_work_order_answers_404(api, cast):
    assert api(cast.director).get("work-orders/999999").status_code == 404
    assert api(cast.director).post("work-orders/999999/remind", {}).status_code == 404


# --- bad input: field errors, nothing written -------------------------------------------------


def test_create_with_bad_input_names_each_field_and_writes_nothing(api, cast, leak_repair, household):
    from fuwu.catalogue.services import service_type_create as create_type

    foreign_type = create_type(
        organisation=cast.other_organisation,
        by=cast.outsider,
        code="x",
        name="外部",
        category="free",
        sla_class="standard",
    )
    client = api(cast.agent)

    empty = client.post("work-orders", {})
    wrong = client.post(
        "work-orders",
        {
            "channel": "pigeon",
            "service_type_id": leak_repair.pk,
            "description": "x",
            "priority": "asap",
            "distance_km": -1,
            "unknown": 1,
        },
    )
    foreign = client.post(
        "work-orders",
        {
            "service_type_id": foreign_type.pk,
            "customer_id": 999999,
            "department_id": 999999,
            "product_id": 999999,
            "description": "漏水",
        },
    )
    no_phone = client.post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "description": "漏水",
            "caller_name": "某人",
            "caller_phone": "12",
        },
    )

    assert empty.status_code == 422
    assert set(empty.json()["error"]["fields"]) == {"service_type_id", "description"}
    assert set(wrong.json()["error"]["fields"]) == {"channel", "priority", "distance_km", "unknown"}
    assert set(foreign.json()["error"]["fields"]) == {
        "service_type_id",
        "customer_id",
        "department_id",
        "product_id",
    }
    assert no_phone.status_code == 422
    assert set(no_phone.json()["error"]["fields"]) == {"caller_phone"}
    assert WorkOrder.objects.count() == 0
    assert Customer.objects.filter(name="某人").count() == 0


def test_list_with_bad_filters_names_each_field(api, cast):
    response = api(cast.director).get(
        "work-orders",
        {"status": "routed,lost", "limit": 500, "received_from": "yesterday", "assignee": "bob"},
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"limit", "received_from"}
    response = api(cast.director).get("work-orders", {"status": "routed,lost", "assignee": "bob"})
    assert set(response.json()["error"]["fields"]) == {"status", "assignee"}


# --- list filters -----------------------------------------------------------------------------


@pytest.fixture
def many(cast, receive, leak_repair, household):
    """Six orders with different statuses, departments, channels, priorities, owners and dates."""
    cleaning_type = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="cleaning",
        name="保洁服务",
        category="free",
        sla_class="standard",
        default_department=cast.cleaning,
    )
    roof_type = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="roof",
        name="屋面维修",
        category="paid",
        sla_class="standard",
        default_department=cast.repair,
    )
    orders = {
        "leak": receive(description="12号楼3单元1502室 卫生间漏水", now=at(2026, 11, 20, 9, 0)),
        "roof": receive(
            description="屋顶渗水",
            service_type=roof_type,
            channel="walk_in",
            priority="high",
            by=cast.agent2,
            now=at(2026, 11, 21, 9, 0),
        ),
        "clean": receive(
            description="楼道清洁", service_type=cleaning_type, channel="email", now=at(2026, 11, 22, 9, 0)
        ),
        "urgent": receive(description="水管爆裂 漏水严重", priority="urgent", now=at(2026, 11, 23, 9, 0)),
    }
    wo_services.work_order_dispatch(
        work_order=orders["urgent"], by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 9, 2)
    )
    return orders


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["items"]]


def test_list_filters(api, cast, many):
    client = api(cast.director)
    o = {name: order.pk for name, order in many.items()}

    assert ids(client.get("work-orders")) == [o["urgent"], o["clean"], o["roof"], o["leak"]]  # newest first
    assert ids(client.get("work-orders", {"status": "dispatched"})) == [o["urgent"]]
    assert set(ids(client.get("work-orders", {"status": ["dispatched", "routed"]}))) == set(o.values())
    assert ids(
        client.get("work-orders", {"status": "dispatched,routed", "department": cast.cleaning.pk})
    ) == [o["clean"]]
    assert ids(client.get("work-orders", {"department": cast.repair.pk})) == [
        o["urgent"],
        o["roof"],
        o["leak"],
    ]
    assert ids(client.get("work-orders", {"assignee": cast.tech.pk})) == [o["urgent"]]
    assert ids(client.get("work-orders", {"first_contact_owner": cast.agent2.pk})) == [o["roof"]]
    assert ids(client.get("work-orders", {"service_type": many["clean"].service_type_id})) == [o["clean"]]
    assert ids(client.get("work-orders", {"service_type": many["leak"].service_type_id})) == [
        o["urgent"],
        o["leak"],
    ]
    assert ids(client.get("work-orders", {"channel": "walk_in"})) == [o["roof"]]
    assert ids(client.get("work-orders", {"priority": "urgent"})) == [o["urgent"]]
    assert ids(client.get("work-orders", {"received_from": "2026-11-21", "received_to": "2026-11-22"})) == [
        o["clean"],
        o["roof"],
    ]
    assert ids(client.get("work-orders", {"received_from": "2026-11-22T09:00:00+08:00"})) == [
        o["urgent"],
        o["clean"],
    ]
    assert ids(client.get("work-orders", {"q": "漏水"})) == [o["urgent"], o["leak"]]
    assert ids(client.get("work-orders", {"q": "卫生间 漏水"})) == [o["leak"]]
    page = client.get("work-orders", {"limit": 2, "offset": 1}).json()
    assert [i["id"] for i in page["items"]] == [o["clean"], o["roof"]]
    assert page["count"] == 4
    assert page["count_exact"] is True


def test_first_received_by_me_and_assigned_to_me(api, cast, many):
    mine = api(cast.agent2).get("work-orders", {"first_contact_owner": "me"})
    assigned = api(cast.tech).get("work-orders", {"assignee": "me"})
    assert ids(mine) == [many["roof"].pk]
    assert ids(assigned) == [many["urgent"].pk]


def test_list_rows_are_compact_with_the_next_deadline(api, cast, many):
    row = api(cast.director).get("work-orders", {"q": "卫生间"}).json()["items"][0]
    assert row["number"] == many["leak"].number
    assert row["status"] == "routed"
    assert row["status_label"]
    assert row["service_type"]["name"] == "漏水维修"
    assert row["customer"]["name"] == "王先生"
    assert row["department"]["name"] == "工程维修部"
    assert row["first_contact_owner"]["name"] == "客服小张"
    assert row["assignee"] is None
    assert row["next_due_at"] is not None
    assert "clocks" not in row


def test_overdue_filter_is_live_and_respects_pauses(api, cast, receive, morning):
    # given orders received at 10:00, dispatch due within 5 minutes
    late = receive(description="无人派工")
    dispatched = receive(description="及时派工")
    wo_services.work_order_dispatch(
        work_order=dispatched, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 2)
    )
    waiting = receive(description="等材料")  # paused before its dispatch deadline
    wo_services.work_order_notice_missing(work_order=waiting, by=cast.agent, now=at(2026, 11, 23, 10, 3))
    client = api(cast.director)

    morning.move_to(at(2026, 11, 23, 10, 4))
    assert ids(client.get("work-orders", {"overdue": "true"})) == []

    morning.move_to(at(2026, 11, 23, 10, 20))
    paused_late = receive(description="晚了才等材料")  # paused after its deadline had passed
    wo_services.work_order_notice_missing(work_order=paused_late, by=cast.agent, now=at(2026, 11, 23, 10, 20))
    morning.move_to(at(2026, 11, 23, 10, 30))  # no sweep has run: overdue is computed from the clocks
    overdue = client.get("work-orders", {"overdue": "true"})
    assert set(ids(overdue)) == {late.pk, paused_late.pk}
    assert set(ids(client.get("work-orders", {"overdue": "false"}))) == {dispatched.pk, waiting.pk}
    rows = {row["id"]: row["is_overdue"] for row in client.get("work-orders").json()["items"]}
    assert rows == {late.pk: True, paused_late.pk: True, dispatched.pk: False, waiting.pk: False}


# --- query counts -----------------------------------------------------------------------------


def _clone(order: WorkOrder, count: int, start: int) -> None:
    """Bulk copies of ``order`` with their clocks (test data, not a business write)."""
    clocks = list(order.clocks.all())
    copies = []
    for i in range(start, start + count):
        copy = WorkOrder.objects.get(pk=order.pk)
        copy.pk = None
        copy.number = f"COPY-{i:05d}"
        copies.append(copy)
    created = WorkOrder.objects.bulk_create(copies)
    Clock.objects.bulk_create(
        [
            Clock(
                work_order=c,
                kind=k.kind,
                amount=k.amount,
                unit=k.unit,
                started_at=k.started_at,
                due_at=k.due_at,
            )
            for c in created
            for k in clocks
        ]
    )


@pytest.mark.parametrize("who", ["director", "head_repair", "agent", "tech"])
def test_list_uses_the_same_number_of_queries_at_10_and_200_rows(api, cast, receive, who):
    order = receive()
    wo_services.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech)
    client = api(getattr(cast, who))
    client.get("work-orders")  # the token's first use records its use time once

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("work-orders", {"limit": 200, "q": "漏水", "overdue": "false"})
        assert response.status_code == 200
        return len(captured), len(response.json()["items"])

    _clone(order, 9, 0)
    small, rows = count()
    assert rows == 10
    _clone(order, 190, 100)
    large, rows = count()
    assert rows == 200
    assert small == large


def test_detail_query_count_does_not_grow_with_its_history(api, cast, receive):
    order = receive()
    client = api(cast.agent)
    client.get(f"work-orders/{order.pk}")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"work-orders/{order.pk}").status_code == 200
        return len(captured)

    before = count()
    for _ in range(5):
        wo_services.work_order_remind(work_order=order, by=cast.agent, note="请尽快")
    wo_services.work_order_notice_missing(work_order=order, by=cast.agent)
    assert count() == before


# --- schema and languages ---------------------------------------------------------------------


def test_openapi_lists_the_endpoints(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    assert "get" in paths["/api/v1/work-orders"]
    assert "post" in paths["/api/v1/work-orders"]
    assert "get" in paths["/api/v1/work-orders/{work_order_id}"]
    assert "post" in paths["/api/v1/work-orders/{work_order_id}/photos"]
    for action in Action:
        assert "post" in paths[f"/api/v1/work-orders/{{work_order_id}}/{action.value}"], action
    detail = paths["/api/v1/work-orders/{work_order_id}"]["get"]
    assert detail["parameters"][0]["schema"]["type"] == "integer"
    assert "/api/v1/notifications" in paths


def test_errors_follow_the_callers_language(api, cast, receive):
    order = receive()
    english = api(cast.agent, language="en").post(f"work-orders/{order.pk}/cancel", {"reason": ""})
    chinese = api(cast.agent, language="zh-hans").post(f"work-orders/{order.pk}/cancel", {"reason": ""})
    assert english.json()["error"]["message"] == "Some fields are missing or wrong."
    assert english.json()["error"]["fields"] == {"reason": ["is required"]}
    assert chinese.json()["error"]["message"] == "有字段缺失或填写有误。"
    assert chinese.json()["error"]["fields"] == {"reason": ["此项为必填项"]}
    assert (
        api(cast.cleaner, language="zh-hans").get(f"work-orders/{order.pk}").json()["error"]["message"]
        == "未找到。"
    )
    conflict = api(cast.agent, language="en").post(f"work-orders/{order.pk}/close", {})
    assert conflict.status_code == 409
    assert re.search(r"not possible", conflict.json()["error"]["message"])


def test_sms_code_confirmation_through_the_api(api, cast, receive):
    order = receive()
    wo_services.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech)
    wo_services.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换",
        warranty_status="in_warranty",
        minutes_spent=20,
    )
    client = api(cast.tech)
    assert client.post(f"work-orders/{order.pk}/send-confirmation-code").status_code == 200
    code = confirmation_code(OutboxMessage.objects.filter(work_order=order).first())

    wrong = client.post(
        f"work-orders/{order.pk}/confirm",
        {
            "method": "sms_code",
            "code": "000000" if code != "000000" else "111111",
            "confirmed_by_name": "王先生",
        },
    )
    right = client.post(
        f"work-orders/{order.pk}/confirm", {"method": "sms_code", "code": code, "confirmed_by_name": "王先生"}
    )

    assert wrong.status_code == 422
    assert list(wrong.json()["error"]["fields"]) == ["code"]
    assert right.status_code == 200
    assert right.json()["status"] == "confirmed"


def test_paper_voucher_as_a_data_url(api, cast, receive):
    order = receive()
    wo_services.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech)
    wo_services.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换",
        warranty_status="in_warranty",
        minutes_spent=20,
    )
    client = api(cast.agent)

    bad = client.post(
        f"work-orders/{order.pk}/confirm",
        {
            "method": "paper_voucher",
            "confirmed_by_name": "王先生",
            "voucher": "data:image/png;base64,bm90IGEgcGljdHVyZQ==",
        },
    )
    good = client.post(
        f"work-orders/{order.pk}/confirm",
        {"method": "paper_voucher", "confirmed_by_name": "王先生", "voucher": png_data_url()},
    )

    assert bad.status_code == 422
    assert list(bad.json()["error"]["fields"]) == ["voucher"]
    assert good.status_code == 200, good.json()
    assert good.json()["confirmations"][0]["method"] == "paper_voucher"


def test_photos_by_someone_not_working_on_it_or_after_the_end_change_nothing(api, cast, receive):
    order = receive()
    upload = io.BytesIO(png_bytes())
    upload.name = "x.png"
    client = api(cast.tech2)  # same department, neither assigned nor an agent

    denied = client.client.post(
        f"/api/v1/work-orders/{order.pk}/photos", data={"photos": [upload]}, headers=client.headers
    )
    wo_services.work_order_cancel(work_order=order, by=cast.agent, reason="重复报修")
    before = events_of(order)
    upload.seek(0)
    agent = api(cast.agent)
    ended = agent.client.post(
        f"/api/v1/work-orders/{order.pk}/photos", data={"photos": [upload]}, headers=agent.headers
    )

    assert denied.status_code == 403
    assert ended.status_code == 409
    assert ended.json()["error"]["allowed_actions"] == ["reopen"]
    assert Photo.objects.count() == 0
    assert events_of(order) == before


def test_count_is_exact_up_to_a_bound_then_a_lower_bound(api, cast, many, monkeypatch):
    from fuwu.lib import paging

    monkeypatch.setattr(paging, "COUNT_EXACT_UP_TO", 3)
    client = api(cast.director)

    bounded = client.get("work-orders", {"limit": 2}).json()
    whole_page = client.get("work-orders", {"limit": 4}).json()
    filtered = client.get("work-orders", {"limit": 2, "q": "漏水"}).json()

    assert (bounded["count"], bounded["count_exact"]) == (3, False)  # four match: "at least 3"
    assert (whole_page["count"], whole_page["count_exact"]) == (4, True)  # counted to the page's end
    assert (filtered["count"], filtered["count_exact"]) == (2, True)
