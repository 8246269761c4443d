"""The handover at the change of shift (交接班): the outgoing person's open work orders and
complaints are collected as they may see them (another department's and a confidential one are
not); the incoming person — and only they, or a head — acknowledges; an acknowledgement after the
incoming shift's start is flagged late (clock frozen before, at and after the start)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils.translation import gettext

from fuwu.duty import selectors, services
from fuwu.duty.models import ClockKind, HandoverClock
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event

from .conftest import at

DAY_1 = at(2026, 11, 10, 8)
DAY_2 = at(2026, 11, 11, 8)  # the change of shift
WRITING = at(2026, 11, 11, 7, 45)


@pytest.fixture
def change(centre, put_on):
    """agent on 11-10 08:00 → 11-11 08:00, then agent2 from 11-11 08:00."""
    return put_on(centre.agent, DAY_1), put_on(centre.agent2, DAY_2)


def write(centre, shift, now=WRITING, **extra):
    return services.handover_write(
        shift=shift,
        by=extra.pop("by", shift.person),
        items=extra.pop(
            "items",
            [
                services.ItemInput("key", "机房钥匙", 3),
                services.ItemInput("cash", "备用金（元）", 500),
                services.ItemInput("incident", "3号楼停暖，已报抢修", None),
            ],
        ),
        notes=extra.pop("notes", "夜间来电较多"),
        now=now,
    )


def test_the_handover_collects_the_outgoing_persons_open_items_as_they_may_see_them(
    centre, change, work_order, complaint
):
    outgoing, incoming = change
    mine = work_order(assignee=centre.agent)
    of_my_department = work_order(status="received")
    complaint_of_mine = complaint(handler=centre.agent)
    # not collected: done ones, another department's, one above the agent's clearance
    work_order(assignee=centre.agent, status="done")
    other_department = work_order(department=centre.repair, assignee=centre.tech)
    confidential = work_order(confidentiality=2)
    complaint(department=centre.repair, first_contact_owner=centre.tech, status="closed")

    handover = write(centre, outgoing)

    collected = {(item["kind"], item["id"]) for item in handover.open_items}
    assert collected == {
        ("work_order", mine.pk),
        ("work_order", of_my_department.pk),
        ("complaint", complaint_of_mine.pk),
    }
    assert ("work_order", other_department.pk) not in collected
    assert ("work_order", confidential.pk) not in collected
    first = next(i for i in handover.open_items if i["id"] == mine.pk)
    assert first["number"] == mine.number
    assert first["title"].startswith("暖气不热 · ")
    assert first["status"] == "dispatched"
    assert first["status_label"]
    assert handover.incoming_shift == incoming
    assert handover.due_at == DAY_2
    assert [(i.kind, i.text, i.count) for i in handover.items.all()] == [
        ("key", "机房钥匙", 3),
        ("cash", "备用金（元）", 500),
        ("incident", "3号楼停暖，已报抢修", None),
    ]
    # a snapshot: what changes afterwards does not change the handover
    mine.status = "done"
    mine.save(update_fields=["status"])
    handover.refresh_from_db()
    assert ("work_order", mine.pk) in {(i["kind"], i["id"]) for i in handover.open_items}
    # one event; the incoming person is told; the acknowledgement's clock runs to the shift's start
    assert list(Event.objects.for_subject(handover).values_list("action", flat=True)) == [
        "duty.handover_written"
    ]
    assert Notification.objects.filter(recipient=centre.agent2, kind="shift_handover").exists()
    clock = HandoverClock.objects.get(handover=handover)
    assert (clock.kind, clock.due_at, clock.met_at) == (ClockKind.ACKNOWLEDGEMENT, DAY_2, None)

    # shown to a reader who may not see a record: its number, no title, no link
    shown = selectors.open_items_shown(handover.open_items, centre.cleaner)
    assert all(not item.visible and item.url is None and item.title == "" for item in shown)
    for_agent2 = selectors.open_items_shown(handover.open_items, centre.agent2)
    assert {item.url for item in for_agent2 if item.kind == "work_order"} == {
        f"/work-orders/{mine.pk}/",
        f"/work-orders/{of_my_department.pk}/",
    }


def test_a_handover_is_written_once_by_the_outgoing_person_once_the_shift_has_begun(centre, change, put_on):
    outgoing, _incoming = change
    with pytest.raises(ConflictError):  # not begun yet
        write(centre, outgoing, now=DAY_1 - timedelta(minutes=1))
    with pytest.raises(PermissionDeniedError):
        write(centre, outgoing, by=centre.agent2)
    with pytest.raises(ValidationFailed) as refused:
        write(centre, outgoing, items=[services.ItemInput("gold", "", -1)])
    assert set(refused.value.fields) == {"items[0].kind", "items[0].text", "items[0].count"}
    write(centre, outgoing)
    with pytest.raises(ConflictError):
        write(centre, outgoing)
    # the last shift of the roster has nobody to hand over to
    last = put_on(centre.agent3, at(2026, 11, 12, 8))
    with pytest.raises(ConflictError) as nobody:
        write(centre, last, now=at(2026, 11, 13, 7, 50))
    assert "呼叫中心值班" in str(nobody.value.message)


def test_only_the_incoming_person_or_a_head_acknowledges(centre, change):
    outgoing, _incoming = change
    handover = write(centre, outgoing)
    with pytest.raises(PermissionDeniedError) as refused:
        services.handover_acknowledge(handover=handover, by=centre.agent, now=WRITING)
    assert str(refused.value.message) == gettext(
        "You wrote this handover: the incoming person acknowledges it."
    )
    for other in (centre.agent3, centre.head_repair):
        with pytest.raises(PermissionDeniedError):
            services.handover_acknowledge(handover=handover, by=other, now=WRITING)
    acknowledged = services.handover_acknowledge(
        handover=handover, by=centre.agent2, note="钥匙3把已点清", now=WRITING
    )
    assert acknowledged.acknowledged_by == centre.agent2
    with pytest.raises(ConflictError):
        services.handover_acknowledge(handover=handover, by=centre.head_service, now=WRITING)


def test_a_head_acknowledges_for_the_incoming_person(centre, change):
    outgoing, _incoming = change
    handover = write(centre, outgoing)
    services.handover_acknowledge(handover=handover, by=centre.head_service, now=WRITING)
    assert Notification.objects.filter(recipient=centre.agent2, kind="shift_handover").count() == 2


def test_after_a_swap_of_the_incoming_shift_its_new_person_acknowledges(centre, change):
    from fuwu.approvals import services as approvals
    from fuwu.approvals.models import Approval

    outgoing, incoming = change
    handover = write(centre, outgoing, now=at(2026, 11, 10, 9))
    swap = services.swap_request(
        shift=incoming, by=centre.agent2, colleague=centre.agent3, reason="换班", now=at(2026, 11, 10, 9)
    )
    services.swap_agree(swap=swap, by=centre.agent3, now=at(2026, 11, 10, 9))
    approvals.approve(Approval.objects.get(), by=centre.head_service, now=at(2026, 11, 10, 9))
    with pytest.raises(PermissionDeniedError):
        services.handover_acknowledge(handover=handover, by=centre.agent2, now=WRITING)
    services.handover_acknowledge(handover=handover, by=centre.agent3, now=WRITING)


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (DAY_2 - timedelta(minutes=10), False),  # there 10 minutes early (004 三.2)
        (DAY_2, False),  # by the start
        (DAY_2 + timedelta(minutes=1), True),
    ],
)
def test_an_acknowledgement_after_the_incoming_shifts_start_is_flagged_late(
    centre, change, api, moment, late
):
    outgoing, _incoming = change
    handover = write(centre, outgoing, now=at(2026, 11, 11, 7, 30))
    with time_machine.travel(moment, tick=False):
        # not acknowledged yet: late only once the incoming shift has begun
        assert handover.is_late(moment) is late
        listed = api(centre.head_service).get("duty/handovers", {"late": "true"}).json()
        assert [row["id"] for row in listed["items"]] == ([handover.pk] if late else [])
        services.handover_acknowledge(handover=handover, by=centre.agent2)
    handover.refresh_from_db()
    assert handover.acknowledged_at == moment
    assert handover.is_late(moment + timedelta(days=1)) is late
    event = Event.objects.for_subject(handover).order_by("-at", "-id").first()
    assert event is not None
    assert event.action == "duty.handover_acknowledged"
    assert event.changes["late"] == {"after": late}
    clock = HandoverClock.objects.get(handover=handover)
    assert clock.met_at == moment
    assert clock.is_breached(moment) is late
    shown = api(centre.head_service).get(f"duty/handovers/{handover.pk}").json()
    assert shown["late"] is late
