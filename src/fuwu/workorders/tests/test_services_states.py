"""Every action in every state: the service refuses (409 with the allowed actions) exactly where the
rules' table says no, and does it where the table says yes. Roles are the API's tests; here each
action is taken by someone whose role allows it, so only the state decides."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import transaction

from fuwu.lib.errors import BusinessError, ConflictError
from fuwu.timeline.models import Event
from fuwu.workorders import rules
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status
from fuwu.workorders.rules import ACTION_STATUSES, Action, StateFacts, actions_in_state

from .conftest import PNG_DATA_URL, allowed_actions, at

NOW = at(2026, 11, 23, 16, 0)

STATES = [
    "received",
    "routed",
    "routed_extension_pending",
    "dispatched",
    "on_site",
    "awaiting_materials",
    "awaiting_approval",
    "deferred",
    "done",
    "done_with_fee",
    "done_refused",
    "confirmed",
    "visited",
    "closed",
    "rejected",
    "cancelled",
]


def build(steps: Any, state: str) -> Any:
    if state == "routed_extension_pending":
        return steps.with_extension_pending(steps.routed())
    return getattr(steps, state)()


def uncollected_fee_id(order: Any) -> int:
    line = order.fees.filter(is_collected=False).first()
    return line.pk if line else 0


def calls(cast: Any) -> dict[Action, Callable[[Any], Any]]:
    """One valid call of each action's service, by a person whose role allows it."""
    c = cast
    return {
        Action.ROUTE: lambda o: wo.work_order_route(work_order=o, by=c.agent, department=c.cleaning, now=NOW),
        Action.DISPATCH: lambda o: wo.work_order_dispatch(
            work_order=o, by=c.director, technician=c.tech2, now=NOW
        ),
        Action.ACCEPT: lambda o: wo.work_order_accept(work_order=o, by=c.tech, now=NOW),
        Action.ARRIVE: lambda o: wo.work_order_arrive(work_order=o, by=c.tech, now=NOW),
        Action.REPLY: lambda o: wo.work_order_reply(work_order=o, by=c.agent, text="书面答复", now=NOW),
        Action.NOTICE_MISSING: lambda o: wo.work_order_notice_missing(
            work_order=o, by=c.agent, extra_items=["物业费缴纳凭证"], now=NOW
        ),
        Action.MATERIALS_RECEIVED: lambda o: wo.work_order_materials_received(
            work_order=o, by=c.agent, received=["身份证明", "漏水照片"], now=NOW
        ),
        Action.REQUEST_REJECTION: lambda o: wo.work_order_request_rejection(
            work_order=o,
            by=c.agent,
            kind="cannot_do_now",
            reason="需停水施工",
            answer="需停水施工, 另行通知",
            deferred_until=date(2026, 11, 30),
            now=NOW,
        ),
        Action.APPROVE_REJECTION: lambda o: wo.work_order_approve_rejection(
            work_order=o, by=c.director, now=NOW
        ),
        Action.DENY_REJECTION: lambda o: wo.work_order_deny_rejection(
            work_order=o, by=c.director, note="应修", now=NOW
        ),
        Action.RESUME: lambda o: wo.work_order_resume(work_order=o, by=c.agent, now=NOW),
        Action.RECORD_WARRANTY: lambda o: wo.work_order_record_warranty(
            work_order=o, by=c.tech, warranty_status="out_of_warranty", now=NOW
        ),
        Action.REQUEST_EXTENSION: lambda o: wo.work_order_request_extension(
            work_order=o,
            by=c.agent,
            clock="resolution",
            amount=1,
            unit="working_days",
            reason="等配件",
            now=NOW,
        ),
        Action.APPROVE_EXTENSION: lambda o: wo.work_order_approve_extension(
            work_order=o, by=c.director, now=NOW
        ),
        Action.DENY_EXTENSION: lambda o: wo.work_order_deny_extension(work_order=o, by=c.director, now=NOW),
        Action.COMPLETE: lambda o: wo.work_order_complete(
            work_order=o,
            by=c.tech,
            findings="阀门坏",
            work_done="更换",
            warranty_status="not_applicable",
            minutes_spent=20,
            now=NOW,
        ),
        Action.SEND_CONFIRMATION_CODE: lambda o: wo.work_order_send_confirmation_code(
            work_order=o, by=c.tech, now=NOW
        ),
        Action.CONFIRM: lambda o: wo.work_order_confirm(
            work_order=o,
            by=c.tech,
            method="signature",
            signature=PNG_DATA_URL,
            confirmed_by_name="王先生",
            now=NOW,
        ),
        Action.REFUSE_CONFIRMATION: lambda o: wo.work_order_refuse_confirmation(
            work_order=o, by=c.tech, reason="不满意", now=NOW
        ),
        Action.RECORD_FEE: lambda o: wo.work_order_record_fee(
            work_order=o, by=c.tech, description="材料费", unit_price="12.50", now=NOW
        ),
        Action.COLLECT_FEE: lambda o: wo.work_order_collect_fee(
            work_order=o, by=c.tech, fee_line_id=uncollected_fee_id(o), receipt_number="FP-0009", now=NOW
        ),
        Action.APPROVE_PAID_SERVICE: lambda o: wo.work_order_decide_paid_service(
            work_order=o, by=c.head_repair, approve=True, now=NOW
        ),
        Action.DENY_PAID_SERVICE: lambda o: wo.work_order_decide_paid_service(
            work_order=o, by=c.head_repair, approve=False, note="保修期内", now=NOW
        ),
        Action.CLOSE: lambda o: wo.work_order_close(
            work_order=o, by=c.head_repair, reason="主管决定结案", now=NOW
        ),
        Action.CANCEL: lambda o: wo.work_order_cancel(work_order=o, by=c.agent, reason="客户撤销", now=NOW),
        Action.REOPEN: lambda o: wo.work_order_reopen(work_order=o, by=c.head_repair, reason="返修", now=NOW),
        Action.REMIND: lambda o: wo.work_order_remind(work_order=o, by=c.agent, now=NOW),
    }


def test_every_action_has_a_service_call(cast):
    assert set(calls(cast)) == set(Action)


def test_the_table_names_every_action_and_only_known_statuses():
    assert set(ACTION_STATUSES) == set(Action)
    assert all(set(statuses) <= set(Status) for statuses in ACTION_STATUSES.values())


@pytest.mark.parametrize("status", list(Status))
def test_a_state_with_every_condition_met_allows_exactly_the_tables_actions(status):
    # given every condition besides the status in favour of every action it can favour
    for pending in (frozenset({"rejection", "paid_service"}), frozenset({"extension"}), frozenset()):
        facts = StateFacts(
            status=status,
            pending_approvals=pending,
            has_unmet_written_reply=True,
            confirmation_refused=status == Status.DONE,
            has_uncollected_fees=True,
            has_fees=True,
            is_paid=True,
        )
        allowed = set(actions_in_state(facts))
        # then nothing outside the table is ever allowed
        assert all(status in ACTION_STATUSES[action] for action in allowed)
    # and with the right facts, each action of the table is allowed somewhere
    for action, statuses in ACTION_STATUSES.items():
        if status not in statuses:
            continue
        favourable = [
            StateFacts(
                status=status,
                pending_approvals=p,
                has_unmet_written_reply=True,
                has_uncollected_fees=True,
                has_fees=True,
                is_paid=True,
                confirmation_refused=refused,
            )
            for p in (
                frozenset({"rejection"}),
                frozenset({"extension"}),
                frozenset({"paid_service"}),
                frozenset(),
            )
            for refused in (False, True)
        ]
        assert any(action in actions_in_state(f) for f in favourable), (action, status)


@pytest.mark.parametrize("state", STATES)
def test_every_action_is_refused_or_done_as_the_rules_say(cast, steps, state):
    # given a work order brought into the state through the services
    order = build(steps, state)
    expected = set(rules.actions_in_state(wo.facts_of(order)))
    events_before = Event.objects.for_subject(order).count()
    outcomes: dict[str, str] = {}
    conflicts: list[ConflictError] = []
    for action, call in calls(cast).items():
        try:
            with transaction.atomic():
                call(wo.WorkOrder.objects.get(pk=order.pk))
                outcomes[action] = "done"
                transaction.set_rollback(True)  # each action on the same starting state
        except ConflictError as error:
            outcomes[action] = "conflict"
            conflicts.append(error)
        except BusinessError as error:  # a failure message, not an outcome
            outcomes[action] = f"{type(error).__name__}: {error.message} {error.fields}"
    wanted = {action: "done" if action in expected else "conflict" for action in Action}
    assert outcomes == wanted
    # each 409 names what is possible instead, and nothing was written
    for conflict in conflicts:
        assert set(allowed_actions(conflict)) <= {a.value for a in expected}
        assert conflict.extra["status"] == order.status
    assert Event.objects.for_subject(order).count() == events_before
    assert wo.WorkOrder.objects.get(pk=order.pk).status == order.status


def test_the_states_reached_have_the_expected_status(steps):
    assert steps.received().status == Status.RECEIVED
    assert steps.awaiting_approval().status == Status.AWAITING_APPROVAL
    assert steps.done_refused().confirmation_refused
