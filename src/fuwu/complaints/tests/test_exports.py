"""The complaint register (客户投诉登记追踪表, Excel) and the complaint handling form (客户意见处理表,
PDF): the list's filters, visibility, clearance, phone masking and protected identities, in the
reader's language; each step's deadline, the reply, the later answer that counts; big registers
in the background; a bounded number of queries whatever the number of rows."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, pgettext
from openpyxl import load_workbook

from fuwu.complaints.models import (
    AnswerOutcome,
    Channel,
    Complaint,
    ComplaintAnswer,
    ComplaintClock,
    ComplaintCost,
    CostStatus,
    Status,
    Validity,
)
from fuwu.exports.models import Export
from fuwu.exports.xlsx import HEADER_ROW
from fuwu.org.services import staff_update

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
    response = client.get(f"/exports/xlsx/complaints/?{query}", headers={"Accept-Language": language})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    return response


def english(client: Any) -> Any:
    client.cookies["fuwu_language"] = "en"
    return client


def header(text: str, language: str = "zh-hans") -> str:
    with translation.override(language):
        return gettext(text)


def label(choice: Any, language: str = "zh-hans") -> str:
    with translation.override(language):
        return str(choice.label)


def handled(complaint: Complaint, **fields: Any) -> Complaint:
    """Writes what later steps record (reply, counters…) straight into the row: a pure export test
    of the values, not of the steps' services."""
    Complaint.objects.filter(pk=complaint.pk).update(**fields)
    return Complaint.objects.get(pk=complaint.pk)


# --- the register ---------------------------------------------------------------------------------


def test_register_in_chinese_with_the_values_people_read(web, cast, complain):
    c = complain(now=at(2026, 11, 23, 9, 30))
    response = export(web(cast.agent))
    headers, rows = table(response.content)
    with translation.override("zh-hans"):
        assert headers[:5] == [
            pgettext("complaint", "Number"),
            "受理时间",
            "渠道",
            gettext("Complainant"),
            "电话",
        ]
    for known in ("客户", "承办部门", "催办次数", "状态", "关闭时间"):
        assert known in headers
    (row,) = rows
    assert row[headers[0]] == c.number
    assert row["受理时间"] == at(2026, 11, 23, 9, 30).replace(tzinfo=None)  # a real date, local time
    assert row["渠道"] == label(Channel.PHONE)
    assert row["客户"] == "王先生"
    assert row["电话"] == "13912345678"  # an agent sees the number whole (privacy.unmasked_roles)
    assert row["承办部门"] == "工程维修部"
    assert row[header("Severity")] == "一般投诉"  # the policy's label, not the code
    assert row["状态"] == label(Status(c.status))
    assert row[header("Validity")] == label(Validity.PENDING)
    assert row["催办次数"] == 0
    assert all(value not in ("None", "True", "False", "general", "phone") for value in row.values())
    sheet = sheet_of(response.content)
    assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
    assert sheet.cell(HEADER_ROW, 1).font.b
    assert "测试物业公司" in sheet.cell(1, 1).value
    with translation.override("zh-hans"):
        assert gettext("Complaint register and tracking sheet") in sheet.cell(1, 1).value


def test_register_in_english_when_the_user_reads_english(web, cast, complain):
    c = complain(now=at(2026, 11, 23, 9, 30))
    headers, rows = table(export(english(web(cast.agent)), language="en").content)
    assert headers[:5] == ["Number", "Received at", "Channel", "Complainant", "Phone"]
    assert "Acknowledgement · due" in headers
    assert "Investigation start · late" in headers
    assert "Customer's answer (latest)" in headers
    (row,) = rows
    assert row["Number"] == c.number
    assert row["Channel"] == "Phone"
    assert row["Status"] == label(Status(c.status), "en")
    assert row["Complaint about"] == "Service attitude"
    assert row["Validity"] == "Not yet assessed"
    assert row["Repeat"] == "no"
    assert row["Overdue"] == "no"  # acknowledged at intake (a phone call); the other steps not due yet
    assert row["Acknowledgement · late"] == "no"
    assert row["Investigation start · late"] == "no"


def test_other_departments_higher_clearance_and_other_organisations_never_appear(web, cast, complain):
    mine = complain(now=at(2026, 11, 23, 9), subject="维修部的投诉")
    elsewhere = complain(now=at(2026, 11, 23, 9), subject="保洁部的投诉", department_id=cast.cleaning.pk)
    secret = complain(now=at(2026, 11, 23, 9), subject="机密投诉", confidentiality=2, by=cast.director)
    _, rows = table(export(web(cast.head_repair)).content)
    numbers = {next(iter(row.values())) for row in rows}
    assert mine.number in numbers
    assert elsewhere.number not in numbers
    assert secret.number not in numbers
    assert "保洁部的投诉" not in str(rows)
    _, rows = table(export(web(cast.director)).content)
    assert {mine.number, elsewhere.number, secret.number} <= {next(iter(row.values())) for row in rows}
    staff_update(user=cast.agent, by=cast.admin, clearance=0)
    _, rows = table(export(web(cast.agent)).content)
    assert secret.number not in {next(iter(row.values())) for row in rows}


def test_phones_are_masked_and_protected_identities_hidden(web, cast, complain):
    plain = complain(now=at(2026, 11, 23, 9), caller_name="王先生", caller_phone="13912345678")
    protected = complain(
        now=at(2026, 11, 23, 9, 5), caller_name="李女士", caller_phone="13687654321", identity_protected=True
    )
    _headers, rows = table(export(english(web(cast.head_repair)), language="en").content)
    by_number = {row["Number"]: row for row in rows}
    assert by_number[plain.number]["Phone"] == "139****5678"
    assert by_number[plain.number]["Complainant"] == "王先生"
    assert by_number[protected.number]["Complainant"] == "(identity protected)"
    assert by_number[protected.number]["Phone"] is None
    assert "李女士" not in str(rows)
    assert "13687654321" not in str(rows)
    _, rows = table(export(english(web(cast.agent)), language="en").content)
    by_number = {row["Number"]: row for row in rows}
    assert by_number[protected.number]["Complainant"] == "李女士"
    assert by_number[protected.number]["Phone"] == "13687654321"


def test_the_list_tab_and_filters_apply_and_are_named_above_the_table(web, cast, complain):
    valid = handled(complain(now=at(2026, 11, 20, 9), subject="有效"), validity=Validity.VALID)
    invalid = handled(
        complain(now=at(2026, 11, 21, 9), subject="无效", object="fees"), validity=Validity.INVALID
    )
    closed = handled(complain(now=at(2026, 11, 22, 9), subject="已关闭"), status=Status.CLOSED)
    client = english(web(cast.agent))

    def numbers(query: str) -> list[str]:
        return [row["Number"] for row in table(export(client, query, "en").content)[1]]

    assert numbers("tab=all") == [closed.number, invalid.number, valid.number]  # newest first
    assert numbers("tab=all&validity=valid") == [valid.number]
    assert numbers("tab=all&validity=invalid") == [invalid.number]
    assert numbers("tab=all&object=fees") == [invalid.number]
    assert numbers("tab=closed") == [closed.number]
    assert numbers("tab=open") == [invalid.number, valid.number]
    assert numbers("tab=all&date_from=2026-11-21&date_to=2026-11-21") == [invalid.number]
    assert numbers("tab=all&q=有效") == [valid.number]
    # A stale or edited query string never breaks the export: unknown values are not filters.
    assert len(numbers("tab=nonsense&status=bogus&department=abc&date_from=2026-13-45")) == 3
    line = sheet_of(export(client, "tab=all&validity=invalid&object=fees", "en").content).cell(2, 1).value
    assert "Validity: Invalid (misunderstanding)" in line
    assert "Complaint about: Fees" in line
    assert "by: 客服小张" in line


def test_each_step_the_reply_and_the_later_answer_that_counts(web, cast, complain, finance):
    c = complain(now=at(2026, 11, 23, 9))
    clocks = {clock.kind: clock for clock in ComplaintClock.objects.filter(complaint=c, is_active=True)}
    investigation = clocks["investigation"]
    ComplaintClock.objects.filter(pk=investigation.pk).update(
        met_at=investigation.due_at + timedelta(hours=2)
    )
    plan = clocks["plan"]
    ComplaintClock.objects.filter(pk=plan.pk).update(met_at=plan.due_at - timedelta(hours=1))
    first = ComplaintAnswer.objects.create(
        complaint=c,
        round=0,
        outcome=AnswerOutcome.UNSATISFIED,
        comment="还是漏水",
        method="phone",
        recorded_by=cast.quality,
        recorded_at=at(2026, 11, 20, 10),
        reasonable=True,
    )
    later = ComplaintAnswer.objects.create(
        complaint=c,
        round=1,
        outcome=AnswerOutcome.SATISFIED,
        comment="这次修好了",
        method="phone",
        recorded_by=cast.quality,
        recorded_at=at(2026, 11, 23, 11),
    )
    c = handled(
        c,
        status=Status.ANSWERED,
        validity=Validity.VALID,
        cause_type="quality",
        reply="已安排重新维修并致歉",
        reply_method="phone",
        replied_at=at(2026, 11, 23, 10),
        answer=later,
        rehandle_count=1,
        reminder_count=2,
        return_count=1,
        reassign_count=1,
        responsible_department=cast.plumbing,
    )
    c.responsible_people.add(cast.plumber, cast.tech)
    for kind, amount, status in (
        ("repair", "100.00", CostStatus.VERIFIED),
        ("parts", "25.50", CostStatus.RECORDED),
        ("freight", "40.00", CostStatus.REJECTED),
    ):
        ComplaintCost.objects.create(
            complaint=c,
            kind=kind,
            amount=Decimal(amount),
            status=status,
            department=cast.plumbing,
            recorded_by=cast.head_repair,
            recorded_at=at(2026, 11, 23, 10),
        )
    assert first.pk != later.pk
    sheet = sheet_of(export(english(web(cast.agent)), language="en").content)
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = [str(h) for h in rows[0]]
    row = dict(zip(headers, rows[1], strict=True))
    assert row["Investigation start · due"] == investigation.due_at.astimezone(at(2026, 1, 1).tzinfo).replace(
        tzinfo=None
    )
    assert row["Investigation start · done"] == (investigation.due_at + timedelta(hours=2)).astimezone(
        at(2026, 1, 1).tzinfo
    ).replace(tzinfo=None, second=0, microsecond=0)
    assert row["Investigation start · late"] == "yes"
    assert row["Handling plan · late"] == "no"
    assert row["Acknowledgement · late"] == "no"  # acknowledged at intake (a phone call)
    assert row["Validity"] == "Valid"
    assert row["Cause type"] == "Quality cause"
    assert row["Responsible department"] == "水电班"
    assert set(row["Responsible people"].split(", ")) == {"水电工孙", "维修工老赵"}
    assert row["Reply to the customer"] == "已安排重新维修并致歉"
    assert row["Replied by"] == "Phone"
    # The later answer is the one that counts: satisfied, not the first unsatisfied one.
    assert row["Customer's answer (latest)"] == "Satisfied"
    assert row["Customer's words"] == "这次修好了"
    assert row["Dissatisfaction reasonable"] is None
    assert (row["Re-handlings"], row["Reminders"], row["Returns"], row["Reassignments"]) == (1, 2, 1, 1)
    # Costs: all but the one finance rejected; verified only the verified one. Money is a number.
    assert row["Costs"] == 125.5
    assert row["Verified costs"] == 100
    costs_cell = next(cell for cell in list(sheet[HEADER_ROW + 1]) if cell.value == 125.5)
    assert "¥" in costs_cell.number_format
    assert row["Status"] == "Answered by the customer"


def test_query_count_does_not_grow_with_the_rows(web, cast, complain, settings):
    settings.FUWU_EXPORT_CHUNK_ROWS = 4
    client = web(cast.agent)
    c = complain(now=at(2026, 11, 23, 9))
    c.responsible_people.add(cast.tech)
    client.get("/exports/xlsx/complaints/?tab=all")  # warm caches (policy, session)
    with CaptureQueriesContext(connection) as one:
        export(client)
    for minute in range(9):
        other = complain(now=at(2026, 11, 23, 9, minute + 1))
        other.responsible_people.add(cast.tech2)
        ComplaintCost.objects.create(
            complaint=other,
            kind="repair",
            amount=Decimal("10"),
            department=cast.repair,
            recorded_by=cast.head_repair,
            recorded_at=NOW,
        )
    with CaptureQueriesContext(connection) as ten:
        _, rows = table(export(client).content)
    assert len(rows) == 10
    # 10 rows in 3 chunks of 4 cost what 1 row did: the rows in one query (joined), each prefetch
    # once per chunk — the query count is bounded by chunks, never by rows.
    chunks_more = 2 * 3  # two more chunks × (clocks, responsible people, costs)
    assert len(ten.captured_queries) <= len(one.captured_queries) + chunks_more
    assert len(ten.captured_queries) <= 30


def test_a_big_register_runs_in_the_background_and_only_its_owner_downloads_it(
    web, client, cast, complain, settings, django_capture_on_commit_callbacks
):
    settings.FUWU_EXPORT_SYNC_MAX_ROWS = 2
    settings.FUWU_EXPORT_CHUNK_ROWS = 2
    for minute in range(5):
        complain(now=at(2026, 11, 23, 9, minute))
    agent = web(cast.agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = agent.get(reverse("complaints:register_export") + "?tab=open")
    assert response.status_code == 302
    assert response["Location"] == "/exports/"
    job = Export.objects.get()
    assert (job.requested_by, job.kind, job.status) == (cast.agent, "complaints", "done")
    assert job.parameters["tab"] == "open"
    assert (job.rows_total, job.rows_done) == (5, 5)
    download = agent.get(f"/exports/{job.pk}/download/")
    assert download.status_code == 200
    _, rows = table(b"".join(download.streaming_content))
    assert len(rows) == 5
    client.force_login(cast.head_repair)
    assert client.get(f"/exports/{job.pk}/download/").status_code == 404


def test_the_register_url_of_the_list_carries_its_filters(web, cast, complain):
    valid = handled(complain(now=at(2026, 11, 20, 9)), validity=Validity.VALID)
    complain(now=at(2026, 11, 21, 9))
    response = web(cast.agent).get(reverse("complaints:register_export") + "?tab=all&validity=valid")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    _, rows = table(response.content)
    assert [next(iter(row.values())) for row in rows] == [valid.number]


def test_formula_like_text_is_written_as_text(web, cast, complain):
    complain(
        now=at(2026, 11, 23, 9), subject='=HYPERLINK("http://evil.example","点我")', caller_name="+86 张三"
    )
    sheet = sheet_of(export(web(cast.agent)).content)
    cells = list(sheet[HEADER_ROW + 1])
    assert next(c for c in cells if c.value == "+86 张三").data_type == "s"
    assert next(c for c in cells if str(c.value).startswith("=HYPERLINK")).data_type == "s"


def test_someone_without_an_organisation_cannot_export(client, cast, complain):
    complain(now=at(2026, 11, 23, 9))
    assert client.get("/exports/xlsx/complaints/?tab=all").status_code == 302  # to the sign-in page


# --- the PDF form -------------------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def pdf_fonts(content: bytes) -> set[str]:
    from pypdf import PdfReader

    names = set()
    for page in PdfReader(io.BytesIO(content)).pages:
        resources: Any = page["/Resources"]
        fonts = resources.get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor  # embedded
            names.add(str(font["/BaseFont"]))
    return names


def test_the_handling_form_pdf_carries_the_whole_history_in_chinese(web, cast, complain):
    c = complain(now=at(2026, 11, 23, 9), caller_name="王先生", caller_phone="13912345678")
    answer = ComplaintAnswer.objects.create(
        complaint=c,
        outcome=AnswerOutcome.SATISFIED,
        comment="满意，谢谢",
        method="phone",
        recorded_by=cast.quality,
        recorded_at=at(2026, 11, 23, 11),
    )
    c = handled(
        c,
        cause="维修工沟通方式不当",
        responsible_department=cast.repair,
        plan="主管上门致歉并重新维修",
        execution_note="已重新更换水管",
        reply="已致歉并修复",
        reply_method="phone",
        replied_at=at(2026, 11, 23, 10),
        answer=answer,
        status=Status.ANSWERED,
    )
    c.responsible_people.add(cast.tech)
    ComplaintCost.objects.create(
        complaint=c,
        kind="parts",
        amount=Decimal("88.00"),
        description="水管",
        department=cast.repair,
        recorded_by=cast.head_repair,
        recorded_at=at(2026, 11, 23, 10),
    )
    response = web(cast.head_repair).get(reverse("complaints:pdf", args=[c.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert c.number in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in (
        c.number,
        "测试物业公司",
        "王先生",
        "维修态度差",
        "维修工上门时态度恶劣",
        "工程维修部",
        "维修工沟通方式不当",
        "维修工老赵",
        "主管上门致歉并重新维修",
        "已重新更换水管",
        "已致歉并修复",
        "满意，谢谢",
        "¥88.00",
        "一般投诉",
        "客服小张",  # the first-contact owner, and on the timeline
    ):
        assert expected in text, expected
    with translation.override("zh-hans"):
        assert gettext("Customer complaint handling form") in text
        assert "第 1 页" in text
    assert "139****5678" in text  # a head sees the phone masked
    assert "13912345678" not in text
    assert all(name.split("+", 1)[1].startswith("NotoSansCJK") for name in pdf_fonts(response.content))


def test_the_pdf_in_english_and_with_the_phone_whole_for_an_agent(web, cast, complain):
    c = complain(now=at(2026, 11, 23, 9), caller_phone="13912345678")
    response = english(web(cast.agent)).get(
        reverse("complaints:pdf", args=[c.pk]), headers={"Accept-Language": "en"}
    )
    text = pdf_text(response.content)
    assert "Customer complaint handling form" in text
    assert "Complaint received" in text
    assert "13912345678" in text
    assert "Page 1 of" in text


def test_a_protected_complainant_is_not_printed_for_a_head(web, cast, complain):
    c = complain(
        now=at(2026, 11, 23, 9), caller_name="李女士", caller_phone="13687654321", identity_protected=True
    )
    text = pdf_text(web(cast.head_repair).get(reverse("complaints:pdf", args=[c.pk])).content)
    assert "李女士" not in text
    assert "1368" not in text


def test_the_pdf_of_an_invisible_complaint_is_404(web, cast, complain, client):
    c = complain(now=at(2026, 11, 23, 9), department_id=cast.cleaning.pk)
    assert web(cast.head_repair).get(reverse("complaints:pdf", args=[c.pk])).status_code == 404
    client.force_login(cast.outsider)
    assert client.get(reverse("complaints:pdf", args=[c.pk])).status_code == 404
    assert client.get(reverse("complaints:pdf", args=[999999])).status_code == 404


def test_penalty_proposals_are_printed_only_for_who_may_see_them(web, client, cast, complain):
    from fuwu.complaints.models import PenaltyProposal

    c = complain(now=at(2026, 11, 23, 9))
    PenaltyProposal.objects.create(
        organisation=cast.organisation,
        complaint=c,
        person=cast.tech,
        department=cast.repair,
        catalogue_code="bad_attitude",
        catalogue_label="服务态度不佳罚款",
        approver_role="department_head",
        proposed_amount=Decimal("50.00"),
        created_at=NOW,
    )
    url = reverse("complaints:pdf", args=[c.pk])
    assert "服务态度不佳罚款" in pdf_text(web(cast.quality).get(url).content)
    client.force_login(cast.head_service)  # sees the complaint (received in 客服中心), not the penalty
    response = client.get(url)
    assert response.status_code == 200
    assert "服务态度不佳罚款" not in pdf_text(response.content)


def test_a_complaint_handled_through_the_services_from_receipt_to_closure(web, cast, complain, time_machine):
    """The register row and the form of a complaint that went every step through the services:
    investigation started late, unsatisfied first answer, re-handling, satisfied second answer."""
    from fuwu.complaints import services

    time_machine.move_to(at(2026, 12, 1, 12), tick=False)
    c = complain(now=at(2026, 11, 23, 9))  # Monday; the investigation is due within a working day
    steps: list[tuple[Any, dict[str, Any]]] = [
        (services.complaint_start_investigation, {"by": cast.head_repair, "now": at(2026, 11, 25, 8)}),
        (
            services.complaint_assess,
            {
                "by": cast.quality,
                "validity": "valid",
                "object": "service_attitude",
                "cause_type": "non_quality",
                "severity": "general",
                "note": "属实",
                "now": at(2026, 11, 25, 8, 10),
            },
        ),
        (
            services.complaint_assign_responsibility,
            {
                "by": cast.quality,
                "cause": "沟通不当",
                "department_id": cast.repair.pk,
                "person_ids": [cast.tech.pk],
                "now": at(2026, 11, 25, 8, 20),
            },
        ),
        (
            services.complaint_propose_plan,
            {"by": cast.head_repair, "plan": "上门致歉", "now": at(2026, 11, 25, 9)},
        ),
        (
            services.complaint_decide_plan,
            {"by": cast.director, "approved": True, "now": at(2026, 11, 25, 10)},
        ),
        (services.complaint_execute, {"by": cast.head_repair, "note": "已致歉", "now": at(2026, 11, 25, 11)}),
        (
            services.complaint_reply,
            {"by": cast.head_repair, "text": "第一次答复", "method": "phone", "now": at(2026, 11, 25, 12)},
        ),
        (
            services.complaint_record_answer,
            {
                "by": cast.quality,
                "outcome": "unsatisfied",
                "method": "phone",
                "comment": "问题没解决",
                "now": at(2026, 11, 26, 9),
            },
        ),
        (
            services.complaint_propose_plan,
            {"by": cast.head_repair, "plan": "重新维修", "now": at(2026, 11, 26, 10)},
        ),
        (
            services.complaint_decide_plan,
            {"by": cast.director, "approved": True, "now": at(2026, 11, 26, 11)},
        ),
        (
            services.complaint_execute,
            {"by": cast.head_repair, "note": "已重新维修", "now": at(2026, 11, 26, 14)},
        ),
        (
            services.complaint_reply,
            {"by": cast.head_repair, "text": "第二次答复", "method": "phone", "now": at(2026, 11, 26, 15)},
        ),
        (
            services.complaint_record_answer,
            {
                "by": cast.quality,
                "outcome": "satisfied",
                "method": "phone",
                "comment": "这次满意",
                "now": at(2026, 11, 27, 9),
            },
        ),
        (services.complaint_close, {"by": cast.quality, "now": at(2026, 11, 27, 10)}),
    ]
    for step, arguments in steps:
        step(Complaint.objects.get(pk=c.pk), **arguments)
    c = Complaint.objects.get(pk=c.pk)
    assert (c.status, c.rehandle_count) == (Status.CLOSED, 1)

    _, rows = table(export(english(web(cast.head_repair)), "tab=all", "en").content)
    (row,) = rows
    assert row["Investigation start · late"] == "yes"
    # Due at the end of the next working day (Tuesday 17:30), started on Wednesday morning.
    assert row["Investigation start · due"] == at(2026, 11, 24, 17, 30).replace(tzinfo=None)
    assert row["Investigation start · done"] == at(2026, 11, 25, 8).replace(tzinfo=None)
    assert row["Reply to the customer · late"] == "no"
    assert row["Customer's answer (latest)"] == "Satisfied"  # the later answer counts
    assert row["Customer's words"] == "这次满意"
    assert row["Reply to the customer"] == "第二次答复"
    assert row["Re-handlings"] == 1
    assert row["Responsible department"] == "工程维修部"
    assert row["Responsible people"] == "维修工老赵"
    assert row["Status"] == "Closed"
    assert row["Closed at"] == at(2026, 11, 27, 10).replace(tzinfo=None)
    # The steps count the re-handling's round: the plan approved and the work done on the 26th.
    assert row["Handling plan · done"] == at(2026, 11, 26, 11).replace(tzinfo=None)
    assert row["Execution · done"] == at(2026, 11, 26, 14).replace(tzinfo=None)

    text = pdf_text(web(cast.quality).get(reverse("complaints:pdf", args=[c.pk])).content)
    for expected in ("问题没解决", "这次满意", "第二次答复", "重新维修", "沟通不当", "维修工老赵"):
        assert expected in text, expected
