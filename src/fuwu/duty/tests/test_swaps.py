"""Swaps (004 三.3: 任何员工不得自行换班 … 必须经主管批准): a direct change of person is refused; a swap
asked or agreed changes nothing; a refused one changes nothing; only an approved one changes who
works the shift(s), with an event on each shift's timeline. The supervisor is never one of the two
swapping; the decision goes through the approvals engine and its inbox."""

from __future__ import annotations

import pytest

from fuwu.approvals import selectors as inbox
from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval
from fuwu.duty import services
from fuwu.duty.models import Shift, SwapStatus
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event

from .conftest import PLANNED, at

NOV_10 = at(2026, 11, 10, 8)
NOV_12 = at(2026, 11, 12, 8)


def events_of(record) -> list[str]:
    return list(Event.objects.for_subject(record).order_by("at", "id").values_list("action", flat=True))


def ask(centre, shift, colleague=None, **extra):
    return services.swap_request(
        shift=shift,
        by=extra.pop("by", shift.person),
        colleague=colleague or centre.agent2,
        reason=extra.pop("reason", "孩子生病，需要请假照顾"),
        now=extra.pop("now", PLANNED),
        **extra,
    )


def person_of(shift) -> str:
    return Shift.objects.get(pk=shift.pk).person.username


def test_a_direct_change_of_person_is_refused(centre, put_on, api):
    shift = put_on(centre.agent, NOV_10)
    with pytest.raises(ValidationFailed) as refused:
        services.shift_update(shift=shift, by=centre.head_service, person=centre.agent2, now=PLANNED)
    assert "person_id" in refused.value.fields
    # not through the API either (who works a shift is no field of the patch)
    answer = api(centre.head_service).patch(f"duty/shifts/{shift.pk}", {"person_id": centre.agent2.pk})
    assert answer.status_code == 422
    assert person_of(shift) == "agent"
    assert events_of(shift) == ["duty.shift_created"]


def test_a_pending_swap_changes_nothing_and_waits_in_the_supervisors_inbox(centre, put_on):
    shift = put_on(centre.agent, NOV_10)
    swap = ask(centre, shift)
    assert swap.status == SwapStatus.ASKED
    assert not Approval.objects.exists()  # the supervisor is asked once the colleague agrees
    assert Notification.objects.filter(recipient=centre.agent2, kind="shift_swap_asked").exists()

    services.swap_agree(swap=swap, by=centre.agent2, now=PLANNED)
    swap.refresh_from_db()
    assert swap.status == SwapStatus.AGREED
    approval = Approval.objects.get()
    assert (approval.kind, approval.status, approval.approver_role) == (
        "shift_swap",
        "pending",
        "department_head",
    )
    assert approval.requested_by == centre.agent
    assert [a.pk for a in inbox.inbox(centre.head_service)] == [approval.pk]
    assert [a.pk for a in inbox.inbox(centre.director)] == [approval.pk]
    assert not inbox.inbox(centre.head_repair).exists()
    assert not inbox.inbox(centre.agent).exists()
    assert not inbox.inbox(centre.agent2).exists()
    row = inbox.rows(centre.head_service, inbox.inbox(centre.head_service))[0]
    assert row.record.title.startswith("呼叫中心值班 11-10 08:00")
    assert "客服小张 → 客服小李" in row.record.summary
    assert Notification.objects.filter(recipient=centre.head_service, kind="approval_requested").exists()
    # and still nothing has changed
    assert person_of(shift) == "agent"
    assert events_of(shift) == ["duty.shift_created"]
    assert events_of(swap) == ["duty.swap_asked", "duty.swap_agreed"]


def test_a_refused_swap_changes_nothing(centre, put_on):
    shift = put_on(centre.agent, NOV_10)
    swap = ask(centre, shift)
    services.swap_agree(swap=swap, by=centre.agent2, now=PLANNED)
    approval = Approval.objects.get()
    with pytest.raises(ValidationFailed):  # a refusal says why
        approvals.deny(approval, by=centre.head_service, now=PLANNED)
    approvals.deny(approval, by=centre.head_service, note="当天人手不足", now=PLANNED)
    swap.refresh_from_db()
    assert swap.status == SwapStatus.REFUSED
    assert swap.decided_by == centre.head_service
    assert swap.decision_note == "当天人手不足"
    assert person_of(shift) == "agent"
    assert events_of(shift) == ["duty.shift_created"]
    assert events_of(swap) == ["duty.swap_asked", "duty.swap_agreed", "duty.swap_refused"]
    # refused is final: approving it now is a conflict, not a change
    with pytest.raises(ConflictError):
        approvals.approve(approval, by=centre.head_service, now=PLANNED)
    assert person_of(shift) == "agent"


def test_an_approved_swap_changes_both_shifts_and_both_timelines(centre, put_on):
    mine = put_on(centre.agent, NOV_10)
    theirs = put_on(centre.agent2, NOV_12)
    swap = ask(centre, mine, counter_shift=theirs)
    services.swap_agree(swap=swap, by=centre.agent2, note="可以", now=PLANNED)
    approvals.approve(Approval.objects.get(), by=centre.head_service, note="同意", now=PLANNED)

    swap.refresh_from_db()
    assert swap.status == SwapStatus.APPROVED
    assert person_of(mine) == "agent2"
    assert person_of(theirs) == "agent"
    for shift, before, after in ((mine, "客服小张", "客服小李"), (theirs, "客服小李", "客服小张")):
        assert events_of(shift) == ["duty.shift_created", "duty.shift_swapped"]
        event = Event.objects.for_subject(shift).order_by("-at", "-id").first()
        assert event is not None
        assert event.actor == centre.head_service
        assert event.changes["person"] == {
            "before": {"id": event.changes["person"]["before"]["id"], "label": before},
            "after": {"id": event.changes["person"]["after"]["id"], "label": after},
        }
        assert event.changes["swap"] == {"after": swap.pk}
    assert events_of(swap) == ["duty.swap_asked", "duty.swap_agreed", "duty.swap_approved"]
    told = set(
        Notification.objects.filter(kind="approval_decided").values_list("recipient__username", flat=True)
    )
    assert told == {"agent", "agent2"}


def test_the_approver_is_never_one_of_the_two_swapping(centre, put_on):
    # the head of the call centre is on a shift and asks an agent to take it
    shift = put_on(centre.head_service, NOV_10)
    swap = ask(centre, shift, colleague=centre.agent)
    services.swap_agree(swap=swap, by=centre.agent, now=PLANNED)
    approval = Approval.objects.get()
    assert not inbox.inbox(centre.head_service).exists()
    for party in (centre.head_service, centre.agent):
        with pytest.raises(PermissionDeniedError):
            services.swap_approve(swap=swap, by=party, now=PLANNED)
        with pytest.raises(PermissionDeniedError):
            approvals.approve(approval, by=party, now=PLANNED)
    # another agent, or the head of another department, does not decide either
    for other in (centre.agent2, centre.head_repair):
        with pytest.raises(PermissionDeniedError):
            approvals.approve(approval, by=other, now=PLANNED)
    assert person_of(shift) == "head_service"
    # the director does (no head above the call centre)
    assert Notification.objects.filter(recipient=centre.director, kind="approval_requested").exists()
    services.swap_approve(swap=swap, by=centre.director, now=PLANNED)
    assert person_of(shift) == "agent"


def test_who_asks_and_whom(centre, put_on):
    shift = put_on(centre.agent, NOV_10)
    with pytest.raises(PermissionDeniedError):  # nobody swaps someone else's shift for them
        ask(centre, shift, by=centre.head_service, colleague=centre.agent2)
    with pytest.raises(ValidationFailed) as refused:  # a colleague of the same department
        ask(centre, shift, colleague=centre.cleaner)
    assert set(refused.value.fields) == {"colleague_id"}
    with pytest.raises(ValidationFailed) as refused:
        ask(centre, shift, reason=" ")
    assert set(refused.value.fields) == {"reason"}
    # the colleague is on a shift overlapping it: the swap cannot work
    put_on(centre.agent2, at(2026, 11, 10, 20), hours=4, post="投诉专线")
    with pytest.raises(ConflictError):
        ask(centre, shift)
    # only the colleague answers, and one swap at a time
    swap = ask(centre, shift, colleague=centre.agent3)
    with pytest.raises(PermissionDeniedError):
        services.swap_agree(swap=swap, by=centre.agent2, now=PLANNED)
    with pytest.raises(ConflictError):
        ask(centre, shift, colleague=centre.head_service)
    # the requester withdraws; then the colleague can no longer agree
    services.swap_withdraw(swap=swap, by=centre.agent, now=PLANNED)
    with pytest.raises(ConflictError):
        services.swap_agree(swap=swap, by=centre.agent3, now=PLANNED)


def test_a_started_shift_is_not_swapped(centre, put_on):
    shift = put_on(centre.agent, NOV_10)
    swap = ask(centre, shift)
    services.swap_agree(swap=swap, by=centre.agent2, now=PLANNED)
    started = at(2026, 11, 10, 8, 0)
    with pytest.raises(ConflictError) as refused:
        services.swap_approve(swap=swap, by=centre.head_service, now=started)
    assert refused.value.extra["allowed_actions"] == ["refuse"]
    with pytest.raises(ConflictError):
        ask(centre, put_on(centre.agent, at(2026, 11, 20, 8)), now=at(2026, 11, 20, 9))
    services.swap_refuse(swap=swap, by=centre.head_service, note="已开班", now=started)
    assert person_of(shift) == "agent"
