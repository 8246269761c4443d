"""Actions through the work order page: exactly the allowed actions are offered, each calls its
service, and refusals come back as the service's answer without changing anything."""

from __future__ import annotations

import base64
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image

from fuwu.approvals.models import ApprovalStatus
from fuwu.notify.models import OutboxMessage
from fuwu.org.services import absence_record, duty_create
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import FeeLine, Status

from .conftest import at

NOW = at(2026, 11, 23, 10, 1)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def offered(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z-]+)"', html))


def events_of(order: Any) -> int:
    return Event.objects.for_subject(order).count()


def alert(html: str) -> str:
    return " ".join(re.findall(r'role="alert">([^<]*)<', html))


def test_page_offers_exactly_the_allowed_actions(cast, web, receive):
    order = receive()

    agent_actions = offered(web(cast.agent).get(f"/work-orders/{order.pk}/").content.decode())
    tech_actions = offered(web(cast.tech).get(f"/work-orders/{order.pk}/").content.decode())

    assert agent_actions == {a.value for a in wo.allowed_actions(cast.agent, order)}
    assert "dispatch" in agent_actions
    assert "confirm" not in agent_actions
    assert tech_actions == {a.value for a in wo.allowed_actions(cast.tech, order)}
    assert "dispatch" not in tech_actions
    assert "complete" not in tech_actions  # not assigned to them


def test_dispatch_to_an_absent_technician_goes_to_their_b_and_says_so(cast, web, receive):
    duty_create(
        department=cast.repair,
        name="水电维修",
        kind="queue",
        primary=cast.tech,
        backup=cast.tech2,
        by=cast.admin,
    )
    absence_record(
        person=cast.tech,
        kind="leave",
        starts_at=NOW - timedelta(hours=2),
        ends_at=NOW + timedelta(days=2),
        by=cast.head_repair,
    )
    order = receive()
    client = web(cast.head_repair)

    form = client.get(f"/work-orders/{order.pk}/").content.decode()
    options = re.findall(r'<option value="(\d+)" data-notice="([^"]*)"', form)
    assert [int(pk) for pk, _ in options][-1] == cast.tech.pk  # the absent one comes last
    assert "维修工小钱" in dict(options)[str(cast.tech.pk)]  # A/B notice names who takes over

    response = client.post(
        f"/work-orders/{order.pk}/dispatch/", {"technician": cast.tech.pk, "reason": ""}, follow=True
    )

    html = response.content.decode()
    order.refresh_from_db()
    assert order.assignee == cast.tech2
    assert order.status == Status.DISPATCHED
    assert "维修工小钱" in alert(html)
    timeline = html.split('id="timeline-heading"')[1]
    assert "维修工老赵" in timeline  # the hand-over reason on the timeline names who is absent
    assert "维修工小钱" in timeline


def test_dispatch_form_lists_the_departments_technicians_by_load(cast, web, receive):
    busy = receive()
    wo.work_order_dispatch(work_order=busy, by=cast.head_repair, technician=cast.tech, now=NOW)
    order = receive()

    form = web(cast.head_repair).get(f"/work-orders/{order.pk}/").content.decode()

    options = [int(pk) for pk in re.findall(r'<option value="(\d+)" data-notice=', form)]
    assert set(options) == {cast.tech.pk, cast.tech2.pk, cast.plumber.pk}  # 工程维修部 and 水电班
    assert options.index(cast.tech.pk) == 2  # one open work order: after the two free ones
    assert cast.cleaner.pk not in options


def test_red_light_waits_for_the_head_and_nothing_is_sent_before(cast, web, receive):
    order = receive()
    agent = web(cast.agent)

    response = agent.post(
        f"/work-orders/{order.pk}/request-rejection/",
        {"kind": "rejection", "reason": "属业主自有设备", "answer": "该设备不属于物业维修范围，建议联系厂家"},
        follow=True,
    )

    order.refresh_from_db()
    assert order.status == Status.AWAITING_APPROVAL
    assert not OutboxMessage.objects.filter(work_order=order).exists()
    assert "approve-rejection" not in offered(response.content.decode())

    # a forged approval by the agent is refused and changes nothing
    before = events_of(order)
    forged = agent.post(f"/work-orders/{order.pk}/approve-rejection/", {"note": ""})
    assert forged.status_code == 403
    assert alert(forged.content.decode())
    assert events_of(order) == before
    order.refresh_from_db()
    assert order.status == Status.AWAITING_APPROVAL

    # the head of the department approves: now the answer goes out
    head = web(cast.head_repair)
    assert "approve-rejection" in offered(head.get(f"/work-orders/{order.pk}/").content.decode())
    response = head.post(f"/work-orders/{order.pk}/approve-rejection/", {"note": "同意"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.REJECTED
    assert order.approvals.get().status == ApprovalStatus.APPROVED
    assert "建议联系厂家" in OutboxMessage.objects.get(work_order=order).body


def test_red_light_request_needs_its_fields(cast, web, receive):
    order = receive()
    before = events_of(order)

    response = web(cast.agent).post(f"/work-orders/{order.pk}/request-rejection/", {"kind": "rejection"})

    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-field="reason"' in html
    assert 'data-field="answer"' in html
    assert events_of(order) == before
    assert 'id="action-request-rejection" open' in html


def test_confirmation_before_completion_is_not_offered_and_a_forged_post_gets_409(cast, web, receive):
    order = receive()
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)
    client = web(cast.tech)
    assert "confirm" not in offered(client.get(f"/work-orders/{order.pk}/").content.decode())
    before = events_of(order)

    response = client.post(
        f"/work-orders/{order.pk}/confirm/",
        {"method": "sms_code", "confirmed_by_name": "王先生", "code": "123456"},
    )

    assert response.status_code == 409
    assert "确认" in alert(response.content.decode()) or "confirm" in alert(response.content.decode()).lower()
    assert events_of(order) == before
    order.refresh_from_db()
    assert order.status == Status.DISPATCHED
    assert not order.confirmations.exists()


def _done(cast: Any, order: Any, warranty: str = "in_warranty") -> Any:
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status=warranty,
        minutes_spent=30,
        now=NOW,
    )
    return order


def _signature() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def test_customer_confirms_with_a_signature_after_completion(cast, web, receive):
    order = _done(cast, receive())
    client = web(cast.tech)
    assert "confirm" in offered(client.get(f"/work-orders/{order.pk}/").content.decode())

    response = client.post(
        f"/work-orders/{order.pk}/confirm/",
        {
            "method": "signature",
            "confirmed_by_name": "王先生",
            "signature": _signature(),
            "satisfied": "true",
        },
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED
    confirmation = order.confirmations.get()
    assert confirmation.method == "signature"
    assert confirmation.satisfied is True
    assert confirmation.evidence.name.endswith(".png")


def test_confirmation_without_a_signature_is_a_field_error(cast, web, receive):
    order = _done(cast, receive())
    before = events_of(order)

    response = web(cast.tech).post(
        f"/work-orders/{order.pk}/confirm/",
        {"method": "signature", "confirmed_by_name": "王先生", "signature": ""},
    )

    assert response.status_code == 422
    assert 'data-field="signature"' in response.content.decode()
    assert events_of(order) == before


def test_customer_confirms_with_the_sms_code(cast, web, receive):
    order = _done(cast, receive())
    client = web(cast.tech)

    response = client.post(
        f"/work-orders/{order.pk}/send-confirmation-code/", {"method": "sms_code"}, follow=True
    )
    assert "13912345678" in alert(response.content.decode())
    assert response.redirect_chain[-1][0].endswith("#action-confirm")
    assert re.search(r'value="sms_code"[^>]*checked', response.content.decode())  # ready to type the code
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", OutboxMessage.objects.get(work_order=order).body)
    assert found is not None
    code = found.group(1)
    wrong = client.post(
        f"/work-orders/{order.pk}/confirm/",
        {
            "method": "sms_code",
            "confirmed_by_name": "王先生",
            "code": "000000" if code != "000000" else "111111",
        },
    )
    assert wrong.status_code == 422
    assert 'data-field="code"' in wrong.content.decode()

    response = client.post(
        f"/work-orders/{order.pk}/confirm/",
        {"method": "sms_code", "confirmed_by_name": "王先生", "code": code},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.CONFIRMED


def test_fee_without_a_receipt_is_not_collected(cast, web, receive):
    order = _done(cast, receive(), warranty="out_of_warranty")
    wo.work_order_decide_paid_service(work_order=order, by=cast.head_repair, approve=True, now=NOW)
    client = web(cast.tech)
    fee_item = order.service_type.fee_items.get()

    recorded = client.post(
        f"/work-orders/{order.pk}/record-fee/",
        {"fee_item": fee_item.pk, "quantity": "1", "unit_price": "", "receipt_number": ""},
        follow=True,
    )
    line = FeeLine.objects.get(work_order=order)
    assert line.amount == fee_item.price
    assert not line.is_collected
    assert "collect-fee" in offered(recorded.content.decode())

    before = events_of(order)
    refused = client.post(
        f"/work-orders/{order.pk}/collect-fee/", {"fee_line": line.pk, "receipt_number": " "}
    )

    assert refused.status_code == 422
    assert 'data-field="receipt_number"' in refused.content.decode()
    assert events_of(order) == before
    line.refresh_from_db()
    assert not line.is_collected

    collected = client.post(
        f"/work-orders/{order.pk}/collect-fee/", {"fee_line": line.pk, "receipt_number": "FP-0001"}
    )
    assert collected.status_code == 302
    line.refresh_from_db()
    assert line.is_collected
    assert line.receipt_number == "FP-0001"


def test_fee_on_free_work_is_not_offered_and_a_forged_post_is_refused(cast, web, receive):
    order = _done(cast, receive(), warranty="in_warranty")
    fee_item = order.service_type.fee_items.get()
    client = web(cast.tech)
    assert "record-fee" not in offered(client.get(f"/work-orders/{order.pk}/").content.decode())

    response = client.post(
        f"/work-orders/{order.pk}/record-fee/",
        {"fee_item": fee_item.pk, "quantity": "1", "receipt_number": "FP-1"},
    )

    assert response.status_code == 409
    assert not FeeLine.objects.exists()


def test_one_time_notice_lists_every_missing_item_and_pauses(cast, web, receive):
    order = receive()

    response = web(cast.agent).post(
        f"/work-orders/{order.pk}/notice-missing/",
        {"received": [], "extra_items": "", "reason": ""},
        follow=True,
    )

    html = response.content.decode()
    order.refresh_from_db()
    assert order.status == Status.AWAITING_MATERIALS
    notice = order.notices.get()
    assert notice.items == ["身份证明", "漏水照片"]
    assert 'data-testid="notice"' in html
    assert "paused" in html or "暂停" in html


def test_unknown_action_is_404_and_get_is_not_allowed(cast, web, receive):
    order = receive()
    client = web(cast.agent)

    assert client.post(f"/work-orders/{order.pk}/explode/").status_code == 404
    assert client.get(f"/work-orders/{order.pk}/cancel/").status_code == 405


def test_route_and_cancel_through_the_page(cast, web, receive):
    order = receive()
    client = web(cast.agent)

    client.post(f"/work-orders/{order.pk}/route/", {"department": cast.plumbing.pk, "reason": "水电班负责"})
    order.refresh_from_db()
    assert order.department == cast.plumbing
    assert order.first_contact_owner == cast.agent

    empty = client.post(f"/work-orders/{order.pk}/cancel/", {"reason": ""})
    assert empty.status_code == 422
    client.post(f"/work-orders/{order.pk}/cancel/", {"reason": "客户已自行修好"})
    order.refresh_from_db()
    assert order.status == Status.CANCELLED
