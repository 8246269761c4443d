"""``/api/v1/suppliers`` end to end: register, read with the standing and the history summary,
list with filters, change (PATCH: a key left out is kept, null only clears a contract date),
deactivate, evaluate now; the 403/404/409/422 rules with field names; another organisation's
supplier a 404 without its name; a list whose queries do not grow with its rows."""

from __future__ import annotations

from datetime import datetime

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.suppliers.models import Supplier

from .conftest import EVALUATED, REGISTERED, at

BODY = {
    "code": "hengan-elevator",
    "name": "恒安电梯维保有限公司",
    "services": "12部电梯日常维保与困人救援",
    "contact_name": "刘经理",
    "phone": "0571-86001234",
    "contract_starts_on": "2026-09-01",
    "contract_ends_on": "2028-08-31",
}


def test_register_read_change_and_deactivate(api, cast):
    quality, head = api(cast.quality), api(cast.head_repair)
    with time_machine.travel(REGISTERED, tick=False):
        created = head.post("suppliers", {**BODY, "department_id": cast.repair.pk})
        assert created.status_code == 201, created.content
        supplier = created.json()
        assert supplier["standing"] == "qualified"
        assert supplier["standing_label"] == "Qualified" or supplier["standing_label"] == "合格"
        assert supplier["department"] == {"id": cast.repair.pk, "name": "工程维修部"}
        assert supplier["history"] == {
            "inspections": 0,
            "evaluations": 0,
            "open_inspections": 0,
            "open_rectifications": 0,
            "last_inspected_at": None,
            "evaluation_scores": [],
        }
        assert supplier["allowed_actions"] == ["update", "deactivate", "evaluate"]
        assert [e["action"] for e in supplier["events"]] == ["supplier.created"]
        url = f"suppliers/{supplier['id']}"

        # a technician reads it, and may do nothing with it
        seen = api(cast.tech).get(url)
        assert seen.status_code == 200
        assert seen.json()["allowed_actions"] == []
        assert api(cast.tech).patch(url, {"phone": "400-820-8820"}).status_code == 403
        assert api(cast.head_service).patch(url, {"phone": "400-820-8820"}).status_code == 403

        changed = head.patch(url, {"phone": "400-820-8820", "contract_ends_on": None, "reason": "续签中"})
        assert changed.status_code == 200, changed.content
        assert changed.json()["phone"] == "400-820-8820"
        assert changed.json()["contract_ends_on"] is None
        assert changed.json()["contract_starts_on"] == "2026-09-01"  # left out: kept
        assert changed.json()["events"][-1]["reason"] == "续签中"

        refused = head.patch(url, {"name": None, "department_id": cast.cleaning.pk})
        assert refused.status_code == 422
        assert set(refused.json()["error"]["fields"]) == {"name"}
        moved = head.patch(url, {"department_id": cast.cleaning.pk})
        assert moved.status_code == 422
        assert set(moved.json()["error"]["fields"]) == {"department_id"}

        assert quality.post(f"{url}/deactivate", {"reason": ""}).status_code == 422
        done = quality.post(f"{url}/deactivate", {"reason": "合同到期"})
        assert done.status_code == 200
        assert done.json()["is_active"] is False
        assert done.json()["allowed_actions"] == []
        again = quality.patch(url, {"phone": "0571-1234567"})
        assert again.status_code == 409
        assert quality.post(f"{url}/deactivate", {"reason": "再次"}).status_code == 409


def test_422_names_each_wrong_field(api, cast, supplier):
    quality = api(cast.quality)
    with time_machine.travel(REGISTERED, tick=False):
        schema = quality.post(
            "suppliers",
            {**BODY, "code": "Bad Code", "name": "", "department_id": 0, "services": "x" * 501, "extra": 1},
        )
        assert schema.status_code == 422
        assert set(schema.json()["error"]["fields"]) == {"code", "name", "department_id", "services", "extra"}
        nul = quality.post(
            "suppliers", {**BODY, "code": "nul", "name": "恒安\u0000", "department_id": cast.repair.pk}
        )
        assert nul.status_code == 422
        assert set(nul.json()["error"]["fields"]) == {"name"}
        service = quality.post(
            "suppliers",
            {
                **BODY,
                "department_id": cast.repair.pk,
                "phone": "call me",
                "contract_starts_on": "2026-09-01",
                "contract_ends_on": "2026-08-01",
            },
        )
        assert service.status_code == 422
        assert set(service.json()["error"]["fields"]) == {"code", "phone", "contract_ends_on"}
        foreign = quality.post(
            "suppliers",
            {**BODY, "code": "foreign", "department_id": cast.other_organisation.departments.get().pk},
        )
        assert foreign.status_code == 422
        assert set(foreign.json()["error"]["fields"]) == {"department_id"}
        assert (
            api(cast.tech)
            .post("suppliers", {**BODY, "code": "t", "department_id": cast.repair.pk})
            .status_code
            == 403
        )
    assert Supplier.objects.count() == 1


def test_another_organisation_s_supplier_is_not_found(api, cast, supplier):
    outsider = api(cast.outsider)
    url = f"suppliers/{supplier.pk}"
    for response in (
        outsider.get(url),
        outsider.patch(url, {"name": "x"}),
        outsider.patch(url, {"name": None}),  # a wrong body too: 404 first
        outsider.post(f"{url}/deactivate", {"reason": "x"}),
        outsider.post(f"{url}/evaluate", {}),
    ):
        assert response.status_code == 404
        assert supplier.name not in response.content.decode()
    assert outsider.get("suppliers").json()["items"] == []
    assert api(cast.tech).get("suppliers/999999").status_code == 404


def test_the_standing_and_the_history_summary_after_an_evaluation(api, cast, supplier, evaluate):
    evaluation = evaluate(supplier, (8, 6, 10, 5))
    with time_machine.travel(EVALUATED, tick=False):
        shown = api(cast.head_repair, "en").get(f"suppliers/{supplier.pk}").json()
    assert shown["standing"] == "probation"
    assert shown["standing_label"] == "On probation"
    assert shown["standing_score"] == "74.0" or shown["standing_score"] == 74.0
    assert shown["standing_evaluation"] == {"id": evaluation.pk, "number": evaluation.number}
    assert shown["standing_reason"] == f"Evaluation {evaluation.number} scored 74.0"
    assert shown["history"]["evaluations"] == 1
    assert shown["history"]["inspections"] == 0
    assert shown["history"]["open_rectifications"] == 1  # the price
    assert [p["score"] for p in shown["history"]["evaluation_scores"]] in (["74.0"], [74.0])
    assert shown["history"]["evaluation_scores"][0]["standing"] == "probation"
    assert shown["events"][-1]["action"] == "supplier.evaluated"
    assert shown["events"][-1]["changes"]["standing"] == {"before": "qualified", "after": "probation"}
    # a member of staff who may not see the repair department's inspections: the standing, not them
    with time_machine.travel(EVALUATED, tick=False):
        cleaner = api(cast.cleaner).get(f"suppliers/{supplier.pk}").json()
    assert cleaner["standing"] == "probation"
    assert cleaner["standing_evaluation"] is None
    assert cleaner["history"]["evaluations"] == 0
    assert cleaner["history"]["evaluation_scores"] == []


def test_evaluate_now(api, cast, supplier, evaluation_checklist):
    url = f"suppliers/{supplier.pk}/evaluate"
    with time_machine.travel(EVALUATED, tick=False):
        assert api(cast.head_service).post(url, {}).status_code == 403
        wrong = api(cast.quality).post(url, {"inspector_id": cast.outsider.pk, "due_on": "2026-09-01"})
        assert wrong.status_code == 422
        assert set(wrong.json()["error"]["fields"]) == {"inspector_id"}
        past = api(cast.quality).post(url, {"due_on": "2026-09-01"})
        assert past.status_code == 422
        assert set(past.json()["error"]["fields"]) == {"due_on"}
        planned = api(cast.quality).post(url, {"inspector_id": cast.head_repair.pk, "due_on": "2026-09-18"})
        assert planned.status_code == 201, planned.content
        body = planned.json()
        assert body["inspector"] == {"id": cast.head_repair.pk, "name": "维修主管"}
        assert datetime.fromisoformat(body["due_at"]) == at(2026, 9, 18, 17, 30)
        assert body["supplier_id"] == supplier.pk
        again = api(cast.head_repair).post(url, {})
        assert again.status_code == 409
        assert again.json()["error"]["inspection_id"] == body["id"]
        shown = api(cast.head_repair).get(f"suppliers/{supplier.pk}").json()
        assert shown["history"]["open_inspections"] == 1


def test_the_list_filters_and_its_queries_do_not_grow(api, cast, make_supplier):
    make_supplier()
    quality = api(cast.quality)

    def listing(**params):
        with CaptureQueriesContext(connection) as captured:
            response = quality.get("suppliers", params)
        assert response.status_code == 200
        return response.json(), len(captured.captured_queries)

    listing()  # the token's first use is written down once
    one, queries_for_one = listing()
    assert [s["code"] for s in one["items"]] == ["hengan-elevator"]
    for index in range(19):
        make_supplier(
            code=f"s{index:02d}",
            name=f"供方{index:02d}",
            department=cast.cleaning if index % 2 else cast.plumbing,
        )
    twenty, queries_for_twenty = listing()
    assert twenty["count"] == 20
    assert twenty["count_exact"]
    assert queries_for_twenty == queries_for_one

    assert listing(department_id=cast.repair.pk)[0]["count"] == 11  # 工程维修部 and 水电班 below it
    assert listing(department_id=cast.cleaning.pk)[0]["count"] == 9
    assert listing(q="恒安")[0]["count"] == 1
    assert listing(standing="probation")[0]["count"] == 0
    Supplier.objects.filter(code="s00").update(standing="probation", is_active=False)
    assert listing(standing="probation")[0]["count"] == 0  # inactive
    assert listing(standing="probation", state="all")[0]["count"] == 1
    assert listing(state="inactive")[0]["items"][0]["code"] == "s00"
    assert listing(limit=5, offset=5)[0]["items"][0]["name"] == "供方06"  # 供方00 is inactive
    bad = quality.get("suppliers", {"standing": "good", "limit": 1000})
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"standing", "limit"}
