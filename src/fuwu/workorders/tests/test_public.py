"""Public pages for customers (/service/): submit a request and look up its status, without a login."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from fuwu.catalogue.services import service_type_create
from fuwu.customers.models import Customer
from fuwu.org.models import Duty, Organisation
from fuwu.org.services import absence_record
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import Channel, Photo, Status, WorkOrder

from .conftest import at

NOW = at(2026, 11, 23, 10, 0)


@pytest.fixture(autouse=True)
def public_settings(settings):
    """The test cast has two organisations: the installation serves the first. Rate counts start at zero."""
    settings.FUWU_DEFAULT_ORGANISATION = "测试物业公司"
    cache.clear()
    yield settings
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def customer_client() -> Client:
    """An anonymous visitor reading English (so assertions do not depend on the translation catalogue)."""
    client = Client()
    client.cookies["fuwu_language"] = "en"
    return client


@pytest.fixture
def web_intake(intake_duty):
    """The 报修热线 duty (A agent, B agent2) receives online requests."""
    Duty.objects.filter(pk=intake_duty.pk).update(is_intake=True)
    return intake_duty


@pytest.fixture
def internal_type(cast):
    return service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="office-move",
        name="办公室搬迁",
        category="internal",
        sla_class="standard",
    )


def png(name: str = "leak.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def request_data(service_type, **overrides):
    data = {
        "caller_name": "李女士",
        "caller_phone": "13711112222",
        "building": "8号楼",
        "unit": "2单元",
        "room": "301室",
        "address": "",
        "service_type": str(service_type.pk),
        "description": "厨房水管漏水，地面有积水",
        "website": "",
    }
    data.update(overrides)
    return data


def written() -> tuple[int, int, int, int]:
    return WorkOrder.objects.count(), Customer.objects.count(), Event.objects.count(), Photo.objects.count()


# --- submit ---------------------------------------------------------------------------------


def test_submit_creates_a_web_work_order_owned_by_the_intake_handler(
    cast, leak_repair, web_intake, internal_type, customer_client, frozen
):
    # given: the form offers the public service types only
    page = customer_client.get("/service/")
    assert page.status_code == 200
    assert "漏水维修" in page.content.decode()
    assert "办公室搬迁" not in page.content.decode()  # internal (内务) services are not for customers

    # when
    response = customer_client.post("/service/", request_data(leak_repair))

    # then
    assert response.status_code == 302
    assert response["Location"] == "/service/submitted/"
    order = WorkOrder.objects.get()
    assert order.channel == Channel.WEB
    assert order.first_contact_owner == cast.agent
    assert order.logged_by is None
    assert (order.caller_name, order.caller_phone, order.location) == (
        "李女士",
        "13711112222",
        "8号楼2单元301室",
    )
    assert order.service_type == leak_repair
    assert order.customer.name == "李女士"
    assert Event.objects.for_subject(order).filter(action="work_order.received").count() == 1

    submitted = customer_client.get("/service/submitted/")
    body = submitted.content.decode()
    assert submitted.status_code == 200
    assert order.number in body
    assert f"/service/status/?number={order.number}" in body
    for private in ("李女士", "13711112222", "8号楼", "厨房水管漏水", cast.agent.full_name):
        assert private not in body


def test_submit_goes_to_the_b_when_the_intake_a_is_absent(
    cast, leak_repair, web_intake, customer_client, frozen
):
    # given: A (agent) is on leave today
    absence_record(
        person=cast.agent,
        kind="leave",
        starts_at=NOW - timedelta(hours=2),
        ends_at=NOW + timedelta(days=2),
        by=cast.admin,
    )

    # when
    response = customer_client.post("/service/", request_data(leak_repair))

    # then: B (agent2) received it and owns it
    assert response.status_code == 302
    assert WorkOrder.objects.get().first_contact_owner == cast.agent2


def test_submitted_page_without_a_submission_goes_back_to_the_form(cast, web_intake, customer_client):
    response = customer_client.get("/service/submitted/")
    assert response.status_code == 302
    assert response["Location"] == "/service/"


def test_bad_phone_and_missing_fields_show_errors_and_write_nothing(
    cast, leak_repair, web_intake, customer_client, frozen
):
    before = written()

    response = customer_client.post(
        "/service/",
        request_data(
            leak_repair, caller_phone="12345", caller_name="", description="", building="", unit="", room=""
        ),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"caller_phone", "caller_name", "description", "address"}
    assert "landline" in errors["caller_phone"][0]
    assert 'data-field="caller_phone"' in response.content.decode()
    assert written() == before


def test_internal_service_type_cannot_be_submitted(cast, internal_type, web_intake, customer_client, frozen):
    before = written()

    response = customer_client.post("/service/", request_data(internal_type))

    assert response.status_code == 200
    assert "service_type" in response.context["form"].errors
    assert written() == before


def test_landline_and_full_width_phone_are_accepted(cast, leak_repair, web_intake, customer_client, frozen):
    response = customer_client.post(
        "/service/", request_data(leak_repair, caller_phone="０５７１－８８８８６６６６")
    )

    assert response.status_code == 302
    assert WorkOrder.objects.get().caller_phone == "0571-88886666"


def test_honeypot_rejects_the_request(cast, leak_repair, web_intake, customer_client, frozen):
    before = written()

    response = customer_client.post("/service/", request_data(leak_repair, website="http://spam.example"))

    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert written() == before


def test_text_file_named_jpg_is_refused(
    cast, leak_repair, web_intake, customer_client, frozen, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    before = written()
    fake = SimpleUploadedFile("leak.jpg", b"this is not a picture", content_type="image/jpeg")

    response = customer_client.post("/service/", {**request_data(leak_repair), "photos": [png(), fake]})

    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == ["Photo 2 is not a picture (JPEG, PNG, WebP or GIF)"]
    assert written() == before
    assert not any(tmp_path.rglob("*.*"))


def test_real_pictures_are_stored(cast, leak_repair, web_intake, customer_client, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)

    response = customer_client.post(
        "/service/", {**request_data(leak_repair), "photos": [png("a.png"), png("b.png")]}
    )

    assert response.status_code == 302
    photos = list(WorkOrder.objects.get().photos.all())
    assert [p.content_type for p in photos] == ["image/png", "image/png"]
    assert all((tmp_path / p.image.name).is_file() for p in photos)
    assert all(p.uploaded_by is None for p in photos)


def test_without_an_intake_duty_the_customer_is_asked_to_call(cast, leak_repair, customer_client, frozen):
    before = written()

    page = customer_client.get("/service/")
    response = customer_client.post("/service/", request_data(leak_repair))

    for answer in (page, response):
        assert answer.status_code == 503
        assert 'data-testid="not-set-up"' in answer.content.decode()
        assert "please call" in answer.content.decode().lower()
        assert "form" not in answer.context or answer.context.get("form") is None
    assert written() == before


def test_csrf_is_checked(cast, leak_repair, web_intake, frozen):
    client = Client(enforce_csrf_checks=True)
    before = written()

    response = client.post("/service/", request_data(leak_repair))

    assert response.status_code == 403
    assert written() == before


def test_public_pages_need_no_login_and_show_no_staff_navigation(cast, web_intake, customer_client):
    for path in ("/service/", "/service/status/"):
        response = customer_client.get(path)
        body = response.content.decode()
        assert response.status_code == 200
        assert "测试物业公司" in body
        assert 'action="/i18n/setlang/"' in body
        assert "/work-orders/" not in body
        assert "Sign out" not in body
        assert response["Cache-Control"].startswith("max-age=0")


def test_chinese_by_default_and_english_on_request(cast, web_intake):
    chinese = Client().get("/service/status/")
    assert chinese["Content-Language"] == "zh-hans"
    assert '<html lang="zh-Hans">' in chinese.content.decode()

    switched = Client()
    response = switched.post("/i18n/setlang/", {"language": "en", "next": "/service/status/"})
    assert response.status_code == 302
    assert switched.get("/service/status/")["Content-Language"] == "en"


# --- status ---------------------------------------------------------------------------------


def lookup(client: Client, number: str, digits: str, **extra: Any):
    return client.post("/service/status/", {"number": number, "phone_last_four": digits}, **extra)


def test_status_with_the_right_digits_shows_the_progress(cast, receive, customer_client):
    # given: a request received on the phone and dispatched to a technician (phone 13912345678)
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 3)
    )
    resolution = order.clocks.get(kind="resolution")

    # when: the customer types the number in lower case and the digits in full width
    response = lookup(customer_client, order.number.lower(), "５６７８")

    # then
    assert response.status_code == 200
    result = response.context["result"]
    assert result.number == order.number
    assert result.status_label == "Technician assigned"
    assert result.service_type == "漏水维修"
    assert result.resolution_due == resolution.due_at
    assert [(s.label, s.is_done) for s in result.steps] == [
        ("Received", True),
        ("Technician assigned", True),
        ("Technician on site", False),
        ("Work done", False),
        ("Confirmed by you", False),
        ("Closed", False),
    ]
    body = response.content.decode()
    assert 'data-testid="status-result"' in body
    assert "2026-11-23 10:00" in body
    assert "2026-11-23 10:03" in body
    for private in (
        "王先生",
        "13912345678",
        "12号楼",
        "卫生间漏水",
        cast.tech.full_name,
        cast.tech.username,
        cast.agent.full_name,
        cast.head_repair.full_name,
        "工程维修部",
    ):
        assert private not in body


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("GD2611-00001", "1234"),  # right number, wrong digits
        ("GD2611-09999", "5678"),  # unknown number, digits of a real phone
    ],
)
def test_status_with_a_wrong_number_or_digits_is_the_same_neutral_not_found(
    cast, receive, customer_client, number, digits
):
    order = receive()
    assert order.number == "GD2611-00001"

    response = lookup(customer_client, number, digits)

    assert response.status_code == 200
    assert response.context["not_found"] is True
    assert response.context["result"] is None
    body = response.content.decode()
    assert 'data-testid="not-found"' in body
    assert 'data-testid="status-result"' not in body
    for private in ("漏水维修", "王先生", "13912345678", "12号楼", "Technician"):
        assert private not in body


def test_status_digits_must_be_four_digits(cast, receive, customer_client):
    order = receive()

    response = lookup(customer_client, order.number, "56a8")

    assert response.status_code == 200
    assert "phone_last_four" in response.context["form"].errors
    assert response.context["result"] is None


def test_status_of_a_request_waiting_for_approval_of_a_refusal_says_in_progress(
    cast, receive, customer_client
):
    # given: an agent asks to refuse (红灯): nothing negative may reach the customer yet
    order = receive()
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="不属于物业维修范围",
        answer="该问题属于业主自有设备，请联系厂家。",
        now=at(2026, 11, 23, 10, 5),
    )

    response = lookup(customer_client, order.number, "5678")

    result = response.context["result"]
    assert result.status_label == "In progress"
    assert result.answer == ""
    body = response.content.decode()
    assert "业主自有设备" not in body
    assert "不属于物业维修范围" not in body
    assert "approval" not in body.lower()


def test_status_of_a_refused_request_shows_the_approved_answer(cast, receive, customer_client):
    # given: the head approved the refusal
    order = receive()
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="不属于物业维修范围",
        answer="该问题属于业主自有设备，请联系厂家。",
        now=at(2026, 11, 23, 10, 5),
    )
    wo.work_order_approve_rejection(
        work_order=order, by=cast.head_repair, note="同意", now=at(2026, 11, 23, 11, 0)
    )

    response = lookup(customer_client, order.number, "5678")

    result = response.context["result"]
    assert result.status_label == "Declined"
    assert result.answer == "该问题属于业主自有设备，请联系厂家。"
    assert result.resolution_due is None
    assert [(s.label, s.is_negative) for s in result.steps] == [("Received", False), ("Declined", True)]
    body = response.content.decode()
    assert "不属于物业维修范围" not in body  # the internal reason stays inside
    assert cast.head_repair.full_name not in body


def test_status_of_a_deferred_request_says_until_when_and_why_and_is_not_declined(
    cast, steps, customer_client
):
    # given: the head approved "cannot be done now" until Monday 30th (暂缓办理)
    order = steps.deferred()

    response = lookup(customer_client, order.number, "5678")

    result = response.context["result"]
    assert result.status_label == "Deferred until 2026-11-30"
    assert result.deferred_until.isoformat() == "2026-11-30"
    assert result.answer == "需整栋停水更换立管, 物业统一安排后上门维修"
    assert not any(step.is_negative for step in result.steps)
    body = response.content.decode()
    assert 'data-testid="deferred"' in body
    assert "It can be done from 2026-11-30" in body
    assert "Declined" not in body
    assert "需整栋停水更换立管" in body
    assert "同意暂缓" not in body  # the head's note stays inside


def test_status_of_a_request_waiting_for_materials_lists_what_is_missing(cast, receive, customer_client):
    order = receive()
    wo.work_order_notice_missing(
        work_order=order, by=cast.agent, received=["身份证明"], now=at(2026, 11, 23, 10, 5)
    )

    result = lookup(customer_client, order.number, "5678").context["result"]

    assert result.status_label == "Waiting for materials from you"
    assert result.missing_materials == ["漏水照片"]


def test_a_number_of_another_organisation_is_not_found(cast, receive, customer_client, settings):
    # given: the work order belongs to 测试物业公司, the installation serves 另一家公司
    order = receive()
    settings.FUWU_DEFAULT_ORGANISATION = "另一家公司"

    response = lookup(customer_client, order.number, "5678")

    assert response.status_code == 200
    assert response.context["not_found"] is True
    assert "测试物业公司" not in response.content.decode()


# --- which organisation ---------------------------------------------------------------------


def test_several_organisations_and_none_configured_is_a_clear_404(cast, customer_client, settings):
    settings.FUWU_DEFAULT_ORGANISATION = ""

    response = customer_client.get("/service/status/")

    assert response.status_code == 404
    assert "FUWU_ORGANISATION" in response.content.decode()


def test_a_configured_organisation_that_does_not_exist_is_a_clear_404(cast, customer_client, settings):
    settings.FUWU_DEFAULT_ORGANISATION = "不存在的公司"

    response = customer_client.get("/service/")

    assert response.status_code == 404
    assert "不存在的公司" in response.content.decode()


def test_the_only_organisation_is_served_without_configuration(db, customer_client, settings):
    settings.FUWU_DEFAULT_ORGANISATION = ""
    Organisation.objects.create(name="唯一物业公司", preset="property")

    response = customer_client.get("/service/status/")

    assert response.status_code == 200
    assert "唯一物业公司" in response.content.decode()


# --- rate limits ----------------------------------------------------------------------------


def test_submitting_is_rate_limited_per_address(cast, leak_repair, web_intake, customer_client, frozen):
    # given: the default limit, 5 requests per 10 minutes, used up by one address (bad input counts too)
    for _ in range(5):
        assert (
            customer_client.post("/service/", request_data(leak_repair, caller_phone="1")).status_code == 200
        )
    before = written()

    # when
    limited = customer_client.post("/service/", request_data(leak_repair))

    # then
    assert limited.status_code == 429
    assert limited["Retry-After"] == "600"
    assert 'data-testid="public-request-form"' not in limited.content.decode()
    assert written() == before
    assert customer_client.get("/service/").status_code == 200  # reading the form is not counted
    other_address = customer_client.post("/service/", request_data(leak_repair), REMOTE_ADDR="10.1.2.3")
    assert other_address.status_code == 302


def test_status_lookups_are_rate_limited_per_address(cast, receive, customer_client, settings, frozen):
    settings.FUWU_PUBLIC_STATUS_NUMBER_FAILURES = 100  # this test is about the limit per address
    order = receive()
    for _ in range(20):
        assert lookup(customer_client, order.number, "0000").status_code == 200

    limited = lookup(customer_client, order.number, "5678")

    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "status-result" not in limited.content.decode()

    settings.FUWU_PUBLIC_STATUS_RATE = "100/m"  # a product setting: raising it lets the customer through
    assert lookup(customer_client, order.number, "5678").context["result"].number == order.number


def test_wrong_digits_from_many_addresses_lock_that_number(cast, receive, customer_client, settings, frozen):
    # given: the default, 10 wrong tries per number and hour, used up from ten different addresses
    settings.FUWU_PUBLIC_STATUS_NUMBER_FAILURES = 10
    settings.FUWU_PUBLIC_STATUS_NUMBER_WINDOW = 3600
    order, other = receive(), receive()
    for n in range(10):
        assert (
            lookup(customer_client, order.number, f"{n:04d}", REMOTE_ADDR=f"10.0.0.{n + 1}").context[
                "not_found"
            ]
            is True
        )

    # when: a new address asks with the right digits
    locked = lookup(customer_client, order.number, "5678", REMOTE_ADDR="10.0.1.1")

    # then: refused with a clear message and when to come back; nothing of the order is shown
    assert locked.status_code == 429
    assert locked["Retry-After"] == "3600"
    body = locked.content.decode()
    assert 'data-testid="number-locked"' in body
    assert "60 minutes" in body
    assert "status-result" not in body
    # and: other numbers are looked up as usual
    assert (
        lookup(customer_client, other.number, "5678", REMOTE_ADDR="10.0.1.1").context["result"].number
        == other.number
    )

    # and: once the hour has passed, the customer gets in
    frozen.shift(timedelta(seconds=3601))
    assert lookup(customer_client, order.number, "5678").context["result"].number == order.number


def test_a_number_that_does_not_exist_locks_the_same_way(cast, receive, customer_client, settings, frozen):
    settings.FUWU_PUBLIC_STATUS_NUMBER_FAILURES = 3
    for n in range(3):
        lookup(customer_client, "GD2611-99999", f"{n:04d}", REMOTE_ADDR=f"10.0.0.{n + 1}")

    locked = lookup(customer_client, "gd2611-99999", "5678", REMOTE_ADDR="10.0.1.1")  # case does not matter

    assert locked.status_code == 429
    assert 'data-testid="number-locked"' in locked.content.decode()


def test_status_page_query_count_is_fixed(cast, receive, customer_client, django_assert_max_num_queries):
    order = receive()
    with django_assert_max_num_queries(6):
        lookup(customer_client, order.number, "5678")


@pytest.mark.parametrize("status", [s for s in Status])
def test_every_status_has_a_customer_label(status):
    from fuwu.workorders.public_views import CUSTOMER_STATUS

    assert status in CUSTOMER_STATUS
