"""Staff pages of work orders: who sees what, the intake form, the list tabs, the voucher, the
technician's view and the bounded query counts."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from fuwu.customers.models import Customer
from fuwu.timeline.models import Event
from fuwu.workorders import services as wo
from fuwu.workorders.models import Material, Status, WorkOrder

from .conftest import at

NOW = at(2026, 11, 23, 10, 1)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def page(client: Any, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content.decode()[:2000]
    return response.content.decode()


def png(name: str = "photo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def numbers_in(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-number="([^"]+)"', html))


# --- visibility -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["agent", "agent2", "head_service", "head_repair", "tech", "director", "quality"]
)
def test_people_concerned_see_the_work_order_page(cast, web, receive, who):
    order = receive()
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)

    html = page(web(getattr(cast, who)), f"/work-orders/{order.pk}/")

    assert order.number in html
    assert "12号楼3单元1502室 卫生间漏水" in html


@pytest.mark.parametrize("who", ["cleaner", "outsider"])
def test_other_departments_and_organisations_get_404_everywhere(cast, web, receive, who):
    order = receive()
    client = web(getattr(cast, who))
    events_before = Event.objects.count()

    for url in (f"/work-orders/{order.pk}/", f"/work-orders/{order.pk}/voucher/"):
        assert client.get(url).status_code == 404
    response = client.post(f"/work-orders/{order.pk}/cancel/", {"reason": "不需要了"})

    assert response.status_code == 404
    assert Event.objects.count() == events_before
    order.refresh_from_db()
    assert order.status == Status.ROUTED
    assert order.number not in page(client, "/work-orders/?tab=all")


def test_phone_numbers_are_masked_for_heads_and_whole_for_agents_and_technicians(cast, web, receive):
    order = receive()
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)

    assert "13912345678" in page(web(cast.agent), f"/work-orders/{order.pk}/")
    assert "13912345678" in page(web(cast.tech), "/work-orders/mine/")
    head_page = page(web(cast.head_repair), f"/work-orders/{order.pk}/")
    assert "13912345678" not in head_page
    assert "139****5678" in head_page
    assert "139****5678" in page(web(cast.head_repair), "/work-orders/?tab=all")


# --- intake ---------------------------------------------------------------------------------


def test_intake_form_receives_a_new_callers_request(cast, web, leak_repair):
    client = web(cast.agent)
    form = page(client, "/work-orders/new/")
    assert "autofocus" in form

    response = client.post(
        "/work-orders/new/",
        {
            "channel": "phone",
            "caller_phone": "13800001111",
            "caller_name": "李女士",
            "building": "7号楼",
            "unit": "2单元",
            "room": "301室",
            "service_type": leak_repair.pk,
            "priority": "high",
            "description": "厨房水管漏水",
            "materials_received": ["身份证明"],
            "distance_km": "",
            "photos": [png("a.png"), png("b.png")],
        },
    )

    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/work-orders/{order.pk}/"
    assert order.first_contact_owner == cast.agent
    assert order.department == cast.repair  # the service type's default department
    assert order.priority == "high"
    assert order.customer.name == "李女士"
    assert order.location == "7号楼2单元301室"
    assert order.photos.count() == 2
    assert set(
        Material.objects.filter(work_order=order, is_received=True).values_list("name", flat=True)
    ) == {"身份证明"}
    detail = page(client, response["Location"])
    assert order.number in detail
    assert f"{order.number}" in detail.split('role="alert"')[1]  # the success message names the number


def test_intake_for_a_known_customer_uses_their_record_and_product(cast, web, leak_repair, household):
    from fuwu.customers.services import product_add

    heater = product_add(customer=household, by=cast.agent, name="燃气热水器", model="JSQ25")
    client = web(cast.agent)

    response = client.post(
        "/work-orders/new/",
        {
            "channel": "phone",
            "caller_phone": "13912345678",
            "customer": household.pk,
            "caller_name": "王先生",
            "product": heater.pk,
            "service_type": leak_repair.pk,
            "department": cast.plumbing.pk,
            "priority": "normal",
            "description": "热水器漏水",
        },
    )

    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert order.customer == household
    assert order.product == heater
    assert order.department == cast.plumbing  # changed from the default by the agent
    assert Customer.objects.count() == 1


def test_intake_errors_are_shown_on_the_fields_and_nothing_is_written(cast, web, leak_repair):
    client = web(cast.agent)
    customers_before, events_before = Customer.objects.count(), Event.objects.count()

    response = client.post(
        "/work-orders/new/",
        {
            "channel": "phone",
            "caller_phone": "12",
            "caller_name": "",
            "service_type": leak_repair.pk,
            "priority": "normal",
            "description": "漏水",
        },
    )

    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-field="caller_phone"' in html
    assert 'data-field="caller_name"' in html
    assert WorkOrder.objects.count() == 0
    assert Customer.objects.count() == customers_before
    assert Event.objects.count() == events_before
    assert 'value="12"' in html  # what the agent typed is kept


def test_intake_without_a_description_or_service_type_is_refused_by_the_form(cast, web):
    response = web(cast.agent).post("/work-orders/new/", {"channel": "phone", "caller_phone": "13800001111"})

    html = response.content.decode()
    assert response.status_code == 422
    assert 'data-field="service_type"' in html
    assert 'data-field="description"' in html
    assert WorkOrder.objects.count() == 0


def test_intake_rejects_a_file_that_is_not_a_picture(cast, web, leak_repair):
    response = web(cast.agent).post(
        "/work-orders/new/",
        {
            "channel": "phone",
            "caller_phone": "13800001111",
            "caller_name": "李女士",
            "service_type": leak_repair.pk,
            "priority": "normal",
            "description": "漏水",
            "photos": [SimpleUploadedFile("x.png", b"not a picture", content_type="image/png")],
        },
    )

    assert response.status_code == 422
    assert "JPEG, PNG" in response.content.decode()
    assert WorkOrder.objects.count() == 0


def test_lookup_while_typing_finds_the_caller_by_phone_or_address(cast, web, household):
    client = web(cast.agent)

    by_phone = page(client, "/work-orders/new/lookup/?caller_phone=139 1234 5678")
    by_part = page(client, "/work-orders/new/lookup/?caller_phone=5678")
    by_address = page(client, "/work-orders/new/lookup/?caller_phone=&lookup=12号楼 1502")
    nobody = page(client, "/work-orders/new/lookup/?caller_phone=13700000000")

    assert f'data-pick-customer="{household.pk}"' in by_phone
    assert 'data-phone="13912345678"' in by_phone
    assert f'data-pick-customer="{household.pk}"' in by_part
    assert f'data-pick-customer="{household.pk}"' in by_address
    assert 'data-building="12号楼"' in by_address
    assert 'data-testid="no-match"' in nobody


def test_lookup_finds_only_customers_the_user_may_see(cast, web, household):
    assert "data-pick-customer" not in page(
        web(cast.cleaner), "/work-orders/new/lookup/?caller_phone=13912345678"
    )


def test_choosing_a_service_type_shows_its_checklist_and_presets_its_department(cast, web, leak_repair):
    html = page(web(cast.agent), f"/work-orders/new/service-type/?service_type={leak_repair.pk}")

    assert 'name="materials_received" value="身份证明"' in html
    assert 'name="materials_received" value="漏水照片"' in html
    assert 'hx-swap-oob="true"' in html
    assert f'<option value="{cast.repair.pk}" selected>' in html


def test_products_of_the_picked_customer_are_offered(cast, web, household):
    from fuwu.customers.services import product_add

    product_add(customer=household, by=cast.agent, name="燃气热水器", model="JSQ25")

    assert "燃气热水器" in page(web(cast.agent), f"/work-orders/new/products/?customer={household.pk}")
    assert "燃气热水器" not in page(web(cast.cleaner), f"/work-orders/new/products/?customer={household.pk}")


# --- lists ----------------------------------------------------------------------------------


def test_first_received_by_me_keeps_the_work_order_until_it_is_closed(cast, web, receive):
    order = receive()
    other = receive(by=cast.agent2)
    client = web(cast.agent)

    first = numbers_in(page(client, "/work-orders/?tab=first"))
    assert first == {order.number}

    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)
    wo.work_order_complete(
        work_order=order,
        by=cast.tech,
        findings="角阀老化",
        work_done="更换角阀",
        warranty_status="in_warranty",
        minutes_spent=30,
        now=NOW,
    )
    assert numbers_in(page(client, "/work-orders/?tab=first")) == {order.number}  # done: still mine to follow

    wo.work_order_refuse_confirmation(work_order=order, by=cast.agent, reason="客户不在家", now=NOW)
    wo.work_order_close(work_order=order, by=cast.head_repair, reason="已电话确认", now=NOW)
    assert numbers_in(page(client, "/work-orders/?tab=first")) == set()
    assert numbers_in(page(client, "/work-orders/?tab=all")) == {order.number, other.number}


def test_assigned_to_me_lists_the_technicians_work(cast, web, receive):
    mine = receive()
    theirs = receive()
    receive()
    wo.work_order_dispatch(work_order=mine, by=cast.head_repair, technician=cast.tech, now=NOW)
    wo.work_order_dispatch(
        work_order=theirs, by=cast.head_repair, technician=cast.tech2, team=[cast.tech], now=NOW
    )

    assert numbers_in(page(web(cast.tech), "/work-orders/?tab=assigned")) == {mine.number, theirs.number}
    assert numbers_in(page(web(cast.tech2), "/work-orders/?tab=assigned")) == {theirs.number}
    assert numbers_in(page(web(cast.tech), "/work-orders/")) == {
        mine.number,
        theirs.number,
    }  # technicians' default


def test_department_queue_holds_what_waits_for_dispatch_and_what_is_dispatched(
    cast, web, receive, leak_repair
):
    from fuwu.catalogue.services import service_type_create

    waiting = receive()
    dispatched = receive()
    on_site = receive()
    cleaning = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="clean",
        name="保洁",
        category="contract",
        sla_class="standard",
        default_department=cast.cleaning,
    )
    elsewhere = receive(service_type=cleaning)
    for order in (dispatched, on_site):
        wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)
    wo.work_order_arrive(work_order=on_site, by=cast.tech, now=NOW)

    queue = numbers_in(page(web(cast.head_repair), "/work-orders/?tab=queue"))

    assert queue == {waiting.number, dispatched.number}
    assert elsewhere.number in numbers_in(page(web(cast.cleaner), "/work-orders/?tab=queue"))


def test_overdue_tab_is_live_and_rows_show_the_overdue_badge(cast, web, receive, time_machine):
    late = receive(now=at(2026, 11, 23, 9, 0))  # dispatch was due within 5 minutes
    fresh = receive(now=NOW)
    client = web(cast.head_repair)

    html = page(client, "/work-orders/?tab=overdue")

    assert numbers_in(html) == {late.number}
    assert 'data-testid="overdue"' in html
    all_rows = page(client, "/work-orders/?tab=all")
    fresh_row = all_rows.split(f'data-number="{fresh.number}"')[1].split("</tr>")[0]
    assert "剩余" in fresh_row
    assert 'data-testid="overdue"' not in fresh_row


def test_awaiting_my_approval_lists_red_lights_for_the_head_who_decides(cast, web, receive):
    order = receive()
    receive()
    wo.work_order_request_rejection(
        work_order=order,
        by=cast.agent,
        kind="rejection",
        reason="非物业维修范围",
        answer="该设备属业主自有，建议联系厂家",
        now=NOW,
    )

    assert numbers_in(page(web(cast.head_repair), "/work-orders/?tab=approval")) == {order.number}
    assert numbers_in(page(web(cast.director), "/work-orders/?tab=approval")) == {order.number}
    assert numbers_in(page(web(cast.head_service), "/work-orders/?tab=approval")) == set()
    assert numbers_in(page(web(cast.agent), "/work-orders/?tab=approval")) == set()


def test_filters_and_keyword_search(cast, web, receive):
    leak = receive(description="卫生间漏水", priority="urgent")
    power = receive(description="客厅停电")
    client = web(cast.agent)

    assert numbers_in(page(client, "/work-orders/?tab=all&q=卫生间")) == {leak.number}
    assert numbers_in(page(client, "/work-orders/?tab=all&q=停电")) == {power.number}
    assert numbers_in(page(client, "/work-orders/?tab=all&priority=urgent")) == {leak.number}
    assert numbers_in(page(client, "/work-orders/?tab=all&status=routed")) == {leak.number, power.number}
    assert numbers_in(page(client, "/work-orders/?tab=all&status=closed")) == set()
    assert numbers_in(page(client, f"/work-orders/?tab=all&department={cast.cleaning.pk}")) == set()
    assert numbers_in(page(client, "/work-orders/?tab=all&received_from=2026-11-24")) == set()
    assert numbers_in(page(client, "/work-orders/?tab=all&received_to=2026-11-23&channel=phone")) == {
        leak.number,
        power.number,
    }


def _make_rows(cast: Any, receive: Any, count: int) -> None:
    for index in range(count):
        order = receive(now=at(2026, 11, 23, 8, 0) if index % 3 == 0 else NOW)
        if index % 2:
            wo.work_order_dispatch(
                work_order=order,
                by=cast.head_repair,
                technician=cast.tech if index % 4 == 1 else cast.tech2,
                team=[cast.plumber],
                now=NOW,
            )


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


LIST_PAGES = [
    ("agent", "/work-orders/?tab=all"),
    ("agent", "/work-orders/?tab=overdue"),
    ("agent", "/work-orders/?tab=first&q=漏水"),
    ("director", "/work-orders/?tab=all&status=dispatched"),
    ("tech", "/work-orders/?tab=assigned"),
    ("tech", "/work-orders/mine/"),
    ("head_repair", "/work-orders/?tab=queue"),
]


def test_list_query_counts_do_not_grow_with_rows(cast, web, receive, monkeypatch, client):
    from fuwu.workorders.views import lists as views

    monkeypatch.setattr(views, "PAGE_SIZE", 250)  # every row on one page

    def counts() -> list[int]:
        found = []
        for who, url in LIST_PAGES:
            client.force_login(getattr(cast, who))
            client.get(url)  # warm the policy documents and jieba
            found.append(_queries(client, url))
        return found

    _make_rows(cast, receive, 10)
    few = counts()
    _make_rows(cast, receive, 190)
    many = counts()

    assert many == few


# --- voucher, technician view, customer archive ----------------------------------------------


def test_voucher_carries_the_task_for_printing(cast, web, receive):
    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, team=[cast.tech2], now=NOW
    )

    html = page(web(cast.tech), f"/work-orders/{order.pk}/voucher/")

    for text in (
        order.number,
        "漏水维修",
        "12号楼3单元1502室 卫生间漏水",
        "王先生",
        "13912345678",
        "12号楼3单元1502室",
        "身份证明",
        "漏水照片",
        cast.tech.full_name,
        cast.tech2.full_name,
        "工程维修部",
        "no-print",
        "workorders/voucher-a4.css",
    ):  # the paper size (@page) is in a stylesheet: no inline style
        assert text in html, text
    assert "navbar" not in html
    assert "workorders/voucher-a5.css" in page(web(cast.tech), f"/work-orders/{order.pk}/voucher/?size=a5")


def test_technician_view_takes_the_work_from_accept_to_done(cast, web, receive):
    order = receive()
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)
    client = web(cast.tech)

    html = page(client, "/work-orders/mine/")
    assert order.number in html
    assert 'href="tel:13912345678"' in html
    assert 'data-action="accept"' in html

    for action in ("accept", "arrive"):
        response = client.post(f"/work-orders/{order.pk}/{action}/", {"next": "/work-orders/mine/"})
        assert response.status_code == 302
        assert response["Location"] == "/work-orders/mine/"
    response = client.post(
        f"/work-orders/{order.pk}/complete/",
        {
            "next": "/work-orders/mine/",
            "findings": "角阀老化",
            "work_done": "更换角阀",
            "warranty_status": "in_warranty",
            "minutes_spent": "35",
            "parts": "角阀, DN15, 1",
        },
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Status.DONE
    report = order.reports.get()
    assert report.parts == [{"name": "角阀", "model": "DN15", "quantity": "1"}]
    html = page(client, "/work-orders/mine/")
    assert f'href="/work-orders/{order.pk}/#action-confirm"' in html


def test_technician_view_shows_nothing_of_other_peoples_work(cast, web, receive):
    order = receive()
    wo.work_order_dispatch(work_order=order, by=cast.head_repair, technician=cast.tech, now=NOW)

    assert 'data-testid="no-work"' in page(web(cast.tech2), "/work-orders/mine/")


def test_customer_archive_lists_the_work_orders_the_user_may_see(cast, web, receive):
    open_order = receive()
    # Received by someone cleared for it: a request above its receiver's clearance is refused (ADR 0005).
    secret = receive(confidentiality=1, by=cast.director)
    cast.agent2.refresh_from_db()

    html = page(web(cast.agent2), f"/customers/{open_order.customer_id}/")

    assert open_order.number in html
    assert secret.number not in html
    assert secret.number in page(web(cast.director), f"/customers/{open_order.customer_id}/")
