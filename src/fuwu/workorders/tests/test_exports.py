"""The work-order register (Excel): the list's filters, visibility, clearance and phone masking,
in the reader's language; from the list page and from the API; big exports in the background."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from fuwu.exports.models import Export
from fuwu.exports.xlsx import HEADER_ROW
from fuwu.org.services import staff_update
from fuwu.workorders.models import Status

from .conftest import at

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = at(2026, 11, 23, 12, 0)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, settings: Any, tmp_path: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    settings.FUWU_EXPORT_ROOT = str(tmp_path / "exports")


def sheet_of(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content)).active


def table(content: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    sheet = sheet_of(content)
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = [str(h) for h in rows[0]]
    return headers, [dict(zip(headers, row, strict=False)) for row in rows[1:]]


def export(client: Any, query: str = "tab=all", language: str = "zh-hans") -> Any:
    response = client.get(f"/exports/xlsx/work-orders/?{query}", headers={"Accept-Language": language})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return response


def test_register_in_chinese_by_default_with_people_values(web, cast, receive):
    order = receive(now=at(2026, 11, 23, 10, 0))
    response = export(web(cast.agent))
    headers, rows = table(response.content)
    assert headers[:3] == ["工单号", "受理时间", "状态"]
    assert "客户" in headers
    assert "电话" in headers
    assert "报修人" in headers
    (row,) = rows
    assert row["工单号"] == order.number
    assert isinstance(row["受理时间"], datetime)  # a real Excel date, in local time
    assert row["受理时间"] == at(2026, 11, 23, 10, 0).replace(tzinfo=None)
    with translation.override("zh-hans"):
        assert row["状态"] == str(Status(order.status).label)
    assert row["客户"] == "王先生"
    assert row["服务项目"] == "漏水维修"
    assert row["电话"] == "13912345678"  # an agent sees numbers whole (policy privacy.unmasked_roles)
    assert None not in (row["工单号"], row["状态"])
    assert all(value not in ("None", "True", "False") for value in row.values())
    sheet = sheet_of(response.content)
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:T{HEADER_ROW + 1}"
    assert sheet.cell(HEADER_ROW, 1).font.b
    assert "测试物业公司" in sheet.cell(1, 1).value


def test_register_in_english_when_the_user_reads_english(web, cast, receive):
    order = receive()
    client = web(cast.agent)
    client.cookies["fuwu_language"] = "en"
    headers, rows = table(export(client, language="en").content)
    assert headers[:3] == ["Number", "Received at", "Status"]
    with translation.override("en"):
        assert rows[0]["Status"] == str(Status(order.status).label)
    assert rows[0]["Overdue"] == "yes"  # received at 10:00, not dispatched by 12:00
    assert rows[0]["Service type"] == "漏水维修"


def test_other_departments_and_records_above_the_clearance_never_appear(web, cast, receive):
    staff_update(user=cast.agent, by=cast.admin, clearance=2)
    mine = receive(description="维修部的单")
    elsewhere = receive(description="客服中心的单", department=cast.service)
    secret = receive(description="机密单位漏水", confidentiality=2)
    _, rows = table(export(web(cast.head_repair)).content)
    numbers = {row["工单号"] for row in rows}
    assert mine.number in numbers
    assert elsewhere.number not in numbers
    assert secret.number not in numbers
    _, everything = table(export(web(cast.agent)).content)
    assert {mine.number, elsewhere.number, secret.number} <= {row["工单号"] for row in everything}


def test_phones_are_masked_for_roles_that_must_not_see_them(web, cast, receive):
    receive()
    _, rows = table(export(web(cast.head_repair)).content)
    assert rows[0]["电话"] == "139****5678"


def test_the_list_filters_apply_status_and_keywords(web, cast, receive, steps):
    done = steps.done()
    routed = steps.routed()
    _, rows = table(export(web(cast.agent), "tab=all&status=done").content)
    assert [row["工单号"] for row in rows] == [done.number]
    _, rows = table(export(web(cast.agent), "tab=all&status=routed").content)
    assert [row["工单号"] for row in rows] == [routed.number]
    sheet = sheet_of(export(web(cast.agent), "tab=all&status=done").content)
    with translation.override("zh-hans"):
        assert str(Status.DONE.label) in sheet.cell(2, 1).value  # the filters line says what was exported


def test_the_list_page_offers_the_export_with_its_filters(web, cast, receive):
    receive()
    page = web(cast.agent).get("/work-orders/?tab=all&status=done")
    assert page.status_code == 200
    assert b"/exports/xlsx/work-orders/?tab=all&amp;status=done" in page.content


def test_formula_like_text_is_written_as_text(web, cast, receive):
    receive(description='=HYPERLINK("http://evil.example","点我")', caller_name="+86 张三")
    sheet = sheet_of(export(web(cast.agent)).content)
    row = list(sheet[HEADER_ROW + 1])
    caller = next(c for c in row if c.value == "+86 张三")
    description = next(c for c in row if str(c.value).startswith("=HYPERLINK"))
    assert caller.data_type == "s"
    assert description.data_type == "s"


def test_query_count_does_not_grow_with_the_rows(web, cast, receive, settings):
    settings.FUWU_EXPORT_CHUNK_ROWS = 4
    client = web(cast.agent)
    receive()
    client.get("/exports/xlsx/work-orders/?tab=all")  # warm caches (policy, session)
    with CaptureQueriesContext(connection) as one:
        export(client)
    for _ in range(9):
        receive()
    with CaptureQueriesContext(connection) as ten:
        _, rows = table(export(client).content)
    assert len(rows) == 10
    # 10 rows in 3 chunks of 4 cost what 1 row did: one query for the rows (joined, none per row)
    assert len(ten.captured_queries) == len(one.captured_queries)
    assert len(ten.captured_queries) <= 20


def test_a_big_export_runs_in_the_background_with_progress_and_only_its_owner_downloads_it(
    web, client, cast, receive, settings, django_capture_on_commit_callbacks
):
    settings.FUWU_EXPORT_SYNC_MAX_ROWS = 2
    settings.FUWU_EXPORT_CHUNK_ROWS = 2
    for _ in range(5):
        receive()
    agent = web(cast.agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent.get("/exports/xlsx/work-orders/?tab=all&status=routed")
    assert response.status_code == 302
    assert response["Location"] == "/exports/"
    job = Export.objects.get()
    assert job.requested_by == cast.agent
    assert job.status == "done"
    assert job.rows_total == 5
    assert job.rows_done == 5
    assert job.parameters["statuses"] == ["routed"]
    page = agent.get("/exports/")
    assert f"/exports/{job.pk}/download/".encode() in page.content
    download = agent.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    _, rows = table(b"".join(download.streaming_content))
    assert len(rows) == 5
    client.force_login(cast.head_repair)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404
    assert f"/exports/{job.pk}/download/".encode() not in client.get("/exports/").content


def test_progress_is_saved_after_each_chunk(cast, receive, settings):
    from fuwu.exports import services

    settings.FUWU_EXPORT_CHUNK_ROWS = 2
    for _ in range(5):
        receive()
    register = services.get_register("work-orders")
    seen: list[int] = []
    rows = services.write_register(register, cast.agent, {"view": "all"}, io.BytesIO(), progress=seen.append)
    assert rows == 5
    assert seen == [2, 4, 5]
    job = services.queue_export(user=cast.agent, register=register, parameters={"view": "all"})
    with CaptureQueriesContext(connection) as queries:
        services.run_export(job.pk)
    progress = [
        q for q in queries.captured_queries if q["sql"].startswith("UPDATE") and "rows_done" in q["sql"]
    ]
    assert len(progress) >= 3  # after each chunk, then the end
    job.refresh_from_db()
    assert job.status == "done"
    assert job.rows_done == 5
    assert job.file
    assert services.run_export(job.pk) is None  # a finished job is not written twice


def test_the_background_export_sees_what_the_requester_may_see_when_it_is_written(cast, receive, settings):
    from fuwu.exports import services

    staff_update(user=cast.agent, by=cast.admin, clearance=2)
    secret = receive(description="机密单位漏水", confidentiality=2)
    job = services.queue_export(
        user=cast.agent, register=services.get_register("work-orders"), parameters={"view": "all"}
    )
    staff_update(user=cast.agent, by=cast.admin, clearance=0)  # lowered before the job runs
    services.run_export(job.pk)
    job.refresh_from_db()
    _, rows = table(job.file.open("rb").read())
    assert secret.number not in {row["工单号"] for row in rows}


def test_old_export_files_are_deleted(cast, receive, settings, time_machine):
    from fuwu.exports import services

    receive()
    job = services.queue_export(
        user=cast.agent, register=services.get_register("work-orders"), parameters={"view": "all"}
    )
    services.run_export(job.pk)
    job.refresh_from_db()
    path = job.file.path
    time_machine.move_to(at(2026, 11, 23 + settings.FUWU_EXPORT_KEEP_DAYS, 13, 0), tick=False)
    assert services.delete_expired() == 1
    job.refresh_from_db()
    assert job.status == "expired"
    assert not job.file
    import os

    assert not os.path.exists(path)


# --- API -------------------------------------------------------------------------------------


def test_api_export_answers_the_file_with_the_list_filters(api, cast, steps):
    done = steps.done()
    steps.routed()
    response = api(cast.agent).get("work-orders/export.xlsx", {"status": "done"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    _, rows = table(response.content)
    assert [row["工单号"] for row in rows] == [done.number]


def test_api_export_in_english_and_masked(api, cast, receive):
    receive()
    response = api(cast.head_repair, language="en").get("work-orders/export.xlsx")
    headers, rows = table(response.content)
    assert headers[0] == "Number"
    assert rows[0]["Phone"] == "139****5678"


def test_api_export_refuses_a_wrong_filter_naming_it(api, cast):
    response = api(cast.agent).get("work-orders/export.xlsx", {"status": "nonsense"})
    assert response.status_code == 422
    assert "status" in response.json()["error"]["fields"]


def test_api_big_export_answers_the_job_then_the_file_to_its_owner_only(
    api, cast, receive, settings, django_capture_on_commit_callbacks
):
    settings.FUWU_EXPORT_SYNC_MAX_ROWS = 1
    receive()
    receive()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(cast.agent).get("work-orders/export.xlsx")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"  # as it was when answered; the job ran after the commit
    job = api(cast.agent).get(body["url"]).json()
    assert job["status"] == "done"
    assert job["rows_done"] == 2
    assert job["rows_total"] == 2
    download = api(cast.agent).get(job["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == XLSX
    assert len(table(b"".join(download.streaming_content))[1]) == 2
    assert api(cast.head_repair).get(job["download_url"]).status_code == 404
    assert api(cast.head_repair).get(body["url"]).status_code == 404
    assert [e["id"] for e in api(cast.agent).get("exports").json()["items"]] == [body["id"]]
    assert api(cast.head_repair).get("exports").json()["items"] == []


# --- the service voucher as PDF ----------------------------------------------------------------


def pdf_text_and_fonts(content: bytes) -> tuple[str, list[tuple[str, list[str]]]]:
    """The PDF's text without white space, and each font: its name and its embedded font files."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    text = "".join("".join((page.extract_text() or "").split()) for page in reader.pages)
    fonts: dict[str, list[str]] = {}
    for page in reader.pages:
        resources: Any = page["/Resources"]
        for reference in resources["/Font"].values():
            font = reference.get_object()
            descriptors = [font.get("/FontDescriptor")]
            descriptors += [d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])]
            files = [
                key
                for d in descriptors
                if d is not None
                for key in d.get_object()
                if key in ("/FontFile", "/FontFile2", "/FontFile3")
            ]
            fonts[str(font["/BaseFont"])] = files
    return text, sorted(fonts.items())


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_voucher_pdf_carries_the_voucher_in_chinese_with_the_cjk_font_embedded(web, cast, steps, media):
    import re

    order = steps.confirmed()
    response = web(cast.agent).get(f"/work-orders/{order.pk}/voucher.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    text, fonts = pdf_text_and_fonts(response.content)
    for expected in ("服务凭证", "测试物业公司", order.number, "王先生", "漏水维修", "角阀老化", "更换角阀"):
        assert expected in text, expected
    assert "维修工老赵" in text  # the technician
    assert "13912345678" in text  # an agent sees the caller's number whole
    assert fonts, "the PDF names no font"
    for name, files in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSansCJK\w*", name), name  # a subset of the CJK font
        assert files, f"{name} is not embedded"
        assert set(files) <= {"/FontFile2", "/FontFile3"}
    assert len(response.content) < 300_000  # the subset, not the whole 9 MB font


def test_voucher_pdf_masks_the_phone_for_a_head_and_follows_the_language(web, cast, steps, media):
    order = steps.confirmed()
    client = web(cast.head_repair)
    text, _ = pdf_text_and_fonts(client.get(f"/work-orders/{order.pk}/voucher.pdf").content)
    assert "139****5678" in text
    assert "13912345678" not in text
    client.cookies["fuwu_language"] = "en"
    english, _ = pdf_text_and_fonts(
        client.get(f"/work-orders/{order.pk}/voucher.pdf", headers={"Accept-Language": "en"}).content
    )
    assert "Servicevoucher" in english  # white space is removed before comparing
    assert "王先生" in english


def test_voucher_pdf_of_a_work_order_outside_visibility_is_404(web, cast, steps, media):
    order = steps.routed()
    assert web(cast.cleaner).get(f"/work-orders/{order.pk}/voucher.pdf").status_code == 404


def test_the_detail_and_voucher_pages_offer_the_pdf(web, cast, steps, media):
    order = steps.done()
    client = web(cast.agent)
    link = f"/work-orders/{order.pk}/voucher.pdf".encode()
    assert link in client.get(f"/work-orders/{order.pk}/").content
    assert link in client.get(f"/work-orders/{order.pk}/voucher/").content
