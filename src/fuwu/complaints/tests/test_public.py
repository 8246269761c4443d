"""The public complaint page (/service/complaints/): a customer complains without a login (channel
"web", owned by the intake duty), sees the number, and looks the status up with the number and the
last four digits of the phone; rate limits, the honeypot and the per-number lock as on the public
work-order pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from fuwu.complaints import services
from fuwu.complaints.models import Channel, Complaint, Status
from fuwu.org.models import Duty
from fuwu.org.services import duty_create
from fuwu.timeline.models import Event

from .conftest import at

NOW = at(2026, 11, 23, 10, 0)


@pytest.fixture(autouse=True)
def public_settings(settings):
    """The test cast has two organisations: the installation serves the first."""
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
    """An anonymous visitor reading English (assertions do not depend on the translation catalogue)."""
    client = Client()
    client.cookies["fuwu_language"] = "en"
    return client


@pytest.fixture
def web_intake(cast):
    """The 投诉热线 duty (A agent, B agent2) receives online complaints."""
    duty = duty_create(
        department=cast.service,
        name="投诉热线",
        kind="queue",
        primary=cast.agent,
        backup=cast.agent2,
        by=cast.admin,
    )
    Duty.objects.filter(pk=duty.pk).update(is_intake=True)
    return duty


def complaint_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "caller_name": "李女士",
        "caller_phone": "13711112222",
        "address": "8号楼2单元301室",
        "object": "service_attitude",
        "subject": "客服电话态度差",
        "description": "打客服电话被挂断两次",
        "demand": "希望改进",
        "website": "",
    }
    data.update(overrides)
    return data


def written() -> tuple[int, int]:
    return Complaint.objects.count(), Event.objects.count()


def lookup(client: Client, number: str, digits: str, **extra: Any) -> Any:
    return client.post("/service/complaints/status/", {"number": number, "phone_last_four": digits}, **extra)


# --- submit ---------------------------------------------------------------------------------


def test_a_customer_complains_online_and_gets_the_number(cast, web_intake, customer_client, frozen):
    page = customer_client.get("/service/complaints/")
    assert page.status_code == 200
    assert 'data-testid="public-complaint-form"' in page.content.decode()

    response = customer_client.post("/service/complaints/", complaint_data())

    assert response.status_code == 302
    assert response["Location"] == "/service/complaints/submitted/"
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.WEB
    assert complaint.first_contact_owner == cast.agent
    assert complaint.status == Status.RECEIVED  # nobody spoke to them yet: to be acknowledged
    assert (complaint.caller_name, complaint.caller_phone) == ("李女士", "13711112222")
    body = customer_client.get("/service/complaints/submitted/").content.decode()
    assert complaint.number in body
    assert f"/service/complaints/status/?number={complaint.number}" in body
    for private in ("李女士", "13711112222", "打客服电话被挂断两次", cast.agent.full_name):
        assert private not in body
    assert complaint.number not in Client().get("/service/complaints/submitted/").content.decode()


def test_bad_input_names_the_fields_and_writes_nothing(cast, web_intake, customer_client, frozen):
    before = written()

    response = customer_client.post(
        "/service/complaints/",
        complaint_data(caller_phone="12345", caller_name="", subject="", description="", object="bribes"),
    )

    assert response.status_code == 422
    assert set(response.context["form"].errors) == {
        "caller_phone",
        "caller_name",
        "subject",
        "description",
        "object",
    }
    assert 'data-field="caller_phone"' in response.content.decode()
    assert written() == before


def test_the_honeypot_refuses_bots(cast, web_intake, customer_client, frozen):
    before = written()
    response = customer_client.post("/service/complaints/", complaint_data(website="http://spam.example"))
    assert response.status_code == 400
    assert written() == before


def test_without_an_intake_duty_the_customer_is_asked_to_call(cast, customer_client, frozen):
    response = customer_client.post("/service/complaints/", complaint_data())
    assert response.status_code == 503
    assert Complaint.objects.count() == 0


def test_complaining_is_rate_limited_per_address(cast, web_intake, customer_client, frozen):
    for _ in range(5):  # the default: 5 per 10 minutes (bad input counts too)
        assert (
            customer_client.post("/service/complaints/", complaint_data(caller_phone="1")).status_code == 422
        )
    before = written()

    limited = customer_client.post("/service/complaints/", complaint_data())

    assert limited.status_code == 429
    assert limited["Retry-After"] == "600"
    assert written() == before
    assert customer_client.get("/service/complaints/").status_code == 200  # reading is not counted
    assert (
        customer_client.post("/service/complaints/", complaint_data(), REMOTE_ADDR="10.1.2.3").status_code
        == 302
    )


def test_the_public_pages_need_no_login_and_link_each_other(cast, web_intake):
    body = Client().get("/service/complaints/").content.decode()
    assert "/service/complaints/status/" in body
    assert 'href="/service/"' in body  # the work-order request page is one tap away
    assert "/complaints/" not in body.replace("/service/complaints/", "")  # no staff navigation
    assert "/service/complaints/" in Client().get("/service/").content.decode()


# --- status ---------------------------------------------------------------------------------


@pytest.fixture
def web_complaint(cast, web_intake, customer_client, frozen):
    customer_client.post("/service/complaints/", complaint_data())
    return Complaint.objects.get()


def test_status_with_the_right_digits_shows_the_progress_in_customer_terms(
    cast, web_complaint, customer_client
):
    response = lookup(customer_client, web_complaint.number.lower(), "2222")

    result = response.context["result"]
    assert result.number == web_complaint.number
    assert result.status_label == "Received"
    assert result.reply_due is not None
    body = response.content.decode()
    assert 'data-testid="status-result"' in body
    for private in (cast.agent.full_name, "客服中心", "13711112222"):
        assert private not in body

    # replied: the customer reads our reply
    complaint = services.complaint_acknowledge(web_complaint, by=cast.agent, now=NOW)
    services.complaint_start_investigation(complaint, by=cast.head_service, now=NOW)
    services.complaint_assess(
        complaint,
        by=cast.head_service,
        validity="invalid",
        object="other",
        severity="minor",
        note="误解",
        now=NOW,
    )
    services.complaint_reply(complaint, by=cast.agent, text="已向您解释，致歉", method="phone", now=NOW)
    response = lookup(customer_client, web_complaint.number, "2222")
    assert response.context["result"].reply == "已向您解释，致歉"
    assert 'data-testid="reply"' in response.content.decode()
    assert "误解" not in response.content.decode()  # the internal assessment is not told


def test_wrong_digits_or_number_give_the_same_neutral_answer(cast, web_complaint, customer_client):
    wrong_digits = lookup(customer_client, web_complaint.number, "0000")
    wrong_number = lookup(customer_client, "2611-9999", "2222")
    for response in (wrong_digits, wrong_number):
        assert response.status_code == 200
        assert response.context["not_found"] is True
        assert "status-result" not in response.content.decode()
    assert lookup(customer_client, web_complaint.number, "22a2").context["form"].errors["phone_last_four"]


def test_wrong_digits_lock_that_number_from_every_address(
    cast, web_complaint, customer_client, settings, frozen
):
    settings.FUWU_PUBLIC_STATUS_NUMBER_FAILURES = 3
    for n in range(3):
        lookup(customer_client, web_complaint.number, f"{n:04d}", REMOTE_ADDR=f"10.0.0.{n + 1}")

    locked = lookup(customer_client, web_complaint.number, "2222", REMOTE_ADDR="10.0.1.1")

    assert locked.status_code == 429
    assert 'data-testid="number-locked"' in locked.content.decode()
    assert "status-result" not in locked.content.decode()
    frozen.shift(timedelta(seconds=settings.FUWU_PUBLIC_STATUS_NUMBER_WINDOW + 1))
    assert lookup(customer_client, web_complaint.number, "2222").context["result"] is not None


def test_status_lookups_are_rate_limited_per_address(cast, web_complaint, customer_client, settings):
    settings.FUWU_PUBLIC_STATUS_NUMBER_FAILURES = 100
    for _ in range(20):
        lookup(customer_client, web_complaint.number, "0000")
    limited = lookup(customer_client, web_complaint.number, "2222")
    assert limited.status_code == 429
    assert "status-result" not in limited.content.decode()


def test_a_merged_complaint_is_told_through_the_one_it_joined(cast, web_complaint, complain, customer_client):
    into = complain()
    services.complaint_merge(web_complaint, by=cast.agent, into=into, reason="同一事件", now=NOW)

    result = lookup(customer_client, web_complaint.number, "2222").context["result"]

    assert result.merged is True
    assert result.number == web_complaint.number  # their own number, not the other customer's


def test_status_page_query_count_is_fixed(
    cast, web_complaint, customer_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        lookup(customer_client, web_complaint.number, "2222")


@pytest.mark.parametrize("status", [s for s in Status if s != Status.MERGED])
def test_every_status_has_a_customer_label(status):
    from fuwu.complaints.public_views import CUSTOMER_STATUS

    assert status in CUSTOMER_STATUS
