"""Every action of ``POST /api/v1/work-orders/{id}/<action>`` × role × state, through real HTTP.

For each action the table names a state where it is allowed, a role that may take it there (200),
a role that may see the work order but not take the action (403), a state where the action is not
possible (409), and a bad input (422). On 403, 409 and 422 nothing may change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
import time_machine

from fuwu.notify.models import Notification, OutboxMessage
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import Clock, WorkOrder
from fuwu.workorders.rules import Action

from .conftest import at
from .test_api import png_data_url

NOW = at(2026, 11, 23, 10, 5)


# --- states -----------------------------------------------------------------------------------


def _dispatched(cast, receive):
    order = receive()
    return wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 1)
    )


def _on_site(cast, receive):
    order = _dispatched(cast, receive)
    return wo.work_order_arrive(work_order=order, by=cast.tech, now=at(2026, 11, 23, 10, 2))


def _done(cast, receive, warranty="in_warranty"):
    order = _on_site(cast, receive)
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status=warranty,
        minutes_spent=30,
        now=at(2026, 11, 23, 10, 3),
    )
    return order


def _paid_approved(cast, receive):
    order = _done(cast, receive, "out_of_warranty")
    wo.work_order_decide_paid_service(
        work_order=order, by=cast.head_repair, approve=True, now=at(2026, 11, 23, 10, 4)
    )
    return order


def _with_fee(cast, receive):
    order = _paid_approved(cast, receive)
    wo.work_order_record_fee(
        work_order=order,
        by=cast.tech,
        fee_item=order.service_type.fee_items.get(),
        now=at(2026, 11, 23, 10, 4),
    )
    return order


def _confirmed(cast, receive):
    order = _done(cast, receive)
    wo.work_order_confirm(
        work_order=order,
        by=cast.tech,
        method="signature",
        confirmed_by_name="王先生",
        signature=png_data_url(),
        now=at(2026, 11, 23, 10, 4),
    )
    return order


def _refused(cast, receive):
    order = _done(cast, receive)
    wo.work_order_refuse_confirmation(
        work_order=order, by=cast.tech, reason="不满意", now=at(2026, 11, 23, 10, 4)
    )
    return order


def _closed(cast, receive):
    order = _confirmed(cast, receive)
    return wo.work_order_close(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 4))


def _awaiting_materials(cast, receive):
    order = receive()
    wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 1))
    return order


def _awaiting_approval(cast, receive):
    order = receive()
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="不属于物业范围",
        answer="该设备属业主自有, 请联系厂家",
        now=at(2026, 11, 23, 10, 1),
    )
    return order


def _deferred(cast, receive):
    order = receive()
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="cannot_do_now",
        reason="需停水",
        answer="需整栋停水, 下周一维修",
        deferred_until=date(2026, 11, 30),
        now=at(2026, 11, 23, 10, 1),
    )
    return wo.work_order_approve_rejection(work_order=order, by=cast.head_repair, now=at(2026, 11, 23, 10, 2))


def _extension_pending(cast, receive):
    order = receive()
    wo.work_order_request_extension(
        work_order=order,
        by=cast.agent,
        clock="resolution",
        amount=2,
        unit="working_days",
        reason="等配件",
        now=at(2026, 11, 23, 10, 1),
    )
    return order


def _dispatched_far(cast, receive):
    """Dispatched, with a written-reply commitment (a distance band beyond the arrival bands)."""
    order = _dispatched(cast, receive)
    Clock.objects.create(
        work_order=order,
        kind="written_reply",
        amount=12,
        unit="calendar_hours",
        started_at=at(2026, 11, 23, 10, 0),
        due_at=at(2026, 11, 23, 22, 0),
    )
    return order


STATES: dict[str, Callable[..., WorkOrder]] = {
    "routed": lambda cast, receive: receive(),
    "dispatched": _dispatched,
    "dispatched_far": _dispatched_far,
    "on_site": _on_site,
    "awaiting_materials": _awaiting_materials,
    "awaiting_approval": _awaiting_approval,
    "deferred": _deferred,
    "extension_pending": _extension_pending,
    "done": _done,
    "done_paid": lambda cast, receive: _done(cast, receive, "out_of_warranty"),
    "paid_approved": _paid_approved,
    "with_fee": _with_fee,
    "refused": _refused,
    "confirmed": _confirmed,
    "closed": _closed,
}


# --- the table --------------------------------------------------------------------------------

Body = Callable[[Any, WorkOrder], dict[str, Any]]


def _empty(cast: Any, order: WorkOrder) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Case:
    action: Action
    state: str
    allowed: str  # a role that may take the action in ``state``
    denied: str | None  # a role that sees the work order but may not (None: everyone may)
    conflict_state: str  # a state where the action is not possible
    body: Body = _empty
    bad_body: Body | None = None  # None: the endpoint takes no input
    bad_fields: set[str] = field(default_factory=set)
    expect: Callable[[dict[str, Any]], bool] = lambda detail: True


def fee_line(order: WorkOrder) -> int:
    return order.fees.get().pk


CASES = [
    Case(
        Action.ROUTE,
        "routed",
        "agent",
        "tech2",
        "done",
        body=lambda c, o: {"department_id": c.plumbing.pk, "reason": "水电班处理"},
        bad_body=lambda c, o: {"department_id": c.outsider.department_id},
        bad_fields={"department_id"},
        expect=lambda d: d["department"]["name"] == "水电班",
    ),
    Case(
        Action.DISPATCH,
        "routed",
        "head_repair",
        "tech2",
        "on_site",
        body=lambda c, o: {"technician_id": c.tech.pk, "team_ids": [c.tech2.pk]},
        bad_body=lambda c, o: {"technician_id": c.outsider.pk, "team_ids": [999999]},
        bad_fields={"technician_id", "team_ids[0]"},
        expect=lambda d: d["status"] == "dispatched",
    ),
    Case(
        Action.ACCEPT, "dispatched", "tech", "agent", "routed", expect=lambda d: d["accepted_at"] is not None
    ),
    Case(Action.ARRIVE, "dispatched", "tech", "agent", "routed", expect=lambda d: d["status"] == "on_site"),
    Case(
        Action.REPLY,
        "dispatched_far",
        "tech",
        "tech2",
        "done",
        body=lambda c, o: {"text": "距离较远, 已安排当地服务站联系您"},
        bad_body=lambda c, o: {"text": "  "},
        bad_fields={"text"},
    ),
    Case(
        Action.NOTICE_MISSING,
        "routed",
        "agent",
        "tech2",
        "done",
        body=lambda c, o: {"received": ["身份证明"]},
        bad_body=lambda c, o: {"received": ["户口本"]},
        bad_fields={"received"},
        expect=lambda d: d["notices"][0]["items"] == ["漏水照片"] and d["status"] == "awaiting_materials",
    ),
    Case(
        Action.MATERIALS_RECEIVED,
        "awaiting_materials",
        "agent",
        "tech2",
        "routed",
        body=lambda c, o: {"received": ["身份证明", "漏水照片"]},
        bad_body=lambda c, o: {"received": []},
        bad_fields={"received"},
        expect=lambda d: d["status"] == "routed",
    ),
    Case(
        Action.REQUEST_REJECTION,
        "routed",
        "agent",
        "tech2",
        "done",
        body=lambda c, o: {
            "kind": "cannot_do_now",
            "reason": "需停水",
            "answer": "明日停水后维修",
            "deferred_until": "2026-11-30",
        },
        bad_body=lambda c, o: {"kind": "rejection", "reason": "", "answer": " "},
        bad_fields={"reason", "answer"},
        expect=lambda d: d["status"] == "awaiting_approval",
    ),
    Case(
        Action.APPROVE_REJECTION,
        "awaiting_approval",
        "head_repair",
        "agent",
        "routed",
        body=lambda c, o: {"note": "同意"},
        bad_body=lambda c, o: {"note": 5},
        bad_fields={"note"},
        expect=lambda d: d["status"] == "rejected",
    ),
    Case(
        Action.DENY_REJECTION,
        "awaiting_approval",
        "head_repair",
        "agent",
        "routed",
        body=lambda c, o: {"note": "应予维修"},
        bad_body=lambda c, o: {"note": ""},
        bad_fields={"note"},
        expect=lambda d: d["status"] == "routed",
    ),
    Case(
        Action.RESUME,
        "deferred",
        "agent",
        "tech2",
        "routed",
        body=lambda c, o: {"reason": "停水提前结束"},
        bad_body=lambda c, o: {"reason": 5},
        bad_fields={"reason"},
        expect=lambda d: d["status"] == "routed" and d["deferred_until"] is None,
    ),
    Case(
        Action.RECORD_WARRANTY,
        "on_site",
        "tech",
        "agent",
        "done",
        body=lambda c, o: {"warranty_status": "out_of_warranty", "note": "已过三包期"},
        bad_body=lambda c, o: {"warranty_status": "maybe"},
        bad_fields={"warranty_status"},
        expect=lambda d: (
            d["is_paid"]
            and d["warranty_finding"] == "out_of_warranty"
            and [a["status"] for a in d["approvals"]] == ["pending"]
            and "approve-paid-service" not in d["allowed_actions"]
        ),
    ),
    Case(
        Action.REQUEST_EXTENSION,
        "routed",
        "agent",
        "tech2",
        "closed",
        body=lambda c, o: {"clock": "resolution", "amount": 1, "unit": "working_days", "reason": "等配件"},
        bad_body=lambda c, o: {"clock": "resolution", "amount": 0, "unit": "weeks", "reason": "x"},
        bad_fields={"amount", "unit"},
    ),
    Case(
        Action.APPROVE_EXTENSION,
        "extension_pending",
        "director",
        "head_repair",
        "routed",
        body=lambda c, o: {"note": "同意"},
        bad_body=lambda c, o: {"nope": 1},
        bad_fields={"nope"},
        expect=lambda d: next(c for c in d["clocks"] if c["kind"] == "resolution")["extended_count"] == 1,
    ),
    Case(
        Action.DENY_EXTENSION,
        "extension_pending",
        "director",
        "head_repair",
        "routed",
        body=lambda c, o: {"note": "不同意"},
        bad_body=lambda c, o: {"note": []},
        bad_fields={"note"},
        expect=lambda d: d["approvals"][0]["status"] == "denied",
    ),
    Case(
        Action.COMPLETE,
        "on_site",
        "tech",
        "agent",
        "routed",
        body=lambda c, o: {
            "findings": "角阀老化",
            "work_done": "更换角阀",
            "warranty_status": "in_warranty",
            "minutes_spent": 30,
            "running_hours": 100,
        },
        bad_body=lambda c, o: {
            "findings": "",
            "work_done": " ",
            "warranty_status": "in_warranty",
            "minutes_spent": 30,
            "parts": [{"name": ""}],
        },
        bad_fields={"findings", "work_done", "parts[0].name"},
        expect=lambda d: d["status"] == "done",
    ),
    Case(Action.SEND_CONFIRMATION_CODE, "done", "tech", "tech2", "on_site"),
    Case(
        Action.CONFIRM,
        "done",
        "tech",
        "tech2",
        "on_site",
        body=lambda c, o: {"method": "signature", "confirmed_by_name": "王先生", "signature": png_data_url()},
        bad_body=lambda c, o: {"method": "signature", "confirmed_by_name": "", "signature": "data:x"},
        bad_fields={"confirmed_by_name", "signature"},
        expect=lambda d: d["status"] == "confirmed",
    ),
    Case(
        Action.REFUSE_CONFIRMATION,
        "done",
        "agent",
        "tech2",
        "on_site",
        body=lambda c, o: {"reason": "水还在滴"},
        bad_body=lambda c, o: {"reason": ""},
        bad_fields={"reason"},
        expect=lambda d: d["confirmation_refused"] is True,
    ),
    Case(
        Action.RECORD_FEE,
        "paid_approved",
        "tech",
        "tech2",
        "routed",
        body=lambda c, o: {"fee_item_id": o.service_type.fee_items.get().pk, "receipt_number": "FP-001"},
        bad_body=lambda c, o: {"fee_item_id": 999999},
        bad_fields={"fee_item_id"},
        expect=lambda d: d["fees"][0]["is_collected"] is True,
    ),
    Case(
        Action.COLLECT_FEE,
        "with_fee",
        "tech",
        "tech2",
        "routed",
        body=lambda c, o: {"fee_line_id": fee_line(o), "receipt_number": "FP-002"},
        bad_body=lambda c, o: {"fee_line_id": 999999, "receipt_number": " "},
        bad_fields={"fee_line_id", "receipt_number"},
        expect=lambda d: d["fees"][0]["receipt_number"] == "FP-002",
    ),
    Case(
        Action.APPROVE_PAID_SERVICE,
        "done_paid",
        "head_repair",
        "agent",
        "done",
        body=lambda c, o: {"note": "按标准收费"},
        bad_body=lambda c, o: {"note": 1},
        bad_fields={"note"},
        expect=lambda d: d["approvals"][0]["status"] == "approved",
    ),
    Case(
        Action.DENY_PAID_SERVICE,
        "done_paid",
        "head_repair",
        "agent",
        "done",
        body=lambda c, o: {"note": "免费处理"},
        bad_body=lambda c, o: {"note": 1},
        bad_fields={"note"},
        expect=lambda d: d["is_paid"] is False,
    ),
    Case(
        Action.CLOSE,
        "confirmed",
        "agent",
        "tech2",
        "routed",
        bad_body=lambda c, o: {"reason": 1},
        bad_fields={"reason"},
        expect=lambda d: d["status"] == "closed",
    ),
    Case(
        Action.CANCEL,
        "routed",
        "agent",
        "tech2",
        "done",
        body=lambda c, o: {"reason": "业主已自行修好"},
        bad_body=lambda c, o: {"reason": ""},
        bad_fields={"reason"},
        expect=lambda d: d["status"] == "cancelled",
    ),
    Case(
        Action.REOPEN,
        "closed",
        "agent",
        "tech2",
        "routed",
        body=lambda c, o: {"reason": "又漏水了"},
        bad_body=lambda c, o: {"reason": " "},
        bad_fields={"reason"},
        expect=lambda d: d["status"] == "routed" and d["reopen_count"] == 1,
    ),
    Case(
        Action.REMIND,
        "routed",
        "tech2",
        None,
        "done",
        body=lambda c, o: {"note": "业主催促"},
        bad_body=lambda c, o: {"note": {"a": 1}},
        bad_fields={"note"},
        expect=lambda d: d["reminder_count"] == 1,
    ),
]


def test_the_table_covers_every_action():
    assert {case.action for case in CASES} == set(Action)


def snapshot(order: WorkOrder) -> dict[str, Any]:
    """Everything an action could write: the row, its children, the timeline, messages."""
    row = WorkOrder.objects.filter(pk=order.pk).values().get()
    children = {
        name: list(getattr(order, name).order_by("pk").values())
        for name in (
            "clocks",
            "materials",
            "notices",
            "approvals",
            "reports",
            "confirmations",
            "fees",
            "photos",
            "confirmation_codes",
            "escalations",
        )
    }
    return {
        "row": row,
        **children,
        "team": list(order.team.values_list("pk", flat=True)),
        "events": Event.objects.for_subject(order).count(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxMessage.objects.count(),
    }


@pytest.fixture
def in_state(cast, receive):
    def make(name: str) -> WorkOrder:
        with time_machine.travel(at(2026, 11, 23, 10, 0), tick=False):
            return WorkOrder.objects.get(pk=STATES[name](cast, receive).pk)

    return make


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.action.value)
def test_allowed_role_in_allowed_state_gets_200(api, cast, in_state, case):
    order = in_state(case.state)
    events = Event.objects.for_subject(order).count()

    response = api(getattr(cast, case.allowed)).post(
        f"work-orders/{order.pk}/{case.action.value}", case.body(cast, order)
    )

    assert response.status_code == 200, response.json()
    detail = response.json()
    assert detail["id"] == order.pk
    assert case.expect(detail), detail
    assert Event.objects.for_subject(order).count() == events + 1  # one action, one timeline event


@pytest.mark.parametrize("case", [c for c in CASES if c.denied], ids=lambda c: c.action.value)
def test_role_not_allowed_gets_403_and_nothing_changes(api, cast, in_state, case):
    order = in_state(case.state)
    before = snapshot(order)

    response = api(getattr(cast, case.denied)).post(
        f"work-orders/{order.pk}/{case.action.value}", case.body(cast, order)
    )

    assert response.status_code == 403, response.json()
    assert response.json()["error"]["code"] == "permission_denied"
    assert snapshot(order) == before


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.action.value)
def test_action_not_possible_in_the_state_gets_409_with_the_allowed_actions(api, cast, in_state, case):
    order = in_state(case.conflict_state)
    before = snapshot(order)
    client = api(getattr(cast, case.allowed))
    expected = client.get(f"work-orders/{order.pk}").json()["allowed_actions"]

    response = client.post(
        f"work-orders/{order.pk}/{case.action.value}",
        case.body(cast, order) if case.conflict_state == case.state else well_formed_body(case, cast, order),
    )

    assert response.status_code == 409, response.json()
    error = response.json()["error"]
    assert error["code"] == "conflict"
    assert error["fields"] == {}
    assert error["status"] == order.status
    assert error["allowed_actions"] == expected
    assert case.action.value not in error["allowed_actions"]
    assert snapshot(order) == before


def well_formed_body(case: Case, cast: Any, order: WorkOrder) -> dict[str, Any]:
    """A well-formed body for a work order in the wrong state (ids that exist elsewhere are fine)."""
    if case.action is Action.COLLECT_FEE:
        return {"fee_line_id": 1, "receipt_number": "FP-003"}
    if case.action is Action.RECORD_FEE:
        return {"fee_item_id": order.service_type.fee_items.get().pk}
    return case.body(cast, order)


@pytest.mark.parametrize("case", [c for c in CASES if c.bad_body], ids=lambda c: c.action.value)
def test_bad_input_names_each_field_and_nothing_changes(api, cast, in_state, case):
    order = in_state(case.state)
    before = snapshot(order)

    response = api(getattr(cast, case.allowed)).post(
        f"work-orders/{order.pk}/{case.action.value}", case.bad_body(cast, order)
    )

    assert response.status_code == 422, response.json()
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["fields"]) == case.bad_fields
    assert snapshot(order) == before


def test_close_after_a_refusal_is_for_the_head_with_a_reason(api, cast, in_state):
    order = in_state("refused")
    before = snapshot(order)

    by_agent = api(cast.agent).post(f"work-orders/{order.pk}/close", {"reason": "业主拒签"})
    without_reason = api(cast.head_repair).post(f"work-orders/{order.pk}/close", {})
    assert by_agent.status_code == 403
    assert without_reason.status_code == 422
    assert list(without_reason.json()["error"]["fields"]) == ["reason"]
    assert snapshot(order) == before

    by_head = api(cast.head_repair).post(
        f"work-orders/{order.pk}/close", {"reason": "经核实已修好, 业主拒签"}
    )
    assert by_head.status_code == 200
    assert by_head.json()["status"] == "closed"


def test_an_agent_cannot_refuse_a_head_can_and_nothing_is_sent_before(api, cast, receive):
    # given the agent asks for a refusal (红灯)
    order = receive()
    client = api(cast.agent)
    asked = client.post(
        f"work-orders/{order.pk}/request-rejection",
        {"kind": "rejection", "reason": "业主自有设备", "answer": "请联系厂家"},
    )
    assert asked.status_code == 200
    assert "approve-rejection" not in asked.json()["allowed_actions"]
    assert not OutboxMessage.objects.filter(work_order=order).exists()
    # when the agent tries to approve, then the head does
    assert client.post(f"work-orders/{order.pk}/approve-rejection", {}).status_code == 403
    assert not OutboxMessage.objects.filter(work_order=order).exists()
    approved = api(cast.head_repair).post(f"work-orders/{order.pk}/approve-rejection", {"note": "同意"})
    # then the answer leaves only now
    assert approved.json()["status"] == "rejected"
    assert OutboxMessage.objects.filter(work_order=order, body__contains="请联系厂家").exists()


def test_remaining_time_of_a_paused_clock_stands_still(api, cast, in_state):
    order = in_state("awaiting_materials")  # paused at 10:01
    client = api(cast.agent)
    first = {c["kind"]: c for c in client.get(f"work-orders/{order.pk}").json()["clocks"]}
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        later = {c["kind"]: c for c in client.get(f"work-orders/{order.pk}").json()["clocks"]}
    assert first["arrival"]["paused"] is True
    assert later["arrival"]["remaining_business_minutes"] == first["arrival"]["remaining_business_minutes"]
