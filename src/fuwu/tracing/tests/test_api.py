"""``/api/v1/batches`` end to end: register, sign every step with the counts, the double check by a
second person with their own token, returns and written feedback, the trace, and the 404/403/409/422
rules — another department's or another organisation's batch is 404 with nothing of it in the body;
the list's queries do not grow with its rows."""

from __future__ import annotations

from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook

from fuwu.exports.xlsx import HEADER_ROW
from fuwu.tracing import services
from fuwu.tracing.models import Batch, StepSignature

from .conftest import RECEIVED, STEPS, at, sign_through


def body(**extra):
    return {
        "unit_name": "市第一医院",
        "items": [
            {"name": "换药包", "packages": 2, "pieces": 10},
            {"name": "止血钳", "packages": 0, "pieces": 6},
        ],
        "method": "pressure_steam",
        "destination": "市第一医院门诊部",
        **extra,
    }


def counts(batch_json, step=None, **changed):
    """Every item's count as the batch's next step expects it (``remaining``), some changed."""
    rows = []
    for item in batch_json["items"]:
        packages, pieces = changed.get(
            item["name"], (item["remaining"]["packages"], item["remaining"]["pieces"])
        )
        rows.append({"item_id": item["id"], "packages": packages, "pieces": pieces})
    return rows


def test_a_batch_through_the_api_with_a_double_check_by_a_second_person(api, cast):
    tech, tech2 = api(cast.tech), api(cast.tech2)

    with time_machine.travel(RECEIVED, tick=False):
        created = tech.post("batches", body())
        assert created.status_code == 201, created.content
        batch = created.json()
        assert batch["number"] == "XD260921-001"
        assert batch["status"] == "registered"
        assert (batch["next_step"], batch["next_step_label"]) == ("collect", "回收")
        assert batch["allowed_actions"] == ["sign", "return"]
        assert [s["state"] for s in batch["steps"]] == ["next", *["ahead"] * 6]
        url = f"batches/{batch['id']}"

        for step in ("collect", "count", "clean"):
            signed = tech.post(f"{url}/sign", {"step": step, "counts": counts(batch)})
            assert signed.status_code == 200, signed.content
            batch = signed.json()
        # out of order: 409 naming what is next
        skipped = tech.post(f"{url}/sign", {"step": "sterilise", "counts": counts(batch)})
        assert skipped.status_code == 409
        assert skipped.json()["error"]["next_step"] == "pack"
        assert "sign" in skipped.json()["error"]["allowed_actions"]

        packed = tech.post(f"{url}/sign", {"step": "pack", "counts": counts(batch)}).json()
        assert packed["awaiting_check"] is True
        assert packed["status"] == "clean"
        assert "confirm" not in packed["allowed_actions"]
        # the same person may not confirm it: 403
        same = tech.post(f"{url}/confirm", {"step": "pack"})
        assert same.status_code == 403
        assert same.json()["error"]["code"] == "permission_denied"
        # nobody signs on before the check: 409
        waiting = tech2.post(f"{url}/sign", {"step": "sterilise", "counts": counts(packed)})
        assert waiting.status_code == 409
        second = tech2.get(url).json()
        assert "confirm" in second["allowed_actions"]
        confirmed = tech2.post(f"{url}/confirm", {"step": "pack", "note": "核对无误"})
        assert confirmed.status_code == 200
        batch = confirmed.json()
        pack = next(s for s in batch["steps"] if s["code"] == "pack")
        assert pack["state"] == "done"
        assert pack["signature"]["signed_by"]["id"] == cast.tech.pk
        assert pack["signature"]["confirmed_by"]["id"] == cast.tech2.pk

        for step in ("sterilise", "accept", "deliver"):
            batch = tech2.post(f"{url}/sign", {"step": step, "counts": counts(batch)}).json()

    assert batch["is_open"] is False
    assert batch["status"] == "deliver"
    assert batch["retain_until"] == "2027-09-21"
    assert batch["allowed_actions"] == ["correct"]
    assert [e["action"] for e in batch["events"]].count("batch.step_signed") == len(STEPS)
    assert StepSignature.objects.filter(batch_id=batch["id"], confirmed_by=cast.tech2).count() == 1


def test_discrepancies_returns_and_feedback_through_the_api(api, cast):
    tech = api(cast.tech)
    with time_machine.travel(at(2026, 9, 24, 10, 0), tick=False):
        batch = tech.post("batches", body()).json()
        url = f"batches/{batch['id']}"
        batch = tech.post(f"{url}/sign", {"step": "collect", "counts": counts(batch)}).json()
        short = counts(batch, 止血钳=(0, 5))
        no_reason = tech.post(f"{url}/sign", {"step": "count", "counts": short})
        assert no_reason.status_code == 422
        assert list(no_reason.json()["error"]["fields"]) == ["note"]
        batch = tech.post(f"{url}/sign", {"step": "count", "counts": short, "note": "少一把"}).json()
        assert batch["has_discrepancy"] is True
        count = next(s for s in batch["steps"] if s["code"] == "count")["signature"]["counts"][1]
        assert (count["expected_pieces"], count["pieces"], count["differs"]) == (6, 5, True)
        hemostat = batch["items"][1]
        assert hemostat["remaining"] == {"packages": 0, "pieces": 5}

        returned = tech.post(
            f"{url}/return",
            {"lines": [{"item_id": hemostat["id"], "packages": 0, "pieces": 1}], "problem": "关节锈蚀"},
        )
        assert returned.status_code == 200, returned.content
        item_return = returned.json()["returns"][0]
        assert item_return["feedback_due_at"] == "2026-09-28T09:30:00Z"  # Monday 17:30 after 中秋
        assert item_return["feedback_overdue"] is False

    with time_machine.travel(at(2026, 9, 29, 9, 0), tick=False):
        overdue = tech.get("batches", {"overdue": True}).json()
        assert [row["id"] for row in overdue["items"]] == [batch["id"]]
        written = tech.post(
            f"{url}/feedback",
            {"return_id": item_return["id"], "feedback": "已书面告知", "suggestion": "使用后及时预处理"},
        )
        assert written.status_code == 200
        shown = written.json()["returns"][0]
        assert shown["feedback_late"] is True
        assert shown["feedback_by"]["id"] == cast.tech.pk
        assert tech.get("batches", {"overdue": True}).json()["count"] == 0


def test_the_trace_finds_an_item_end_to_end(api, cast, register_batch):
    other = register_batch(unit_name="区中医院", items=[services.ItemInput("弯盘", 1, 4)])
    batch = sign_through(cast, register_batch(), "pack")

    found = api(cast.head_repair).get("batches/trace", {"q": "止血钳"})

    assert found.status_code == 200
    result = found.json()
    assert [b["number"] for b in result["batches"]] == [batch.number]
    assert result["more"] is False
    item = next(i for i in result["batches"][0]["items"] if i["name"] == "止血钳")
    steps = {s["code"]: s for s in item["steps"]}
    assert list(steps) == STEPS
    assert steps["collect"]["signed_by"]["id"] == cast.tech.pk
    assert steps["count"]["count"]["pieces"] == 6
    assert steps["pack"]["confirmed_by"]["id"] == cast.tech2.pk
    assert steps["sterilise"]["state"] == "next"
    assert steps["deliver"]["signed_by"] is None
    # by number and by unit too
    assert [b["id"] for b in api(cast.tech).get("batches/trace", {"q": other.number}).json()["batches"]] == [
        other.pk
    ]
    assert [b["id"] for b in api(cast.tech).get("batches/trace", {"q": "区中医院"}).json()["batches"]] == [
        other.pk
    ]
    assert api(cast.tech).get("batches/trace", {"q": ""}).status_code == 422
    assert api(cast.tech).get("batches/trace", {"q": "x", "limit": 51}).status_code == 422


def test_the_trace_runs_a_fixed_number_of_queries(api, cast, register_batch, django_assert_max_num_queries):
    client = api(cast.quality)
    sign_through(cast, register_batch(), "count")
    with django_assert_max_num_queries(20) as one:
        assert client.get("batches/trace", {"q": "换药包"}).status_code == 200
    for _ in range(5):
        sign_through(cast, register_batch(), "pack")
    with django_assert_max_num_queries(len(one.captured_queries)):
        answer = client.get("batches/trace", {"q": "换药包"})
    assert len(answer.json()["batches"]) == 6


@pytest.mark.parametrize("outsider", ["cleaner", "outsider"])
def test_another_departments_or_organisations_batch_is_404_without_naming_it(
    api, web, cast, register_batch, outsider
):
    batch = sign_through(cast, register_batch(), "collect")
    person = getattr(cast, outsider)
    client, page = api(person), web(person)

    answers = [
        client.get(f"batches/{batch.pk}"),
        client.post(f"batches/{batch.pk}/sign", {"step": "count", "counts": []}),
        client.post(f"batches/{batch.pk}/confirm", {"step": "pack"}),
        client.post(f"batches/{batch.pk}/return", {"lines": [], "problem": ""}),
        page.get(f"/tracing/{batch.pk}/"),
        page.get(f"/tracing/{batch.pk}/record.pdf"),
        page.post(f"/tracing/{batch.pk}/sign/", {"step": "count"}),
    ]

    for answer in answers:
        assert answer.status_code == 404
        text = answer.content.decode(errors="replace")
        assert batch.number not in text
        assert "市第一医院" not in text
    assert client.get("batches").json()["count"] == 0
    assert client.get("batches/trace", {"q": batch.number}).json()["batches"] == []
    sheet = page.get("/exports/xlsx/batches/?view=all")
    assert batch.number not in _cells(sheet.content)
    assert not StepSignature.objects.filter(batch=batch, step="count").exists()


def test_department_and_customer_outside_visibility_are_422(api, cast):
    from fuwu.customers.models import Customer

    unit = Customer.objects.create(
        organisation=cast.organisation, kind="organisation", name="保洁部的客户", department=cast.cleaning
    )
    client = api(cast.tech)

    answer = client.post("batches", body(department_id=cast.cleaning.pk, customer_id=unit.pk))

    assert answer.status_code == 422
    assert set(answer.json()["error"]["fields"]) == {"department_id", "customer_id"}
    assert "保洁部的客户" not in answer.content.decode()
    assert not Batch.objects.exists()


def test_inputs_are_bounded(api, cast):
    client = api(cast.tech)

    too_many = client.post("batches", body(items=[{"name": "x", "packages": 0, "pieces": 1}] * 101))
    huge = client.post("batches", body(items=[{"name": "x", "packages": 10_001, "pieces": 100_001}]))
    no_pieces = client.post("batches", body(items=[{"name": "x", "packages": 1, "pieces": 0}]))
    boolean = client.post("batches", body(items=[{"name": "x", "packages": True, "pieces": 1}]))
    unknown = client.post("batches", body(colour="red"))
    control = client.post("batches", body(destination="门诊\x00部"))

    for answer in (too_many, huge, no_pieces, boolean, unknown, control):
        assert answer.status_code == 422, answer.content
    assert not Batch.objects.exists()
    batch = client.post("batches", body()).json()
    item = batch["items"][0]["id"]
    twice = client.post(
        f"batches/{batch['id']}/sign",
        {"step": "collect", "counts": [{"item_id": item, "packages": 2, "pieces": 10}] * 2},
    )
    assert twice.status_code == 422
    assert list(twice.json()["error"]["fields"]) == ["counts[1].item_id"]


def test_the_list_runs_a_bounded_number_of_queries(api, cast, register_batch, django_assert_max_num_queries):
    client = api(cast.tech)
    register_batch()
    with django_assert_max_num_queries(12) as one:
        assert client.get("batches").status_code == 200
    for _ in range(19):
        register_batch()
    with django_assert_max_num_queries(len(one.captured_queries)):
        answer = client.get("batches")
    assert answer.json()["count"] == 20


def test_list_filters(api, cast, register_batch):
    open_one = register_batch()
    closed = sign_through(cast, register_batch(unit_name="区中医院"), "deliver")
    client = api(cast.tech)

    assert [r["id"] for r in client.get("batches", {"status": "open"}).json()["items"]] == [open_one.pk]
    assert [r["id"] for r in client.get("batches", {"status": "closed"}).json()["items"]] == [closed.pk]
    assert [r["id"] for r in client.get("batches", {"step": "collect"}).json()["items"]] == [open_one.pk]
    assert [r["id"] for r in client.get("batches", {"q": "区中医院"}).json()["items"]] == [closed.pk]
    assert client.get("batches", {"received_from": "2026-09-22"}).json()["count"] == 0
    assert client.get("batches", {"status": "lost"}).status_code == 422
    assert (
        client.get("batches", {"received_from": "2026-09-22", "received_to": "2026-09-21"}).status_code == 422
    )


def _cells(content: bytes) -> set[str]:
    workbook = load_workbook(BytesIO(content))
    sheet = workbook.active
    assert sheet is not None
    return {
        str(c) for row in sheet.iter_rows(min_row=HEADER_ROW, values_only=True) for c in row if c is not None
    }


def test_the_register_exports_one_row_per_item_with_each_steps_signer(api, web, cast, register_batch):
    batch = sign_through(cast, register_batch(), "pack")

    sheet = web(cast.quality).get("/exports/xlsx/batches/?view=all")
    through_api = api(cast.quality).get("batches/export.xlsx")

    assert sheet.status_code == 200
    cells = _cells(sheet.content)
    assert {batch.number, "市第一医院", "换药包", "止血钳", "市第一医院门诊部"} <= cells
    assert any(
        cast.tech.display_name in c and cast.tech2.display_name in c for c in cells
    )  # 检查包装: two people
    rows = list(
        load_workbook(BytesIO(sheet.content)).active.iter_rows(min_row=HEADER_ROW + 1, values_only=True)
    )
    assert len(rows) == 2
    assert through_api.status_code == 200
    assert batch.number in _cells(through_api.content)
