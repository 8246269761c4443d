"""The cost report: complaint costs by the department they are allocated to and the month they were
recorded (Beijing time: the last evening of a month is that month's), recorded (all but rejected)
and verified (only what finance verified) per cost kind; as a page whose every figure opens its
cost lines, and as Excel; only over the complaints the reader may see."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from fuwu.complaints import exports
from fuwu.complaints.models import Complaint, ComplaintCost, CostStatus
from fuwu.complaints.services.costs import complaint_add_cost, complaint_verify_cost
from fuwu.exports.models import Export
from fuwu.exports.xlsx import HEADER_ROW
from fuwu.org.models import User

from .conftest import at

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOW = at(2026, 12, 2, 12, 0)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any, settings: Any, tmp_path: Any) -> None:
    time_machine.move_to(NOW, tick=False)
    settings.FUWU_EXPORT_ROOT = str(tmp_path / "exports")


def responsible(complaint: Complaint, department: Any, person: Any) -> Complaint:
    """Investigated, then the quality role finds the responsible department and person."""
    from fuwu.complaints.services import complaint_assign_responsibility, complaint_start_investigation

    when = complaint.received_at + timedelta(hours=1)
    director = User.objects.get(username="director")
    quality = User.objects.get(username="quality")
    complaint_start_investigation(complaint, by=director, now=when)
    return complaint_assign_responsibility(
        Complaint.objects.get(pk=complaint.pk),
        by=quality,
        cause="查明原因",
        department_id=department.pk,
        person_ids=[person.pk],
        now=when + timedelta(minutes=10),
    )


@pytest.fixture
def books(cast, complain, finance):
    """Costs of three complaints, through the cost services:

    A (工程维修部 handles it, 水电班 responsible): repair 100 on 30 Nov 23:30 verified, parts 50 on
    30 Nov 23:59 awaiting verification, freight 30 rejected, travel 20 on 1 Dec 00:30 verified.
    B (保洁部's): compensation 200 verified. C (工程维修部 handles it, 水电班 responsible): repair 60,
    allocated by finance to 工程维修部 when verified."""
    a = responsible(complain(now=at(2026, 11, 23, 9), subject="投诉A"), cast.plumbing, cast.plumber)
    b = responsible(
        complain(now=at(2026, 11, 10, 9), subject="投诉B", department_id=cast.cleaning.pk),
        cast.cleaning,
        cast.cleaner,
    )
    c = responsible(complain(now=at(2026, 11, 12, 9), subject="投诉C"), cast.plumbing, cast.plumber)

    def add(complaint: Complaint, kind: str, amount: str, when: Any, by: Any = None) -> ComplaintCost:
        return complaint_add_cost(
            complaint, by=by or cast.head_repair, kind=kind, amount=amount, description=kind, now=when
        )

    def verify(cost: ComplaintCost, approved: bool = True, **extra: Any) -> ComplaintCost:
        when = at(2026, 12, 2, 9)
        return complaint_verify_cost(cost, by=finance, approved=approved, now=when, **extra)

    lines = {
        "a_repair": verify(add(a, "repair", "100.00", at(2026, 11, 30, 23, 30))),
        "a_parts": add(a, "parts", "50.00", at(2026, 11, 30, 23, 59)),
        "a_travel": verify(add(a, "travel", "20.00", at(2026, 12, 1, 0, 30))),
        "b_compensation": verify(add(b, "compensation", "200.00", at(2026, 11, 15, 10), by=cast.director)),
        "c_repair": verify(add(c, "repair", "60.00", at(2026, 11, 20, 10)), department_id=cast.repair.pk),
    }
    lines["a_freight"] = verify(
        add(a, "freight", "30.00", at(2026, 11, 30, 10)), approved=False, note="无票据"
    )
    return lines


def report_of(user: Any, **filters: Any) -> dict[tuple[str, str], exports.CostFigures]:
    report = exports.cost_report(user, exports.CostFilters(**filters))
    return {(row.department, exports.month_text(row.month)): row.figures for row in report.rows}


def test_costs_are_allocated_to_the_responsible_department_and_counted_in_their_month(cast, books):
    assert books["a_repair"].department == cast.plumbing  # the responsible department, not the handling one
    assert books["a_parts"].status == CostStatus.RECORDED
    assert books["c_repair"].department == cast.repair  # finance allocated it elsewhere
    figures = report_of(cast.director)
    assert set(figures) == {
        ("水电班", "2026-11"),
        ("水电班", "2026-12"),
        ("保洁部", "2026-11"),
        ("工程维修部", "2026-11"),
    }
    november = figures[("水电班", "2026-11")]
    # 23:30 and 23:59 on 30 November Beijing time (15:30 and 15:59 UTC) are November's.
    assert november.recorded == {"repair": Decimal("100.00"), "parts": Decimal("50.00")}
    # Only what finance verified is in the verified column; the rejected line is in neither.
    assert november.verified == {"repair": Decimal("100.00")}
    assert (november.recorded_total, november.verified_total, november.rejected_total) == (
        Decimal("150.00"),
        Decimal("100.00"),
        Decimal("30.00"),
    )
    assert november.lines == 3
    # 00:30 on 1 December Beijing time is still 30 November in UTC: it is December's.
    december = figures[("水电班", "2026-12")]
    assert december.recorded == december.verified == {"travel": Decimal("20.00")}
    assert figures[("工程维修部", "2026-11")].verified == {"repair": Decimal("60.00")}
    assert figures[("保洁部", "2026-11")].verified == {"compensation": Decimal("200.00")}
    report = exports.cost_report(cast.director, exports.CostFilters())
    assert report.total.recorded_total == Decimal("430.00")
    assert report.total.verified_total == Decimal("380.00")
    assert report.total.rejected_total == Decimal("30.00")
    assert report.kinds == ["repair", "parts", "travel", "compensation"]


def test_finance_sees_every_department_and_a_head_only_the_complaints_they_may_see(cast, books, finance):
    assert set(report_of(finance)) == set(report_of(cast.director))
    heads = report_of(cast.head_repair)
    assert set(heads) == {("水电班", "2026-11"), ("水电班", "2026-12"), ("工程维修部", "2026-11")}
    assert not any(department == "保洁部" for department, _ in heads)


def test_the_filters_months_and_department_with_the_ones_below(cast, books):
    assert set(report_of(cast.director, month_from=exports.parse_month("2026-12"))) == {("水电班", "2026-12")}
    assert set(report_of(cast.director, month_to=exports.parse_month("2026-11"))) == {
        ("水电班", "2026-11"),
        ("保洁部", "2026-11"),
        ("工程维修部", "2026-11"),
    }
    # 工程维修部 and the 水电班 below it.
    assert set(report_of(cast.director, department_id=cast.repair.pk)) == {
        ("水电班", "2026-11"),
        ("水电班", "2026-12"),
        ("工程维修部", "2026-11"),
    }
    assert set(report_of(cast.director, department_id=cast.plumbing.pk)) == {
        ("水电班", "2026-11"),
        ("水电班", "2026-12"),
    }


def test_the_page_shows_the_figures_and_each_opens_its_cost_lines(web, cast, books):
    client = web(cast.director)
    page = client.get(reverse("complaints:costs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-department="水电班"' in html
    assert 'data-department="保洁部"' in html
    assert "¥150.00" in html
    assert "¥430.00" in html
    link = (
        reverse("complaints:cost_lines")
        + f"?department={cast.plumbing.pk}&amp;month=2026-11&amp;kind=repair&amp;status=verified"
    )
    assert link in html
    lines = client.get(link.replace("&amp;", "&"))
    assert lines.status_code == 200
    shown = lines.content.decode()
    assert shown.count('data-cost="') == 1
    assert f'data-cost="{books["a_repair"].pk}"' in shown
    assert "¥100.00" in shown
    assert "投诉A" not in shown or books["a_repair"].complaint.number in shown
    # "recorded" is every line but the rejected one.
    recorded = client.get(
        reverse("complaints:cost_lines"),
        {"department": cast.plumbing.pk, "month": "2026-11", "status": "recorded"},
    ).content.decode()
    assert {f'data-cost="{books[k].pk}"' in recorded for k in ("a_repair", "a_parts")} == {True}
    assert f'data-cost="{books["a_freight"].pk}"' not in recorded
    rejected = client.get(reverse("complaints:cost_lines"), {"status": "rejected"}).content.decode()
    assert f'data-cost="{books["a_freight"].pk}"' in rejected
    assert "无票据" in rejected


def test_the_page_and_the_lines_of_a_head_leave_out_other_departments(web, cast, books):
    client = web(cast.head_repair)
    html = client.get(reverse("complaints:costs")).content.decode()
    assert 'data-department="水电班"' in html
    assert 'data-department="保洁部"' not in html  # (the department tree itself is known to all)
    assert "¥200.00" not in html
    lines = client.get(reverse("complaints:cost_lines"), {"department": cast.cleaning.pk}).content.decode()
    assert 'data-cost="' not in lines
    assert "投诉B" not in lines


def test_who_reads_the_cost_report(web, client, cast, books):
    for person in (cast.tech, cast.agent):
        client.force_login(person)
        assert client.get(reverse("complaints:costs")).status_code == 403
        assert client.get(reverse("complaints:cost_lines")).status_code == 403
        assert client.get(reverse("complaints:costs_export")).status_code == 403
    client.logout()
    assert client.get(reverse("complaints:costs")).status_code == 302


def test_bad_filters_are_shown_not_a_500(web, cast, books):
    client = web(cast.director)
    page = client.get(reverse("complaints:costs"), {"month_from": "2026-13", "department_id": "abc"})
    assert page.status_code == 200
    assert 'data-department="水电班"' in page.content.decode()  # the bad filters are not applied
    lines = client.get(
        reverse("complaints:cost_lines"),
        {"department": "x", "month": "99999", "kind": "bogus", "status": "?", "page": "-3"},
    )
    assert lines.status_code == 200
    # A NUL byte in the query string is refused before any view (400), never a 500.
    assert client.get(reverse("complaints:cost_lines"), {"department": "x\x00"}).status_code == 400


def table(content: bytes) -> tuple[list[str], list[dict[str, Any]]]:
    sheet = load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = [str(h) for h in rows[0]]
    return headers, [dict(zip(headers, row, strict=False)) for row in rows[1:]]


def test_the_report_as_excel_in_both_languages(web, cast, books):
    client = web(cast.director)
    response = client.get(reverse("complaints:costs_export"), headers={"Accept-Language": "zh-hans"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    headers, rows = table(response.content)
    assert headers[0] == "部门"
    assert len(rows) == 4
    client.cookies["fuwu_language"] = "en"
    headers, rows = table(client.get(reverse("complaints:costs_export") + "?month_to=2026-11").content)
    assert headers[:4] == ["Department", "Month", "Repair · recorded", "Repair · verified"]
    assert "Recorded in total" in headers
    by_key = {(row["Department"], row["Month"]): row for row in rows}
    assert set(by_key) == {("水电班", "2026-11"), ("保洁部", "2026-11"), ("工程维修部", "2026-11")}
    row = by_key[("水电班", "2026-11")]
    assert (row["Repair · recorded"], row["Repair · verified"]) == (100, 100)
    assert (row["Parts · recorded"], row["Parts · verified"]) == (50, None)
    assert (row["Recorded in total"], row["Verified in total"], row["Rejected by finance"]) == (150, 100, 30)
    assert row["Cost lines"] == 3


def test_a_big_cost_report_runs_in_the_background_with_the_right_row_count(
    web, cast, books, settings, django_capture_on_commit_callbacks
):
    settings.FUWU_EXPORT_SYNC_MAX_ROWS = 2
    client = web(cast.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("complaints:costs_export"))
    assert response.status_code == 302
    job = Export.objects.get()
    assert (job.kind, job.status) == ("complaint-costs", "done")
    assert (job.rows_total, job.rows_done) == (4, 4)  # department × month, not cost lines
    _, rows = table(job.file.open("rb").read())
    assert len(rows) == 4


def test_the_page_costs_a_bounded_number_of_queries(web, cast, complain, books):
    client = web(cast.director)
    client.get(reverse("complaints:costs"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("complaints:costs"))
    for day in range(1, 11):
        c = responsible(complain(now=at(2026, 10, day, 9), subject=f"十月{day}"), cast.plumbing, cast.plumber)
        complaint_add_cost(c, by=cast.head_repair, kind="repair", amount="5", now=at(2026, 10, day, 10))
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("complaints:costs"))
    assert "2026-10" in page.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    with CaptureQueriesContext(connection) as lines:
        client.get(reverse("complaints:cost_lines"), {"department": cast.plumbing.pk})
    assert len(lines.captured_queries) <= len(few.captured_queries) + 3
