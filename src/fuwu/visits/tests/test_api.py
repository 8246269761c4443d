"""``/api/v1/visits`` and ``/api/v1/visit-samples`` over real HTTP: the agent's day, a visit's
questionnaire and actions, refusals by field, visibility (another department's head, the person
rated, a higher clearance: 404 and no name), the month's samples drawn once."""

from __future__ import annotations

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.visits.models import Status, Visit
from fuwu.workorders.models import WorkOrder

from .conftest import at

GOOD = {"timeliness": "满意", "skill": "满意", "attitude": "满意"}


@time_machine.travel(at(2026, 11, 24, 8, 0), tick=False)
def test_the_agents_day_and_a_phone_visit_end_to_end(cast, steps, api):
    order = steps.done()
    agent = api(cast.agent)
    day = agent.get("visits", {"tab": "today"}).json()
    assert day["count"] == 1
    (row,) = day["items"]
    assert row["subject"] == {"kind": "work_order", "id": order.pk, "number": order.number}
    assert (row["visitor"]["name"], row["status"], row["level"]) == ("客服小张", "due", 1)
    detail = agent.get(f"visits/{row['id']}").json()
    assert [q["code"] for q in detail["questionnaire"]] == ["timeliness", "skill", "attitude", "suggestions"]
    assert set(detail["allowed_actions"]) == {"attempt", "record-answer", "send-survey", "reschedule"}
    answered = agent.post(f"visits/{row['id']}/record-answer", {"answers": GOOD, "method": "phone"})
    assert answered.status_code == 200, answered.content
    body = answered.json()
    assert (body["status"], body["satisfied"], body["allowed_actions"]) == ("done", True, [])
    assert [e["action"] for e in body["timeline"]] == ["visit.scheduled", "visit.answered"]
    assert WorkOrder.objects.get(pk=order.pk).status == "visited"
    assert agent.get("visits", {"tab": "today"}).json()["count"] == 0


def test_bad_answers_are_422_naming_the_field_in_the_users_language(cast, steps, api):
    visit = Visit.objects.get(work_order=steps.done())
    refused = api(cast.agent).post(f"visits/{visit.pk}/record-answer", {"answers": {"timeliness": "很好"}})
    assert refused.status_code == 422
    fields = refused.json()["error"]["fields"]
    assert set(fields) == {"answers.timeliness", "answers.skill", "answers.attitude"}
    assert "满意, 一般, 不满意" in fields["answers.timeliness"][0]
    english = api(cast.agent, "en").post(f"visits/{visit.pk}/record-answer", {"answers": {"skill": 3}})
    assert english.status_code == 422
    assert "must be one of" in english.json()["error"]["fields"]["answers.skill"][0]
    for body in (
        {"answers": {"x\x00": "a"}},
        {"answers": GOOD, "extra": 1},
        {"answers": GOOD, "method": "fax"},
    ):
        assert api(cast.agent).post(f"visits/{visit.pk}/record-answer", body).status_code == 422
    visit.refresh_from_db()
    assert (visit.status, visit.attempts) == (Status.DUE, 0)


def test_other_departments_the_rated_and_the_uncleared_get_404_without_a_name(cast, steps, api):
    order = steps.done()
    visit = Visit.objects.get(work_order=order)
    for person in (cast.tech, cast.cleaner, cast.plumber, cast.outsider):
        client = api(person)
        got = client.get(f"visits/{visit.pk}")
        assert got.status_code == 404, person
        assert order.number not in got.content.decode()
        assert client.post(f"visits/{visit.pk}/attempt", {"outcome": "unreachable"}).status_code == 404
        listed = client.get("visits").json()
        assert visit.pk not in [item["id"] for item in listed["items"]]
    # the head of the handling department, the visitor's head (客服主管) and the quality role see it
    assert api(cast.head_repair).get(f"visits/{visit.pk}").status_code == 200
    assert api(cast.head_service).get(f"visits/{visit.pk}").status_code == 200
    assert api(cast.quality).get(f"visits/{visit.pk}").status_code == 200
    # a confidential subject's visit is hidden from those not cleared for it
    Visit.objects.filter(pk=visit.pk).update(confidentiality=2)
    assert api(cast.quality).get(f"visits/{visit.pk}").status_code == 404  # clearance 1
    assert api(cast.director).get(f"visits/{visit.pk}").status_code == 200


def test_a_list_runs_a_bounded_number_of_queries(cast, steps, api):
    client = api(cast.quality)
    steps.done()
    client.get("visits")
    with CaptureQueriesContext(connection) as one:
        assert client.get("visits").json()["count"] == 1
    for _ in range(4):
        steps.done()
    with CaptureQueriesContext(connection) as five:
        assert client.get("visits").json()["count"] == 5
    assert len(five) == len(one)


def test_samples_are_drawn_once_and_shown_with_their_audit(cast, receive, api):
    from fuwu.visits.tests.test_sampling import finish

    finish(cast, receive, 12)
    with time_machine.travel(at(2026, 12, 1, 9, 0), tick=False):
        assert api(cast.agent).post("visit-samples", {"month": "2026-11"}).status_code == 403
        assert api(cast.director).post("visit-samples", {"month": "2026-13"}).status_code == 422
        assert api(cast.director).post("visit-samples", {"month": "2026-12"}).status_code == 409
        drawn = api(cast.director).post("visit-samples", {"month": "2026-11"})
        assert drawn.status_code == 201, drawn.content
        again = api(cast.director).post("visit-samples", {"month": "2026-11"})
        assert again.status_code == 409
    shown = api(cast.director).get("visit-samples", {"month": "2026-11"}).json()
    assert shown["drawn"] is True
    level2 = next(s for s in shown["samples"] if s["level"] == 2)
    # 12 households (< 100: at least 30 %) → 4
    assert (level2["households"], level2["size"], level2["reproducible"]) == (12, 4, True)
    assert len(level2["visits"]) == 4
    assert all("住户" in v["why"] for v in level2["visits"])
    # stored in Chinese (the drawer's language), shown to an English reader in English
    english = api(cast.director, "en").get("visit-samples", {"month": "2026-11"}).json()
    level2_en = next(s for s in english["samples"] if s["level"] == 2)
    assert level2_en["rule"] == "12 households served (12 items): at least 30% → 4"
    assert level2_en["visits"][0]["why"].startswith(
        "household drawn at random: 4 of 12 households (band 0–99"
    )
    level3_en = next(s for s in english["samples"] if s["level"] == 3)
    assert level3_en["rule"] == "12 items: at least 5%, rounded up → 1"
    assert level3_en["visits"][0]["why"] == "drawn at random: 1 of 12 (at least 5%)"  # no code shown
    assert api(cast.director).get("visit-samples", {"month": "2026-10"}).json() == {
        "month": "2026-10",
        "drawn": False,
        "samples": [],
    }


def test_a_visit_planned_by_hand_checks_its_visitor(cast, steps, api):
    order = steps.done()
    head = api(cast.head_repair)
    base = {"work_order_id": order.pk, "level": 1, "due_at": "2099-01-05T10:00:00+08:00"}
    for visitor, wrong in ((cast.tech, "rated"), (cast.head_repair, "role"), (cast.outsider, "staff")):
        refused = head.post("visits", {**base, "visitor_id": visitor.pk})
        assert refused.status_code == 422, wrong
        assert set(refused.json()["error"]["fields"]) == {"visitor_id"}
    assert head.post("visits", {**base, "due_at": "2020-01-05T10:00:00+08:00"}).status_code == 422
    assert (
        api(cast.cleaner).post("visits", {**base, "visitor_id": cast.agent2.pk}).status_code == 422
    )  # not seen
    planned = head.post("visits", {**base, "visitor_id": cast.agent2.pk, "note": "客户要求再回访"})
    assert planned.status_code == 201, planned.content
    body = planned.json()
    assert (body["reason"], body["visitor"]["name"], body["level"]) == ("planned", "客服小李", 1)
    assert Visit.objects.filter(work_order=order).count() == 2
