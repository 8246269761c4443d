"""The complaint API through real HTTP: receipt to archive, every action's happy path, the list and
its query count, raising from a work order, penalties. Refusals (404/409/403/422) are in
``test_api_refusals.py``."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.complaints import services
from fuwu.complaints.models import Complaint, ComplaintCost, PenaltyProposal
from fuwu.timeline.models import Event

from .conftest import at


def events_of(complaint_id: int) -> list[str]:
    c = Complaint.objects.get(pk=complaint_id)
    return list(Event.objects.for_subject(c).order_by("at", "id").values_list("action", flat=True))


@pytest.fixture(autouse=True)
def morning():
    """Monday 23 November 2026, 10:05 in Shanghai: a working day, within business hours."""
    with time_machine.travel(at(2026, 11, 23, 10, 5), tick=True) as traveller:
        yield traveller


def ok(response, status: int = 200):
    assert response.status_code == status, response.json()
    return response.json()


# --- the whole way ----------------------------------------------------------------------------


def test_phone_complaint_to_archive_with_a_rehandling(api, cast, household, leak_repair):
    agent, head, quality, director = (
        api(cast.agent),
        api(cast.head_repair),
        api(cast.quality),
        api(cast.director),
    )

    body = ok(
        agent.post(
            "complaints",
            {
                "channel": "phone",
                "subject": "维修态度差",
                "description": "维修工上门时态度恶劣",
                "object": "service_attitude",
                "customer_id": household.pk,
                "service_type_id": leak_repair.pk,
                "department_id": cast.repair.pk,
            },
        ),
        201,
    )
    cid = body["id"]
    assert body["number"] == "2611-0001"
    assert body["status"] == "acknowledged"  # a phone call is acknowledged at intake
    assert body["first_contact_owner"]["id"] == cast.agent.pk
    assert body["department"]["id"] == cast.repair.pk
    assert body["repeat_of"] is None
    assert {k["kind"] for k in body["clocks"]} == {"acknowledge", "investigation", "plan", "reply"}
    assert body["url"] == f"/api/v1/complaints/{cid}"
    body = ok(agent.get(f"complaints/{cid}"))  # the whole record
    acknowledge = next(k for k in body["clocks"] if k["kind"] == "acknowledge")
    assert acknowledge["met_at"] is not None
    assert acknowledge["overdue"] is False
    assert body["callers"][0]["name"] == "王先生"
    assert body["timeline"][0]["action"] == "complaint.created"
    assert "start-investigation" in ok(head.get(f"complaints/{cid}"))["allowed_actions"]

    ok(head.post(f"complaints/{cid}/start-investigation", {"note": "开始调查"}))
    ok(
        quality.post(
            f"complaints/{cid}/assess",
            {"validity": "valid", "object": "service_attitude", "cause_type": "non_quality", "note": "属实"},
        )
    )
    body = ok(
        quality.post(
            f"complaints/{cid}/assign-responsibility",
            {"cause": "维修工态度问题", "department_id": cast.repair.pk, "person_ids": [cast.tech.pk]},
        )
    )
    assert body["responsible_department"]["id"] == cast.repair.pk
    assert [p["id"] for p in body["responsible_people"]] == [cast.tech.pk]
    assert [p["person"]["id"] for p in body["penalties"]] == [cast.tech.pk]  # quality sees penalties
    assert ok(head.post(f"complaints/{cid}/propose-plan", {"plan": "上门道歉"}))["status"] == "plan_proposed"
    body = ok(director.post(f"complaints/{cid}/approve-plan", {"note": "同意"}))
    assert body["status"] == "planned"
    assert "execution" in {k["kind"] for k in body["clocks"]}
    ok(head.post(f"complaints/{cid}/execute", {"note": "已道歉并重修"}))
    body = ok(head.post(f"complaints/{cid}/reply", {"text": "已处理完毕", "method": "phone"}))
    assert body["status"] == "replied"
    (visit,) = ok(director.get("visits", {"complaint": cid}))["items"]  # the return-visit process's
    assert (visit["status"], visit["reason"]) == ("due", "complaint_replied")
    assert all(x["replied_at"] for x in body["callers"])

    body = ok(
        quality.post(
            f"complaints/{cid}/record-customer-answer",
            {"outcome": "unsatisfied", "method": "phone", "comment": "还是漏"},
        )
    )
    assert body["status"] == "rehandling"
    assert body["rehandle_count"] == 1
    assert body["answer"] == "unsatisfied"
    body = ok(quality.post(f"complaints/{cid}/classify-answer", {"reasonable": True, "reason": "确实仍漏水"}))
    assert body["answers"][0]["reasonable"] is True
    ok(head.post(f"complaints/{cid}/propose-plan", {"plan": "更换管道"}))
    ok(director.post(f"complaints/{cid}/approve-plan", {}))
    ok(head.post(f"complaints/{cid}/execute", {"note": "已更换"}))
    ok(head.post(f"complaints/{cid}/reply", {"text": "已更换管道", "method": "in_person"}))
    body = ok(
        quality.post(f"complaints/{cid}/record-customer-answer", {"outcome": "satisfied", "method": "phone"})
    )
    assert body["status"] == "answered"
    assert body["answer"] == "satisfied"  # the later answer counts
    assert [a["outcome"] for a in body["answers"]] == ["unsatisfied", "satisfied"]
    assert ok(agent.post(f"complaints/{cid}/close", {"note": "客户满意"}))["status"] == "closed"
    body = ok(quality.post(f"complaints/{cid}/archive"))
    assert body["status"] == "archived"
    assert body["allowed_actions"] == []
    assert events_of(cid)[-2:] == ["complaint.closed", "complaint.archived"]


def test_a_letter_is_registered_later_and_acknowledged_by_hand(api, cast, household):
    agent = api(cast.agent)
    body = ok(
        agent.post(
            "complaints",
            {
                "channel": "letter",
                "subject": "来信投诉",
                "description": "收费不合理",
                "object": "fees",
                "customer_id": household.pk,
                "received_at": "2026-11-20T09:00:00+08:00",
            },
        ),
        201,
    )
    assert body["status"] == "received"
    assert body["received_at"] == "2026-11-20T01:00:00Z"
    assert all(k["started_at"] == "2026-11-20T01:00:00Z" for k in body["clocks"])
    assert "acknowledge" in ok(agent.get(f"complaints/{body['id']}"))["allowed_actions"]
    body = ok(agent.post(f"complaints/{body['id']}/acknowledge", {"note": "已电话告知收到"}))
    assert body["status"] == "acknowledged"
    assert body["acknowledged_at"] is not None


def test_an_invalid_complaint_is_still_replied(api, cast, complain):
    c = complain()
    head, quality = api(cast.head_repair), api(cast.quality)
    ok(head.post(f"complaints/{c.pk}/start-investigation", {}))
    body = ok(
        quality.post(
            f"complaints/{c.pk}/assess", {"validity": "invalid", "object": "other", "note": "客户误解"}
        )
    )
    assert body["validity"] == "invalid"
    assert (
        "reply" in body["allowed_actions"] or "reply" in ok(head.get(f"complaints/{c.pk}"))["allowed_actions"]
    )
    assert (
        ok(head.post(f"complaints/{c.pk}/reply", {"text": "已解释", "method": "phone"}))["status"]
        == "replied"
    )


def test_unreachable_customers_let_it_close_after_the_policys_attempts(api, cast, complain):
    c = _replied(cast, complain)
    quality = api(cast.quality)
    for attempt in range(3):
        body = ok(
            quality.post(
                f"complaints/{c.pk}/record-customer-answer", {"outcome": "unreachable", "method": "phone"}
            )
        )
        assert body["contact_attempts"] == attempt + 1
    assert "close" in body["allowed_actions"]
    refused = quality.post(f"complaints/{c.pk}/close", {})
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {"note"}
    assert ok(quality.post(f"complaints/{c.pk}/close", {"note": "三次联系不上"}))["status"] == "closed"
    body = ok(quality.post(f"complaints/{c.pk}/reopen", {"reason": "客户来电仍不满意"}))
    assert body["status"] == "rehandling"


def _investigating(cast, complain, **overrides):
    c = complain(**overrides)
    return services.complaint_start_investigation(c, by=cast.head_repair)


def _assigned(cast, complain):
    c = _investigating(cast, complain)
    services.complaint_assess(
        c, by=cast.quality, validity="valid", object="service_attitude", severity="general", note="属实"
    )
    return services.complaint_assign_responsibility(
        c, by=cast.quality, cause="态度问题", department_id=cast.repair.pk, person_ids=[cast.tech.pk]
    )


def _planned(cast, complain):
    c = _assigned(cast, complain)
    services.complaint_propose_plan(c, by=cast.head_repair, plan="上门道歉")
    return services.complaint_decide_plan(c, by=cast.director, approved=True)


def _replied(cast, complain):
    c = _planned(cast, complain)
    services.complaint_execute(c, by=cast.head_repair, note="已道歉")
    return services.complaint_reply(c, by=cast.head_repair, text="已处理", method="phone")


def test_plan_denied_then_extension_asked_approved_and_denied(api, cast, complain):
    c = _assigned(cast, complain)
    head, director = api(cast.head_repair), api(cast.director)
    ok(head.post(f"complaints/{c.pk}/propose-plan", {"plan": "口头道歉"}))
    body = ok(director.post(f"complaints/{c.pk}/deny-plan", {"note": "不够"}))
    assert body["status"] != "plan_proposed"
    assert "propose-plan" in ok(head.get(f"complaints/{c.pk}"))["allowed_actions"]

    before = next(k for k in body["clocks"] if k["kind"] == "plan")["due_at"]
    body = ok(
        head.post(
            f"complaints/{c.pk}/request-extension",
            {"clock": "plan", "amount": 2, "unit": "working_days", "reason": "需厂家配合"},
        )
    )
    assert any(a["kind"] == "complaint_extension" and a["status"] == "pending" for a in body["approvals"])
    body = ok(director.post(f"complaints/{c.pk}/approve-extension", {"note": "同意"}))
    after = next(k for k in body["clocks"] if k["kind"] == "plan")
    assert after["due_at"] > before
    assert after["extended_count"] == 1
    ok(
        head.post(
            f"complaints/{c.pk}/request-extension",
            {"clock": "reply", "amount": 1, "unit": "working_days", "reason": "再延"},
        )
    )
    body = ok(director.post(f"complaints/{c.pk}/deny-extension", {"note": "不同意"}))
    assert next(k for k in body["clocks"] if k["kind"] == "reply")["extended_count"] == 0


def test_remind_return_reassign(api, cast, complain):
    c = complain()
    body = ok(api(cast.agent2).post(f"complaints/{c.pk}/remind", {"note": "请尽快"}))
    assert body["reminder_count"] == 1
    body = ok(api(cast.head_repair).post(f"complaints/{c.pk}/return", {"reason": "不归工程部"}))
    assert body["department"] is None
    assert body["return_count"] == 1
    # it left 工程维修部: the head who returned it no longer sees it
    assert api(cast.head_repair).get(f"complaints/{c.pk}").status_code == 404
    body = ok(
        api(cast.agent).post(
            f"complaints/{c.pk}/reassign",
            {"department_id": cast.cleaning.pk, "handler_id": cast.cleaner.pk, "reason": "保洁问题"},
        )
    )
    assert body["department"]["id"] == cast.cleaning.pk
    assert body["handler"]["id"] == cast.cleaner.pk
    assert body["reassign_count"] == 1
    assert events_of(c.pk)[-3:] == ["complaint.reminded", "complaint.returned", "complaint.reassigned"]


def test_merge_keeps_every_caller(api, cast, complain):
    first = complain()
    duplicate = complain(
        customer_id=None, caller_name="李女士", caller_phone="13811112222", subject="同一次漏水"
    )
    body = ok(
        api(cast.agent).post(f"complaints/{duplicate.pk}/merge", {"into": first.pk, "reason": "同一事件"})
    )
    assert body["status"] == "merged"
    assert body["merged_into"] == {"id": first.pk, "number": first.number}
    target = ok(api(cast.agent).get(f"complaints/{first.pk}"))
    assert [x["name"] for x in target["callers"]] == ["王先生", "李女士"]
    assert target["callers"][1]["merged_from"] == {"id": duplicate.pk, "number": duplicate.number}


def test_costs_are_added_verified_and_allocated(api, cast, complain, finance):
    c = _assigned(cast, complain)
    body = ok(
        api(cast.head_repair).post(
            f"complaints/{c.pk}/add-cost", {"kind": "parts", "amount": "120.50", "description": "角阀"}
        )
    )
    cost = body["costs"][0]
    assert cost["amount"] == "120.50"
    assert cost["department"]["id"] == cast.repair.pk  # the responsible department
    assert cost["status"] == "recorded"
    body = ok(
        api(finance).post(
            f"complaints/{c.pk}/verify-cost",
            {"cost_id": cost["id"], "approved": True, "department_id": cast.plumbing.pk, "note": "核实"},
        )
    )
    assert body["costs"][0]["status"] == "verified"
    assert body["costs"][0]["department"]["id"] == cast.plumbing.pk
    assert ComplaintCost.objects.get(pk=cost["id"]).verified_by == finance


def test_raise_a_complaint_from_a_work_order(api, cast, household, leak_repair):
    from fuwu.workorders import services as wo

    order = wo.work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=leak_repair,
        description="卫生间漏水",
        customer=household,
    )
    body = ok(
        api(cast.agent).post(
            f"work-orders/{order.pk}/complaints",
            {"subject": "维修拖延", "description": "三天没人来", "object": "efficiency"},
        ),
        201,
    )
    assert body["work_order"] == {"id": order.pk, "number": order.number}
    assert body["customer"]["id"] == household.pk
    assert body["channel"] == "work_order"
    assert (
        api(cast.cleaner)
        .post(f"work-orders/{order.pk}/complaints", {"subject": "x", "description": "y"})
        .status_code
        == 404
    )


# --- penalties --------------------------------------------------------------------------------


def test_penalty_decided_appealed_and_the_appeal_decided(api, cast, complain):
    c = _assigned(cast, complain)
    proposal = PenaltyProposal.objects.get(complaint=c, person=cast.tech)
    mine = ok(api(cast.tech).get("complaint-penalties", {"mine": "true"}))
    assert [p["id"] for p in mine["items"]] == [proposal.pk]
    assert ok(api(cast.tech2).get("complaint-penalties"))["items"] == []
    assert api(cast.tech2).get(f"complaint-penalties/{proposal.pk}").status_code == 404

    body = ok(
        api(cast.head_repair).post(
            f"complaint-penalties/{proposal.pk}/decide",
            {"decision": "change", "amount": "50", "note": "初犯"},
        )
    )
    assert body["status"] == "changed"
    assert body["amount"] == "50.00"
    body = ok(api(cast.tech).post(f"complaint-penalties/{proposal.pk}/appeal", {"text": "客户先动手"}))
    assert body["appeal_status"] == "pending"
    body = ok(
        api(cast.quality).post(
            f"complaint-penalties/{proposal.pk}/decide-appeal", {"upheld": True, "note": "监控证实"}
        )
    )
    assert body["appeal_status"] == "upheld"
    assert body["status"] == "waived"
    again = api(cast.tech).post(f"complaint-penalties/{proposal.pk}/appeal", {"text": "再申诉"})
    assert again.status_code == 409
    assert api(cast.tech2).post(f"complaint-penalties/{proposal.pk}/appeal", {"text": "x"}).status_code == 404


def test_penalties_in_the_detail_only_for_those_who_may_see_them(api, cast, complain):
    c = _assigned(cast, complain)
    assert len(ok(api(cast.tech).get(f"complaints/{c.pk}"))["penalties"]) == 1  # the person
    assert ok(api(cast.tech2).get(f"complaints/{c.pk}"))["penalties"] == []  # a colleague
    assert len(ok(api(cast.head_repair).get(f"complaints/{c.pk}"))["penalties"]) == 1


# --- the list ---------------------------------------------------------------------------------


def ids(response) -> list[int]:
    return [item["id"] for item in ok(response)["items"]]


def test_list_tabs_and_filters(api, cast, complain, household):
    older = complain(now=at(2026, 11, 20, 9), subject="收费问题", object="fees")
    newer = complain(now=at(2026, 11, 23, 9), department_id=cast.cleaning.pk, subject="走廊很脏")
    letter = complain(
        channel="letter", now=at(2026, 11, 23, 9, 30), received_at=at(2026, 11, 21, 9), subject="来信"
    )
    director = api(cast.director)
    assert ids(director.get("complaints")) == [newer.pk, letter.pk, older.pk]
    assert ids(director.get("complaints", {"object": "fees"})) == [older.pk]
    assert ids(director.get("complaints", {"department": cast.cleaning.pk})) == [newer.pk]
    assert ids(director.get("complaints", {"status": "received"})) == [letter.pk]
    assert ids(director.get("complaints", {"channel": "letter"})) == [letter.pk]
    assert ids(director.get("complaints", {"received_from": "2026-11-21", "received_to": "2026-11-22"})) == [
        letter.pk
    ]
    assert ids(director.get("complaints", {"q": "走廊"})) == [newer.pk]
    assert set(ids(director.get("complaints", {"tab": "repeated"}))) <= {newer.pk, letter.pk}
    assert set(ids(api(cast.head_repair).get("complaints", {"tab": "department"}))) == {older.pk, letter.pk}
    assert ids(api(cast.cleaner).get("complaints")) == [newer.pk]
    page = ok(director.get("complaints", {"limit": 1, "offset": 1}))
    assert [i["id"] for i in page["items"]] == [letter.pk]
    assert page["count"] == 3
    assert page["count_exact"] is True


@pytest.mark.parametrize("who", ["director", "head_repair", "agent"])
def test_list_runs_the_same_number_of_queries_for_1_and_20_rows(api, cast, complain, who):
    client = api(getattr(cast, who))
    complain()
    client.get("complaints")  # the token's first use records its use time once

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("complaints", {"limit": 50, "tab": "open"})
        return len(captured), len(ok(response)["items"])

    small, rows = count()
    assert rows == 1
    for _ in range(19):
        complain()
    large, rows = count()
    assert rows == 20
    assert small == large


def test_detail_query_count_does_not_grow_with_its_history(api, cast, complain):
    c = complain()
    client = api(cast.agent)
    client.get(f"complaints/{c.pk}")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            ok(client.get(f"complaints/{c.pk}"))
        return len(captured)

    before = count()
    for _ in range(5):
        services.complaint_remind(c, by=cast.agent, note="请尽快")
    assert count() == before


def test_identity_protected_complainant_is_hidden_from_a_head(api, cast, complain):
    c = complain(identity_protected=True)
    body = ok(api(cast.head_repair).get(f"complaints/{c.pk}"))
    assert body["caller_name"] == ""
    assert body["caller_phone"] == ""
    assert body["customer"] is None
    assert body["callers"][0]["name"] == ""
    assert "王先生" not in str(body)
    assert ok(api(cast.agent).get(f"complaints/{c.pk}"))["caller_name"] == "王先生"
    row = ok(api(cast.head_repair).get("complaints"))["items"][0]
    assert row["caller_name"] == ""
    assert "王先生" not in str(row)


def test_openapi_has_every_action_with_its_error_answers(client):
    from fuwu.complaints.rules import Action

    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/complaints"])
    assert "post" in paths["/api/v1/work-orders/{work_order_id}/complaints"]
    for action in Action:
        operation = paths[f"/api/v1/complaints/{{complaint_id}}/{action.value}"]["post"]
        assert {"200", "403", "404", "409", "422"} <= set(operation["responses"]), action
    for verb in ("decide", "appeal", "decide-appeal"):
        assert "post" in paths[f"/api/v1/complaint-penalties/{{penalty_id}}/{verb}"]


def test_registering_answers_the_number_deadlines_and_the_complaint_it_repeats(
    api, cast, household, leak_repair
):
    agent = api(cast.agent)
    payload = {
        "channel": "phone",
        "subject": "维修态度差",
        "description": "维修工上门时态度恶劣",
        "object": "service_attitude",
        "customer_id": household.pk,
        "service_type_id": leak_repair.pk,
    }
    first = ok(agent.post("complaints", payload), 201)
    again = ok(agent.post("complaints", payload), 201)
    assert first["repeat_of"] is None
    assert again["repeat_of"] == {"id": first["id"], "number": first["number"]}
    assert again["customer"] == {"id": household.pk, "name": household.name}
    stored = ok(agent.get(again["url"].removeprefix("/api/v1/")))
    assert stored["repeat_of"] == again["repeat_of"]
    assert {k["kind"]: k["due_at"] for k in again["clocks"]} == {
        k["kind"]: k["due_at"] for k in stored["clocks"]
    }
