"""``/api/v1/duty`` end to end: a roster generated and listed, a swap asked, agreed and decided
through ``/api/v1/approvals``, a handover written and acknowledged; the 404/403/409/422 rules;
visibility (another department, another organisation) on every record; lists whose queries do not
grow with their rows."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine

from fuwu.duty.models import Shift

from .conftest import PATTERN, POST, at

BEFORE = at(2026, 11, 1, 10)


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def roster(centre, api):
    """Nov 2–7, 08:00 → 08:00, agent, agent2, agent3 in turn, made through the API."""
    with time_machine.travel(BEFORE, tick=False):
        answer = api(centre.head_service).post(
            "duty/shifts/generate",
            {
                "department_id": centre.service.pk,
                "post": POST,
                "pattern": PATTERN,
                "first_day": "2026-11-02",
                "last_day": "2026-11-07",
                "person_ids": [centre.agent.pk, centre.agent2.pk, centre.agent3.pk],
            },
        )
    assert answer.status_code == 201, answer.content
    return answer.json()["items"]


def test_a_roster_is_generated_listed_and_filtered(centre, api, roster):
    assert [s["person"]["name"] for s in roster] == ["客服小张", "客服小李", "客服小王"] * 2
    assert moment(roster[0]["starts_at"]) == at(2026, 11, 2, 8)
    assert roster[0]["state"] == "upcoming"
    with time_machine.travel(at(2026, 11, 3, 9), tick=False):
        listed = api(centre.agent).get("duty/shifts", {"post": POST, "person": centre.agent2.pk}).json()
        assert [s["starts_at"][:10] for s in listed["items"]] == ["2026-11-03", "2026-11-06"]
        assert listed["items"][0]["state"] == "under_way"
        assert listed["items"][0]["state_label"]
        ranged = api(centre.agent).get(
            "duty/shifts", {"starts_from": "2026-11-04", "starts_to": "2026-11-05"}
        )
        assert [s["starts_at"][:10] for s in ranged.json()["items"]] == ["2026-11-04", "2026-11-05"]
        assert (
            api(centre.agent)
            .get("duty/shifts", {"starts_from": "2026-11-05", "starts_to": "2026-11-04"})
            .status_code
            == 422
        )
        posts = api(centre.agent).get("duty/posts").json()
        assert posts == [{"name": POST, "department": {"id": centre.service.pk, "name": "客服中心"}}]


def test_create_one_shift_edit_and_cancel_it(centre, api):
    head = api(centre.head_service)
    with time_machine.travel(BEFORE, tick=False):
        created = head.post(
            "duty/shifts",
            {
                "department_id": centre.service.pk,
                "post": "投诉专线",
                "person_id": centre.agent.pk,
                "starts_at": "2026-11-10T08:00:00",  # no time zone: Shanghai's
                "ends_at": "2026-11-10T20:00:00+08:00",
            },
        )
        assert created.status_code == 201, created.content
        shift = created.json()
        assert moment(shift["starts_at"]) == at(2026, 11, 10, 8)
        assert shift["allowed_actions"] == ["edit", "cancel"]
        assert [e["action"] for e in shift["events"]] == ["duty.shift_created"]
        assert api(centre.agent).get(f"duty/shifts/{shift['id']}").json()["allowed_actions"] == ["swap"]
        url = f"duty/shifts/{shift['id']}"
        moved = head.patch(url, {"ends_at": "2026-11-10T21:00:00+08:00"})
        assert moved.status_code == 200, moved.content
        assert moment(moved.json()["ends_at"]) == at(2026, 11, 10, 21)
        assert head.patch(url, {"post": None}).status_code == 422
        assert api(centre.agent).post(f"{url}/cancel", {"reason": "不想上"}).status_code == 403
        assert head.post(f"{url}/cancel", {"reason": ""}).status_code == 422
        cancelled = head.post(f"{url}/cancel", {"reason": "岗位取消"})
        assert cancelled.json()["state"] == "cancelled"
        assert head.post(f"{url}/cancel", {"reason": "again"}).status_code == 409
        # the person is given by id, within visibility; the department too
        wrong = head.post(
            "duty/shifts",
            {
                "department_id": 10**12,
                "post": "投诉专线",
                "person_id": centre.outsider.pk,
                "starts_at": "2026-11-10T08:00:00+08:00",
                "ends_at": "2026-11-10T20:00:00+08:00",
            },
        ).json()
        assert set(wrong["error"]["fields"]) == {"department_id", "person_id"}


def test_a_swap_through_the_api_and_the_approvals_api(centre, api, roster):
    mine, theirs = roster[0], roster[1]
    agent, agent2, head = api(centre.agent), api(centre.agent2), api(centre.head_service)
    with time_machine.travel(BEFORE, tick=False):
        asked = agent.post(
            "duty/swaps",
            {
                "shift_id": mine["id"],
                "colleague_id": centre.agent2.pk,
                "counter_shift_id": theirs["id"],
                "reason": "家里有事",
            },
        )
        assert asked.status_code == 201, asked.content
        swap = asked.json()
        assert (swap["status"], swap["approval"], swap["allowed_actions"]) == ("asked", None, ["withdraw"])
        url = f"duty/swaps/{swap['id']}"
        assert agent2.get(url).json()["allowed_actions"] == ["agree", "decline"]
        assert agent.post(f"{url}/agree", {}).status_code == 403
        agreed = agent2.post(f"{url}/agree", {"note": "好的"}).json()
        assert agreed["status"] == "agreed"
        approval = agreed["approval"]
        assert (approval["status"], approval["approver_role"]) == ("pending", "department_head")
        # nothing changed yet
        assert head.get(f"duty/shifts/{mine['id']}").json()["person"]["name"] == "客服小张"
        # the requester cannot decide; the decision goes through the approvals API
        assert agent.post(f"approvals/{approval['id']}/approve", {}).status_code == 404
        inbox = head.get("approvals").json()["items"]
        assert [(i["id"], i["kind"], i["record"]["type"]) for i in inbox] == [
            (approval["id"], "shift_swap", "duty.swaprequest")
        ]
        assert head.post(f"approvals/{approval['id']}/approve", {"note": "同意"}).status_code == 200
        done = head.get(url).json()
        assert done["status"] == "approved"
        assert done["approval"]["status"] == "approved"
        assert [e["action"] for e in done["events"]] == [
            "duty.swap_asked",
            "duty.swap_agreed",
            "duty.swap_approved",
        ]
        assert head.get(f"duty/shifts/{mine['id']}").json()["person"]["name"] == "客服小李"
        assert head.get(f"duty/shifts/{theirs['id']}").json()["person"]["name"] == "客服小张"
        assert agent.post(f"{url}/withdraw", {}).status_code == 409
        # a swap of a shift you are not on: 403; a shift you may not see: 422 naming nothing
        other = agent.post(
            "duty/swaps", {"shift_id": roster[2]["id"], "colleague_id": centre.agent2.pk, "reason": "x"}
        )
        assert other.status_code == 403
        unseen = api(centre.cleaner).post(
            "duty/swaps", {"shift_id": roster[2]["id"], "colleague_id": centre.agent2.pk, "reason": "x"}
        )
        assert unseen.status_code == 422
        assert set(unseen.json()["error"]["fields"]) == {"shift_id"}


def test_a_handover_through_the_api(centre, api, roster, work_order):
    open_one = work_order(assignee=centre.agent)
    outgoing = roster[0]
    agent, agent2 = api(centre.agent), api(centre.agent2)
    with time_machine.travel(at(2026, 11, 3, 7, 45), tick=False):
        preview = agent.get(f"duty/shifts/{outgoing['id']}/open-items").json()
        assert [(i["kind"], i["number"], i["visible"]) for i in preview["items"]] == [
            ("work_order", open_one.number, True)
        ]
        assert agent2.get(f"duty/shifts/{outgoing['id']}/open-items").status_code == 403
        body = {
            "items": [
                {"kind": "key", "text": "机房钥匙", "count": 3},
                {"kind": "cash", "text": "备用金", "count": 500},
            ],
            "notes": "无",
        }
        assert agent2.post(f"duty/shifts/{outgoing['id']}/handover", body).status_code == 403
        written = agent.post(f"duty/shifts/{outgoing['id']}/handover", body)
        assert written.status_code == 201, written.content
        handover = written.json()
        assert handover["incoming_shift"]["person"]["name"] == "客服小李"
        assert moment(handover["due_at"]) == at(2026, 11, 3, 8)
        assert handover["open_items"][0]["url"] == f"/work-orders/{open_one.pk}/"
        assert [i["kind_label"] for i in handover["items"]]
        assert handover["allowed_actions"] == []
        assert agent.post(f"duty/shifts/{outgoing['id']}/handover", body).status_code == 409
        url = f"duty/handovers/{handover['id']}"
        assert agent.post(f"{url}/acknowledge", {}).status_code == 403
        assert agent2.get(url).json()["allowed_actions"] == ["acknowledge"]
        signed = agent2.post(f"{url}/acknowledge", {"note": "已点清"}).json()
        assert signed["acknowledged_by"]["name"] == "客服小李"
        assert signed["late"] is False
        assert agent2.post(f"{url}/acknowledge", {}).status_code == 409
        assert (
            agent.post(
                f"duty/shifts/{roster[1]['id']}/handover",
                {"items": [{"kind": "key", "text": "x", "count": True}]},
            ).status_code
            == 422
        )


def test_other_departments_and_organisations_get_404_on_every_record(centre, api, roster):
    outgoing = roster[0]
    with time_machine.travel(BEFORE, tick=False):
        swap = (
            api(centre.agent)
            .post("duty/swaps", {"shift_id": outgoing["id"], "colleague_id": centre.agent2.pk, "reason": "x"})
            .json()
        )
    with time_machine.travel(at(2026, 11, 3, 7, 45), tick=False):
        api(centre.agent).post(f"duty/swaps/{swap['id']}/withdraw", {})
        handover = api(centre.agent).post(f"duty/shifts/{outgoing['id']}/handover", {}).json()
        for stranger in (centre.cleaner, centre.tech, centre.outsider):
            client = api(stranger)
            for path in (
                f"duty/shifts/{outgoing['id']}",
                f"duty/swaps/{swap['id']}",
                f"duty/handovers/{handover['id']}",
                f"duty/shifts/{outgoing['id']}/open-items",
            ):
                assert client.get(path).status_code == 404, (stranger.username, path)
            assert client.post(f"duty/shifts/{outgoing['id']}/cancel", {"reason": ""}).status_code == 404
            assert client.patch(f"duty/shifts/{outgoing['id']}", {"person_id": 1}).status_code == 404
            assert client.post(f"duty/handovers/{handover['id']}/acknowledge", {}).status_code == 404
            assert client.post(f"duty/swaps/{swap['id']}/agree", {}).status_code == 404
            assert client.get("duty/shifts").json()["items"] == []
            assert client.get("duty/handovers").json()["items"] == []
            assert client.get("duty/swaps").json()["items"] == []
        # the quality role and the director see the whole organisation
        for viewer in (centre.quality, centre.director):
            assert api(viewer).get(f"duty/handovers/{handover['id']}").status_code == 200


def test_lists_run_a_bounded_number_of_queries(centre, api, roster, put_on, django_assert_max_num_queries):
    client = api(centre.head_service)
    shifts = list(Shift.objects.filter(post=POST).order_by("starts_at"))

    def swap(shift):
        answer = api(shift.person).post(
            "duty/swaps", {"shift_id": shift.pk, "colleague_id": centre.head_service.pk, "reason": "x"}
        )
        assert answer.status_code == 201, answer.content

    def hand_over(shift):
        with time_machine.travel(shift.ends_at - timedelta(minutes=10), tick=False):
            assert api(shift.person).post(f"duty/shifts/{shift.pk}/handover", {}).status_code == 201

    def measure(path):
        with django_assert_max_num_queries(12) as first:
            assert client.get(path).status_code == 200
        return len(first.captured_queries)

    # one of each, then more of everything: the same number of queries
    with time_machine.travel(BEFORE, tick=False):
        swap(shifts[1])
    hand_over(shifts[0])
    with time_machine.travel(at(2026, 11, 8, 9), tick=False):
        few = {path: measure(path) for path in ("duty/shifts", "duty/swaps", "duty/handovers")}
    with time_machine.travel(BEFORE, tick=False):
        for n in range(6):
            put_on(centre.agent, at(2026, 11, 20 + n, 8), post="投诉专线", now=BEFORE)
        for shift in shifts[2:5]:
            swap(shift)
    for shift in shifts[1:5]:
        hand_over(shift)
    with time_machine.travel(at(2026, 11, 8, 9), tick=False):
        for path, count in few.items():
            with django_assert_max_num_queries(count):
                assert client.get(path).status_code == 200
        assert len(client.get("duty/handovers").json()["items"]) == 5
        assert len(client.get("duty/swaps").json()["items"]) == 4
        assert len(client.get("duty/shifts").json()["items"]) == 12
        assert client.get("duty/shifts", {"limit": 500}).status_code == 422
        assert client.get("duty/shifts", {"post": "x" * 101}).status_code == 422
