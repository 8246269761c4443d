"""End to end in Chromium on a 390 px phone: the quality inspector carries out the inspection of 工程维修部
on site — taps 合格 on an item, 不合格 on the one that needs a photo, writes what was found, attaches a
photo from the phone and saves; then submits and reads the score. The head of 工程维修部 signs in on
his phone, finds the rectification order on his home page and acknowledges (signs) it. No page is
wider than the phone's screen."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from PIL import Image

from fuwu.inspections import services
from fuwu.inspections.models import Finding, Inspection, Rectification, RectificationStatus, Status
from fuwu.testing.browser import PHONE, fits, new_page, overflowing
from fuwu.testing.cast import build_cast
from fuwu.workcal.models import CalendarDay
from fuwu.workcal.services import calendar_sync_package

from .conftest import DEFINITION

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 15, 9, 0, tzinfo=SHANGHAI)  # a Tuesday; the inspection is due Friday


def photo_file(tmp_path: Any) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(buffer, format="PNG")
    path = tmp_path / "stairwell.png"
    path.write_bytes(buffer.getvalue())
    return str(path)


def assert_fits(page: Any, where: str) -> None:
    assert fits(page), (where, page.evaluate("document.documentElement.scrollWidth"), overflowing(page))


@pytest.mark.browser
def test_the_inspector_records_a_failed_item_with_a_photo_and_the_head_signs_the_order(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with time_machine.travel(START, tick=True):
        # given the cast, the calendar, the checklist and an inspection of 工程维修部 by 品质李 with
        # three of its five items already filled in
        cast = build_cast()
        if not CalendarDay.objects.exists():
            calendar_sync_package()
        checklist = services.template_create(
            organisation=cast.organisation,
            by=cast.quality,
            code="service_quality",
            name="服务质量巡检表",
            definition_data=DEFINITION,
        ).template
        inspection = services.inspection_create(
            organisation=cast.organisation,
            by=cast.quality,
            template=checklist,
            department=cast.repair,
            inspector=cast.quality,
            due_on=date(2026, 9, 18),
            site="5号楼地下车库",
        )
        services.inspection_record(
            inspection=inspection,
            by=cast.quality,
            answers=[
                services.AnswerIn("phrases", "pass"),
                services.AnswerIn("records", score=7),
                services.AnswerIn("safety", "pass"),
            ],
        )
        base = live_server.url

        # when the inspector opens the inspection on the phone
        quality = new_page(chromium_browser, live_server, browser_login, "quality", PHONE)
        quality.goto(f"{base}/inspections/")
        quality.click(f'[data-inspection="{inspection.pk}"] [data-testid="open-inspection"]')
        quality.wait_for_selector('[data-testid="checklist"]')
        assert inspection.number in quality.inner_text('[data-testid="number"]')
        assert "5号楼地下车库" in quality.inner_text('[data-testid="department"]')
        assert_fits(quality, "inspection")
        assert quality.locator('#item-site_clean [data-testid="photo-required"]').is_visible()

        # taps 合格 on the first item and saves: the page comes back to that item
        uniform = '[data-item-form="uniform"]'
        quality.click(f'{uniform} [data-tap="pass"]')
        with quality.expect_navigation():
            quality.click(f'{uniform} [data-item-save="uniform"]')
        quality.wait_for_selector('#item-uniform[data-result="pass"] [data-testid="item-message"]')
        assert quality.url.endswith("#item-uniform")

        # taps 不合格 on the item that needs a photo, writes the note, takes the photo, saves
        site = '[data-item-form="site_clean"]'
        box = quality.locator(f'{site} [data-tap="fail"]').bounding_box()
        assert box["height"] >= 44
        assert box["width"] >= 90
        quality.locator(f'{site} [data-tap="fail"]').tap()
        assert quality.is_checked(f'{site} input[name="result"][value="fail"]')
        quality.fill(f"{site} textarea[name=note]", "楼梯间堆放纸箱, 地面有烟头")
        quality.set_input_files(f"{site} input[name=photos]", photo_file(tmp_path))
        with quality.expect_navigation():
            quality.click(f'{site} [data-item-save="site_clean"]')
        card = quality.locator('#item-site_clean[data-result="fail"]')
        card.locator('[data-testid="item-message"]').wait_for()
        assert card.locator('[data-testid="photos"] img').count() == 1
        assert card.locator('[data-testid="photo-missing"]').count() == 0
        assert_fits(quality, "item saved")
        finding = Finding.objects.get(inspection=inspection, item_code="site_clean")
        assert (finding.result, finding.note) == ("fail", "楼梯间堆放纸箱, 地面有烟头")
        assert finding.photos.count() == 1

        # submits: (2 + 0 + 1 + 4 × 7/10 + 2) / 12 = 65.0, one rectification order
        assert "5" in quality.inner_text('[data-testid="progress"]')
        quality.fill('form[data-action-form="submit"] textarea[name=summary]', "楼梯间卫生需整改")
        with quality.expect_navigation():
            quality.click('[data-action="submit"]')
        quality.wait_for_selector('[data-testid="result"]')
        assert quality.inner_text('[data-testid="score"]') == "65.0"
        assert quality.get_attribute('[data-testid="passed"]', "data-passed") == "no"
        assert_fits(quality, "submitted")
        assert Inspection.objects.get(pk=inspection.pk).status == Status.SUBMITTED
        order = Rectification.objects.get(inspection=inspection)
        assert (
            quality.locator(
                f'[data-testid="orders"] a[href="/inspections/rectifications/{order.pk}/"]'
            ).count()
            == 1
        )
        quality.context.close()

        # the head finds the order on his phone's home page and signs it
        head = new_page(chromium_browser, live_server, browser_login, "head_repair", PHONE)
        head.goto(f"{base}/")
        tile = head.locator('[data-inspection-bench="rectifications"]')
        assert tile.get_attribute("data-count") == "1"
        assert_fits(head, "home")
        tile.click()
        head.wait_for_selector(f'[data-rectification="{order.pk}"]')
        assert_fits(head, "rectification orders")
        head.click(f'[data-rectification="{order.pk}"] a')
        head.wait_for_selector('form[data-action-form="acknowledge"]')
        assert "楼梯间堆放纸箱" in head.inner_text('[data-testid="found"]')
        assert head.locator('[data-testid="finding-photos"] img').count() == 1
        assert_fits(head, "rectification order")
        head.fill('form[data-action-form="acknowledge"] textarea[name=note]', "已安排保洁班今日清理")
        with head.expect_navigation():
            head.click('[data-action="acknowledge"]')
        head.wait_for_selector("#actions .alert-success")
        assert (
            head.get_attribute('[data-testid="status"]', "data-status")
            == RectificationStatus.IN_RECTIFICATION
        )
        assert "已安排保洁班今日清理" in head.inner_text('[data-testid="acknowledged"]')
        assert_fits(head, "acknowledged")
        order.refresh_from_db()
        assert (order.status, order.acknowledged_by_id) == (
            RectificationStatus.IN_RECTIFICATION,
            cast.head_repair.pk,
        )
        head.context.close()
