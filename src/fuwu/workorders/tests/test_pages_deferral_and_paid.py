"""The pages of a deferral (暂缓办理) and of a paid job decided on site, and what a phone user needs:
the card acted on comes back, the completion form asks only for what the work needs, photos go up
with the report, the head's notification opens the decision."""

from __future__ import annotations

import base64
import re
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fuwu.catalogue.services import service_type_update
from fuwu.customers.services import product_add
from fuwu.notify.models import Notification
from fuwu.testing.markup import fragment
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status

from .conftest import PNG_DATA_URL, at

NOW = at(2026, 11, 23, 10, 30)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def english(web):
    def sign_in(user):
        client = web(user)
        client.cookies["fuwu_language"] = "en"
        return client

    return sign_in


def png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, base64.b64decode(PNG_DATA_URL.split(",", 1)[1]), content_type="image/png")


def form_fields(html: str, action: str) -> set[str]:
    form = re.search(rf'data-action-form="{action}".*?</form>', html, re.S)
    assert form, f"no {action} form"
    return set(re.findall(r'name="([a-z_]+)"', form.group(0)))


def test_the_head_approves_a_deferral_with_deferral_buttons_and_lists_keep_it(cast, english, receive):
    order = receive()
    # the agent asks on the page: "cannot be done now" with a day
    response = english(cast.agent).post(
        f"/work-orders/{order.pk}/request-rejection/",
        {
            "kind": "cannot_do_now",
            "reason": "需停水施工",
            "answer": "需整栋停水, 下周一上门",
            "deferred_until": "2026-11-30",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/work-orders/{order.pk}/#actions"
    # the head's buttons say deferral, not refusal
    page = english(cast.head_repair).get(f"/work-orders/{order.pk}/").content.decode()
    assert "Approve the deferral" in page
    assert "Do not approve the deferral" in page
    assert "Approve the refusal" not in page
    assert "2026-11-30" in page
    response = english(cast.head_repair).post(
        f"/work-orders/{order.pk}/approve-rejection/", {"note": "同意"}, follow=True
    )
    page = response.content.decode()
    assert 'data-testid="deferred-banner"' in page
    assert "can be done from 2026-11-30" in page
    assert 'data-status="deferred"' in page
    order.refresh_from_db()
    assert (order.status, order.deferred_until) == (Status.DEFERRED, date(2026, 11, 30))
    # it stays in the lists: open work, not refused
    listed = english(cast.agent).get("/work-orders/", {"tab": "all"}).content.decode()
    assert f'data-number="{order.number}"' in listed
    assert "Deferred" in listed


def test_a_day_beyond_the_bound_is_a_field_error_on_the_form(cast, english, receive):
    order = receive()
    response = english(cast.agent).post(
        f"/work-orders/{order.pk}/request-rejection/",
        {
            "kind": "cannot_do_now",
            "reason": "需停水施工",
            "answer": "需整栋停水",
            "deferred_until": "2027-03-01",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-field="deferred_until"' in page
    assert "at most 20 working days ahead" in page
    assert "data-bound" in page  # the form comes back open and in view


def test_the_technician_comes_back_to_his_card_with_the_message_in_it(cast, english, steps):
    order = steps.dispatched()
    response = english(cast.tech).post(
        f"/work-orders/{order.pk}/arrive/", {"next": f"/work-orders/mine/#wo-{order.pk}"}
    )
    assert response["Location"] == f"/work-orders/mine/#wo-{order.pk}"
    page = english(cast.tech).get("/work-orders/mine/").content.decode()
    card = fragment(rf'<article[^>]*id="wo-{order.pk}".*?</article>', page, re.S)
    assert "Arrival on site recorded." in card
    # the warranty finding: asked of the head at once, and the technician sees that it waits
    response = english(cast.tech).post(
        f"/work-orders/{order.pk}/record-warranty/",
        {
            "warranty_status": "out_of_warranty",
            "note": "已过三包期",
            "next": f"/work-orders/mine/#wo-{order.pk}",
        },
    )
    assert response.status_code == 302
    page = english(cast.tech).get("/work-orders/mine/").content.decode()
    assert 'data-state="pending"' in page
    assert "Waiting for the department head" in page
    detail = english(cast.tech).get(f"/work-orders/{order.pk}/").content.decode()
    assert 'data-testid="paid-service" data-state="pending"' in detail


def test_the_heads_notification_opens_the_decision(cast, english, steps):
    order = steps.on_site()
    wo.work_order_record_warranty(work_order=order, by=cast.tech, warranty_status="misuse", now=NOW)
    notification = Notification.objects.get(recipient=cast.head_repair, kind="approval_requested")
    response = english(cast.head_repair).get(f"/notifications/{notification.pk}/open/")
    assert response["Location"] == f"/work-orders/{order.pk}/#action-approve-paid-service"
    page = english(cast.head_repair).get(f"/work-orders/{order.pk}/").content.decode()
    assert 'id="action-approve-paid-service"' in page
    english(cast.head_repair).post(f"/work-orders/{order.pk}/approve-paid-service/", {"note": ""})
    page = english(cast.tech).get("/work-orders/mine/").content.decode()
    assert 'data-state="approved"' in page
    assert "collect the fees with an invoice or receipt number" in page


def test_the_completion_form_asks_only_for_what_the_work_needs(cast, english, steps, household, leak_repair):
    # a kitchen leak (no product, no readings): no running hours, mileage or disassembly; photos offered
    order = steps.on_site()
    fields = form_fields(english(cast.tech).get("/work-orders/mine/").content.decode(), "complete")
    assert {"findings", "work_done", "warranty_status", "minutes_spent", "parts", "photos"} <= fields
    assert not fields & {"running_hours", "mileage_km", "disassembly_signs"}
    page = english(cast.tech).get(f"/work-orders/{order.pk}/").content.decode()
    assert not form_fields(page, "complete") & {"running_hours", "mileage_km"}
    assert "Optional: photos of the spot" in page
    # a product with running hours recorded asks for them (and for signs of disassembly)
    heater = product_add(customer=household, by=cast.agent, name="燃气热水器", running_hours=1200)
    second = steps.receive(product=heater)
    wo.work_order_dispatch(work_order=second, by=cast.head_repair, technician=cast.tech, now=NOW)
    fields = form_fields(english(cast.tech).get(f"/work-orders/{second.pk}/").content.decode(), "complete")
    assert {"running_hours", "disassembly_signs"} <= fields
    assert "mileage_km" not in fields
    # a service type that asks for mileage shows it
    service_type_update(service_type=leak_repair, by=cast.admin, asks_mileage=True)
    fields = form_fields(english(cast.tech).get(f"/work-orders/{second.pk}/").content.decode(), "complete")
    assert "mileage_km" in fields


def test_photos_go_up_with_the_report_from_the_phone(cast, english, steps):
    order = steps.on_site()
    response = english(cast.tech).post(
        f"/work-orders/{order.pk}/complete/",
        {
            "findings": "角阀老化",
            "work_done": "更换角阀",
            "warranty_status": "not_applicable",
            "minutes_spent": "30",
            "photos": [png("before.png"), png("after.png")],
            "next": f"/work-orders/mine/#wo-{order.pk}",
        },
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    report = order.reports.get()
    assert report.photos.count() == 2
    page = english(cast.agent).get(f"/work-orders/{order.pk}/").content.decode()
    assert page.count('data-testid="report-photos"') == 1
    # a file that is not a picture is refused on the form
    order = steps.on_site()
    response = english(cast.tech).post(
        f"/work-orders/{order.pk}/complete/",
        {
            "findings": "f",
            "work_done": "w",
            "warranty_status": "not_applicable",
            "minutes_spent": "5",
            "photos": [SimpleUploadedFile("notes.png", b"not a picture", content_type="image/png")],
        },
    )
    assert response.status_code == 422
    assert 'data-field="photos"' in response.content.decode()
    assert not order.reports.exists()


def test_the_policys_photo_requirement_is_shown_and_kept(cast, english, steps):
    from fuwu.policy.presets import preset_text
    from fuwu.policy.services import policy_publish

    policy_publish(
        organisation=cast.organisation,
        text=preset_text("property").replace("min_photos = 0", "min_photos = 3"),
        reason="每处三张照片",
        by=cast.admin,
    )
    order = steps.on_site()
    page = english(cast.tech).get("/work-orders/mine/").content.decode()
    assert "The policy asks for at least 3 photos" in page
    response = english(cast.tech).post(
        f"/work-orders/{order.pk}/complete/",
        {
            "findings": "f",
            "work_done": "w",
            "warranty_status": "not_applicable",
            "minutes_spent": "5",
            "photos": [png("one.png")],
        },
    )
    assert response.status_code == 422
    assert "at least 3 photos" in response.content.decode()
    response = english(cast.tech).post(
        f"/work-orders/{order.pk}/complete/",
        {
            "findings": "f",
            "work_done": "w",
            "warranty_status": "not_applicable",
            "minutes_spent": "5",
            "photos": [png(f"p{i}.png") for i in range(3)],
        },
    )
    assert response.status_code == 302
