"""On a phone (Chromium, 390×844): the work-order list's "Export to Excel" downloads the workbook,
"My exports" follows a running job by itself (htmx polling, no inline script) until its download
link appears, and no page is wider than the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from fuwu.customers.services import customer_create
from fuwu.exports.models import Export, ExportStatus
from fuwu.testing.browser import DEFAULT_TIMEOUT_MS
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.workorders import services as wo

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.mark.browser
def test_export_from_the_list_and_follow_a_background_job_on_a_phone(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.FUWU_EXPORT_ROOT = str(tmp_path / "exports")
    cast = build_cast()
    leak = leak_repair_for_browser(cast)
    household = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        department=cast.repair,
        phones=[{"number": "13912345678"}],
    )
    wo.work_order_create(
        organisation=cast.organisation,
        by=cast.agent,
        channel="phone",
        service_type=leak,
        customer=household,
        description="卫生间漏水",
    )
    context = chromium_browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True, **PHONE
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = browser_login(context.new_page(), live_server, "agent")
    base = live_server.url

    # the list offers the export with its filters, and it downloads a workbook
    page.goto(f"{base}/work-orders/?tab=all")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    button = page.get_by_test_id("export-xlsx")
    assert "tab=all" in (button.get_attribute("href") or "")
    with page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename.endswith(".xlsx")

    # a job being written: the page shows its progress and updates itself until it is ready
    job = Export.objects.create(
        organisation=cast.organisation,
        requested_by=cast.agent,
        kind="work-orders",
        title="工单台账",
        language="zh-hans",
        status=ExportStatus.RUNNING,
        rows_done=1000,
        rows_total=4000,
    )
    page.goto(f"{base}/exports/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("progress").get_attribute("value") == "25"
    Export.objects.filter(pk=job.pk).update(
        status=ExportStatus.DONE, rows_done=4000, file="2026/11/x.xlsx", filename="x.xlsx"
    )
    page.get_by_test_id("download").wait_for(timeout=8000)
    assert page.get_by_test_id(f"export-{job.pk}").get_attribute("data-status") == "done"
    context.close()
