"""A work order's timeline reads as text for people, in Chinese and in English, after real actions:
routing, dispatch, an A/B hand-over by an absence, completion with a service report, an approved paid
service, a fee with its receipt, a refusal denied. No Python values, no codes, no sentence stored in
the other language."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from fuwu.org.models import AbsenceKind
from fuwu.org.services import absence_record, duty_create
from fuwu.testing.rendered import page_text, problems
from fuwu.workorders import services as wo
from fuwu.workorders.sweeps import sweep

from .conftest import at


def timeline(client: Any, order: Any, language: str) -> str:
    client.cookies["fuwu_language"] = language
    response = client.get(f"/work-orders/{order.pk}/")
    assert response.status_code == 200
    text = page_text(response.content, within="timeline")
    assert order.number in text  # the timeline is there (its first event names the number)
    return text


@pytest.fixture
def paid_work(cast, receive):
    """Received, routed on to the plumbing team, dispatched to 老赵, handed to 小钱 (B) when 老赵's leave
    starts, completed out of warranty, the paid service approved, a fee recorded with its receipt."""
    duty_create(
        department=cast.repair,
        name="水电维修",
        kind="queue",
        primary=cast.tech,
        backup=cast.tech2,
        by=cast.admin,
    )
    order = receive()
    wo.work_order_route(
        work_order=order,
        by=cast.agent,
        department=cast.plumbing,
        reason="水电班负责",
        now=at(2026, 11, 23, 10, 1),
    )
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    absence_record(
        person=cast.tech,
        kind=AbsenceKind.LEAVE,
        starts_at=at(2026, 11, 23, 10, 5),
        ends_at=at(2026, 11, 27, 18, 0),
        note="年假",
        by=cast.head_repair,
    )
    sweep(at(2026, 11, 23, 10, 6))  # the absence has started: the open work goes to B
    order.refresh_from_db()
    assert order.assignee == cast.tech2
    wo.work_order_arrive(work_order=order, by=cast.tech2, now=at(2026, 11, 23, 10, 40))
    wo.work_order_complete(
        work_order=order,
        by=cast.tech2,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status="out_of_warranty",
        minutes_spent=40,
        now=at(2026, 11, 23, 11, 20),
    )
    wo.work_order_decide_paid_service(
        work_order=order, by=cast.head_repair, approve=True, now=at(2026, 11, 23, 11, 25)
    )
    wo.work_order_record_fee(
        work_order=order,
        by=cast.tech2,
        fee_item=order.service_type.fee_items.get(),
        receipt_number="SJ-2026-0042",
        now=at(2026, 11, 23, 11, 26),
    )
    return order


@pytest.fixture
def refusal_denied(cast, receive):
    order = receive()
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="属业主自有设备",
        answer="建议联系厂家售后",
        now=at(2026, 11, 23, 10, 2),
    )
    wo.work_order_deny_rejection(
        work_order=order, by=cast.head_repair, note="属公共部位，应予维修", now=at(2026, 11, 23, 10, 30)
    )
    return order


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_timeline_of_a_paid_repair_has_no_python_values_or_codes(web, cast, paid_work, language):
    text = timeline(web(cast.admin), paid_work, language)
    assert problems(text, language) == []
    for token in ("out_of_warranty", "paid_service", "department_head", "receipt_number", "on_site"):
        assert token not in text
    if language == "zh-hans":
        assert not any(word in text for word in ("minutes", "warranty", "approved", "routed", "leave"))


def test_the_timeline_in_chinese_says_what_happened(web, cast, paid_work):
    text = timeline(web(cast.admin), paid_work, "zh-hans")
    assert "服务报告：保修：已过保修期" in text
    assert "40 分钟" in text
    assert "有偿服务：已批准" in text
    assert "金额：¥30.00" in text
    assert "发票/收据号：SJ-2026-0042" in text
    assert "审批：类型：有偿服务" in text
    assert "部门：工程维修部 → 水电班" in text
    # The hand-over: who, and why, from the A/B rule (written by the sweep, in Chinese).
    assert "维修工老赵 → 维修工小钱" in text
    assert "B角：维修工小钱，因为维修工老赵请假，至 2026-11-27 18:00" in text
    assert "到场：按时完成" in text


def test_the_timeline_in_english_says_it_in_english_also_what_was_written_in_chinese(web, cast, paid_work):
    text = timeline(web(cast.admin), paid_work, "en")
    assert "service report: warranty: Out of warranty" in text
    assert "40 minutes" in text
    assert "paid service: approved" in text
    assert "amount: ¥30.00" in text
    assert "invoice/receipt number: SJ-2026-0042" in text
    assert "approval: kind: Paid service" in text
    assert "B: 维修工小钱, because 维修工老赵 is absent (Leave) until 2026-11-27 18:00" in text
    assert "Arrival: met in time" in text
    for chinese in ("按时完成", "已批准", "B角", "因为", "请假", "已过保修期", "有偿服务"):
        assert chinese not in text


def test_what_was_written_in_english_reads_in_chinese(web, cast, receive):
    duty_create(
        department=cast.repair,
        name="水电维修",
        kind="queue",
        primary=cast.tech,
        backup=cast.tech2,
        by=cast.admin,
    )
    with translation.override("en"):
        order = receive()
        absence_record(
            person=cast.tech,
            kind=AbsenceKind.LEAVE,
            starts_at=at(2026, 11, 23, 9, 0),
            ends_at=at(2026, 11, 27, 18, 0),
            by=cast.head_repair,
        )
        wo.work_order_dispatch(
            work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
        )
    text = timeline(web(cast.admin), order, "zh-hans")
    assert problems(text, "zh-hans") == []
    assert "B角：维修工小钱，因为维修工老赵请假，至 2026-11-27 18:00" in text
    assert "because" not in text
    assert "met in time" not in text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_denied_refusal_shows_the_decision_and_the_moved_deadlines(web, cast, refusal_denied, language):
    text = timeline(web(cast.admin), refusal_denied, language)
    assert problems(text, language) == []
    with translation.override(language):
        assert (
            f"{translation.gettext('approval')}{'：' if language == 'zh-hans' else ': '}"
            f"{translation.gettext('denied')}" in text
        )
    # the paused deadlines moved on: before → after, in local time
    assert re.search(r"2026-11-23 \d\d:\d\d → 2026-11-2\d \d\d:\d\d", text)


def test_a_name_the_reader_may_not_see_is_not_shown(web, cast, paid_work):
    from fuwu.timeline.display import Ref, RenderContext, timeline_display
    from fuwu.workorders.models import WorkOrder

    # given a reference to a work order outside the cleaner's view
    context = RenderContext(cast.cleaner, timeline_display)
    shown = Ref(WorkOrder).render({"id": paid_work.pk, "label": paid_work.number}, context)
    assert paid_work.number not in shown
    # and the same reference for someone who sees it is a link
    context = RenderContext(cast.admin, timeline_display)
    assert f'href="/work-orders/{paid_work.pk}/"' in Ref(WorkOrder).render({"id": paid_work.pk}, context)


def test_people_in_the_timeline_link_to_their_page(web, cast, paid_work):
    html = web(cast.admin).get(f"/work-orders/{paid_work.pk}/").content.decode()
    assert f'href="/org/staff/{cast.tech2.pk}/"' in html


def test_references_are_resolved_in_one_query_per_kind_of_record(cast, paid_work, django_assert_num_queries):
    from fuwu.timeline.display import shown_events
    from fuwu.timeline.selectors import events_for

    events = list(events_for(paid_work))
    assert len(events) >= 8
    # the phone-number rule (the policy), the people, the departments: not one query per event
    with django_assert_num_queries(3):
        rows = shown_events(events, cast.admin)
    assert len(rows) == len(events)


@pytest.fixture
def other_flows(cast, steps):
    """A deferral (暂缓办理) taken up again on its day by the sweep, an extension approved, a notice of
    missing materials, a refusal of the customer to confirm, a paid service with its fee."""
    deferred = steps.deferred()
    wo.work_order_resume(work_order=deferred, by=None, now=at(2026, 11, 30, 9, 0))
    extended = steps.with_extension_pending(steps.on_site())
    wo.work_order_approve_extension(
        work_order=extended, by=cast.director, note="同意", now=at(2026, 11, 23, 11, 0)
    )
    return [deferred, extended, steps.awaiting_materials(), steps.done_refused(), steps.done_with_fee()]


def test_every_key_written_by_these_flows_has_a_label(other_flows, paid_work, refusal_denied):
    from fuwu.timeline.display import unlabelled_keys
    from fuwu.timeline.models import Event

    missing = {(event.action, key) for event in Event.objects.all() for key in unlabelled_keys(event)}
    assert missing == set()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_timelines_of_the_other_flows_read_as_text(web, cast, other_flows, language):
    client = web(cast.admin)
    for order in other_flows:
        assert problems(timeline(client, order, language), language) == [], order.number
