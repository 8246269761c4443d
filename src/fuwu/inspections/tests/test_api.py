"""``/api/v1/inspections``, ``/api/v1/rectifications`` and ``/api/v1/checklists`` end to end: the
whole life of an inspection and its rectification order through the API, 404 for what the caller
may not see (another department, another organisation, a higher confidentiality) with nothing about
the record in the answer, 403 and 409 with the allowed actions, 422 naming each field in the
caller's language, and lists whose queries do not grow with their rows."""

from __future__ import annotations

import copy
from decimal import Decimal
from io import BytesIO
from typing import Any, get_args

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fuwu.inspections import definition, sampling, services
from fuwu.inspections.models import (
    ChecklistTemplate,
    Finding,
    Inspection,
    Photo,
    Purpose,
    Rectification,
    RectificationStatus,
    Status,
)
from fuwu.inspections.schemas import (
    AqlCode,
    ChecklistDefinitionIn,
    ChecklistItemIn,
    ChecklistSamplingIn,
    ChecklistSectionIn,
    LevelCode,
    PurposeCode,
)
from fuwu.timeline.models import Event

from .conftest import ALL_PASS, DEFINITION, at

PLANNED = at(2026, 9, 14, 9)  # a Monday
ON_SITE = at(2026, 9, 15, 10)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def png(name: str = "photo.png", colour: tuple[int, int, int] = (200, 30, 30)) -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (16, 12), colour).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def multipart(client: Any, path: str, data: dict[str, Any]) -> Any:
    """A multipart POST as ``client``'s user (the API client sends JSON)."""
    return client.client.post(f"/api/v1/{path}", data, headers=client.headers)


def fields_of(answer: Any) -> dict[str, list[str]]:
    assert answer.status_code == 422, answer.content
    return answer.json()["error"]["fields"]


def planned_body(cast: Any, checklist: ChecklistTemplate, **extra: Any) -> dict[str, Any]:
    return {
        "template_id": checklist.pk,
        "department_id": cast.repair.pk,
        "inspector_id": cast.quality.pk,
        "due_on": "2026-09-18",
        **extra,
    }


ANSWERS: list[dict[str, Any]] = [
    {"item_code": "uniform", "result": "pass"},
    {"item_code": "site_clean", "result": "fail", "note": "楼道堆放装修垃圾"},
    {"item_code": "phrases", "result": "pass"},
    {"item_code": "records", "score": 7},
    {"item_code": "safety", "result": "pass"},
]


def submitted_order(cast: Any, plan_inspection: Any) -> Rectification:
    """An inspection of 工程维修部 submitted with ``uniform`` failed: its one order, issued."""
    inspection = plan_inspection()
    answers = [services.AnswerIn("uniform", "fail", note="两人未戴工牌"), *ALL_PASS[1:]]
    services.inspection_record(inspection=inspection, by=cast.quality, answers=answers, now=ON_SITE)
    services.inspection_submit(inspection=inspection, by=cast.quality, now=ON_SITE)
    return Rectification.objects.get(inspection=inspection)


# --- the whole life ---------------------------------------------------------------------------


def test_plan_carry_out_submit_and_rectify_through_the_api(api, cast, checklist):
    quality, head, tech = api(cast.quality), api(cast.head_repair), api(cast.tech)

    with time_machine.travel(PLANNED, tick=False):
        created = quality.post("inspections", planned_body(cast, checklist, site="1号楼"))
        assert created.status_code == 201, created.content
        body = created.json()
        assert body["status"] == "planned"
        assert body["status_label"] == "计划"
        assert body["inspector"] == {"id": cast.quality.pk, "name": "品质李"}
        assert body["department"] == {"id": cast.repair.pk, "name": "工程维修部"}
        assert body["checklist"] == {"id": checklist.pk, "name": "服务质量巡检表", "version": 1}
        assert body["due_at"] == "2026-09-18T09:30:00Z"  # close of business in Shanghai
        assert body["site"] == "1号楼"
        assert [i["item_code"] for i in body["unanswered"]] == [
            "uniform",
            "site_clean",
            "phrases",
            "records",
            "safety",
        ]
        assert body["url"] == f"/api/v1/inspections/{body['id']}"
        assert set(body["allowed_actions"]) == {"start", "record", "reassign", "cancel"}
        url = f"inspections/{body['id']}"

    with time_machine.travel(ON_SITE, tick=False):
        started = quality.post(f"{url}/start", {})
        assert started.status_code == 200, started.content
        assert started.json()["status"] == "in_progress"

        recorded = quality.post(f"{url}/record", {"answers": ANSWERS})
        assert recorded.status_code == 200, recorded.content
        detail = recorded.json()
        assert detail["unanswered"] == []
        assert [f["item_code"] for f in detail["findings"]] == [a["item_code"] for a in ANSWERS]
        records = detail["findings"][3]
        assert (records["result"], records["score"], records["kind"]) == ("pass", 7, "score")
        assert "submit" in detail["allowed_actions"]

        # the failed item needs a photo first (``photo_on_fail``)
        missing = quality.post(f"{url}/submit", {})
        assert list(fields_of(missing)) == ["photos.site_clean"]

        uploaded = multipart(
            quality, f"{url}/photos", {"item_code": "site_clean", "photos": [png(), png("b.png")]}
        )
        assert uploaded.status_code == 201, uploaded.content
        (site_clean,) = [f for f in uploaded.json()["findings"] if f["item_code"] == "site_clean"]
        assert len(site_clean["photos"]) == 2
        assert site_clean["photos"][0]["content_type"] == "image/png"
        assert site_clean["photos"][0]["url"].endswith(".png")

        done = quality.post(f"{url}/submit", {"summary": "现场整体良好"})
        assert done.status_code == 200, done.content
        inspection = done.json()

    # (2 + 0 + 1 + 4 × 7/10 + 2) / 12 = 7.8 / 12 = 65.0 %: below the pass mark of 80
    assert Decimal(inspection["score"]) == Decimal("65.0")
    assert Decimal(inspection["points"]) == Decimal("7.80")
    assert Decimal(inspection["max_points"]) == Decimal("12.00")
    assert inspection["passed"] is False
    assert inspection["failed_items"] == 1
    assert inspection["status"] == "submitted"
    assert inspection["summary"] == "现场整体良好"
    assert inspection["allowed_actions"] == []
    (order,) = inspection["rectifications"]
    assert order["status"] == "issued"
    order_url = f"rectifications/{order['id']}"

    with time_machine.travel(at(2026, 9, 15, 14), tick=False):
        shown = head.get(order_url).json()
        assert shown["item_code"] == "site_clean"
        assert shown["finding_note"] == "楼道堆放装修垃圾"
        assert len(shown["finding_photos"]) == 2
        assert shown["inspection"] == {"id": inspection["id"], "number": inspection["number"]}
        assert "acknowledge" in shown["allowed_actions"]
        acknowledged = head.post(f"{order_url}/acknowledge", {"note": "已安排清理"})
        assert acknowledged.status_code == 200, acknowledged.content
        assert acknowledged.json()["status"] == "in_rectification"
        assert acknowledged.json()["acknowledged_by"] == {"id": cast.head_repair.pk, "name": "维修主管"}
        decided = head.post(f"{order_url}/decide-disposition", {"disposition": "redo"})
        assert decided.json()["disposition"] == "redo"
        assert decided.json()["disposition_label"]

    with time_machine.travel(at(2026, 9, 16, 9), tick=False):
        rectified = multipart(
            tech, f"{order_url}/record-done", {"action_taken": "已清运垃圾", "photos": [png()]}
        )
        assert rectified.status_code == 200, rectified.content
        assert rectified.json()["status"] == "awaiting_verification"
        assert rectified.json()["done_by"] == {"id": cast.tech.pk, "name": "维修工老赵"}
        assert len(rectified.json()["photos"]) == 1
        first_due = rectified.json()["due_at"]

    with time_machine.travel(at(2026, 9, 16, 15), tick=False):
        failed = quality.post(f"{order_url}/verify", {"passed": False, "note": "仍有少量垃圾"})
        assert failed.status_code == 200, failed.content
        reopened = failed.json()
        assert reopened["status"] == "in_rectification"
        assert reopened["failed_verifications"] == 1
        assert reopened["due_at"] > first_due  # a new deadline from the verification on
        assert reopened["verification_note"] == "仍有少量垃圾"

    with time_machine.travel(at(2026, 9, 17, 9), tick=False):
        again = multipart(tech, f"{order_url}/record-done", {"action_taken": "全部清理干净"})
        assert again.status_code == 200, again.content
    with time_machine.travel(at(2026, 9, 17, 15), tick=False):
        verified = quality.post(f"{order_url}/verify", {"passed": True, "note": "已整改"})
        assert verified.status_code == 200, verified.content

    final = verified.json()
    assert final["status"] == "verified"
    assert final["verified_by"] == {"id": cast.quality.pk, "name": "品质李"}
    assert final["action_taken"] == "全部清理干净"
    assert final["allowed_actions"] == []
    assert Rectification.objects.get(pk=order["id"]).status == RectificationStatus.VERIFIED


def test_labels_follow_the_callers_language(api, cast, plan_inspection):
    inspection = plan_inspection()
    chinese = api(cast.quality).get(f"inspections/{inspection.pk}").json()
    english = api(cast.quality, "en").get(f"inspections/{inspection.pk}").json()

    assert english["status_label"] == "Planned"
    assert english["unanswered"][0]["kind_label"] == "Pass or fail"
    assert chinese["status_label"] == "计划"


def test_a_sampling_checklist_needs_the_population_and_gives_a_verdict(api, cast):
    sampled = copy.deepcopy(DEFINITION)
    sampled["sampling"] = {"method": "iso2859", "level": "II", "aql": "1.0", "unit": "份工单记录"}
    quality = api(cast.quality, "en")
    with time_machine.travel(PLANNED, tick=False):
        created = quality.post(
            "checklists", {"code": "records", "name": "工单记录抽查", "definition": sampled}
        )
        assert created.status_code == 201, created.content
        inspection = quality.post(
            "inspections", planned_body(cast, ChecklistTemplate.objects.get(code="records"))
        )
        url = f"inspections/{inspection.json()['id']}"
        assert inspection.json()["sampling"]["method"] == "iso2859"
        assert inspection.json()["sampling"]["population"] is None

        assert list(fields_of(quality.post(f"{url}/start", {}))) == ["population"]
        started = quality.post(f"{url}/start", {"population": 500})
        assert started.status_code == 200, started.content
        shown = started.json()["sampling"]
        plan = sampling.plan("iso2859", 500, level="II", aql="1.0")
        assert (shown["sample_size"], shown["accept"], shown["reject"], shown["code_letter"]) == (
            plan.sample_size,
            plan.accept,
            plan.reject,
            plan.code_letter,
        )
        assert len(shown["units"]) == plan.sample_size
        assert shown["units"] == sorted(shown["units"])
        assert shown["units_complete"] is True
        assert shown["unit"] == "份工单记录"

        answers = [{"item_code": a.item_code, "result": a.result, "score": a.score} for a in ALL_PASS]
        assert quality.post(f"{url}/record", {"answers": answers}).status_code == 200
        too_many = quality.post(f"{url}/submit", {"nonconforming_units": plan.sample_size + 1})
        assert list(fields_of(too_many)) == ["nonconforming_units"]
        assert plan.reject is not None
        submitted = quality.post(f"{url}/submit", {"nonconforming_units": plan.reject})

    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["sampling"]["verdict"] == "reject"
    assert submitted.json()["sampling"]["verdict_label"] == "Lot rejected"
    assert submitted.json()["sampling"]["nonconforming"] == plan.reject


def test_reassign_and_cancel(api, cast, plan_inspection):
    inspection = plan_inspection(now=PLANNED)
    quality = api(cast.quality)

    with time_machine.travel(PLANNED, tick=False):
        same = quality.post(
            f"inspections/{inspection.pk}/reassign", {"inspector_id": cast.quality.pk, "reason": "换人"}
        )
        assert list(fields_of(same)) == ["inspector_id"]
        moved = quality.post(
            f"inspections/{inspection.pk}/reassign",
            {"inspector_id": cast.head_repair.pk, "reason": "品质李出差"},
        )
        assert moved.status_code == 200, moved.content
        assert moved.json()["inspector"]["id"] == cast.head_repair.pk
        cancelled = quality.post(f"inspections/{inspection.pk}/cancel", {"reason": "重复安排"})

    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "重复安排"
    assert cancelled.json()["allowed_actions"] == []


# --- checklists -------------------------------------------------------------------------------


def test_create_publish_and_retire_a_checklist(api, cast):
    quality = api(cast.quality)

    created = quality.post(
        "checklists", {"code": "weekly", "name": "周巡检表", "definition": DEFINITION, "note": "初版"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["version"], body["item_count"], body["is_active"]) == (1, 5, True)
    assert body["versions"][0]["definition"] == definition.as_json(definition.parse(DEFINITION))
    assert body["versions"][0]["published_by"] == {"id": cast.quality.pk, "name": "品质李"}
    url = f"checklists/{body['id']}"

    changed = copy.deepcopy(DEFINITION)
    changed["sections"][0]["items"].append({"code": "badge", "text": "佩戴工牌"})
    published = quality.post(
        f"{url}/versions", {"definition": changed, "note": "增加工牌检查", "name": "周巡检表(新)"}
    )
    assert published.status_code == 201, published.content
    assert published.json()["version"] == 2
    assert published.json()["item_count"] == 6
    assert published.json()["name"] == "周巡检表(新)"
    assert [v["number"] for v in published.json()["versions"]] == [2, 1]
    assert [v["note"] for v in published.json()["versions"]] == ["增加工牌检查", "初版"]

    retired = quality.post(f"{url}/active", {"active": False})
    assert retired.status_code == 200
    assert retired.json()["is_active"] is False

    listed = api(cast.tech).get("checklists").json()  # everyone reads the organisation's checklists
    assert [(c["code"], c["version"], c["is_active"]) for c in listed["items"]] == [("weekly", 2, False)]
    assert api(cast.tech).get("checklists", {"active": True}).json()["count"] == 0
    assert api(cast.outsider).get(url).status_code == 404

    # a retired checklist plans nothing by hand
    with time_machine.travel(PLANNED, tick=False):
        refused = quality.post(
            "inspections", planned_body(cast, ChecklistTemplate.objects.get(code="weekly"))
        )
    assert list(fields_of(refused)) == ["template_id"]


def test_only_the_quality_role_keeps_checklists(api, cast, checklist):
    tech = api(cast.tech)
    created = tech.post("checklists", {"code": "mine", "name": "我的表", "definition": DEFINITION})
    published = tech.post(f"checklists/{checklist.pk}/versions", {"definition": DEFINITION, "note": "改"})
    retired = tech.post(f"checklists/{checklist.pk}/active", {"active": False})

    assert [created.status_code, published.status_code, retired.status_code] == [403, 403, 403]
    assert ChecklistTemplate.objects.count() == 1
    assert checklist.versions.count() == 1
    assert ChecklistTemplate.objects.get(pk=checklist.pk).is_active is True


def _definition(**item: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEFINITION)
    data["sections"][0]["items"][0].update(item)
    return data


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_definition(weight=0), "definition.sections[0].items[0].weight", "must be at least 1"),
        (_definition(weight=True), "definition.sections[0].items[0].weight", "must be a whole number"),
        (_definition(code="records"), "definition.sections[1].items[1].code", "is used by another item"),
        (
            _definition(kind="score", max_score=5, pass_at=6),
            "definition.sections[0].items[0].pass_at",
            "must not be more than max_score (5)",
        ),
        (_definition(text="坏\u0000"), "definition.sections[0].items[0].text", "control characters"),
        (_definition(colour="red"), "definition.sections[0].items[0].colour", "is not a known key"),
        ({**DEFINITION, "sampling": {"method": "ratio"}}, "definition.sampling.ratio", "is required"),
        (
            {**DEFINITION, "sampling": {"method": "iso2859", "level": "II"}},
            "definition.sampling.aql",
            "is required",
        ),
        (
            {**DEFINITION, "sampling": {"method": "ratio", "ratio": 1.5}},
            "definition.sampling.ratio",
            "at most 1",
        ),
        ({**DEFINITION, "sections": []}, "definition.sections", "at least 1 item"),
    ],
)
def test_a_wrong_definition_names_the_field_in_the_callers_language(api, cast, data, field, message):
    answer = api(cast.quality, "en").post("checklists", {"code": "bad", "name": "坏表", "definition": data})

    fields = fields_of(answer)
    assert list(fields) == [field]
    assert message in fields[field][0]
    assert "Value error" not in fields[field][0]
    assert not ChecklistTemplate.objects.exists()


@pytest.mark.parametrize(
    ("schema", "engine"),
    [
        (ChecklistDefinitionIn, definition.ChecklistDefinition),
        (ChecklistSectionIn, definition.ChecklistSection),
        (ChecklistItemIn, definition.Item),
        (ChecklistSamplingIn, definition.Sampling),
    ],
)
def test_the_definition_schema_has_the_engines_fields_and_defaults(schema, engine):
    """A field added to the engine (``definition.py``) is added to the API's schema too."""
    assert set(schema.model_fields) == set(engine.model_fields)
    for name, field in engine.model_fields.items():
        if not field.is_required() and field.default_factory is None:
            assert schema.model_fields[name].default == field.default, name


def test_the_definition_schema_mirrors_the_engine():
    """What the endpoint accepts is what the engine stores, defaults included."""
    assert set(get_args(PurposeCode)) == set(Purpose.values)
    minimal = {"sections": [{"title": "现场", "items": [{"code": "a", "text": "整洁"}]}]}
    assert ChecklistDefinitionIn.model_validate(minimal).model_dump(mode="json") == definition.as_json(
        definition.parse(minimal)
    )
    assert set(get_args(LevelCode)) == set(sampling.LEVELS)
    assert set(get_args(AqlCode)) == set(sampling.AQLS)
    full = copy.deepcopy(DEFINITION)
    full["sampling"] = {"method": "ratio", "ratio": "0.125", "unit": "间"}
    assert definition.parse(
        ChecklistDefinitionIn.model_validate(full).model_dump(mode="json")
    ) == definition.parse(full)


def test_a_chinese_caller_gets_chinese_field_messages(api, cast):
    answer = api(cast.quality).post(
        "checklists", {"code": "bad", "name": "坏表", "definition": _definition(weight=0)}
    )
    assert fields_of(answer) == {"definition.sections[0].items[0].weight": ["不能小于 1"]}


# --- 404: what the caller may not see ------------------------------------------------------------


def _hidden_answers(client: Any, inspection: Inspection, order: Rectification | None) -> list[Any]:
    answers = [
        client.get(f"inspections/{inspection.pk}"),
        client.post(f"inspections/{inspection.pk}/start", {"population": True}),  # 404 before the 422
        client.post(
            f"inspections/{inspection.pk}/record", {"answers": [{"item_code": "uniform", "result": "pass"}]}
        ),
        client.post(f"inspections/{inspection.pk}/submit", {}),
        client.post(f"inspections/{inspection.pk}/cancel", {"reason": "x"}),
        multipart(client, f"inspections/{inspection.pk}/photos", {"item_code": "uniform", "photos": [png()]}),
    ]
    if order is not None:
        answers += [
            client.get(f"rectifications/{order.pk}"),
            client.post(f"rectifications/{order.pk}/acknowledge", {}),
            client.post(f"rectifications/{order.pk}/verify", {"passed": True, "note": "好"}),
            multipart(client, f"rectifications/{order.pk}/record-done", {"action_taken": "做了"}),
        ]
    return answers


def _says_nothing_about(answer: Any, inspection: Inspection, order: Rectification | None) -> None:
    assert answer.status_code == 404, answer.content
    text = answer.content.decode()
    assert inspection.number not in text
    assert inspection.department.name not in text
    assert inspection.template_version.template.name not in text
    if order is not None:
        assert order.number not in text
    assert answer.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("who", ["cleaner", "outsider", "agent"])
def test_another_departments_or_organisations_inspection_is_404(api, cast, plan_inspection, who):
    order = submitted_order(cast, plan_inspection)
    inspection = order.inspection
    client = api(getattr(cast, who))
    events = Event.objects.count()

    for answer in _hidden_answers(client, inspection, order):
        _says_nothing_about(answer, inspection, order)
    assert inspection.pk not in [row["id"] for row in client.get("inspections").json()["items"]]
    assert order.pk not in [row["id"] for row in client.get("rectifications").json()["items"]]
    assert client.get("rectifications", {"inspection_id": inspection.pk}).json()["count"] == 0
    assert Event.objects.count() == events
    # the same answer as for one that does not exist at all
    absent = client.get("inspections/999999")
    assert absent.status_code == 404
    assert absent.json() == client.get(f"inspections/{inspection.pk}").json()


def test_a_more_confidential_inspection_is_404_for_a_lower_clearance(api, cast, plan_inspection):
    order = submitted_order(cast, plan_inspection)
    inspection = order.inspection
    Inspection.objects.filter(pk=inspection.pk).update(confidentiality=2)
    Rectification.objects.filter(pk=order.pk).update(confidentiality=2)
    inspection.refresh_from_db()

    # the quality inspector (clearance 1) and the department's own head (0) no longer see it
    for person in (cast.quality, cast.head_repair):
        client = api(person)
        for answer in _hidden_answers(client, inspection, order):
            _says_nothing_about(answer, inspection, order)
        assert client.get("inspections").json()["count"] == 0
        assert client.get("rectifications").json()["count"] == 0
    # the director (clearance 3) does
    assert api(cast.director).get(f"inspections/{inspection.pk}").json()["confidentiality"] == 2
    assert api(cast.director).get(f"rectifications/{order.pk}").status_code == 200


def test_ids_the_caller_may_not_see_are_field_errors_that_name_nothing(api, cast, checklist):
    other = services.template_create(
        organisation=cast.other_organisation,
        by=cast.outsider,
        code="theirs",
        name="别人的巡检表",
        definition_data=DEFINITION,
    ).template
    quality = api(cast.quality, "en")

    with time_machine.travel(PLANNED, tick=False):
        hidden = quality.post(
            "inspections",
            planned_body(
                cast,
                other,
                department_id=cast.outsider.department_id,
                inspector_id=cast.outsider.pk,
            ),
        )
        absent = quality.post(
            "inspections",
            planned_body(cast, checklist, template_id=999999, department_id=999999, inspector_id=999999),
        )

    assert fields_of(hidden) == fields_of(absent)
    assert set(fields_of(hidden)) == {"template_id", "department_id", "inspector_id"}
    text = hidden.content.decode()
    for name in ("别人的巡检表", "外人", "客服部"):
        assert name not in text
    assert not Inspection.objects.exists()


# --- 403 and 409 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("tech", 403), ("head_repair", 403), ("cleaner", 404), ("quality", 200), ("director", 200)],
)
def test_who_may_submit(api, cast, plan_inspection, who, status):
    inspection = plan_inspection()
    services.inspection_record(inspection=inspection, by=cast.quality, answers=ALL_PASS, now=ON_SITE)
    events = Event.objects.count()

    with time_machine.travel(ON_SITE, tick=False):
        answer = api(getattr(cast, who)).post(f"inspections/{inspection.pk}/submit", {})

    assert answer.status_code == status, answer.content
    inspection.refresh_from_db()
    if status == 200:
        assert answer.json()["status"] == "submitted"
        assert Decimal(answer.json()["score"]) == Decimal("100.0")
    else:
        assert inspection.status == Status.IN_PROGRESS
        assert Event.objects.count() == events
        assert not Rectification.objects.exists()
    if status == 403:
        assert answer.json()["error"]["code"] == "permission_denied"


def test_the_person_who_rectified_may_not_verify(api, cast, plan_inspection):
    order = submitted_order(cast, plan_inspection)
    head, director = api(cast.head_repair, "en"), api(cast.director, "en")
    with time_machine.travel(at(2026, 9, 16, 9), tick=False):
        assert head.post(f"rectifications/{order.pk}/acknowledge", {}).status_code == 200
        done = multipart(head, f"rectifications/{order.pk}/record-done", {"action_taken": "已补发工牌"})
        assert done.status_code == 200, done.content
        assert "verify" not in done.json()["allowed_actions"]

        own = head.post(f"rectifications/{order.pk}/verify", {"passed": True, "note": "好了"})
        tech = api(cast.tech).post(f"rectifications/{order.pk}/verify", {"passed": True, "note": "好了"})

        assert own.status_code == 403
        assert own.json()["error"]["message"] == "You recorded the rectification: someone else verifies it."
        assert tech.status_code == 403
        assert Rectification.objects.get(pk=order.pk).status == RectificationStatus.AWAITING_VERIFICATION
        assert "verify" in director.get(f"rectifications/{order.pk}").json()["allowed_actions"]


def test_submitting_before_every_item_is_filled_in_is_409_with_the_allowed_actions(
    api, cast, plan_inspection
):
    inspection = plan_inspection()
    quality = api(cast.quality)
    with time_machine.travel(ON_SITE, tick=False):
        quality.post(f"inspections/{inspection.pk}/record", {"answers": ANSWERS[:2]})
        answer = quality.post(f"inspections/{inspection.pk}/submit", {})

    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "conflict"
    assert error["status"] == "in_progress"
    assert set(error["allowed_actions"]) == {"start", "record", "reassign", "cancel"}
    assert Inspection.objects.get(pk=inspection.pk).status == Status.IN_PROGRESS


def test_acknowledging_twice_is_409_with_the_allowed_actions(api, cast, plan_inspection):
    order = submitted_order(cast, plan_inspection)
    head = api(cast.head_repair)
    with time_machine.travel(at(2026, 9, 16, 9), tick=False):
        first = head.post(f"rectifications/{order.pk}/acknowledge", {"note": "收到"})
        second = head.post(f"rectifications/{order.pk}/acknowledge", {"note": "再签"})

    assert first.status_code == 200
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["status"] == "in_rectification"
    assert set(error["allowed_actions"]) == {"decide-disposition", "record-done"}
    assert Rectification.objects.get(pk=order.pk).acknowledge_note == "收到"


def test_recording_done_before_acknowledging_is_409(api, cast, plan_inspection):
    order = submitted_order(cast, plan_inspection)
    answer = multipart(
        api(cast.head_repair, "en"), f"rectifications/{order.pk}/record-done", {"action_taken": "做了"}
    )
    assert answer.status_code == 409
    assert "acknowledges the order first" in answer.json()["error"]["message"]


# --- 422 naming fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "field", "message"),
    [
        ([{"item_code": "records", "score": 11}], "answers[0].score", "must be between 0 and 10"),
        ([{"item_code": "records", "score": 101}], "answers[0].score", "must be at most 100"),
        ([{"item_code": "records", "score": True}], "answers[0].score", "must be a whole number"),
        (
            [{"item_code": "uniform", "result": "pass"}, {"item_code": "nothing", "result": "pass"}],
            "answers[1].item_code",
            "no such item on this checklist",
        ),
        ([{"item_code": "No Such", "result": "pass"}], "answers[0].item_code", "has the wrong format"),
        (
            [{"item_code": "uniform", "result": "fail", "note": "坏\u0000"}],
            "answers[0].note",
            "must not contain control characters",
        ),
        ([{"item_code": "uniform", "result": "fail"}], "answers[0].note", "say what does not conform"),
        ([{"item_code": "uniform", "result": "maybe"}], "answers[0].result", "must be one of"),
        ([{"item_code": "uniform", "result": "pass", "score": 3}], "answers[0].score", "only a scored item"),
        ([], "answers", "at least 1 item"),
    ],
)
def test_wrong_answers_name_the_field_and_write_nothing(api, cast, plan_inspection, answers, field, message):
    inspection = plan_inspection()
    events = Event.objects.count()
    with time_machine.travel(ON_SITE, tick=False):
        answer = api(cast.quality, "en").post(f"inspections/{inspection.pk}/record", {"answers": answers})

    fields = fields_of(answer)
    assert list(fields) == [field]
    assert message in fields[field][0]
    assert not Finding.objects.exists()
    assert Event.objects.count() == events
    assert Inspection.objects.get(pk=inspection.pk).status == Status.PLANNED


def test_field_messages_in_chinese(api, cast, plan_inspection):
    inspection = plan_inspection()
    with time_machine.travel(ON_SITE, tick=False):
        answer = api(cast.quality).post(
            f"inspections/{inspection.pk}/record",
            {
                "answers": [
                    {"item_code": "records", "score": True},
                    {"item_code": "uniform", "note": "\u0000"},
                ]
            },
        )
    assert fields_of(answer) == {"answers[0].score": ["必须是整数"], "answers[1].note": ["不能包含控制字符"]}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"inspector_id": True}, {"inspector_id"}),
        ({"department_id": 0}, {"department_id"}),
        ({"due_on": "2026-02-30"}, {"due_on"}),
        ({"due_on": "2026-09-01"}, {"due_on"}),  # in the past
        ({"site": "x" * 201}, {"site"}),
        ({"extra": 1}, {"extra"}),
    ],
)
def test_wrong_inspection_input_names_the_field(api, cast, checklist, body, fields):
    with time_machine.travel(PLANNED, tick=False):
        answer = api(cast.quality, "en").post("inspections", planned_body(cast, checklist, **body))
    assert set(fields_of(answer)) == fields
    assert not Inspection.objects.exists()


def test_a_technician_may_not_plan_inspections(api, cast, checklist):
    with time_machine.travel(PLANNED, tick=False):
        answer = api(cast.tech).post("inspections", planned_body(cast, checklist, inspector_id=cast.tech.pk))
    assert answer.status_code == 403
    assert not Inspection.objects.exists()


def test_photos_are_checked(api, cast, plan_inspection):
    inspection = plan_inspection()
    quality = api(cast.quality, "en")
    url = f"inspections/{inspection.pk}/photos"
    with time_machine.travel(ON_SITE, tick=False):
        not_recorded = multipart(quality, url, {"item_code": "uniform", "photos": [png()]})
        quality.post(f"inspections/{inspection.pk}/record", {"answers": [ANSWERS[1]]})
        not_a_picture = multipart(
            quality,
            url,
            {
                "item_code": "site_clean",
                "photos": [SimpleUploadedFile("a.png", b"not a picture", "image/png")],
            },
        )
        none = multipart(quality, url, {"item_code": "site_clean"})
        too_many = multipart(quality, url, {"item_code": "site_clean", "photos": [png() for _ in range(10)]})

    assert list(fields_of(not_recorded)) == ["item_code"]
    assert list(fields_of(not_a_picture)) == ["photos[0]"]
    # Checked by the schema, these are ``file.photos`` as long as the API's validation handler
    # (``fuwu/api.py``) strips the prefixes ``form``, ``body`` … but not ``file``.
    for refused in (none, too_many):
        (field,) = fields_of(refused)
        assert field in {"photos", "file.photos"}
    assert not Photo.objects.exists()


def test_rectification_input_is_checked(api, cast, plan_inspection):
    order = submitted_order(cast, plan_inspection)
    head = api(cast.head_repair, "en")
    url = f"rectifications/{order.pk}"
    with time_machine.travel(at(2026, 9, 16, 9), tick=False):
        head.post(f"{url}/acknowledge", {})
        concession = head.post(f"{url}/decide-disposition", {"disposition": "concession"})
        unknown = head.post(f"{url}/decide-disposition", {"disposition": "forget"})
        empty = multipart(head, f"{url}/record-done", {"action_taken": ""})
        nul = multipart(head, f"{url}/record-done", {"action_taken": "做了\u0000"})
        verify = api(cast.quality, "en").post(f"{url}/verify", {"passed": "perhaps", "note": ""})

    assert list(fields_of(concession)) == ["note"]
    assert list(fields_of(unknown)) == ["disposition"]
    assert list(fields_of(empty)) == ["action_taken"]
    assert list(fields_of(nul)) == ["action_taken"]
    assert set(fields_of(verify)) == {"passed", "note"}
    assert Rectification.objects.get(pk=order.pk).status == RectificationStatus.IN_RECTIFICATION


# --- lists ------------------------------------------------------------------------------------


def test_list_filters(api, cast, plan_inspection):
    mine = plan_inspection()
    theirs = plan_inspection(
        inspector=cast.head_repair, department=cast.plumbing, due_on=PLANNED.date().replace(day=25)
    )
    services.inspection_cancel(inspection=theirs, by=cast.quality, reason="不需要", now=PLANNED)
    order = submitted_order(cast, plan_inspection)
    quality = api(cast.quality)

    def ids(path: str, **params: Any) -> set[int]:
        with time_machine.travel(at(2026, 9, 16, 9), tick=False):
            answer = quality.get(path, params)
        assert answer.status_code == 200, answer.content
        return {row["id"] for row in answer.json()["items"]}

    assert ids("inspections") == {mine.pk, theirs.pk, order.inspection_id}
    assert ids("inspections", status="cancelled") == {theirs.pk}
    assert ids("inspections", open=True) == {mine.pk}
    assert ids("inspections", mine=True) == {mine.pk, order.inspection_id}
    assert ids("inspections", department_id=cast.plumbing.pk) == {theirs.pk}
    assert ids("inspections", overdue=True) == set()
    with time_machine.travel(at(2026, 9, 19, 9), tick=False):  # after the due day
        overdue = quality.get("inspections", {"overdue": True}).json()
    assert [row["id"] for row in overdue["items"]] == [mine.pk]
    assert overdue["items"][0]["is_overdue"] is True

    assert ids("rectifications") == {order.pk}
    assert ids("rectifications", inspection_id=order.inspection_id) == {order.pk}
    assert ids("rectifications", inspection_id=mine.pk) == set()
    assert ids("rectifications", status="verified") == set()
    assert ids("rectifications", open=True) == {order.pk}
    assert ids("rectifications", department_id=cast.repair.pk) == {order.pk}
    assert quality.get("inspections", {"status": "nonsense"}).status_code == 422
    assert quality.get("inspections", {"limit": 201}).status_code == 422


def test_the_lists_run_a_bounded_number_of_queries(
    api, cast, checklist, plan_inspection, django_assert_max_num_queries
):
    quality = api(cast.quality)
    submitted_order(cast, plan_inspection)
    counts = {}
    for path in ("inspections", "rectifications", "checklists"):
        with django_assert_max_num_queries(10) as one:
            answer = quality.get(path)
            assert answer.status_code == 200
            assert answer.json()["count"] == 1
        counts[path] = len(one.captured_queries)

    for index in range(6):
        submitted_order(cast, plan_inspection)
        services.template_create(
            organisation=cast.organisation,
            by=cast.quality,
            code=f"extra-{index}",
            name=f"附加表{index}",
            definition_data=DEFINITION,
        )

    for path in ("inspections", "rectifications", "checklists"):
        with django_assert_max_num_queries(counts[path]):
            answer = quality.get(path)
        assert answer.json()["count"] == 7


def test_a_whole_lot_lists_its_first_thousand_units(api, cast, plan_inspection):
    inspection = plan_inspection()
    quality = api(cast.quality)
    with time_machine.travel(ON_SITE, tick=False):
        started = quality.post(f"inspections/{inspection.pk}/start", {"population": 5000})

    shown = started.json()["sampling"]
    assert (shown["method"], shown["sample_size"], shown["whole_lot"]) == ("all", 5000, True)
    assert shown["units"] == list(range(1, 1001))
    assert shown["units_complete"] is False
    assert api(cast.quality).get("inspections").json()["items"][0]["id"] == inspection.pk
