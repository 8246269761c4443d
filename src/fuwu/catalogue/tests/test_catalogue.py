"""Service catalogue: categories, SLA class checked against the policy, materials and fees, who may change."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from fuwu.catalogue.models import FeeItem, MaterialItem, ServiceCategory, ServiceType
from fuwu.catalogue.services import service_type_create, service_type_update
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for

PAYLOAD = {
    "code": "water-leak",
    "name": "漏水维修",
    "category": "paid",
    "sla_class": "urgent",
    "materials": [{"name": "业主身份证"}, {"name": "购买发票", "is_required": False}],
    "fee_items": [{"name": "上门费", "unit": "次", "price": "30.00"}, {"name": "换水龙头", "price": 50}],
}


def make_type(cast, **values):
    data = {"code": "repair", "name": "维修", "category": "free", "sla_class": "standard", **values}
    return service_type_create(organisation=cast.organisation, by=None, **data)


def test_category_labels_follow_the_four_kinds_of_service():
    with translation.override("zh-hans"):
        assert [str(label) for _, label in ServiceCategory.choices] == [
            "有偿(A)",
            "合同(B)",
            "免费(C)",
            "内务(D)",
        ]
    with translation.override("en"):
        assert str(ServiceCategory.PAID.label) == "Paid (A)"


def test_administrator_creates_a_service_type_through_the_api(cast, api):
    response = api(cast.admin).post("service-types", {**PAYLOAD, "default_department_id": cast.repair.pk})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["category_label"] == "有偿(A)"
    assert [m["name"] for m in body["materials"]] == ["业主身份证", "购买发票"]
    assert body["materials"][1]["is_required"] is False
    assert [Decimal(f["price"]) for f in body["fee_items"]] == [Decimal("30.00"), Decimal("50.00")]
    assert body["default_department_name"] == "工程维修部"
    service_type = ServiceType.objects.get(pk=body["id"])
    assert [e.action for e in events_for(service_type)] == ["service_type.created"]


def test_update_replaces_lists_and_records_an_event(cast, api):
    service_type = make_type(cast, materials=[{"name": "身份证"}])
    response = api(cast.admin).patch(
        f"service-types/{service_type.pk}",
        {
            "name": "综合维修",
            "materials": [{"name": "房产证"}],
            "fee_items": [{"name": "材料费", "price": "12.5"}],
        },
    )
    assert response.status_code == 200, response.json()
    assert [m["name"] for m in response.json()["materials"]] == ["房产证"]
    assert [e.action for e in events_for(service_type)] == ["service_type.created", "service_type.updated"]
    assert MaterialItem.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({**PAYLOAD, "sla_class": "no-such-class"}, {"sla_class"}),
        ({**PAYLOAD, "category": "E"}, {"category"}),
        ({**PAYLOAD, "code": "bad code!"}, {"code"}),
        ({**PAYLOAD, "code": "repair"}, {"code"}),
        ({**PAYLOAD, "name": ""}, {"name"}),
        ({**PAYLOAD, "fee_items": [{"name": "上门费", "price": "-1"}]}, {"fee_items[0].price"}),
        ({**PAYLOAD, "materials": [{"name": ""}]}, {"materials[0].name"}),
        ({**PAYLOAD, "default_department_id": 999999}, {"default_department_id"}),
    ],
)
def test_bad_input_gives_field_errors_and_writes_nothing(cast, api, payload, fields):
    make_type(cast)
    before = (
        ServiceType.objects.count(),
        MaterialItem.objects.count(),
        FeeItem.objects.count(),
        Event.objects.count(),
    )
    response = api(cast.admin).post("service-types", payload)
    assert response.status_code == 422, response.json()
    assert set(response.json()["error"]["fields"]) == fields
    assert (
        ServiceType.objects.count(),
        MaterialItem.objects.count(),
        FeeItem.objects.count(),
        Event.objects.count(),
    ) == before


def test_bad_update_writes_nothing(cast, api):
    service_type = make_type(cast)
    before = Event.objects.count()
    response = api(cast.admin).patch(f"service-types/{service_type.pk}", {"sla_class": "gold", "name": "新"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"sla_class"}
    service_type.refresh_from_db()
    assert service_type.name == "维修"
    assert Event.objects.count() == before


def test_sla_class_must_exist_in_the_policy(cast):
    with pytest.raises(ValidationFailed) as caught:
        make_type(cast, sla_class="platinum")
    assert "standard" in caught.value.fields["sla_class"][0]


@pytest.mark.parametrize(
    ("role", "reads", "changes"),
    [
        ("admin", 200, True),
        ("director", 200, False),
        ("agent", 200, False),
        ("tech", 200, False),
        ("cleaner", 200, False),
        ("outsider", 404, False),
    ],
)
def test_all_staff_read_administrators_change(cast, api, web, role, reads, changes):
    service_type = make_type(cast)
    user = getattr(cast, role)
    assert api(user).get(f"service-types/{service_type.pk}").status_code == reads
    assert web(user).get(f"/service-types/{service_type.pk}/").status_code == reads
    listed = [s["id"] for s in api(user).get("service-types").json()["items"]]
    assert listed == ([service_type.pk] if reads == 200 else [])
    response = api(user).patch(f"service-types/{service_type.pk}", {"name": "改名"})
    assert response.status_code == (200 if changes else reads if reads == 404 else 403)
    assert web(user).get(f"/service-types/{service_type.pk}/edit/").status_code == (
        200 if changes else 404 if reads == 404 else 403
    )
    service_type.refresh_from_db()
    assert (service_type.name == "改名") is changes


def test_service_refuses_non_administrators(cast):
    service_type = make_type(cast)
    with pytest.raises(PermissionDeniedError):
        service_type_update(service_type=service_type, by=cast.head_repair, name="x")


def test_pages_list_create_and_edit(cast, web):
    client = web(cast.admin)
    data = {
        "code": "clean",
        "name": "深度保洁",
        "category": "contract",
        "default_department": cast.cleaning.pk,
        "sla_class": "standard",
        "description": "",
        "is_active": "on",
        "materials-TOTAL_FORMS": 3,
        "materials-INITIAL_FORMS": 0,
        "materials-0-name": "钥匙",
        "materials-0-is_required": "on",
        "fees-TOTAL_FORMS": 2,
        "fees-INITIAL_FORMS": 0,
        "fees-0-name": "按面积",
        "fees-0-unit": "平方米",
        "fees-0-price": "5.00",
    }
    response = client.post("/service-types/new/", data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    service_type = ServiceType.objects.get(code="clean")
    assert list(service_type.materials.values_list("name", flat=True)) == ["钥匙"]
    assert service_type.fee_items.get().price == Decimal("5.00")
    data["fees-0-price"] = "-3"
    assert client.post(f"/service-types/{service_type.pk}/edit/", data).status_code == 200
    page = client.get("/service-types/").content.decode()
    assert "深度保洁" in page
    assert "合同(B)" in page
    detail = client.get(f"/service-types/{service_type.pk}/").content.decode()
    assert "钥匙" in detail
    assert "平方米" in detail


def test_a_service_type_says_which_readings_its_service_report_asks_for(cast, api, web):
    # a kitchen leak asks for none (the default); a coach service for running hours and mileage
    leak = api(cast.admin).post("service-types", PAYLOAD).json()
    assert (leak["asks_running_hours"], leak["asks_mileage"]) == (False, False)
    coach = (
        api(cast.admin)
        .post(
            "service-types",
            {
                **PAYLOAD,
                "code": "coach",
                "name": "客车维修",
                "asks_running_hours": True,
                "asks_mileage": True,
            },
        )
        .json()
    )
    assert (coach["asks_running_hours"], coach["asks_mileage"]) == (True, True)
    response = api(cast.admin).patch(f"service-types/{coach['id']}", {"asks_mileage": False})
    assert response.json()["asks_mileage"] is False
    assert api(cast.admin).patch(f"service-types/{coach['id']}", {"asks_mileage": None}).status_code == 422
    service_type = ServiceType.objects.get(pk=coach["id"])
    assert [e.action for e in events_for(service_type)] == ["service_type.created", "service_type.updated"]
    page = web(cast.admin).get(f"/service-types/{coach['id']}/edit/").content.decode()
    assert 'name="asks_running_hours"' in page
    assert 'name="asks_mileage"' in page
