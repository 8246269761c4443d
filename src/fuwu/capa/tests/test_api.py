"""``/api/v1/capa`` end to end: create from complaints, the detail with clocks, timeline and allowed
actions, every action, the 409/403/404/422 rules, visibility (another department, a higher
clearance) through the API, the pages and the exports, and a list whose queries do not grow."""

from __future__ import annotations

from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from fuwu.capa.models import AffectedRecord, Capa, Status
from fuwu.exports.xlsx import HEADER_ROW
from fuwu.timeline.models import Event

from .conftest import RAISED, at

LATER = at(2026, 10, 20, 10, 0)  # after the 30-day interval from RAISED


def body(department, **extra):
    return {
        "title": "服务态度问题",
        "problem": "多起投诉",
        "category": "service_attitude",
        "department_id": department.pk,
        **extra,
    }


def test_create_and_take_a_capa_through_every_step(api, cast, complaint):
    first, second = complaint(), complaint()
    head, tech, quality = api(cast.head_repair), api(cast.tech), api(cast.quality)

    with time_machine.travel(RAISED, tick=False):
        created = head.post(
            "capa",
            body(
                cast.repair,
                affected=[f"complaints.complaint:{first.pk}", f"complaints.complaint:{second.pk}"],
            ),
        )
        assert created.status_code == 201, created.content
        capa = created.json()
        assert capa["number"] == "CA2609-001"
        assert capa["status"] == "raised"
        assert capa["origin"] == "complaint"
        assert {a["label"] for a in capa["affected"]} == {first.number, second.number}
        assert capa["category_label"] == "服务态度"
        assert "analyse" in capa["allowed_actions"]
        url = f"capa/{capa['id']}"

        assert head.post(f"{url}/analyse", {"root_cause": "未培训", "method": "five_whys"}).status_code == 200
        assert head.post(f"{url}/decide-disposition", {"disposition": "redo"}).status_code == 200
        assert head.post(f"{url}/check-extent", {"scope": "水电班", "found": False}).status_code == 200
        added = head.post(
            f"{url}/add-item", {"description": "培训", "owner_id": cast.tech.pk, "due_on": "2026-09-18"}
        )
        assert added.status_code == 200
        item = added.json()["items"][0]
        assert item["due_at"] == "2026-09-18T09:30:00Z"  # 17:30 in Shanghai
        assert [c["kind"] for c in added.json()["clocks"]] == ["action_item"]
        # the owner sees the CAPA (they own an item) and records it done
        done = tech.post(f"{url}/complete-item", {"item_id": item["id"], "evidence": "签到表"})
        assert done.status_code == 200, done.content
        implemented = head.post(f"{url}/implement", {})
        assert implemented.json()["status"] == "awaiting_verification"
        # too early: 409 with what is allowed
        early = quality.post(f"{url}/verify", {"result": "passed", "note": "有效"})
        assert early.status_code == 409
        assert early.json()["error"]["allowed_actions"] == ["cancel"]

    with time_machine.travel(LATER, tick=False):
        # the owner may not verify: 403 once the state allows it
        assert tech.post(f"{url}/verify", {"result": "passed", "note": "有效"}).status_code == 403
        verified = quality.post(f"{url}/verify", {"result": "passed", "note": "一个月无同类投诉"})
        assert verified.status_code == 200
        assert verified.json()["allowed_actions"] == ["close"]
        closed = quality.post(f"{url}/close", {"note": "关闭"})
        assert closed.status_code == 200
        detail = head.get(url).json()

    assert detail["status"] == "closed"
    assert [e["action"] for e in detail["events"]] == [
        "capa.raised",
        "capa.analysed",
        "capa.disposition_decided",
        "capa.extent_checked",
        "capa.item_added",
        "capa.item_completed",
        "capa.implemented",
        "capa.verified",
        "capa.closed",
    ]
    assert detail["allowed_actions"] == []
    assert detail["verifications"][0]["verified_by"]["id"] == cast.quality.pk


def test_linking_a_complaint_the_user_may_not_see_is_refused_without_naming_it(api, cast, complaint):
    hidden = complaint(department=cast.cleaning)  # another department's complaint

    answer = api(cast.head_repair).post(
        "capa", body(cast.repair, affected=[f"complaints.complaint:{hidden.pk}"])
    )

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert list(error["fields"]) == ["affected[0]"]
    assert hidden.number not in answer.content.decode()
    assert not Capa.objects.exists()
    # the same answer as for a record that does not exist at all
    absent = api(cast.head_repair).post("capa", body(cast.repair, affected=["complaints.complaint:999999"]))
    assert absent.json()["error"]["fields"] == error["fields"]


def test_linking_later_also_checks_visibility(api, cast, complaint, raise_capa):
    capa = raise_capa()
    hidden, visible = complaint(department=cast.cleaning), complaint()
    head = api(cast.head_repair)

    refused = head.post(f"capa/{capa.pk}/link-record", {"reference": f"complaints.complaint:{hidden.pk}"})
    linked = head.post(f"capa/{capa.pk}/link-record", {"reference": f"complaints.complaint:{visible.pk}"})

    assert refused.status_code == 422
    assert hidden.number not in refused.content.decode()
    assert linked.status_code == 200
    assert list(AffectedRecord.objects.filter(capa=capa).values_list("label", flat=True)) == [visible.number]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"title": "", "problem": "x", "category": "a", "department_id": 1}, {"title"}),
        ({"title": "t", "problem": "x\u0000", "category": "a", "department_id": 1}, {"problem"}),
        ({"title": "t", "problem": "x", "category": "A B", "department_id": 1}, {"category"}),
        ({"title": "t", "problem": "x", "category": "a", "department_id": 0}, {"department_id"}),
        ({"title": "t", "problem": "x", "category": "a", "department_id": 1, "kind": "both"}, {"kind"}),
        (
            {"title": "t", "problem": "x", "category": "a", "department_id": 1, "affected": ["complaint 1"]},
            {"affected[0]"},
        ),
        ({"title": "t", "problem": "x", "category": "a", "department_id": 1, "extra": 1}, {"extra"}),
        (
            {"title": "t", "problem": "x", "category": "a", "department_id": 1, "confidentiality": 9},
            {"confidentiality"},
        ),
    ],
)
def test_bad_input_gives_field_errors_and_writes_nothing(api, cast, payload, fields):
    answer = api(cast.head_repair, "en").post("capa", payload)

    assert answer.status_code == 422
    assert set(answer.json()["error"]["fields"]) == fields
    assert not Capa.objects.exists()


def test_a_department_unknown_to_the_organisation_is_a_field_error(api, cast):
    other = cast.outsider.department
    answer = api(cast.head_repair).post("capa", body(other))
    assert answer.status_code == 422
    assert list(answer.json()["error"]["fields"]) == ["department_id"]


def test_action_bad_input_writes_nothing(api, cast, raise_capa):
    capa = raise_capa()
    head = api(cast.head_repair)
    events = Event.objects.count()

    answer = head.post(f"capa/{capa.pk}/analyse", {"root_cause": "", "method": "guess"})

    assert answer.status_code == 422
    assert set(answer.json()["error"]["fields"]) == {"root_cause", "method"}
    assert Event.objects.count() == events
    assert Capa.objects.get(pk=capa.pk).status == Status.RAISED


def test_an_invisible_capa_is_404_on_the_api_the_page_and_the_exports(api, web, cast, raise_capa):
    other_department = raise_capa(by=cast.head_service, department=cast.service)
    confidential = raise_capa(by=cast.director, confidentiality=2)

    for capa, person in (
        (other_department, cast.tech),
        (confidential, cast.quality),
        (confidential, cast.tech),
    ):
        client = api(person)
        assert client.get(f"capa/{capa.pk}").status_code == 404
        assert client.post(f"capa/{capa.pk}/analyse", {"root_cause": "", "method": "x"}).status_code == 404
        page = web(person)
        assert page.get(f"/capa/{capa.pk}/").status_code == 404
        assert page.get(f"/capa/{capa.pk}/record.pdf").status_code == 404
        assert (
            page.post(f"/capa/{capa.pk}/analyse/", {"root_cause": "x", "method": "five_whys"}).status_code
            == 404
        )
        listed = [row["id"] for row in client.get("capa").json()["items"]]
        assert capa.pk not in listed
        sheet = page.get("/exports/xlsx/capa/?open=")
        assert capa.number not in _cells(sheet.content)
    # the outsider's organisation sees nothing either
    assert api(cast.outsider).get(f"capa/{other_department.pk}").status_code == 404


def _cells(content: bytes) -> set[str]:
    workbook = load_workbook(BytesIO(content))
    sheet = workbook.active
    assert sheet is not None
    return {
        str(c) for row in sheet.iter_rows(min_row=HEADER_ROW, values_only=True) for c in row if c is not None
    }


def test_the_register_and_the_record_export_for_those_who_see_them(web, cast, raise_capa):
    capa = raise_capa()

    sheet = web(cast.quality).get("/exports/xlsx/capa/?open=")
    pdf = web(cast.quality).get(f"/capa/{capa.pk}/record.pdf")
    api_sheet = web(cast.quality).get("/api/v1/capa/export.xlsx")

    assert capa.number in _cells(sheet.content)
    assert "服务态度" in _cells(sheet.content)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert api_sheet.status_code == 200


def test_the_list_runs_a_bounded_number_of_queries(api, cast, raise_capa, django_assert_max_num_queries):
    client = api(cast.quality)
    raise_capa()
    with django_assert_max_num_queries(12) as one:
        assert client.get("capa").status_code == 200
    for _ in range(8):
        raise_capa()
    with django_assert_max_num_queries(len(one.captured_queries)):
        answer = client.get("capa")
    assert answer.json()["count"] == 9


def test_list_filters(api, cast, raise_capa):
    raise_capa()
    raise_capa(category="timeliness", kind="preventive")
    client = api(cast.quality)

    assert client.get("capa", {"category": "timeliness"}).json()["count"] == 1
    assert client.get("capa", {"kind": "corrective"}).json()["count"] == 1
    assert client.get("capa", {"status": "closed"}).json()["count"] == 0
    assert client.get("capa", {"status": "nonsense"}).status_code == 422
    assert client.get("capa", {"raised_from": "2026-09-15"}).json()["count"] == 0
