"""The inspections' downloads (ADR 0007): the 《服务质量巡检表》 of one inspection as Excel and PDF —
its items, score, sampling, rectification orders and signature lines, only for those who may see
the inspection — and the rectification register 整改记录 on the exports engine."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
import time_machine
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from ninja.testing import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from fuwu.exports.services import XLSX_TYPE
from fuwu.exports.xlsx import HEADER_ROW, write_register
from fuwu.inspections import export_api, exports, services
from fuwu.inspections.models import Inspection

from .conftest import DEFINITION, at

pytestmark = pytest.mark.django_db


def cells_of(content: bytes) -> list[Any]:
    sheet = load_workbook(io.BytesIO(content)).active
    return [value for row in sheet.iter_rows(values_only=True) for value in row if value is not None]


def pdf_text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def inspected(cast, plan_inspection) -> Inspection:
    """工程维修部 inspected on 2026-09-15: two items fail (73.3 — see ``test_flow_smoke``, plus the
    phrases), the head acknowledges the uniform order, which is then verified."""
    inspection = plan_inspection(site="3号楼")
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[
            services.AnswerIn("uniform", "fail", note="两人未戴工牌"),
            services.AnswerIn("site_clean", "pass"),
            services.AnswerIn("phrases", "fail", note="未用规范用语"),
            services.AnswerIn("records", score=7),
            services.AnswerIn("safety", "na"),
        ],
        now=at(2026, 9, 15, 10),
    )
    inspection = services.inspection_submit(
        inspection=inspection, by=cast.quality, summary="整体良好", now=at(2026, 9, 15, 11)
    )
    uniform = inspection.rectifications.get(finding__item_code="uniform")
    services.rectification_acknowledge(rectification=uniform, by=cast.head_repair, now=at(2026, 9, 15, 14))
    services.rectification_record_done(
        rectification=uniform, by=cast.tech, action_taken="已补发工牌", now=at(2026, 9, 16, 9)
    )
    services.rectification_verify(
        rectification=uniform, by=cast.quality, passed=True, note="已整改", now=at(2026, 9, 17, 9)
    )
    return inspection


# --- the inspection table -----------------------------------------------------------------------


def test_the_table_reads_as_filed(cast, inspected):
    # (0 + 3 + 0 + 4·7/10) of 10 possible (safety not applicable) = 5.8 / 10 = 58.0
    assert str(inspected.score) == "58.0"
    with translation.override("en"):
        sheet = exports.sheet_of(exports.inspection_for_table(cast.head_repair, inspected.pk))
    header = dict(sheet.header)
    assert header["No."] == inspected.number
    assert header["Department"] == "工程维修部"
    assert header["Site or area"] == "3号楼"
    assert header["Inspector"] == "品质李"
    assert header["Inspected on"] == "2026-09-15"
    assert header["Checklist"] == "服务质量巡检表 v1"
    assert [title for title, _items in sheet.sections] == ["服务现场", "服务过程"]
    lines = {line.code: line for _title, items in sheet.sections for line in items}
    assert (lines["uniform"].result, lines["uniform"].note, str(lines["uniform"].points)) == (
        "Does not conform",
        "两人未戴工牌",
        "0",
    )
    assert (lines["records"].score, str(lines["records"].points)) == ("7 / 10", "2.8")
    assert lines["safety"].points is None  # not applicable: counts neither way
    assert lines["safety"].text.endswith("(critical)")
    assert dict(sheet.totals) == {"Points": "5.8 / 10", "Score": "58.0", "Passed": "no", "Failed items": "2"}
    assert [row[0] for row in sheet.rectifications] == [
        r.number for r in inspected.rectifications.order_by("issued_at", "id")
    ]
    assert sheet.sampling == []  # the checklist checks every unit
    signatures = {label: (name, day) for label, name, day in sheet.signatures}
    assert signatures == {
        "Inspector": ("品质李", "2026-09-15"),
        "Responsible department head (signature)": ("维修主管", "2026-09-15"),
        "Verified by": ("品质李", "2026-09-17"),
    }


def test_the_workbook_and_the_pdf_carry_the_items_and_the_score(cast, inspected):
    response = exports.table_download(cast.head_repair, inspected.pk, "xlsx", now=at(2026, 9, 18, 9))
    assert response["Content-Type"] == XLSX_TYPE
    assert f"inspection-{inspected.number}-20260918-0900.xlsx" in response["Content-Disposition"]
    cells = cells_of(response.content)
    for section in DEFINITION["sections"]:
        for item in section["items"]:
            assert any(str(c).startswith(item["text"]) for c in cells), item["text"]
    assert "58.0" in cells
    assert "两人未戴工牌" in cells
    assert any("服务质量巡检表" in str(c) for c in cells)
    assert "品质李" in cells
    pdf = exports.table_download(cast.head_repair, inspected.pk, "pdf", now=at(2026, 9, 18, 9))
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert inspected.number in text
    assert "员工着装整洁" in text
    assert "服务记录完整准确" in text
    assert "58.0" in text
    assert "两人未戴工牌" in text


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("head_repair", True),  # the inspected department
        ("tech", True),
        ("quality", True),  # the inspector (and the quality role)
        ("director", True),
        ("cleaner", False),  # another department
        ("head_service", False),
        ("plumber", False),  # a team below the department does not see the department's records
        ("outsider", False),  # another organisation
    ],
)
def test_only_who_may_see_the_inspection_downloads_its_table(cast, inspected, who, sees):
    user = getattr(cast, who)
    client = TestClient(export_api.router)
    for extension in ("xlsx", "pdf"):
        answer = client.get(f"/{inspected.pk}/table.{extension}", user=user)
        assert answer.status_code == (200 if sees else 404), (who, extension)
        if not sees:
            with pytest.raises(Http404):
                exports.table_download(user, inspected.pk, extension)
    assert client.get("/999999/table.pdf", user=cast.director).status_code == 404


def test_a_planned_inspection_prints_as_the_blank_form(cast, plan_inspection):
    inspection = plan_inspection()
    with translation.override("en"):
        sheet = exports.sheet_of(exports.inspection_for_table(cast.quality, inspection.pk))
    assert dict(sheet.header)["Due on"] == "2026-09-18"
    assert sheet.totals == []
    lines = [line for _title, items in sheet.sections for line in items]
    assert [line.result for line in lines] == [""] * 5
    assert next(line.score for line in lines if line.code == "records") == "__ / 10"
    assert pdf_text(exports.table_pdf(inspection, cast.quality)).count("服务") >= 2


def test_the_sampling_plan_and_its_verdict(cast):
    definition = {
        **DEFINITION,
        "sampling": {"method": "iso2859", "level": "II", "aql": "1.0", "unit": "份工单记录"},
    }
    version = services.template_create(
        organisation=cast.organisation,
        by=cast.quality,
        code="records_check",
        name="工单记录抽查表",
        definition_data=definition,
        now=at(2026, 9, 1, 9),
    )
    inspection = services.inspection_create(
        organisation=cast.organisation,
        by=cast.quality,
        template=version.template,
        department=cast.repair,
        inspector=cast.quality,
        due_on=date(2026, 9, 18),
        now=at(2026, 9, 14, 9),
    )
    services.inspection_start(inspection=inspection, by=cast.quality, population=500, now=at(2026, 9, 15, 9))
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[
            services.AnswerIn("uniform", "pass"),
            services.AnswerIn("site_clean", "pass"),
            services.AnswerIn("phrases", "pass"),
            services.AnswerIn("records", score=10),
            services.AnswerIn("safety", "pass"),
        ],
        now=at(2026, 9, 15, 10),
    )
    inspection = services.inspection_submit(
        inspection=inspection, by=cast.quality, nonconforming_units=2, now=at(2026, 9, 15, 11)
    )
    plan = inspection.sampling
    with translation.override("en"):
        sheet = exports.sheet_of(exports.inspection_for_table(cast.quality, inspection.pk))
    sampling = dict(sheet.sampling)
    assert sampling["Units to sample from"] == "500 份工单记录"
    assert sampling["Sample size"] == f"{plan['sample_size']} 份工单记录"
    assert sampling["Ac / Re"] == f"{plan['accept']} / {plan['reject']}"
    assert sampling["Nonconforming units found"] == "2 份工单记录"
    assert (
        sampling["Verdict on the lot"]
        == {"accept": "Lot accepted", "reject": "Lot rejected"}[plan["verdict"]]
    )
    assert sheet.rectifications == []
    cells = cells_of(exports.table_xlsx(inspection, cast.quality))
    assert "500 份工单记录" in cells


# --- the rectification register -------------------------------------------------------------------


EXPORTED = at(2026, 10, 16, 9)


def register_rows(user: Any, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The register as ``user`` exports it on 2026-10-16 (what is overdue is so at that moment)."""
    buffer = io.BytesIO()
    with translation.override("en"), time_machine.travel(EXPORTED, tick=False):
        write_register(exports.RECTIFICATION_REGISTER, user, parameters or {}, buffer)
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    headers = rows[HEADER_ROW - 1]
    return [dict(zip(headers, row, strict=False)) for row in rows[HEADER_ROW:]]


@pytest.fixture
def orders(cast, plan_inspection, inspected):
    """Besides the repair department's two orders of September: one of the cleaning department,
    issued in October."""
    cleaning = plan_inspection(department=cast.cleaning, due_on=date(2026, 10, 16))
    services.inspection_record(
        inspection=cleaning,
        by=cast.quality,
        answers=[
            services.AnswerIn("uniform", "fail", note="未穿工服"),
            services.AnswerIn("site_clean", "pass"),
            services.AnswerIn("phrases", "pass"),
            services.AnswerIn("records", score=10),
            services.AnswerIn("safety", "pass"),
        ],
        now=at(2026, 10, 15, 10),
    )
    services.inspection_submit(inspection=cleaning, by=cast.quality, now=at(2026, 10, 15, 11))
    return cleaning


def test_the_register_as_people_read_it(cast, inspected, orders):
    rows = register_rows(cast.quality)
    assert [(r["Responsible department"], r["Item"]) for r in rows] == [
        ("工程维修部", "员工着装整洁, 佩戴工牌"),
        ("工程维修部", "使用规范用语接听电话"),
        ("保洁部", "员工着装整洁, 佩戴工牌"),
    ]
    uniform, phrases, cleaning = rows
    assert uniform["Status"] == "Verified"
    assert uniform["Inspection"] == inspected.number
    assert uniform["What was found"] == "两人未戴工牌"
    assert uniform["Acknowledged by"] == "维修主管"
    assert uniform["What was done"] == "已补发工牌"
    assert (uniform["Verified by"], uniform["Verification result"]) == ("品质李", "已整改")
    assert uniform["Failed verifications"] == 0
    assert phrases["Status"] == "Awaiting acknowledgement"
    # due 5 working days after 09-15 (Sunday 09-20 is a make-up working day): 09-21, 17:30
    assert phrases["To be rectified by"] == at(2026, 9, 21, 17, 30).replace(tzinfo=None)
    assert phrases["Overdue"] == "yes"
    assert cleaning["Overdue"] == "no"  # issued 10-15
    assert cleaning["Inspector"] == "品质李"


def test_the_register_filters_and_visibility(cast, inspected, orders):
    def numbers(user: Any, **parameters: Any) -> list[str]:
        return [r["Order no."] for r in register_rows(user, parameters)]

    everything = numbers(cast.quality)
    assert len(everything) == 3
    assert numbers(cast.quality, month="2026-09") == everything[:2]
    assert numbers(cast.quality, date_from="2026-10-01", date_to="2026-10-31") == everything[2:]
    assert numbers(cast.quality, status="verified") == everything[:1]
    assert numbers(cast.quality, department_id=cast.cleaning.pk) == everything[2:]
    assert numbers(cast.quality, status="nonsense", month="13-2026") == everything  # dropped, not failed
    # each department sees its own orders; the cleaner does not see the repair department's
    assert numbers(cast.tech) == everything[:2]
    assert numbers(cast.cleaner) == everything[2:]
    assert numbers(cast.plumber) == []
    assert numbers(cast.outsider) == []
    assert numbers(cast.tech, department_id=cast.cleaning.pk) == []


def test_the_register_costs_a_fixed_number_of_queries_per_chunk(
    cast, inspected, orders, django_assert_max_num_queries
):
    def written(chunk_rows: int) -> int:
        with django_assert_max_num_queries(6):
            return write_register(
                exports.RECTIFICATION_REGISTER, cast.director, {}, io.BytesIO(), chunk_rows=chunk_rows
            )

    assert written(1000) == 3
    assert written(2) == 3


def test_the_register_over_the_api(cast, inspected, orders):
    client = TestClient(export_api.rectification_router)
    answer = client.get("/export.xlsx?month=2026-09&status=verified", user=cast.head_repair)
    assert answer.status_code == 200
    assert answer["Content-Type"] == XLSX_TYPE
    cells = cells_of(answer.content)
    assert "员工着装整洁, 佩戴工牌" in cells
    assert not any("使用规范用语" in str(c) for c in cells)
    refused = client.get("/export.xlsx?month=2026-13", user=cast.head_repair)
    assert refused.status_code == 422


def test_the_register_from_the_exports_page(cast, inspected, orders, web):
    # the exports engine's page reads the list's filters from the query string
    answer = web(cast.cleaner).get(reverse("exports:xlsx", args=["rectifications"]), {"month": "2026-10"})
    assert answer.status_code == 200
    cells = cells_of(answer.content)
    assert "保洁部" in cells
    assert "工程维修部" not in cells
    assert any("Filters" in str(c) or "筛选" in str(c) for c in cells)


def test_the_apis_statuses_are_the_models():
    from typing import get_args

    from fuwu.inspections.models import RectificationStatus

    literal, _none = get_args(export_api.RectificationRegisterQuery.model_fields["status"].annotation)
    assert set(get_args(literal)) == set(RectificationStatus.values)
