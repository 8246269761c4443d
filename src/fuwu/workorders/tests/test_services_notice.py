"""One-time notice (一次性告知): every missing checklist item in one message; a second notice only for a
material the checklist did not have; the clocks stand still while waiting when the policy says so."""

from __future__ import annotations

from datetime import date

import pytest

from fuwu.lib.errors import ValidationFailed
from fuwu.notify.models import OutboxMessage
from fuwu.policy.presets import preset_text
from fuwu.policy.services import policy_publish
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import ClockKind, MissingMaterialsNotice, NoticeKind, Status

from .conftest import at


def test_the_notice_lists_every_missing_item_in_one_message(cast, receive):
    order = receive()
    notice = wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    assert notice.kind == NoticeKind.ONE_TIME
    assert notice.items == ["身份证明", "漏水照片"]
    messages = OutboxMessage.objects.filter(work_order=order)
    assert messages.count() == 1
    assert "身份证明" in messages.get().body
    assert "漏水照片" in messages.get().body
    assert messages.get().to == "13912345678"
    order.refresh_from_db()
    assert order.status == Status.AWAITING_MATERIALS
    assert Event.objects.for_subject(order).filter(action="work_order.notice_sent").count() == 1


def test_what_was_brought_is_not_asked_for_and_extra_items_join_the_one_notice(cast, receive):
    order = receive()
    notice = wo.work_order_notice_missing(
        work_order=order,
        by=cast.agent,
        received=["身份证明"],
        extra_items=["物业费缴纳凭证"],
        now=at(2026, 11, 23, 10, 2),
    )
    assert notice.items == ["漏水照片", "物业费缴纳凭证"]
    assert order.materials.get(name="身份证明").is_received


def test_materials_brought_at_intake_are_not_asked_for(cast, receive):
    order = receive(materials_received=["漏水照片"])
    notice = wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    assert notice.items == ["身份证明"]


def test_nothing_missing_means_no_notice(cast, receive):
    order = receive(materials_received=["身份证明", "漏水照片"])
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    assert "received" in refused.value.fields
    assert not OutboxMessage.objects.exists()
    assert not MissingMaterialsNotice.objects.exists()


def test_a_second_notice_is_only_for_a_material_not_on_the_checklist(cast, receive):
    order = receive()
    wo.work_order_notice_missing(
        work_order=order, by=cast.agent, received=["身份证明"], now=at(2026, 11, 23, 10, 2)
    )
    events = Event.objects.for_subject(order).count()

    # asking again for a checklist item (piecemeal) is refused, naming the field
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_notice_missing(
            work_order=order, by=cast.agent, extra_items=["漏水照片"], now=at(2026, 11, 23, 15, 0)
        )
    assert "extra_items" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 15, 0))
    assert "extra_items" in refused.value.fields
    assert OutboxMessage.objects.filter(work_order=order).count() == 1
    assert Event.objects.for_subject(order).count() == events

    # a material the checklist did not have may be asked for, also while waiting, and the notice says so
    supplementary = wo.work_order_notice_missing(
        work_order=order,
        by=cast.agent,
        extra_items=["楼上住户联系方式"],
        reason="需联系楼上住户",
        now=at(2026, 11, 23, 15, 0),
    )
    assert supplementary.kind == NoticeKind.SUPPLEMENTARY
    assert supplementary.items == ["楼上住户联系方式"]
    last = OutboxMessage.objects.filter(work_order=order).order_by("-id").first()
    assert last is not None
    assert "楼上住户联系方式" in last.body
    assert "漏水照片" not in last.body
    assert supplementary.text == last.body
    # worded as a supplementary notice ("not on the checklist of this service"), not as a second one-time one
    assert supplementary.text == wo.notice_text(order.number, ["楼上住户联系方式"], supplementary=True)
    assert supplementary.text != wo.notice_text(order.number, ["楼上住户联系方式"], supplementary=False)
    # and the work waits for that material too
    order = wo.work_order_materials_received(
        work_order=order, by=cast.agent, received=["漏水照片"], now=at(2026, 11, 23, 16, 0)
    )
    assert order.status == Status.AWAITING_MATERIALS
    order = wo.work_order_materials_received(
        work_order=order, by=cast.agent, received=["楼上住户联系方式"], now=at(2026, 11, 23, 16, 10)
    )
    assert order.status == Status.ROUTED


def test_the_clocks_pause_while_waiting_and_resume_moved_by_the_wait(cast, receive):
    # given an order at 10:00: dispatch due 10:05, arrival 12:00, resolution Thu 26th 17:30
    order = receive()
    # when the notice goes out at 10:02 and the materials arrive at 16:00
    wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    clocks = {c.kind: c for c in order.clocks.filter(met_at__isnull=True)}
    assert all(c.paused_at == at(2026, 11, 23, 10, 2) for c in clocks.values())
    assert clocks[ClockKind.DISPATCH].due_at == at(2026, 11, 23, 10, 5)  # unchanged while paused
    wo.work_order_materials_received(
        work_order=order, by=cast.agent, received=["身份证明", "漏水照片"], now=at(2026, 11, 23, 16, 0)
    )
    # then each deadline moved by the time paused in its own unit
    clocks = {c.kind: c for c in order.clocks.filter(met_at__isnull=True)}
    dispatch, arrival, resolution = (
        clocks[ClockKind.DISPATCH],
        clocks[ClockKind.ARRIVAL],
        clocks[ClockKind.RESOLUTION],
    )
    assert all(c.paused_at is None for c in clocks.values())
    # calendar minutes: 358 minutes later
    assert dispatch.paused_minutes == 358
    assert dispatch.due_at == at(2026, 11, 23, 16, 3)
    # business minutes: 10:02–12:00 and 13:30–16:00 = 268; 12:00 + 268 business minutes = Tue 08:58
    assert arrival.paused_minutes == 268
    assert arrival.due_at == at(2026, 11, 24, 8, 58)
    # working days move in business minutes as well: Thu 17:30 + 268 = Fri 14:28
    assert resolution.paused_minutes == 268
    assert resolution.due_at == at(2026, 11, 27, 14, 28)
    # the warning moves with the deadline
    assert dispatch.warn_at > at(2026, 11, 23, 10, 4)


def test_a_policy_where_the_notice_does_not_pause_keeps_the_clocks_running(cast, receive):
    text = preset_text("property").replace("pauses_clock = true", "pauses_clock = false")
    policy_publish(organisation=cast.organisation, text=text, reason="告知期间照常计时", by=cast.admin)
    order = receive()
    wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    assert not order.clocks.filter(paused_at__isnull=False).exists()
    wo.work_order_materials_received(
        work_order=order, by=cast.agent, received=["身份证明", "漏水照片"], now=at(2026, 11, 23, 16, 0)
    )
    dispatch = order.clocks.get(kind=ClockKind.DISPATCH)
    assert dispatch.due_at == at(2026, 11, 23, 10, 5)
    assert dispatch.paused_minutes == 0


def test_a_policy_without_pause_statuses_keeps_the_clocks_running(cast, receive):
    text = preset_text("property").replace(
        'pause_statuses = ["awaiting_materials", "awaiting_approval"]', "pause_statuses = []"
    )
    policy_publish(organisation=cast.organisation, text=text, reason="不暂停", by=cast.admin)
    order = receive()
    wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="cannot_do_now",
        reason="需停水",
        answer="需停水后维修",
        deferred_until=date(2026, 11, 30),
        now=at(2026, 11, 23, 10, 3),
    )
    assert not order.clocks.filter(paused_at__isnull=False).exists()


def test_materials_received_must_name_items_of_the_work_order(cast, receive):
    order = receive()
    wo.work_order_notice_missing(work_order=order, by=cast.agent, now=at(2026, 11, 23, 10, 2))
    with pytest.raises(ValidationFailed) as refused:
        wo.work_order_materials_received(
            work_order=order, by=cast.agent, received=["户口本"], now=at(2026, 11, 23, 11, 0)
        )
    assert "received" in refused.value.fields
    order = wo.work_order_materials_received(
        work_order=order, by=cast.agent, received=["身份证明"], now=at(2026, 11, 23, 11, 0)
    )
    assert order.status == Status.AWAITING_MATERIALS  # 漏水照片 still missing: still waiting, still paused
    assert order.clocks.filter(paused_at__isnull=False).exists()
