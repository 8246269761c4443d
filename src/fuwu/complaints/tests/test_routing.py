"""Returns (退回), reassignment (改派) and merging (并单) of complaints."""

from __future__ import annotations

from typing import Any

import pytest

from fuwu.complaints.models import Caller, Complaint, Status
from fuwu.complaints.services.routing import complaint_merge, complaint_reassign, complaint_return
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event

from .conftest import allowed_actions, at

NOW = at(2026, 11, 23, 10, 0)


def actions_of(complaint: Complaint) -> list[str]:
    return list(Event.objects.for_subject(complaint).order_by("at", "id").values_list("action", flat=True))


def refresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


# --- returns ------------------------------------------------------------------------------------


def test_the_handling_head_returns_a_complaint_to_the_intake(cast, complain):
    c = complain(now=NOW)
    assert c.department_id == cast.repair.pk
    returned = complaint_return(c, by=cast.head_repair, reason="不是我们部门的事", now=at(2026, 11, 23, 11))
    c = refresh(returned)
    assert (c.department_id, c.handler_id, c.return_count) == (None, None, 1)
    event = Event.objects.for_subject(c).get(action="complaint.returned")
    assert event.reason == "不是我们部门的事"
    assert event.changes["return_count"] == {"before": 0, "after": 1}
    assert event.changes["department"]["before"]["id"] == cast.repair.pk
    # Whoever routes it again hears of it: the first-contact owner and the quality role.
    told = set(
        Notification.objects.filter(kind="complaint_returned", subject_id=c.pk).values_list(
            "recipient_id", flat=True
        )
    )
    assert {cast.agent.pk, cast.quality.pk} <= told
    assert cast.tech.pk not in told


def test_return_limit_two_returns_then_refused(cast, complain):
    c = complain(now=NOW)
    for n in (1, 2):
        complaint_return(c, by=cast.head_repair, reason=f"第{n}次退回", now=at(2026, 11, 23, 10 + n))
        complaint_reassign(c, by=cast.agent, department_id=cast.repair.pk, now=at(2026, 11, 23, 10 + n, 30))
    c = refresh(c)
    assert (c.return_count, c.reassign_count, c.department_id) == (2, 2, cast.repair.pk)
    with pytest.raises(ConflictError) as refused:
        complaint_return(c, by=cast.head_repair, reason="第三次", now=at(2026, 11, 23, 14))
    assert "return" not in allowed_actions(refused.value)
    assert "reassign" in allowed_actions(refused.value)
    c = refresh(c)
    assert (c.return_count, c.department_id) == (2, cast.repair.pk)
    assert actions_of(c).count("complaint.returned") == 2
    assert actions_of(c).count("complaint.reassigned") == 2


def test_return_needs_a_reason_and_the_handling_head(cast, complain):
    c = complain(now=NOW)
    with pytest.raises(ValidationFailed) as bad:
        complaint_return(c, by=cast.head_repair, reason="  ")
    assert "reason" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        complaint_return(c, by=cast.head_repair, reason="原因\x00")
    assert "reason" in bad.value.fields
    for someone in (cast.tech, cast.head_service, cast.agent):
        with pytest.raises(PermissionDeniedError):
            complaint_return(c, by=someone, reason="不是我们的")
    c = refresh(c)
    assert (c.return_count, c.department_id) == (0, cast.repair.pk)
    assert "complaint.returned" not in actions_of(c)


def test_a_director_may_return_a_complaint_too(cast, complain):
    c = refresh(complaint_return(complain(now=NOW), by=cast.director, reason="应由保洁部处理"))
    assert (c.return_count, c.department_id) == (1, None)


def test_a_returned_complaint_cannot_be_returned_again_before_it_is_reassigned(cast, complain):
    c = complain(now=NOW)
    complaint_return(c, by=cast.head_repair, reason="不是我们的", now=at(2026, 11, 23, 11))
    with pytest.raises(ConflictError):
        complaint_return(c, by=cast.head_repair, reason="再退", now=at(2026, 11, 23, 12))


# --- reassignment -----------------------------------------------------------------------------


def test_reassign_to_a_department_and_a_handler_is_counted(cast, complain):
    c = complain(now=NOW)
    complaint_reassign(
        c,
        by=cast.agent,
        department_id=cast.plumbing.pk,
        handler_id=cast.plumber.pk,
        reason="水电班负责",
        now=at(2026, 11, 23, 11),
    )
    c = refresh(c)
    assert (c.department_id, c.handler_id, c.reassign_count) == (cast.plumbing.pk, cast.plumber.pk, 1)
    event = Event.objects.for_subject(c).get(action="complaint.reassigned")
    assert event.changes["reassign_count"] == {"before": 0, "after": 1}
    assert event.changes["handler"]["after"]["id"] == cast.plumber.pk
    assert Notification.objects.filter(recipient=cast.plumber, subject_id=c.pk, kind="assigned").exists()
    complaint_reassign(c, by=cast.quality, department_id=cast.cleaning.pk, now=at(2026, 11, 23, 12))
    c = refresh(c)
    assert (c.department_id, c.handler_id, c.reassign_count) == (cast.cleaning.pk, None, 2)
    assert actions_of(c).count("complaint.reassigned") == 2


def test_reassign_refuses_bad_input_and_writes_nothing(cast, complain):
    c = complain(now=NOW)
    outsiders_department = cast.outsider.department
    cases: list[tuple[dict[str, Any], str]] = [
        ({"department_id": None}, "department_id"),
        ({"department_id": 10**12}, "department_id"),
        ({"department_id": outsiders_department.pk}, "department_id"),
        ({"department_id": cast.repair.pk}, "department_id"),  # already handled there
        ({"department_id": cast.cleaning.pk, "handler_id": cast.tech.pk}, "handler_id"),  # not of 保洁部
        ({"department_id": cast.cleaning.pk, "handler_id": cast.outsider.pk}, "handler_id"),
        ({"department_id": cast.cleaning.pk, "reason": "x\x00"}, "reason"),
    ]
    for values, field in cases:
        with pytest.raises(ValidationFailed) as bad:
            complaint_reassign(c, by=cast.agent, **values)
        assert field in bad.value.fields, values
    c = refresh(c)
    assert (c.department_id, c.reassign_count) == (cast.repair.pk, 0)
    assert "complaint.reassigned" not in actions_of(c)


def test_a_technician_may_not_reassign(cast, complain):
    c = complain(now=NOW)
    with pytest.raises(PermissionDeniedError):
        complaint_reassign(c, by=cast.tech, department_id=cast.cleaning.pk)


# --- merging ----------------------------------------------------------------------------------


@pytest.fixture
def duplicate(cast, complain):
    """Two calls about the same leak: 王先生's (the target) and a neighbour's, a quarter later."""
    target = complain(now=NOW)
    dup = complain(
        now=at(2026, 11, 23, 10, 15),
        customer_id=None,
        caller_name="邻居李女士",
        caller_phone="13700001111",
        subject="楼上漏水没人管",
    )
    return target, dup


def test_merge_keeps_every_caller_and_both_timelines(cast, duplicate):
    target, dup = duplicate
    own = list(target.callers.values_list("name", "phone"))
    merged = complaint_merge(dup, by=cast.agent, into=target, reason="同一漏水", now=at(2026, 11, 23, 11))
    dup = refresh(merged)
    assert dup.status == Status.MERGED
    assert dup.merged_into_id == target.pk
    assert not dup.clocks.filter(is_active=True, met_at__isnull=True).exists()
    callers = list(Caller.objects.filter(complaint=target).order_by("added_at", "id"))
    assert [(x.name, x.phone) for x in callers[: len(own)]] == own
    joined = [x for x in callers if x.merged_from_id == dup.pk]
    assert [(x.name, x.phone) for x in joined] == [("邻居李女士", "13700001111")]
    assert all(x.replied_at is None for x in callers)
    # The duplicate keeps its own complainant too.
    assert dup.callers.filter(phone="13700001111").exists()
    assert actions_of(dup)[-1] == "complaint.merged"
    assert actions_of(target)[-1] == "complaint.duplicate_merged"
    on_target = Event.objects.for_subject(target).get(action="complaint.duplicate_merged")
    assert on_target.changes["merged_from"]["after"]["number"] == dup.number
    # A merged complaint is ended: nothing routes it any more.
    with pytest.raises(ConflictError):
        complaint_merge(dup, by=cast.agent, into=target)


def test_merge_chain_moves_the_callers_a_duplicate_had_gathered(cast, complain, duplicate):
    target, dup = duplicate
    third = complain(
        now=at(2026, 11, 23, 10, 30), customer_id=None, caller_name="物业前台", caller_phone="13700004444"
    )
    complaint_merge(third, by=cast.agent, into=dup, now=at(2026, 11, 23, 10, 40))
    complaint_merge(dup, by=cast.agent, into=target, now=at(2026, 11, 23, 11))
    names = set(Caller.objects.filter(complaint=target).values_list("name", flat=True))
    assert {"邻居李女士", "物业前台"} <= names


def test_merge_refusals_name_into_and_write_nothing(cast, complain, duplicate):
    target, dup = duplicate
    with pytest.raises(ValidationFailed) as bad:
        complaint_merge(dup, by=cast.agent, into=dup)
    assert "into" in bad.value.fields
    # Into a merged one.
    other = complain(now=at(2026, 11, 23, 10, 20), customer_id=None, caller_phone="13700002222")
    complaint_merge(other, by=cast.agent, into=target, now=at(2026, 11, 23, 10, 25))
    with pytest.raises(ValidationFailed) as bad:
        complaint_merge(dup, by=cast.agent, into=refresh(other))
    assert "into" in bad.value.fields
    dup = refresh(dup)
    assert dup.status != Status.MERGED
    assert dup.merged_into_id is None
    assert not Caller.objects.filter(merged_from=dup).exists()


def test_merge_into_another_organisations_or_an_invisible_complaint_is_unknown(cast, complain):
    # Taken by 维修主管 for 保洁部: 客服主管 does not see it (neither receiving nor handling, not his).
    hidden = complain(
        by=cast.head_repair,
        now=NOW,
        department_id=cast.cleaning.pk,
        customer_id=None,
        caller_phone="13700006666",
    )
    mine = complain(
        now=at(2026, 11, 23, 10, 15),
        department_id=cast.service.pk,
        customer_id=None,
        caller_phone="13700005555",
    )
    with pytest.raises(ValidationFailed) as bad:
        complaint_merge(mine, by=cast.head_service, into=hidden)
    assert "into" in bad.value.fields
    assert hidden.number not in str(bad.value.fields["into"])
    assert refresh(mine).status != Status.MERGED
    # The quality role sees both: the same merge passes.
    complaint_merge(mine, by=cast.quality, into=hidden, now=at(2026, 11, 23, 11))
    assert refresh(mine).merged_into_id == hidden.pk


def test_merge_across_organisations_is_refused(cast, complain):
    from fuwu.complaints.services import ComplaintInput, complaint_create
    from fuwu.org.services import staff_create

    agent_elsewhere = staff_create(
        organisation=cast.other_organisation,
        username="agent_elsewhere",
        full_name="别家客服",
        department=cast.outsider.department,
        roles=["agent"],
        phone="13800008888",
        password="test12345",
    )
    elsewhere = complaint_create(
        organisation=cast.other_organisation,
        by=agent_elsewhere,
        data=ComplaintInput(
            channel="phone", subject="别家", description="别家的投诉", caller_phone="13600000000"
        ),
        now=NOW,
    )
    mine = complain(now=at(2026, 11, 23, 10, 15))
    with pytest.raises(ValidationFailed) as bad:
        complaint_merge(mine, by=cast.director, into=elsewhere)
    assert "into" in bad.value.fields
    assert Caller.objects.filter(complaint=elsewhere).count() == 1


def test_the_reply_on_the_target_answers_every_merged_caller(cast, duplicate):
    from fuwu.complaints.services import complaint_assess, complaint_reply, complaint_start_investigation

    target, dup = duplicate
    complaint_merge(dup, by=cast.agent, into=target, now=at(2026, 11, 23, 11))
    complaint_start_investigation(target, by=cast.head_repair, now=at(2026, 11, 23, 12))
    complaint_assess(
        target,
        by=cast.quality,
        validity="invalid",
        object="service_attitude",
        severity="general",
        note="管道属业主自用部分",
        now=at(2026, 11, 23, 13),
    )
    complaint_reply(
        target, by=cast.head_repair, text="已向两位住户解释", method="phone", now=at(2026, 11, 23, 15)
    )
    callers = list(Caller.objects.filter(complaint=target))
    assert len(callers) == 2
    assert all(x.replied_at == at(2026, 11, 23, 15) for x in callers)


def test_a_replied_complaint_takes_no_more_duplicates(cast, complain, duplicate):
    from fuwu.complaints.services import complaint_assess, complaint_reply, complaint_start_investigation

    target, dup = duplicate
    complaint_start_investigation(target, by=cast.head_repair, now=at(2026, 11, 23, 12))
    complaint_assess(
        target,
        by=cast.quality,
        validity="invalid",
        object="service_attitude",
        severity="general",
        note="误会",
        now=at(2026, 11, 23, 13),
    )
    complaint_reply(target, by=cast.head_repair, text="已解释", method="phone", now=at(2026, 11, 23, 15))
    with pytest.raises(ValidationFailed) as bad:
        complaint_merge(dup, by=cast.agent, into=target, now=at(2026, 11, 23, 16))
    assert "into" in bad.value.fields
    assert refresh(dup).status != Status.MERGED
