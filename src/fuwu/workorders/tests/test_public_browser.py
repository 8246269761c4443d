"""End to end in Chromium on a phone-sized screen: a customer submits a request, then checks its status."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.cache import cache
from PIL import Image

from fuwu.catalogue.services import service_type_create
from fuwu.org.models import Duty
from fuwu.org.services import duty_create
from fuwu.testing.cast import build_cast
from fuwu.workorders.models import WorkOrder


@pytest.mark.browser
def test_customer_submits_on_a_phone_and_checks_the_status(
    live_server: Any,
    django_db_serialized_rollback: None,
    browser_page: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    # given an organisation whose 报修热线 receives online requests
    cast = build_cast()
    settings.FUWU_DEFAULT_ORGANISATION = cast.organisation.name
    settings.MEDIA_ROOT = str(tmp_path / "media")
    cache.clear()
    service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="water-leak",
        name="漏水维修",
        category="paid",
        sla_class="standard",
        default_department=cast.repair,
    )
    duty = duty_create(
        department=cast.service,
        name="报修热线",
        kind="queue",
        primary=cast.agent,
        backup=cast.agent2,
        by=cast.admin,
    )
    Duty.objects.filter(pk=duty.pk).update(is_intake=True)
    picture = tmp_path / "leak.png"
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (30, 90, 200)).save(buffer, format="PNG")
    picture.write_bytes(buffer.getvalue())
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})

    # when the customer fills in the form in English
    page.goto(f"{live_server.url}/service/")
    page.select_option("#language-select", "en")
    page.wait_for_selector("text=Send request")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scrolling
    page.fill("#id_caller_name", "李女士")
    page.fill("#id_caller_phone", "13711112222")
    page.fill("#id_building", "8号楼")
    page.fill("#id_unit", "2单元")
    page.fill("#id_room", "301室")
    page.select_option("#id_service_type", label="漏水维修")
    page.fill("#id_description", "厨房水管漏水")
    page.set_input_files("#id_photos", str(picture))
    page.click("text=Send request")

    # then the number is shown
    number_box = page.locator('[data-testid="work-order-number"]')
    number_box.wait_for()
    order = WorkOrder.objects.get()
    assert number_box.inner_text().strip() == order.number
    assert order.photos.count() == 1

    # and the customer checks the status with the last four digits of the phone
    page.click("text=Check status >> nth=-1")
    page.wait_for_selector("#id_phone_last_four")
    assert page.input_value("#id_number") == order.number
    page.fill("#id_phone_last_four", "2222")
    page.click("form[data-testid=status-form] button[type=submit]")
    label = page.locator('[data-testid="status-label"]')
    label.wait_for()
    assert label.inner_text() == "Received, being assigned"
    assert "漏水维修" in page.locator('[data-testid="status-result"]').inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
