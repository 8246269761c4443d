"""No input causes a server error, and nothing invalid is stored (issue: hardening).

Each test names a class of bad input that once answered 500 or stored what a page could not show,
sends it through real HTTP, and checks the 422 (or 400/413) names the field and nothing changed.
"""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from fuwu.customers.services import customer_create
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import FeeLine, WorkOrder

from .conftest import at

HUGE = 2**95
BIGINT_PLUS_ONE = 9223372036854775808


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel(at(2026, 11, 23, 10, 5), tick=False) as traveller:
        yield traveller


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG that claims ``width`` × ``height`` pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


def error_fields(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]["fields"]


# --- numbers bounded at the schema ------------------------------------------------------------


@pytest.mark.parametrize("path", ["work-orders", "customers", "service-types", "notifications"])
def test_an_absurd_offset_is_a_field_error(api, cast, path):
    response = api(cast.admin).get(path, {"offset": str(HUGE)})
    assert response.status_code == 422
    assert "offset" in error_fields(response)


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("work-orders", "department"),
        ("work-orders", "service_type"),
        ("customers", "department_id"),
        ("staff", "department_id"),
        ("duties", "department_id"),
        ("absences", "person_id"),
    ],
)
def test_an_id_beyond_the_column_is_a_field_error(api, cast, path, parameter):
    response = api(cast.admin).get(path, {parameter: str(BIGINT_PLUS_ONE)})
    assert response.status_code == 422
    assert parameter in error_fields(response)


@pytest.mark.parametrize(
    "path",
    [
        "work-orders/{}",
        "customers/{}",
        "staff/{}",
        "departments/{}",
        "service-types/{}",
        "work-orders/{}/remind",
    ],
)
def test_a_path_id_beyond_the_column_is_a_field_error_not_a_500(api, cast, path):
    client = api(cast.admin)
    url = path.format(HUGE)
    response = client.post(url, {}) if url.endswith("remind") else client.get(url)
    assert response.status_code == 422
    assert "work_order_id" in error_fields(response) or error_fields(response)


def test_true_is_not_an_id(api, cast, leak_repair, household):
    response = api(cast.agent).post(
        "work-orders", {"service_type_id": True, "customer_id": household.pk, "description": "漏水"}
    )
    assert response.status_code == 422
    assert "service_type_id" in error_fields(response)
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("distance_km", 2**63),
        ("distance_km", -1),
        ("confidentiality", 4),
        ("confidentiality", True),
    ],
)
def test_intake_numbers_are_bounded(api, cast, leak_repair, household, field, value):
    response = api(cast.agent).post(
        "work-orders",
        {"service_type_id": leak_repair.pk, "customer_id": household.pk, "description": "漏水", field: value},
    )
    assert response.status_code == 422
    assert field in error_fields(response)
    assert not WorkOrder.objects.exists()


def test_received_to_far_in_the_future_is_a_field_error(api, cast):
    response = api(cast.admin).get("work-orders", {"received_to": "9999-12-31"})
    assert response.status_code == 422
    assert "received_to" in error_fields(response)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minutes_spent", 2**63),
        ("running_hours", 2**63),
        ("mileage_km", 2**63),
        ("minutes_spent", 0),
    ],
)
def test_completion_numbers_are_bounded(api, cast, steps, field, value):
    order = steps.on_site()
    body = {
        "findings": "角阀老化",
        "work_done": "更换角阀",
        "warranty_status": "not_applicable",
        "minutes_spent": 30,
        field: value,
    }
    response = api(cast.tech).post(f"work-orders/{order.pk}/complete", body)
    assert response.status_code == 422
    assert field in error_fields(response)
    assert steps.fresh(order).status == order.status


def test_an_extension_beyond_the_policy_maximum_is_refused(api, cast, steps):
    order = steps.routed()
    before = Event.objects.for_subject(order).count()
    for amount in (10**9, 2**63, 11):
        response = api(cast.agent).post(
            f"work-orders/{order.pk}/request-extension",
            {"clock": "resolution", "amount": amount, "unit": "working_days", "reason": "等配件"},
        )
        assert response.status_code == 422, (amount, response.json())
        assert "amount" in error_fields(response)
    assert Event.objects.for_subject(order).count() == before
    allowed = api(cast.agent).post(
        f"work-orders/{order.pk}/request-extension",
        {"clock": "resolution", "amount": 10, "unit": "working_days", "reason": "等配件"},
    )
    assert allowed.status_code == 200, allowed.json()


def test_approving_an_old_absurd_extension_never_fails_on_arithmetic(api, cast, steps):
    """A request stored before the policy bounded extensions: approving answers a field error."""
    from fuwu.approvals.models import Approval
    from fuwu.workorders.models import ApprovalKind

    order = steps.routed()
    Approval.objects.create(
        organisation=order.organisation,
        record=order,
        kind=ApprovalKind.EXTENSION,
        approver_role="director",
        reason="旧申请",
        details={"clock_kind": "resolution", "extension_amount": 10**9, "extension_unit": "working_days"},
        requested_by=cast.agent,
        requested_at=at(2026, 11, 23, 10, 0),
    )
    response = api(cast.director).post(f"work-orders/{order.pk}/approve-extension", {})
    assert response.status_code == 422
    assert "amount" in error_fields(response)
    deny = api(cast.director).post(f"work-orders/{order.pk}/deny-extension", {"note": "太长"})
    assert deny.status_code == 200


# --- derived values -------------------------------------------------------------------------


def test_a_fee_whose_amount_overflows_its_column_is_refused_and_the_order_stays_readable(api, cast, steps):
    order = steps.done_with_fee()
    lines_before = FeeLine.objects.filter(work_order=order).count()
    response = api(cast.tech).post(
        f"work-orders/{order.pk}/record-fee",
        {"description": "大额", "quantity": "99999999.99", "unit_price": "99999999.99"},
    )
    assert response.status_code == 422, response.json()
    assert "unit_price" in error_fields(response)
    assert FeeLine.objects.filter(work_order=order).count() == lines_before
    # The service refuses it too, whoever calls it (pages, imports): nothing reaches the database.
    from fuwu.lib.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        wo.work_order_record_fee(
            work_order=order,
            by=cast.tech,
            description="大额",
            quantity="99999999.99",
            unit_price="99999999.99",
        )
    assert FeeLine.objects.filter(work_order=order).count() == lines_before
    assert api(cast.tech).get(f"work-orders/{order.pk}").status_code == 200


# --- PATCH: null, unknown keys ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("customers/products/{product}", {"model": None}, "model"),
        ("staff/{agent}", {"clearance": None}, "clearance"),
        ("staff/{agent}", {"roles": None}, "roles"),
        ("staff/{agent}", {"full_name": None}, "full_name"),
        ("customers/{customer}", {"name": None}, "name"),
        ("service-types/{service_type}", {"name": None}, "name"),
        ("departments/{department}", {"name": None}, "name"),
        ("staff/{agent}", {"nickname": "小张"}, "nickname"),
        ("customers/{customer}", {"colour": "red"}, "colour"),
    ],
)
def test_patch_refuses_null_for_a_required_field_and_unknown_keys(
    api, cast, leak_repair, household, path, body, field
):
    from fuwu.customers.services import product_add

    product = product_add(customer=household, by=cast.agent, name="热水器", model="JSQ-20")
    url = path.format(
        product=product.pk,
        agent=cast.agent.pk,
        customer=household.pk,
        service_type=leak_repair.pk,
        department=cast.service.pk,
    )
    events = Event.objects.count()
    response = api(cast.admin).patch(url, body)
    assert response.status_code == 422, response.json()
    assert field in error_fields(response)
    assert Event.objects.count() == events


def test_null_clears_a_field_where_that_means_something(api, cast, household):
    response = api(cast.admin).patch(f"customers/{household.pk}", {"department_id": None})
    assert response.status_code == 200, response.json()
    household.refresh_from_db()
    assert household.department_id is None


# --- bodies that are not what they claim ------------------------------------------------------


def test_a_text_plain_body_is_not_json(cast, leak_repair, household, api):
    client = api(cast.agent)
    response = client.client.post(
        "/api/v1/work-orders",
        data='{"service_type_id": 1}',
        content_type="text/plain",
        headers=client.headers,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert not WorkOrder.objects.exists()


def test_nan_is_not_a_number(cast, steps, api):
    order = steps.done_with_fee()
    client = api(cast.tech)
    response = client.client.post(
        f"/api/v1/work-orders/{order.pk}/record-fee",
        data='{"description": "x", "quantity": NaN}',
        content_type="application/json",
        headers=client.headers,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_an_oversized_body_gets_the_json_error(cast, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api(cast.agent)
    response = client.client.post(
        "/api/v1/work-orders",
        data='{"description": "' + "x" * 2000 + '"}',
        content_type="application/json",
        headers=client.headers,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_broken_multipart_gets_the_json_error(cast, steps, api):
    order = steps.routed()
    client = api(cast.agent)
    response = client.client.post(
        f"/api/v1/work-orders/{order.pk}/photos",
        data=b"--xyz\r\nnonsense",
        content_type="multipart/form-data; boundary=",
        headers=client.headers,
    )
    assert response.status_code in (400, 422)
    assert "error" in response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("materials_received", ["身份证明"] * 101),
        ("materials_received", [""]),
        ("description", "x" * 4001),
    ],
)
def test_list_and_text_lengths_are_bounded(api, cast, leak_repair, household, field, value):
    body = {
        "service_type_id": leak_repair.pk,
        "customer_id": household.pk,
        "description": "漏水",
        field: value,
    }
    response = api(cast.agent).post("work-orders", body)
    assert response.status_code == 422
    assert any(key.startswith(field) for key in error_fields(response))
    assert not WorkOrder.objects.exists()


def test_a_team_has_a_sensible_size(api, cast, steps):
    order = steps.routed()
    response = api(cast.head_repair).post(
        f"work-orders/{order.pk}/dispatch", {"technician_id": cast.tech.pk, "team_ids": [cast.tech2.pk] * 21}
    )
    assert response.status_code == 422
    assert "team_ids" in error_fields(response)


# --- control characters -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["卫生间\x00漏水", "漏水\x07", "\x1b[31m漏水"])
def test_control_characters_in_text_are_refused(api, cast, leak_repair, household, text):
    response = api(cast.agent).post(
        "work-orders", {"service_type_id": leak_repair.pk, "customer_id": household.pk, "description": text}
    )
    assert response.status_code == 422
    assert "description" in error_fields(response)
    assert not WorkOrder.objects.exists()


def test_control_characters_in_nested_and_listed_text_are_refused(api, cast, household):
    response = api(cast.agent).patch(f"customers/{household.pk}", {"addresses": [{"building": "5\x00号楼"}]})
    assert response.status_code == 422
    assert any(key.startswith("addresses") for key in error_fields(response))


def test_tab_and_newline_are_text(api, cast, leak_repair, household):
    response = api(cast.agent).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "customer_id": household.pk,
            "description": "卫生间漏水\n\t楼下滴水",
        },
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("work-orders", "q"),
        ("customers", "q"),
        ("customers/lookup", "phone"),
        ("staff", "q"),
    ],
)
def test_control_characters_in_a_query_are_refused(api, cast, path, parameter):
    response = api(cast.admin).get(path, {parameter: "漏\x00水"})
    assert response.status_code == 422
    assert parameter in error_fields(response)


def test_control_characters_in_a_page_query_answer_400(client, cast):
    client.force_login(cast.agent)
    response = client.get("/work-orders/", {"q": "漏\x00水"})
    assert response.status_code == 400


# --- pictures ---------------------------------------------------------------------------------


def test_a_decompression_bomb_photo_is_a_field_error(api, cast, steps):
    order = steps.routed()
    client = api(cast.agent)
    response = client.client.post(
        f"/api/v1/work-orders/{order.pk}/photos",
        data={"photos": [SimpleUploadedFile("bomb.png", bomb_png(), content_type="image/png")]},
        headers=client.headers,
    )
    assert response.status_code == 422, response.content
    fields = error_fields(response)
    assert "photos[0]" in fields
    assert "像素" in fields["photos[0]"][0]


def test_a_decompression_bomb_voucher_is_a_field_error(api, cast, steps):
    order = steps.done()
    voucher = "data:image/png;base64," + base64.b64encode(bomb_png()).decode()
    response = api(cast.tech).post(
        f"work-orders/{order.pk}/confirm",
        {"method": "paper_voucher", "confirmed_by_name": "王先生", "voucher": voucher},
    )
    assert response.status_code == 422, response.json()
    assert "voucher" in error_fields(response)
    assert steps.fresh(order).status == order.status


def test_a_decompression_bomb_signature_is_refused(api, cast, steps):
    order = steps.done()
    signature = "data:image/png;base64," + base64.b64encode(bomb_png(20000, 20000)).decode()
    response = api(cast.tech).post(
        f"work-orders/{order.pk}/confirm",
        {"method": "signature", "confirmed_by_name": "王先生", "signature": signature},
    )
    assert response.status_code == 422
    assert "signature" in error_fields(response)


def test_an_ordinary_photo_is_accepted(api, cast, steps):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), (10, 120, 200)).save(buffer, format="JPEG")
    order = steps.routed()
    client = api(cast.agent)
    response = client.client.post(
        f"/api/v1/work-orders/{order.pk}/photos",
        data={"photos": [SimpleUploadedFile("leak.jpg", buffer.getvalue(), content_type="image/jpeg")]},
        headers=client.headers,
    )
    assert response.status_code == 201, response.content


# --- the last administrator -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"), [({"roles": ["agent"]}, "roles"), ({"is_active": False}, "is_active")]
)
def test_the_last_administrator_cannot_remove_themselves(api, cast, body, field):
    response = api(cast.admin).patch(f"staff/{cast.admin.pk}", body)
    assert response.status_code == 422, response.json()
    assert field in error_fields(response)
    cast.admin.refresh_from_db()
    assert cast.admin.is_active
    assert "administrator" in cast.admin.roles


def test_with_a_second_administrator_one_may_step_down(api, cast):
    from fuwu.org.services import staff_update

    staff_update(user=cast.director, by=cast.admin, roles=["director", "administrator"])
    response = api(cast.admin).patch(f"staff/{cast.admin.pk}", {"roles": ["agent"]})
    assert response.status_code == 200, response.json()
    cast.admin.refresh_from_db()
    assert "administrator" not in cast.admin.roles


# --- no leak at intake, dispatch and in notifications -----------------------------------------


@pytest.fixture
def secret_customer(cast):
    return customer_create(
        organisation=cast.organisation,
        by=cast.admin,
        name="机密客户甲",
        confidentiality=2,
        phones=[{"number": "13700001111", "label": "手机"}],
    )


def test_intake_by_the_phone_of_a_confidential_customer_reveals_nothing(
    api, cast, leak_repair, secret_customer
):
    response = api(cast.agent).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "caller_phone": "13700001111",
            "caller_name": "来电人",
            "description": "漏水",
        },
    )
    assert response.status_code == 201, response.json()
    assert "机密客户甲" not in response.content.decode()
    order = WorkOrder.objects.get(pk=response.json()["id"])
    assert order.customer_id != secret_customer.pk
    assert order.confidentiality == 0
    assert order.caller_name == "来电人"
    # The agent who received it keeps following it.
    detail = api(cast.agent).get(f"work-orders/{order.pk}")
    assert detail.status_code == 200
    assert "机密客户甲" not in detail.content.decode()


def test_intake_by_phone_of_a_confidential_customer_matches_for_someone_cleared(
    api, cast, leak_repair, secret_customer
):
    response = api(cast.director).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "caller_phone": "13700001111",
            "caller_name": "来电人",
            "description": "漏水",
        },
    )
    assert response.status_code == 201, response.json()
    assert WorkOrder.objects.get(pk=response.json()["id"]).customer_id == secret_customer.pk


def test_intake_above_the_receivers_clearance_is_refused(api, cast, leak_repair, household):
    response = api(cast.agent).post(
        "work-orders",
        {
            "service_type_id": leak_repair.pk,
            "customer_id": household.pk,
            "description": "漏水",
            "confidentiality": 2,
        },
    )
    assert response.status_code == 422
    assert "confidentiality" in error_fields(response)


def test_dispatch_to_someone_below_the_records_clearance_is_refused_naming_them(api, cast, receive):
    from fuwu.org.services import staff_update

    staff_update(user=cast.agent, by=cast.admin, clearance=2)
    staff_update(user=cast.head_repair, by=cast.admin, clearance=2)
    order = receive(description="机密单位漏水", confidentiality=2)
    response = api(cast.head_repair).post(f"work-orders/{order.pk}/dispatch", {"technician_id": cast.tech.pk})
    assert response.status_code == 422
    fields = error_fields(response)
    assert "维修工老赵" in fields["technician_id"][0]
    assert WorkOrder.objects.get(pk=order.pk).assignee_id is None
    assert not Notification.objects.filter(recipient=cast.tech).exists()


def test_routing_to_a_department_whose_heads_may_not_see_it_is_refused(api, cast, receive):
    from fuwu.org.services import staff_update

    staff_update(user=cast.agent, by=cast.admin, clearance=2)
    order = receive(description="机密单位漏水", confidentiality=2, department=cast.service)
    response = api(cast.agent).post(f"work-orders/{order.pk}/route", {"department_id": cast.repair.pk})
    assert response.status_code == 422
    assert "维修主管" in error_fields(response)["department_id"][0]


def test_queue_notifications_reach_only_heads_who_may_see_the_order(cast, receive):
    from fuwu.org.services import staff_update

    staff_update(user=cast.agent, by=cast.admin, clearance=2)
    receive(description="机密单位漏水", confidentiality=2)
    assert not Notification.objects.filter(recipient=cast.head_repair).exists()
    receive(description="普通漏水")
    assert Notification.objects.filter(recipient=cast.head_repair).count() == 1


# --- uniqueness and references found by fuzzing ------------------------------------------------


def test_renaming_a_duty_to_a_name_the_department_has_is_a_field_error(api, cast):
    from fuwu.org.services import duty_create

    duty_create(
        department=cast.service,
        name="报修热线",
        kind="queue",
        primary=cast.agent,
        backup=cast.agent2,
        by=cast.admin,
    )
    other = duty_create(
        department=cast.service,
        name="投诉热线",
        kind="queue",
        primary=cast.agent2,
        backup=cast.agent,
        by=cast.admin,
    )
    response = api(cast.admin).patch(f"duties/{other.pk}", {"name": "报修热线"})
    assert response.status_code == 422, response.json()
    assert "name" in error_fields(response)


def test_a_fee_item_that_was_charged_cannot_be_removed_but_can_be_repriced(api, cast, steps, leak_repair):
    steps.done_with_fee()
    removed = api(cast.admin).put(f"service-types/{leak_repair.pk}", {"fee_items": []})
    assert removed.status_code == 422, removed.json()
    assert "fee_items" in error_fields(removed)
    repriced = api(cast.admin).put(
        f"service-types/{leak_repair.pk}",
        {
            "fee_items": [
                {"name": "上门检查费", "unit": "次", "price": "35.00"},
                {"name": "材料费", "price": "10.00"},
            ]
        },
    )
    assert repriced.status_code == 200, repriced.json()
    assert sorted((f["name"], f["price"]) for f in repriced.json()["fee_items"]) == [
        ("上门检查费", "35.00"),
        ("材料费", "10.00"),
    ]
    assert FeeLine.objects.filter(fee_item__name="上门检查费").exists()


def test_a_b_hand_over_never_hands_work_to_someone_below_its_level(cast, receive):
    from fuwu.org.models import Absence
    from fuwu.org.services import duty_create, staff_update

    for person in (cast.agent, cast.head_repair, cast.tech):
        staff_update(user=person, by=cast.admin, clearance=2)
    duty_create(department=cast.repair, name="报修受理", primary=cast.tech, backup=cast.tech2, by=cast.admin)
    secret = receive(description="机密单位漏水", confidentiality=2)
    plain = receive(description="普通漏水")
    for order in (secret, plain):
        wo.work_order_dispatch(
            work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 5)
        )
    absence = Absence.objects.create(
        person=cast.tech, kind="leave", starts_at=at(2026, 11, 23, 12, 0), ends_at=at(2026, 11, 24, 17, 30)
    )
    wo.hand_over_open_work(absence=absence, now=at(2026, 11, 23, 12, 0))
    assert WorkOrder.objects.get(pk=plain.pk).assignee == cast.tech2
    assert WorkOrder.objects.get(pk=secret.pk).assignee == cast.tech
    assert not Notification.objects.filter(recipient=cast.tech2, work_order=secret).exists()
