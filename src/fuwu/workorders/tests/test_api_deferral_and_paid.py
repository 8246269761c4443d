"""The REST API of the two rules a first day of real use found wrong: "cannot be done now" is a
deferral with a day (not a refusal), and the paid-service decision is taken during the visit."""

from __future__ import annotations

import io

import pytest
import time_machine

from fuwu.workorders import services as wo
from fuwu.workorders.models import Photo

from .conftest import at
from .test_api import png_bytes

NOW = at(2026, 11, 23, 10, 30)


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def ask(client, order, **body):
    return client.post(
        f"work-orders/{order.pk}/request-rejection",
        {"kind": "cannot_do_now", "reason": "需停水施工", "answer": "需整栋停水, 物业统一安排后上门", **body},
    )


def test_cannot_do_now_asks_for_a_day_and_an_approved_one_is_deferred_not_rejected(api, cast, receive):
    order = receive()
    agent = api(cast.agent, language="en")
    # no day, a day that is not a date, a day in the past: 422 naming deferred_until
    for body in ({}, {"deferred_until": "next week"}, {"deferred_until": "2026-11-20"}):
        response = ask(agent, order, **body)
        assert response.status_code == 422, body
        assert list(response.json()["error"]["fields"]) == ["deferred_until"], response.json()
    # a day within the bound: waits for the head
    response = ask(agent, order, deferred_until="2026-11-30")
    assert response.status_code == 200, response.json()
    detail = response.json()
    assert detail["status"] == "awaiting_approval"
    assert detail["approvals"][0]["deferred_until"] == "2026-11-30"
    # the head approves, naming another day
    head = api(cast.head_repair, language="en")
    response = head.post(
        f"work-orders/{order.pk}/approve-rejection", {"note": "同意", "deferred_until": "2026-12-01"}
    )
    assert response.status_code == 200, response.json()
    detail = response.json()
    assert (detail["status"], detail["status_label"], detail["deferred_until"]) == (
        "deferred",
        "Deferred",
        "2026-12-01",
    )
    assert "resume" in agent.get(f"work-orders/{order.pk}").json()["allowed_actions"]
    assert "deferred" in [
        row["status"] for row in agent.get("work-orders", {"status": "deferred"}).json()["items"]
    ]
    # and staff may take it up again before the day
    response = agent.post(f"work-orders/{order.pk}/resume", {"reason": "停水提前完成"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["deferred_until"]) == ("routed", None)


def test_the_technician_records_the_finding_the_head_approves_and_the_report_keeps_it(api, cast, receive):
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    wo.work_order_arrive(work_order=order, by=cast.tech, now=at(2026, 11, 23, 10, 20))
    tech = api(cast.tech)
    detail = tech.post(
        f"work-orders/{order.pk}/record-warranty", {"warranty_status": "misuse", "note": "人为损坏"}
    ).json()
    assert (detail["is_paid"], detail["warranty_finding"]) == (True, "misuse")
    assert [(a["kind"], a["status"]) for a in detail["approvals"]] == [("paid_service", "pending")]
    head = api(cast.head_repair)
    assert "approve-paid-service" in head.get(f"work-orders/{order.pk}").json()["allowed_actions"]
    assert (
        head.post(f"work-orders/{order.pk}/approve-paid-service", {"note": "按标准收费"}).status_code == 200
    )
    # photos uploaded before the report belong to it when named
    upload = io.BytesIO(png_bytes())
    upload.name = "spot.png"
    response = tech.client.post(
        f"/api/v1/work-orders/{order.pk}/photos", data={"photos": [upload]}, headers=tech.headers
    )
    assert response.status_code == 201, response.content
    photo = Photo.objects.get(work_order=order)
    detail = tech.post(
        f"work-orders/{order.pk}/complete",
        {
            "findings": "外壳被砸",
            "work_done": "更换外壳",
            "warranty_status": "misuse",
            "minutes_spent": 30,
            "photo_ids": [photo.pk],
        },
    ).json()
    assert detail["status"] == "done"
    assert [(a["kind"], a["status"]) for a in detail["approvals"]] == [("paid_service", "approved")]
    assert detail["photos"][0]["report_id"] == detail["reports"][0]["id"]
    # a photo of another work order, or one on a report already, is refused
    other = receive()
    wo.work_order_dispatch(
        work_order=other, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    response = tech.post(
        f"work-orders/{other.pk}/complete",
        {
            "findings": "f",
            "work_done": "w",
            "warranty_status": "in_warranty",
            "minutes_spent": 5,
            "photo_ids": [photo.pk],
        },
    )
    assert response.status_code == 422
    assert "photo_ids" in response.json()["error"]["fields"]


def test_the_schema_documents_the_deferral_and_the_new_actions(client):
    schema = client.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    assert "deferred_until" in components["RequestRejectionIn"]["properties"]
    assert "deferred_until" in components["ApproveRejectionIn"]["properties"]
    assert "deferred_until" in components["WorkOrderOut"]["properties"]
    assert "photo_ids" in components["CompleteIn"]["properties"]
    assert "post" in schema["paths"]["/api/v1/work-orders/{work_order_id}/resume"]
    assert "post" in schema["paths"]["/api/v1/work-orders/{work_order_id}/record-warranty"]
