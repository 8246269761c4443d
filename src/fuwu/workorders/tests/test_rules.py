"""SLA clocks from the policy: deadlines across a holiday and a make-up workday, business hours across
the lunch break, calendar minutes, distance bands — each checked just before, at and after the deadline."""

from __future__ import annotations

import pytest
from django.utils import translation

from fuwu.catalogue.services import service_type_create
from fuwu.customers.services import customer_create
from fuwu.lib.errors import ConflictError
from fuwu.notify.models import OutboxMessage
from fuwu.policy.presets import preset_document
from fuwu.testing.cast import build_cast
from fuwu.timeline.models import Event
from fuwu.workorders import rules
from fuwu.workorders import services as wo
from fuwu.workorders.models import ClockKind
from fuwu.workorders.rules import Action, StateFacts

from .conftest import at, png_file


def clock(order, kind):
    return order.clocks.get(kind=kind, is_active=True)


# --- working days across National Day 2026 and its make-up Saturday ----------------------------


def test_working_days_resolution_received_before_national_day_is_due_after_it(receive):
    # given a request on Wednesday 2026-09-30, the last working day before the holiday (3 working days)
    order = receive(now=at(2026, 9, 30, 16, 0))
    # then Oct 1–7 do not count; Oct 8 (1), Oct 9 (2) and the make-up Saturday Oct 10 (3) do
    resolution = clock(order, ClockKind.RESOLUTION)
    assert resolution.due_at == at(2026, 10, 10, 17, 30)
    assert resolution.calendar_confirmed
    assert not resolution.is_breached(at(2026, 10, 10, 17, 29))
    assert not resolution.is_breached(at(2026, 10, 10, 17, 30))
    assert resolution.is_breached(at(2026, 10, 10, 17, 31))


def test_a_make_up_saturday_counts_as_a_working_day(receive):
    # given a high-priority request (1 working day) on Friday 2026-10-09
    order = receive(priority="high", now=at(2026, 10, 9, 9, 0))
    # then it is due at close of business on Saturday 2026-10-10 (调休 working day), not on Monday
    assert clock(order, ClockKind.RESOLUTION).due_at == at(2026, 10, 10, 17, 30)
    # and three working days from that Friday: Sat 10th, Mon 12th, Tue 13th
    normal = receive(now=at(2026, 10, 9, 9, 0))
    assert clock(normal, ClockKind.RESOLUTION).due_at == at(2026, 10, 13, 17, 30)


def test_a_request_on_a_holiday_counts_from_the_holiday(receive):
    # received on National Day itself: that day is day 0, the first working day is Oct 8
    order = receive(priority="high", now=at(2026, 10, 3, 11, 0))
    assert clock(order, ClockKind.RESOLUTION).due_at == at(2026, 10, 8, 17, 30)


# --- business hours across the lunch break and the holiday ------------------------------------


@translation.override("en")  # the timeline records "met in time" / "met late" in the active language
def test_business_hours_arrival_skips_the_lunch_break(cast, receive):
    # given a normal request at 11:00 (arrival within 2 business hours; lunch 12:00–13:30)
    order = receive(now=at(2026, 11, 23, 11, 0))
    arrival = clock(order, ClockKind.ARRIVAL)
    # then one hour before lunch and one after: 14:30
    assert arrival.due_at == at(2026, 11, 23, 14, 30)
    # when the technician arrives at 14:29, 14:30 and 14:31 (three separate orders)
    outcomes = []
    for minute in (29, 30, 31):
        order = receive(now=at(2026, 11, 23, 11, 0))
        wo.work_order_dispatch(
            work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 11, 2)
        )
        wo.work_order_arrive(work_order=order, by=cast.tech, now=at(2026, 11, 23, 14, minute))
        outcomes.append(
            Event.objects.for_subject(order).get(action="work_order.arrived").changes["clock.arrival"]
        )
    # then just before and at the deadline it is met in time, one minute after it is late
    assert [o["after"] for o in outcomes] == ["met in time", "met in time", "met late"]


def test_business_hours_before_the_holiday_continue_after_it(receive):
    # 16:30 on 2026-09-30: one business hour that day, the second on 2026-10-08 from 08:30
    order = receive(now=at(2026, 9, 30, 16, 30))
    assert clock(order, ClockKind.ARRIVAL).due_at == at(2026, 10, 8, 9, 30)


def test_a_request_during_lunch_starts_counting_at_1330(receive):
    order = receive(priority="high", now=at(2026, 11, 23, 12, 15))  # arrival: 1 business hour
    assert clock(order, ClockKind.ARRIVAL).due_at == at(2026, 11, 23, 14, 30)


# --- calendar minutes: dispatch within 5 minutes (property 004) -------------------------------


@pytest.mark.parametrize(("minute", "in_time"), [(4, True), (5, True), (6, False)])
@translation.override("en")
def test_dispatch_within_five_calendar_minutes(cast, receive, minute, in_time):
    # given a request at 23:58 on a Sunday: calendar minutes count nights and weekends
    order = receive(now=at(2026, 11, 22, 23, 58))
    dispatch = clock(order, ClockKind.DISPATCH)
    assert dispatch.due_at == at(2026, 11, 23, 0, 3)
    # when it is dispatched `minute` minutes after it came in
    moment = at(2026, 11, 22, 23, 58) + (at(2026, 1, 1, 0, minute) - at(2026, 1, 1))
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=moment)
    # then the clock is met, in time up to and at the deadline
    dispatch.refresh_from_db()
    assert dispatch.met_at == moment
    assert dispatch.is_breached(moment) is not in_time
    change = Event.objects.for_subject(order).get(action="work_order.dispatched").changes["clock.dispatch"]
    assert change["after"] == ("met in time" if in_time else "met late")


def test_a_phone_call_is_answered_at_intake_but_a_web_request_is_not(receive):
    by_phone = receive(channel="phone")
    by_web = receive(channel="web")
    assert clock(by_phone, ClockKind.RESPONSE).met_at == at(2026, 11, 23, 10, 0)
    assert clock(by_web, ClockKind.RESPONSE).met_at is None


def test_the_clocks_keep_the_policy_version_they_were_set_with(cast, receive):
    # given an order received under the preset
    from fuwu.policy.presets import preset_text
    from fuwu.policy.services import policy_publish

    # (the shared cast's organisation has no published version yet: publish the preset as version 1,
    # as ``organisation_create`` does)
    policy_publish(
        organisation=cast.organisation, text=preset_text("property"), reason="初始化", by=cast.admin
    )
    before = receive()
    assert before.policy_version is not None
    # when the policy changes the arrival target
    text = preset_text("property").replace(
        'normal = {response = {amount = 5, unit = "calendar_minutes"}, dispatch = {amount = 5, unit = '
        '"calendar_minutes"}, arrival = {amount = 2, unit = "business_hours"}',
        'normal = {response = {amount = 5, unit = "calendar_minutes"}, dispatch = {amount = 5, unit = '
        '"calendar_minutes"}, arrival = {amount = 3, unit = "business_hours"}',
        1,
    )
    policy_publish(organisation=cast.organisation, text=text, reason="到场时限调整", by=cast.admin)
    after = receive()
    # then the old order keeps its deadline, the new one gets the new target
    assert clock(before, ClockKind.ARRIVAL).due_at == at(2026, 11, 23, 12, 0)  # up to lunch, not 13:30
    assert clock(after, ClockKind.ARRIVAL).due_at == at(2026, 11, 23, 14, 30)
    arrival = wo.policy_of(before).sla.classes["standard"].normal.arrival
    assert arrival is not None
    assert arrival.amount == 2


# --- distance bands (after-sales preset, 002) -------------------------------------------------


@pytest.fixture
def after_sales(db):
    """An after-sales organisation (preset after_sales) with a coach and a micro-motor service type."""
    cast = build_cast("after_sales")
    coach = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="coach",
        name="客车车身故障",
        category="free",
        sla_class="coach",
        default_department=cast.repair,
    )
    motor = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="motor",
        name="微电机故障",
        category="free",
        sla_class="micro_motor",
        default_department=cast.repair,
    )
    customer = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="客运公司",
        kind="organisation",
        phones=[{"number": "13911112222"}],
    )

    def make(service_type, distance_km):
        return wo.work_order_create(
            organisation=cast.organisation,
            by=cast.agent,
            channel="phone",
            service_type=service_type,
            customer=customer,
            description="车门故障",
            distance_km=distance_km,
            now=at(2026, 11, 23, 10, 0),
        )

    return cast, coach, motor, make


@pytest.mark.parametrize(
    ("distance", "commitment"), [(99, "arrival"), (100, "arrival"), (101, "written_reply")]
)
def test_coach_within_100_km_arrives_in_24_hours_beyond_replies_in_writing_in_12(
    after_sales, distance, commitment
):
    _cast, coach, _, make = after_sales
    order = make(coach, distance)
    kinds = set(order.clocks.values_list("kind", flat=True))
    assert order.number.startswith("SH2611-")
    if commitment == "arrival":
        assert ClockKind.ARRIVAL in kinds
        assert ClockKind.WRITTEN_REPLY not in kinds
        assert clock(order, ClockKind.ARRIVAL).due_at == at(2026, 11, 24, 10, 0)
    else:
        assert ClockKind.WRITTEN_REPLY in kinds
        assert ClockKind.ARRIVAL not in kinds
        assert clock(order, ClockKind.WRITTEN_REPLY).due_at == at(2026, 11, 23, 22, 0)


def test_the_written_reply_is_met_by_the_reply_and_only_then(after_sales):
    cast, coach, _, make = after_sales
    near, far = make(coach, 50), make(coach, 450)
    # a reply is only possible where a written reply is owed
    assert Action.REPLY not in wo.allowed_actions(cast.agent, near)
    with pytest.raises(ConflictError):
        wo.work_order_reply(work_order=near, by=cast.agent, text="答复", now=at(2026, 11, 23, 12, 0))
    assert Action.REPLY in wo.allowed_actions(cast.agent, far)
    # when the agent replies in writing 11 h 59 min after the call
    wo.work_order_reply(
        work_order=far,
        by=cast.agent,
        text="已安排最近的服务站联系您, 明日上午回复处理方案",
        now=at(2026, 11, 23, 21, 59),
    )
    # then the clock is met in time, the customer got the text, and no second reply is possible
    reply = clock(far, ClockKind.WRITTEN_REPLY)
    assert reply.met_at == at(2026, 11, 23, 21, 59)
    assert not reply.is_breached(at(2026, 11, 24))
    assert OutboxMessage.objects.filter(work_order=far, body__contains="明日上午").exists()
    assert Action.REPLY not in wo.allowed_actions(cast.agent, far)


def test_completing_the_work_answers_a_written_reply_still_owed(after_sales):
    cast, coach, _, make = after_sales
    far = make(coach, 450)
    wo.work_order_dispatch(
        work_order=far, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 5)
    )
    # (the after-sales policy asks for three photos with the report, 002)
    wo.work_order_complete(
        work_order=far,
        by=cast.tech,
        findings="门泵漏气",
        work_done="更换门泵",
        warranty_status="in_warranty",
        minutes_spent=90,
        photos=[png_file(f"door-{i}.png") for i in range(3)],
        now=at(2026, 11, 23, 20, 0),
    )
    assert far.clocks.filter(is_active=True, met_at__isnull=True).count() == 0


@pytest.mark.parametrize(("distance", "hours"), [(300, 24), (301, 48), (1000, 48), (1001, 72)])
def test_micro_motor_bands_300_and_1000_km(after_sales, distance, hours):
    _cast, _, motor, make = after_sales
    order = make(motor, distance)
    arrival = clock(order, ClockKind.ARRIVAL)
    assert (arrival.due_at - at(2026, 11, 23, 10, 0)).total_seconds() == hours * 3600


def test_plan_clocks_without_a_distance_uses_the_class_arrival():
    policy = preset_document("after_sales")
    planned = rules.plan_clocks(policy, sla_class="coach", priority="normal", channel="web", distance_km=None)
    assert [p.kind for p in planned] == [ClockKind.RESPONSE, ClockKind.ARRIVAL, ClockKind.RESOLUTION]
    assert not planned[0].met_at_intake


# --- pure helpers -----------------------------------------------------------------------------


def test_escalation_levels_fire_in_order_and_all_after_a_downtime():
    chain = preset_document("property").escalation.chains["dispatch"]
    due = at(2026, 11, 23, 10, 5)
    assert rules.levels_due(due, chain, 0, at(2026, 11, 23, 10, 4)) == []
    assert rules.levels_due(due, chain, 0, due) == [1]
    assert rules.levels_due(due, chain, 1, at(2026, 11, 23, 10, 34)) == []
    assert rules.levels_due(due, chain, 1, at(2026, 11, 23, 10, 35)) == [2]
    assert rules.levels_due(due, chain, 0, at(2026, 11, 24)) == [1, 2]
    assert rules.next_escalation_at(due, chain, 0) == due
    assert rules.next_escalation_at(due, chain, 1) == at(2026, 11, 23, 10, 35)
    assert rules.next_escalation_at(due, chain, 2) is None


def test_confirmation_is_never_possible_before_the_work_is_done():
    for status in ("received", "routed", "dispatched", "on_site", "awaiting_materials", "awaiting_approval"):
        assert Action.CONFIRM not in rules.actions_in_state(StateFacts(status=status))
    assert Action.CONFIRM in rules.actions_in_state(StateFacts(status="done"))
    assert Action.CONFIRM not in rules.actions_in_state(StateFacts(status="done", confirmation_refused=True))
