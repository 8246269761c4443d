"""The customer list as Excel: the list's filters, visibility, clearance and phone masking, in the
reader's language; formula-like names stay text; the query count does not grow with the rows."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from fuwu.exports.xlsx import HEADER_ROW
from fuwu.org.models import Confidentiality

from .factories import make_customer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def exports_folder(settings: Any, tmp_path: Any) -> None:
    settings.FUWU_EXPORT_ROOT = str(tmp_path / "exports")


def table(
    client: Any, query: str = "", language: str = "zh-hans"
) -> tuple[list[str], list[dict[str, Any]], Any]:
    response = client.get(f"/exports/xlsx/customers/?{query}", headers={"Accept-Language": language})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = [str(h) for h in rows[0]]
    return headers, [dict(zip(headers, row, strict=False)) for row in rows[1:]], sheet


def test_customer_list_in_chinese_with_masked_phones_for_a_head(cast, web):
    make_customer(cast.organisation, "维修客户甲", department=cast.repair, phones=("13900001111",))
    headers, rows, sheet = table(web(cast.head_repair))
    assert headers[:2] == ["名称", "类型"]
    assert "电话" in headers
    assert "地址" in headers
    (row,) = rows
    assert row["名称"] == "维修客户甲"
    assert row["电话"] == "139****1111"
    assert row["类型"] not in (None, "", "household")  # a label, not the code
    assert "12" in row["地址"]
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"


def test_customer_list_in_english_with_whole_phones_for_an_agent(cast, web):
    make_customer(cast.organisation, "维修客户甲", department=cast.repair, phones=("13900001111",))
    client = web(cast.agent)
    client.cookies["fuwu_language"] = "en"
    headers, rows, _ = table(client, language="en")
    assert headers[:2] == ["Name", "Kind"]
    assert rows[0]["Phone"] == "13900001111"


def test_customers_of_other_departments_and_above_the_clearance_never_appear(cast, web):
    make_customer(cast.organisation, "维修客户甲", department=cast.repair)
    make_customer(cast.organisation, "保洁客户乙", department=cast.cleaning)
    make_customer(
        cast.organisation, "保密客户丙", department=cast.repair, confidentiality=Confidentiality.CONFIDENTIAL
    )
    make_customer(cast.other_organisation, "别家客户丁")
    _, rows, _ = table(web(cast.head_repair))
    assert [row["名称"] for row in rows] == ["维修客户甲"]


def test_the_list_filters_apply(cast, web):
    make_customer(cast.organisation, "维修客户甲", department=cast.repair, building="12")
    make_customer(cast.organisation, "维修客户乙", department=cast.repair, building="7")
    _, rows, sheet = table(web(cast.agent), "building=7号楼")
    assert [row["名称"] for row in rows] == ["维修客户乙"]
    assert "7号楼" in sheet.cell(2, 1).value  # the filters line
    _, rows, _ = table(web(cast.agent), f"department={cast.cleaning.pk}")
    assert rows == []


def test_formula_like_names_are_written_as_text(cast, web):
    make_customer(cast.organisation, '=HYPERLINK("http://evil.example","点我")', department=cast.repair)
    make_customer(cast.organisation, "@SUM(A1:A9)", department=cast.repair)
    _, _, sheet = table(web(cast.agent))
    cells = [sheet.cell(HEADER_ROW + n, 1) for n in (1, 2)]
    assert {c.value for c in cells} == {'=HYPERLINK("http://evil.example","点我")', "@SUM(A1:A9)"}
    assert all(c.data_type == "s" for c in cells)


def test_query_count_does_not_grow_with_the_rows(cast, web, settings):
    settings.FUWU_EXPORT_CHUNK_ROWS = 500
    client = web(cast.agent)
    make_customer(cast.organisation, "客户0", department=cast.repair)
    table(client)
    with CaptureQueriesContext(connection) as one:
        table(client)
    for n in range(1, 12):
        make_customer(cast.organisation, f"客户{n}", department=cast.repair, phones=(f"1390000{n:04d}",))
    with CaptureQueriesContext(connection) as twelve:
        _, rows, _ = table(client)
    assert len(rows) == 12
    assert len(twelve.captured_queries) == len(one.captured_queries)


def test_the_list_page_offers_excel_with_its_filters_and_csv_still_works(cast, web):
    make_customer(cast.organisation, "维修客户甲", department=cast.repair)
    client = web(cast.agent)
    page = client.get("/customers/?q=维修")
    assert b"/exports/xlsx/customers/?q=" in page.content
    csv = client.get("/customers/export/")
    assert csv.status_code == 200
    assert "维修客户甲" in csv.content.decode("utf-8-sig")
