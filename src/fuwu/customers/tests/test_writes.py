"""Creating and changing customers, phones, products and agreements: rules, events, field errors."""

from __future__ import annotations

from datetime import date

import pytest

from fuwu.customers.models import Customer, Phone, Product, ServiceAgreement
from fuwu.customers.services import customer_create, product_add
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for

from .factories import make_customer


def _counts():
    return (
        Customer.objects.count(),
        Phone.objects.count(),
        Product.objects.count(),
        ServiceAgreement.objects.count(),
        Event.objects.count(),
    )


def test_create_customer_through_api_records_one_event(cast, api):
    # when
    response = api(cast.agent).post(
        "customers",
        {
            "name": "张三",
            "kind": "household",
            "department_id": cast.repair.pk,
            "addresses": [{"building": "12", "unit": "3", "room": "1502"}],
            "phones": [{"number": "13812345678"}, {"number": "0571-88886666", "label": "家"}],
        },
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["addresses"][0]["label"] == "12号楼3单元1502室"
    assert [p["number"] for p in body["phones"]] == ["13812345678", "0571-88886666"]
    assert body["phones"][0]["is_primary"] is True
    customer = Customer.objects.get(pk=body["id"])
    assert [e.action for e in events_for(customer)] == ["customer.created"]
    assert " 漏水 " not in customer.search_text
    assert " 1502 " in customer.search_text


def test_adding_product_agreement_and_phone_are_events_on_the_customer(cast, api):
    customer = make_customer(cast.organisation, department=cast.repair)
    client = api(cast.agent)
    product = client.post(
        f"customers/{customer.pk}/products",
        {
            "name": "热水器",
            "model": "EC6002",
            "serial": "SN001",
            "sale_date": "2024-01-10",
            "warranty_ends_on": "2027-01-10",
            "running_hours": 120,
        },
    )
    agreement = client.post(
        f"customers/{customer.pk}/agreements",
        {
            "number": "XY-2024-001",
            "starts_on": "2024-01-01",
            "ends_on": "2024-12-31",
        },
    )
    phone = client.post(f"customers/{customer.pk}/phones", {"number": "13900002222", "label": "儿子"})
    assert (product.status_code, agreement.status_code, phone.status_code) == (201, 201, 201)
    assert product.json()["in_warranty"] is True
    assert agreement.json()["title"] == "居家服务协议书"
    updated = client.patch(f"customers/products/{product.json()['id']}", {"mileage_km": 5000})
    assert updated.status_code == 200
    assert updated.json()["mileage_km"] == 5000
    assert client.get(f"customers/products/{product.json()['id']}").json()["serial"] == "SN001"
    assert (
        client.patch(f"customers/agreements/{agreement.json()['id']}", {"title": "维保合同"}).status_code
        == 200
    )
    assert [e.action for e in events_for(customer)] == [
        "customer.created",
        "customer.product_added",
        "customer.agreement_added",
        "customer.phone_added",
        "customer.product_updated",
        "customer.agreement_updated",
    ]
    assert client.get(f"customers/{customer.pk}/products").json()["count"] == 1
    assert client.get(f"customers/{customer.pk}/agreements").json()["items"][0]["title"] == "维保合同"


def test_product_warranty_and_agreement_current(cast):
    customer = make_customer(cast.organisation)
    product = product_add(
        customer=customer, by=None, name="空调", sale_date=date(2024, 1, 1), warranty_ends_on=date(2025, 1, 1)
    )
    assert product.in_warranty(date(2025, 1, 1))
    assert not product.in_warranty(date(2025, 1, 2))
    agreement = ServiceAgreement(
        customer=customer, number="A", starts_on=date(2024, 1, 1), ends_on=date(2024, 6, 30)
    )
    assert agreement.is_current(date(2024, 6, 30))
    assert not agreement.is_current(date(2024, 7, 1))
    assert not agreement.is_current(date(2023, 12, 31))


@pytest.mark.parametrize(
    ("path", "payload", "fields"),
    [
        ("customers", {"name": "", "phones": [{"number": "12345"}]}, {"name", "phones[0].number"}),
        (
            "customers",
            {"name": "甲", "phones": [{"number": "13812345678"}, {"number": "0571-123"}]},
            {"phones[1].number"},
        ),
        ("customers", {"name": "甲", "kind": "alien"}, {"kind"}),
        ("customers", {"name": "甲", "addresses": [{}]}, {"addresses[0].text"}),
        ("customers", {"name": "甲", "department_id": 999999}, {"department_id"}),
        ("customers", {"name": "甲", "confidentiality": 3}, {"confidentiality"}),
        ("customers", {"name": "甲", "colour": "red"}, {"colour"}),
        ("customers/{id}", {"name": ""}, {"name"}),
        ("customers/{id}", {"phones": [{"number": "abc"}]}, {"phones[0].number"}),
        ("customers/{id}/phones", {"number": "110"}, {"number"}),
        ("customers/{id}/phones", {"number": "13812345678"}, {"number"}),
        (
            "customers/{id}/products",
            {"name": "空调", "sale_date": "2024-05-01", "warranty_ends_on": "2024-04-30"},
            {"warranty_ends_on"},
        ),
        ("customers/{id}/products", {"name": "空调", "running_hours": -1}, {"running_hours"}),
        ("customers/{id}/products", {"name": ""}, {"name"}),
        ("customers/{id}/products", {"name": "空调", "sale_date": "昨天"}, {"sale_date"}),
        (
            "customers/{id}/agreements",
            {"number": "A1", "starts_on": "2024-05-01", "ends_on": "2024-05-01"},
            {"ends_on"},
        ),
        ("customers/{id}/agreements", {"number": "DUP", "starts_on": "2024-01-01"}, {"number"}),
        ("customers/{id}/agreements", {"number": "A2"}, {"starts_on"}),
        ("customers/products/{product}", {"warranty_ends_on": "2000-01-01"}, {"warranty_ends_on"}),
        ("customers/agreements/{agreement}", {"ends_on": "2023-01-01"}, {"ends_on"}),
    ],
)
def test_bad_input_on_every_write_endpoint_gives_field_errors_and_writes_nothing(
    cast, api, path, payload, fields
):
    # given
    customer = make_customer(cast.organisation, department=cast.repair, phones=("13812345678",))
    product = product_add(customer=customer, by=None, name="空调", sale_date=date(2024, 1, 1))
    client = api(cast.agent)
    agreement_id = client.post(
        f"customers/{customer.pk}/agreements", {"number": "DUP", "starts_on": "2024-01-01"}
    ).json()["id"]
    url = path.format(id=customer.pk, product=product.pk, agreement=agreement_id)
    before = _counts()
    # when
    is_change = path.endswith("}") and path != "customers"
    response = client.patch(url, payload) if is_change else client.post(url, payload)
    # then
    assert response.status_code == 422, response.json()
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == fields
    assert _counts() == before
    customer.refresh_from_db()
    assert customer.name == "张三"


def test_field_errors_come_in_english_when_asked(cast, api):
    response = api(cast.agent, language="en").post("customers", {"name": "甲", "phones": [{"number": "12"}]})
    assert "mobile number" in response.json()["error"]["fields"]["phones[0].number"][0]


def test_service_refuses_users_who_may_not_edit(cast):
    with pytest.raises(PermissionDeniedError):
        customer_create(organisation=cast.organisation, by=cast.tech, name="甲")
    with pytest.raises(PermissionDeniedError):
        customer_create(organisation=cast.organisation, by=cast.outsider, name="甲")
    with pytest.raises(ValidationFailed) as caught:
        customer_create(
            organisation=cast.organisation,
            by=cast.agent,
            name="甲",
            department=cast.repair,
            phones=[{"number": "13812345678"}, {"number": "138 1234 5678"}],
        )
    assert "phones[1].number" in caught.value.fields
    assert Customer.objects.count() == 0


def test_pages_create_and_edit_a_customer(cast, web):
    client = web(cast.agent)
    data = {
        "name": "网页客户",
        "kind": "household",
        "department": cast.repair.pk,
        "confidentiality": 0,
        "notes": "",
        "addresses-TOTAL_FORMS": 1,
        "addresses-INITIAL_FORMS": 0,
        "addresses-0-building": "5",
        "addresses-0-unit": "1",
        "addresses-0-room": "201",
        "phones-TOTAL_FORMS": 2,
        "phones-INITIAL_FORMS": 0,
        "phones-0-number": "1381234567",
    }
    bad = client.post("/customers/new/", data)
    assert bad.status_code == 200
    assert "mobile number" in bad.content.decode() or "手机" in bad.content.decode()
    assert Customer.objects.count() == 0
    data["phones-0-number"] = "13812345670"
    created = client.post("/customers/new/", data)
    customer = Customer.objects.get()
    assert created.status_code == 302
    assert created["Location"] == f"/customers/{customer.pk}/"
    data["notes"] = "卫生间漏水"
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    customer.refresh_from_db()
    assert customer.notes == "卫生间漏水"
    assert " 漏水 " in customer.search_text
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "5号楼1单元201室" in page
    assert "客户资料修改" in page
    assert "客服小张" in page  # who did it
    edit_page = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert 'value="13812345670"' in edit_page


def test_pages_add_product_and_agreement(cast, web):
    customer = make_customer(cast.organisation, department=cast.repair)
    client = web(cast.head_repair)
    bad = client.post(
        f"/customers/{customer.pk}/products/new/",
        {"name": "空调", "sale_date": "2024-05-01", "warranty_ends_on": "2024-01-01"},
    )
    assert bad.status_code == 200
    assert not customer.products.exists()
    good = client.post(f"/customers/{customer.pk}/products/new/", {"name": "空调", "serial": "S1"})
    assert good.status_code == 302
    assert customer.products.count() == 1
    agreement = client.post(
        f"/customers/{customer.pk}/agreements/new/",
        {"number": "XY1", "title": "居家服务协议书", "starts_on": "2024-01-01"},
    )
    assert agreement.status_code == 302
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "XY1" in page
    assert "S1" in page
    assert web(cast.tech).get(f"/customers/{customer.pk}/products/new/").status_code == 403


def test_archive_page_marks_later_sections_not_yet_available(cast, web):
    customer = make_customer(cast.organisation, department=cast.repair)
    page = web(cast.agent).get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="later-sections"' in page
    assert page.count("尚未开放") >= 5


def test_kind_labels_in_chinese_and_english(cast, api):
    make_customer(cast.organisation, "单位甲", kind="organisation")
    assert api(cast.agent).get("customers").json()["items"][0]["kind_label"] == "单位"
    assert api(cast.agent, language="en").get("customers").json()["items"][0]["kind_label"] == "Organisation"


def test_edit_page_for_a_role_that_sees_masked_numbers_keeps_the_phones(cast, web):
    customer = make_customer(cast.organisation, department=cast.repair, phones=("13812345678",))
    client = web(cast.head_repair)
    page = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert "13812345678" not in page
    assert "138****5678" in page
    data = {
        "name": "张三改",
        "kind": "household",
        "department": cast.repair.pk,
        "confidentiality": 0,
        "addresses-TOTAL_FORMS": 1,
        "addresses-INITIAL_FORMS": 0,
        "addresses-0-building": "1",
    }
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    customer.refresh_from_db()
    assert customer.name == "张三改"
    assert list(customer.phones.values_list("number", flat=True)) == ["13812345678"]
