"""Actions through the complaint page: in every state exactly the allowed actions are offered, each
form calls its service, refusals (409 for the state, 403 for the role) and bad input (422 naming the
field) change nothing; the penalty proposals page for the person and the approvers."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from fuwu.approvals.models import ApprovalStatus
from fuwu.complaints import services
from fuwu.complaints.models import (
    AppealStatus,
    Complaint,
    ComplaintAnswer,
    CostStatus,
    PenaltyProposal,
    PenaltyStatus,
    Status,
)
from fuwu.timeline.models import Event
from fuwu.visits.models import Visit

from .conftest import at

NOW = at(2026, 11, 23, 10, 1)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def offered(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z-]+)"', html))


def alert(html: str) -> str:
    return " ".join(re.findall(r'role="alert">([^<]*)<', html))


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def events_of(complaint: Complaint) -> int:
    return Event.objects.for_subject(complaint).count()


def check_offered(user: Any, complaint: Complaint) -> set[str]:
    """The page offers exactly ``services.allowed_actions``; returns them."""
    html = signed_in(user).get(f"/complaints/{complaint.pk}/").content.decode()
    expected = {a.value for a in services.allowed_actions(user, fresh(complaint))}
    assert offered(html) == expected, (user.username, fresh(complaint).status)
    return expected


def act(user: Any, complaint: Complaint, action: str, data: dict[str, Any] | None = None) -> Complaint:
    """Take ``action`` through its form (after checking the page offers it); returns the fresh row."""
    assert action in check_offered(user, complaint), (user.username, action, fresh(complaint).status)
    response = signed_in(user).post(f"/complaints/{complaint.pk}/{action}/", data or {}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200, (action, response.status_code, alert(html), html[-3000:])
    assert response.redirect_chain[-1][0] == f"/complaints/{complaint.pk}/#actions"
    assert "alert-success" in html, (action, alert(html))
    return fresh(complaint)


@pytest.fixture
def finance_user(finance):
    return finance


def test_a_complaint_goes_from_receipt_to_archive_through_the_page(cast, complain, finance):
    # given a phone complaint about a technician's attitude (acknowledged at intake)
    complaint = complain()
    assert complaint.status == Status.ACKNOWLEDGED
    check_offered(cast.agent, complaint)
    check_offered(cast.tech, complaint)

    # the head of the handling department starts the investigation and assesses it
    complaint = act(cast.head_repair, complaint, "start-investigation", {"note": "今天联系客户"})
    assert complaint.status == Status.INVESTIGATING
    complaint = act(
        cast.head_repair,
        complaint,
        "assess",
        {
            "validity": "valid",
            "object": "service_attitude",
            "cause_type": "non_quality",
            "severity": "general",
            "note": "客户所述属实",
        },
    )
    assert complaint.validity == "valid"

    # the quality role finds the cause and the responsible person: a penalty is proposed
    complaint = act(
        cast.quality,
        complaint,
        "assign-responsibility",
        {"cause": "维修工与客户争吵", "department": cast.repair.pk, "persons": [cast.tech.pk]},
    )
    assert complaint.responsible_department == cast.repair
    assert list(complaint.responsible_people.all()) == [cast.tech]
    assert PenaltyProposal.objects.filter(complaint=complaint, person=cast.tech).exists()

    # the plan of a general complaint waits for a head's approval
    complaint = act(cast.head_repair, complaint, "propose-plan", {"plan": "上门道歉并重新维修"})
    assert complaint.status == Status.PLAN_PROPOSED
    approver = next(
        u for u in (cast.head_repair, cast.director) if "approve-plan" in check_offered(u, complaint)
    )
    complaint = act(approver, complaint, "approve-plan", {"note": "同意"})
    assert complaint.status == Status.PLANNED

    # costs: recorded by the head, verified by finance
    complaint = act(
        cast.head_repair,
        complaint,
        "add-cost",
        {"kind": "compensation", "amount": "50.00", "description": "补偿"},
    )
    cost = complaint.costs.get()
    assert cost.amount == Decimal("50.00")
    complaint = act(finance, complaint, "verify-cost", {"cost": cost.pk, "approved": "yes", "note": "已核"})
    cost.refresh_from_db()
    assert cost.status == CostStatus.VERIFIED

    # executed, replied, the customer answers: satisfied, then close and archive
    complaint = act(cast.head_repair, complaint, "execute", {"note": "已上门道歉并修好"})
    assert complaint.status == Status.EXECUTED
    complaint = act(cast.head_repair, complaint, "reply", {"text": "已处理完毕，向您致歉", "method": "phone"})
    assert complaint.status == Status.REPLIED
    assert Visit.objects.filter(complaint=complaint, status="due").count() == 1
    complaint = act(
        cast.quality,
        complaint,
        "record-customer-answer",
        {"outcome": "satisfied", "method": "phone", "comment": "满意"},
    )
    assert complaint.status == Status.ANSWERED
    complaint = act(cast.agent, complaint, "close", {"note": ""})
    assert complaint.status == Status.CLOSED
    complaint = act(cast.agent, complaint, "archive")
    assert complaint.status == Status.ARCHIVED
    check_offered(cast.agent, complaint)
    html = signed_in(cast.agent).get(f"/complaints/{complaint.pk}/").content.decode()
    for testid in ("clocks", "answers", "costs", "handling", "timeline"):
        assert f'data-testid="{testid}"' in html


def test_an_unsatisfied_answer_sends_it_back_and_the_later_answer_counts(cast, complain):
    complaint = complain(severity="minor")  # explained at the agent's level: no plan approval
    complaint = act(cast.agent, complaint, "start-investigation", {"note": ""})
    complaint = act(
        cast.agent,
        complaint,
        "assess",
        {"validity": "invalid", "object": "fees", "severity": "minor", "note": "客户误解收费标准"},
    )
    assert complaint.validity == "invalid"
    # an invalid complaint goes straight to the reply
    complaint = act(cast.agent, complaint, "reply", {"text": "向您解释收费标准", "method": "phone"})
    complaint = act(
        cast.agent,
        complaint,
        "record-customer-answer",
        {"outcome": "unsatisfied", "method": "phone", "comment": "仍不认可"},
    )
    assert complaint.status == Status.REHANDLING
    assert complaint.rehandle_count == 1
    # the quality role classifies the dissatisfaction
    complaint = act(
        cast.quality, complaint, "classify-answer", {"reasonable": "no", "reason": "收费符合标准"}
    )
    assert complaint.answer is not None
    assert complaint.answer.reasonable is False
    html = signed_in(cast.agent).get(f"/complaints/{complaint.pk}/").content.decode()
    assert 'data-testid="rehandle-count"' in html
    assert html.count("data-answer=") == 1


def test_unreachable_customer_is_counted(cast, complain):
    complaint = complain(severity="minor")
    complaint = act(cast.agent, complaint, "start-investigation", {"note": ""})
    complaint = act(
        cast.agent,
        complaint,
        "assess",
        {"validity": "invalid", "object": "fees", "severity": "minor", "note": "误解"},
    )
    complaint = act(cast.agent, complaint, "reply", {"text": "解释", "method": "phone"})
    complaint = act(
        cast.agent, complaint, "record-customer-answer", {"outcome": "unreachable", "method": "phone"}
    )
    assert complaint.contact_attempts == 1
    assert complaint.status == Status.REPLIED
    assert ComplaintAnswer.objects.filter(complaint=complaint).count() == 1


def test_return_reassign_merge_and_remind(cast, complain):
    first = complain()
    # a reminder is counted
    first = act(cast.agent, first, "remind", {"note": "客户催促"})
    assert first.reminder_count == 1
    # the head of the handling department returns it: not theirs
    response = signed_in(cast.head_repair).post(f"/complaints/{first.pk}/return/", {"reason": "属保洁范围"})
    assert response.status_code == 302
    assert response["Location"] == "/complaints/"  # no longer the department's: back to the list
    first = fresh(first)
    assert first.department is None
    assert first.return_count == 1
    # the agent routes it to cleaning
    first = act(cast.agent, first, "reassign", {"department": cast.cleaning.pk, "reason": "保洁问题"})
    assert first.department == cast.cleaning
    assert first.reassign_count == 1
    # a second caller about the same event is merged into it: every caller kept
    second = complain(
        customer_id=None,
        service_type_id=None,
        caller_name="邻居刘",
        caller_phone="13700005678",
        subject="同一事件",
    )
    second = act(cast.agent, second, "merge", {"into": first.number.lower(), "reason": "同一事件"})
    assert second.status == Status.MERGED
    assert second.merged_into == first
    html = signed_in(cast.agent).get(f"/complaints/{first.pk}/").content.decode()
    assert 'data-testid="callers"' in html
    assert "邻居刘" in html


def test_merge_into_an_unknown_number_names_the_field_and_changes_nothing(cast, complain):
    complaint = complain()
    before = events_of(complaint)

    response = signed_in(cast.agent).post(
        f"/complaints/{complaint.pk}/merge/", {"into": "9999-9999", "reason": ""}
    )

    assert response.status_code == 422
    assert 'data-field="into"' in response.content.decode()
    assert events_of(complaint) == before
    assert fresh(complaint).status == Status.ACKNOWLEDGED


def test_extension_requested_and_approved(cast, complain):
    complaint = complain()
    complaint = act(cast.head_repair, complaint, "start-investigation", {"note": ""})
    complaint = act(
        cast.head_repair,
        complaint,
        "request-extension",
        {"clock": "reply", "amount": "2", "unit": "working_days", "reason": "需等配件"},
    )
    reply_clock = complaint.clocks.get(kind="reply", is_active=True)
    due_before = reply_clock.due_at
    assert complaint.approvals.filter(kind="complaint_extension", status=ApprovalStatus.PENDING).exists()
    assert "approve-extension" not in check_offered(cast.head_repair, complaint)
    complaint = act(cast.director, complaint, "approve-extension", {"note": "同意"})
    reply_clock.refresh_from_db()
    assert reply_clock.due_at > due_before


@pytest.mark.parametrize(
    ("action", "data", "fields"),
    [
        ("assign-responsibility", {"cause": "", "department": "99999"}, {"cause", "department"}),
        ("reply", {"text": "", "method": "pigeon"}, {"text", "method"}),
        ("add-cost", {"kind": "repair", "amount": "-5"}, {"amount"}),
        ("add-cost", {"kind": "repair", "amount": "100000000"}, {"amount"}),
        ("add-cost", {"kind": "gold", "amount": "abc"}, {"kind", "amount"}),
        ("remind", {"note": "x" * 2001}, {"note"}),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(cast, complain, action, data, fields):
    complaint = complain()
    if action in ("assign-responsibility", "reply"):
        services.complaint_start_investigation(complaint, by=cast.head_repair, now=NOW)
        if action == "reply":
            services.complaint_assess(
                complaint,
                by=cast.head_repair,
                validity="invalid",
                object="fees",
                severity="general",
                note="误解",
                now=NOW,
            )
    user = cast.quality if action == "assign-responsibility" else cast.head_repair
    before = events_of(complaint)
    costs_before = complaint.costs.count()

    response = signed_in(user).post(f"/complaints/{complaint.pk}/{action}/", data)

    html = response.content.decode()
    assert response.status_code == 422, alert(html)
    assert fields <= set(re.findall(r'data-field="([a-z_]+)"', html))
    assert f'id="action-{action}" open' in html  # the form comes back open, with what was typed
    assert events_of(complaint) == before
    assert complaint.costs.count() == costs_before


def test_forged_actions_are_refused_and_change_nothing(cast, complain):
    complaint = complain()
    before = events_of(complaint)

    # not possible in this state (nothing was executed): 409
    response = signed_in(cast.head_repair).post(f"/complaints/{complaint.pk}/close/", {"note": ""})
    assert response.status_code == 409
    assert alert(response.content.decode())
    # possible, but not for a technician's role: 403
    response = signed_in(cast.tech).post(f"/complaints/{complaint.pk}/start-investigation/", {"note": ""})
    assert response.status_code == 403
    # an action that does not exist: 404; a GET: 405
    assert signed_in(cast.agent).post(f"/complaints/{complaint.pk}/fly/", {}).status_code == 404
    assert signed_in(cast.agent).get(f"/complaints/{complaint.pk}/remind/").status_code == 405

    assert events_of(complaint) == before
    assert fresh(complaint).status == Status.ACKNOWLEDGED


# --- penalties ------------------------------------------------------------------------------


@pytest.fixture
def penalised(cast, complain):
    complaint = complain()
    services.complaint_start_investigation(complaint, by=cast.head_repair, now=NOW)
    services.complaint_assess(
        complaint,
        by=cast.head_repair,
        validity="valid",
        object="service_attitude",
        severity="general",
        note="属实",
        now=NOW,
    )
    services.complaint_assign_responsibility(
        complaint,
        by=cast.quality,
        cause="争吵",
        department_id=cast.repair.pk,
        person_ids=[cast.tech.pk],
        now=NOW,
    )
    return PenaltyProposal.objects.get(complaint=complaint, person=cast.tech)


def test_the_person_sees_their_penalty_and_the_head_decides_it(cast, penalised):
    tech_page = signed_in(cast.tech).get("/complaints/penalties/").content.decode()
    assert f'data-penalty="{penalised.pk}"' in tech_page
    assert offered(tech_page) == set()  # nothing to appeal while it is pending
    colleague = signed_in(cast.tech2).get("/complaints/penalties/?tab=all").content.decode()
    assert f'data-penalty="{penalised.pk}"' not in colleague
    assert (
        signed_in(cast.tech2).post(f"/complaints/penalties/{penalised.pk}/appeal/", {"text": "x"}).status_code
        == 404
    )

    head = signed_in(cast.head_repair)
    head_page = head.get("/complaints/penalties/?tab=to_decide").content.decode()
    assert "decide" in offered(head_page)
    # a change without an amount names the field and changes nothing
    response = head.post(
        f"/complaints/penalties/{penalised.pk}/decide/", {"decision": "change", "tab": "to_decide"}
    )
    assert response.status_code == 422
    assert 'data-field="amount"' in response.content.decode()
    penalised.refresh_from_db()
    assert penalised.status == PenaltyStatus.PENDING

    response = head.post(
        f"/complaints/penalties/{penalised.pk}/decide/",
        {"decision": "change", "amount": "60", "note": "初犯", "tab": "to_decide"},
    )
    assert response.status_code == 302
    penalised.refresh_from_db()
    assert penalised.status == PenaltyStatus.CHANGED
    assert penalised.amount == Decimal("60.00")

    # the person appeals; the quality role decides the appeal
    tech = signed_in(cast.tech)
    assert "appeal" in offered(tech.get("/complaints/penalties/").content.decode())
    assert (
        tech.post(f"/complaints/penalties/{penalised.pk}/appeal/", {"text": "客户先辱骂我"}).status_code
        == 302
    )
    penalised.refresh_from_db()
    assert penalised.appeal_status == AppealStatus.PENDING
    # the head cannot decide an appeal (not offered, refused if forged)
    assert (
        signed_in(cast.head_repair)
        .post(f"/complaints/penalties/{penalised.pk}/decide-appeal/", {"upheld": "yes", "note": "x"})
        .status_code
        == 403
    )
    quality = signed_in(cast.quality)
    assert "decide-appeal" in offered(quality.get("/complaints/penalties/?tab=appeals").content.decode())
    response = quality.post(
        f"/complaints/penalties/{penalised.pk}/decide-appeal/", {"upheld": "yes", "note": "有录音为证"}
    )
    assert response.status_code == 302
    penalised.refresh_from_db()
    assert penalised.appeal_status == AppealStatus.UPHELD
    assert penalised.status == PenaltyStatus.WAIVED
