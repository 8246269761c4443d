"""End to end in Chromium: the quality inspector raises a corrective action (纠正措施) from a complaint
page, records the root cause (5 whys), the decision on the service and the check whether the same
problem exists elsewhere (举一反三), and gives the head of 工程维修部 an action item with a deadline;
the head records it done and the actions implemented on a 390 px phone. Effectiveness can be
verified only after the policy's interval (after_sales/property preset: 720 calendar hours), and
only by someone who owns none of the actions: the clock is moved past the interval with
time-machine while the live server runs in this process. The quality inspector verifies and closes
it; the list and the recurring-problems report show it on the phone. No page is wider than the
phone's screen."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from fuwu import visibility
from fuwu.capa import services
from fuwu.capa.models import AffectedRecord, Capa, ClockKind, Origin, Status
from fuwu.capa.rules import Action, item_due_at
from fuwu.complaints.services import ComplaintInput, complaint_create
from fuwu.testing.browser import DESKTOP, PHONE, fits, new_page, overflowing
from fuwu.testing.cast import build_cast, leak_repair_for_browser
from fuwu.workcal.selectors import work_calendar_for

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday of a year whose holidays are known: 国庆 (Oct 1–7 2026) lies between raising and verifying.
START = datetime(2026, 9, 14, 9, 0, tzinfo=SHANGHAI)
DUE_ON = date(2026, 10, 1)  # 国庆: the action item falls due on the next working day, Oct 8


def take(
    page: Any, action: str, fill: dict[str, str] | None = None, select: dict[str, Any] | None = None
) -> None:
    """Open the action's form on the CAPA page, fill it in, send it, wait for the page it leads to
    and its success message."""
    form = f'form[data-action-form="{action}"]'
    if not page.locator(form).is_visible():
        page.click(f'[data-action-toggle="{action}"]')
    for name, value in (select or {}).items():
        page.select_option(f"{form} [name={name}]", value)
    for name, value in (fill or {}).items():
        page.fill(f"{form} [name={name}]", value)
    with page.expect_navigation():
        page.click(f'{form} button[data-action="{action}"]')
    page.wait_for_selector("#actions .alert-success")


def offered(page: Any, action: str) -> bool:
    return bool(page.locator(f'form[data-action-form="{action}"]').count() == 1)


def status_of(page: Any) -> str:
    return str(page.get_attribute('[data-testid="status"]', "data-status"))


def open_signed_in(page: Any, live_server: Any, login: Callable[..., Any], username: str, url: str) -> None:
    """Open ``url``; sign in again when the session ran out (the clock moved weeks ahead)."""
    page.goto(url)
    if "/login/" in page.url:
        login(page, live_server, username)
        page.goto(url)
    assert "/login/" not in page.url


def local(moment: datetime | None) -> str:
    assert moment is not None
    return f"{timezone.localtime(moment, SHANGHAI):%Y-%m-%d %H:%M}"


@pytest.mark.browser
def test_capa_from_a_complaint_to_closure_verified_after_the_interval(
    live_server: Any,
    django_db_serialized_rollback: None,
    chromium_browser: Any,
    browser_login: Callable[..., Any],
) -> None:
    with time_machine.travel(START, tick=True) as traveller:
        # given the cast, the calendar, and a complaint about 工程维修部 the quality inspector sees
        cast = build_cast()
        leak_repair = leak_repair_for_browser(cast)
        complaint = complaint_create(
            organisation=cast.organisation,
            by=cast.agent,
            data=ComplaintInput(
                channel="phone",
                subject="维修工上门态度恶劣",
                description="维修工上门时与客户争吵，问题也没有解决",
                object="service_attitude",
                caller_name="王先生",
                caller_phone="13912345678",
                service_type_id=leak_repair.pk,
                department_id=cast.repair.pk,
            ),
        )
        assert visibility.may_see(cast.quality, complaint)
        base = live_server.url
        reference = f"complaints.complaint:{complaint.pk}"

        # when the quality inspector raises a corrective action from the complaint page
        quality = new_page(chromium_browser, live_server, browser_login, "quality", DESKTOP)
        quality.goto(f"{base}/complaints/{complaint.pk}/")
        quality.click('[data-testid="raise-capa"]')
        quality.wait_for_url(lambda url: "/capa/new/" in url)
        assert quality.url == f"{base}/capa/new/?source={reference}"
        assert complaint.number in quality.inner_text('[data-testid="source"]')
        # prefilled from the complaint: its subject, its department, its object as the category
        assert quality.input_value("#id_title") == complaint.subject
        assert quality.input_value("#id_department") == str(cast.repair.pk)
        assert quality.input_value("#id_category") == "service_attitude"
        assert quality.input_value("#id_kind") == "corrective"
        assert quality.input_value('[name="source"]') == reference
        quality.fill("#id_title", "维修工服务态度差")
        quality.fill("#id_problem", "客户投诉维修工上门时与其争吵，漏水问题也未解决")
        with quality.expect_navigation():
            quality.click('[data-testid="submit"]')
        quality.wait_for_url(re.compile(r"/capa/\d+/"))

        capa = Capa.objects.get()
        assert re.fullmatch(r"CA\d{4}-\d{3}", capa.number)
        assert quality.inner_text('[data-testid="number"]') == capa.number
        assert capa.number in quality.inner_text("#actions .alert-success")
        assert status_of(quality) == Status.RAISED
        assert (capa.raised_by, capa.department, capa.origin) == (cast.quality, cast.repair, Origin.COMPLAINT)
        assert capa.problem == "客户投诉维修工上门时与其争吵，漏水问题也未解决"
        assert capa.category == "service_attitude"
        affected = AffectedRecord.objects.get(capa=capa)
        assert (affected.object_id, affected.label) == (complaint.pk, complaint.number)
        link = quality.locator(f'[data-testid="affected"] a[href="/complaints/{complaint.pk}/"]')
        assert link.inner_text() == complaint.number
        assert "service_attitude" not in quality.inner_text('[data-testid="category"]')  # its label

        # the root cause by 5 whys, the decision on the service, the check for the same elsewhere
        take(
            quality,
            "analyse",
            select={"method": "five_whys"},
            fill={"root_cause": "维修工未接受服务礼仪培训，班组也没有上门服务规范"},
        )
        assert status_of(quality) == Status.IN_ACTION
        root_cause = quality.inner_text('[data-testid="root-cause"]')
        assert "未接受服务礼仪培训" in root_cause
        assert "five_whys" not in root_cause
        take(quality, "decide-disposition", select={"disposition": "redo"}, fill={"note": "重新上门维修"})
        assert cast.quality.display_name in quality.inner_text('[data-testid="disposition"]')
        assert quality.is_visible('[data-testid="implement-blocked"]')  # no action item yet
        assert not offered(quality, "implement")
        take(
            quality,
            "check-extent",
            select={"found": "no"},
            fill={"scope": "水电班、保洁部的上门服务记录"},
        )
        assert "水电班、保洁部的上门服务记录" in quality.inner_text('[data-testid="extent"]')
        capa.refresh_from_db()
        assert capa.root_cause_method == "five_whys"
        assert capa.root_cause_by == cast.quality
        assert capa.disposition == "redo"
        assert capa.disposition_by == cast.quality
        assert capa.extent_found is False
        assert capa.extent_checked_by == cast.quality

        # an action item for the head of 工程维修部, due on a holiday: the next working day
        take(
            quality,
            "add-item",
            select={"owner": str(cast.head_repair.pk)},
            fill={"description": "组织维修班组服务礼仪培训并制定上门服务规范", "due_on": DUE_ON.isoformat()},
        )
        item = capa.items.get()
        assert item.owner == cast.head_repair
        assert item.due_at == item_due_at(work_calendar_for(cast.organisation), DUE_ON)
        assert timezone.localtime(item.due_at, SHANGHAI).date() == date(2026, 10, 8)
        shown = quality.inner_text(f'[data-item="{item.pk}"]')
        assert cast.head_repair.display_name in shown
        assert local(item.due_at) in shown
        assert quality.locator('[data-clock="action_item"]').count() == 1
        assert not offered(quality, "implement")  # the item is still open
        assert quality.is_visible('[data-testid="implement-blocked"]')

        # then the head records it done on the phone, and the actions implemented
        head = new_page(chromium_browser, live_server, browser_login, "head_repair", PHONE)
        capa_url = f"{base}/capa/{capa.pk}/"
        head.goto(capa_url)
        assert fits(head), overflowing(head)
        assert status_of(head) == Status.IN_ACTION
        take(
            head,
            "complete-item",
            select={"item": str(item.pk)},
            fill={"evidence": "9月15日培训签到表及上门服务规范已归档"},
        )
        assert fits(head), overflowing(head)
        item.refresh_from_db()
        assert item.done_at is not None
        assert item.done_by == cast.head_repair
        assert item.evidence == "9月15日培训签到表及上门服务规范已归档"
        assert "签到表" in head.inner_text(f'[data-item="{item.pk}"]')
        assert capa.clocks.get(kind=ClockKind.ACTION_ITEM).met_at is not None
        take(head, "implement", fill={"note": "培训完成，规范已发布"})
        assert status_of(head) == Status.AWAITING_VERIFICATION
        assert fits(head), overflowing(head)
        capa.refresh_from_db()
        assert capa.implemented_at is not None
        assert capa.verify_from is not None
        assert capa.verify_from - capa.implemented_at == timedelta(hours=720)  # 720 calendar hours
        assert f"{timezone.localtime(capa.verify_from, SHANGHAI):%Y-%m-%d}" in head.inner_text(
            "#actions .alert-success"
        )
        assert capa.clocks.filter(kind=ClockKind.VERIFICATION, met_at__isnull=True).count() == 1

        # before the interval nobody may verify: the page says from when
        quality.goto(capa_url)
        assert not offered(quality, "verify")
        assert local(capa.verify_from) in quality.inner_text('[data-testid="verify-blocked"]')
        traveller.move_to(capa.verify_from - timedelta(minutes=10))
        open_signed_in(quality, live_server, browser_login, "quality", capa_url)
        assert status_of(quality) == Status.AWAITING_VERIFICATION
        assert not offered(quality, "verify")
        assert quality.is_visible('[data-testid="verify-blocked"]')

        # after it the quality inspector may, the owner of the action may not
        traveller.move_to(capa.verify_from + timedelta(minutes=1))
        quality.reload()
        assert offered(quality, "verify")
        assert not quality.is_visible('[data-testid="verify-blocked"]')
        open_signed_in(head, live_server, browser_login, "head_repair", capa_url)
        assert not offered(head, "verify")
        assert head.is_visible('[data-testid="no-actions"]')
        assert Action.VERIFY not in services.allowed_actions(cast.head_repair, capa)
        assert fits(head), overflowing(head)

        take(
            quality,
            "verify",
            select={"result": "passed"},
            fill={"note": "回访三户客户，未再出现态度投诉"},
        )
        assert status_of(quality) == Status.VERIFIED
        verification = capa.verifications.get()
        assert (verification.result, verification.verified_by) == ("passed", cast.quality)
        shown = quality.inner_text('[data-testid="verifications"]')
        assert cast.quality.display_name in shown
        assert "回访三户客户" in shown
        assert capa.clocks.get(kind=ClockKind.VERIFICATION).met_at is not None

        # and closes it
        take(quality, "close", fill={"note": "措施有效，关闭"})
        assert status_of(quality) == Status.CLOSED
        capa.refresh_from_db()
        assert capa.status == Status.CLOSED
        assert capa.closed_by == cast.quality
        assert capa.verification_result == "passed"
        assert not offered(quality, "close")
        steps = set(
            quality.eval_on_selector_all(
                '[data-testid="timeline"] li[data-action]', "(rows) => rows.map((r) => r.dataset.action)"
            )
        )
        assert {
            "capa.raised",
            "capa.analysed",
            "capa.disposition_decided",
            "capa.extent_checked",
            "capa.item_added",
            "capa.item_completed",
            "capa.implemented",
            "capa.verified",
            "capa.closed",
        } <= steps

        # on the phone: the closed CAPA whole, the list (not among the open ones) and the report
        head.goto(capa_url)
        assert status_of(head) == Status.CLOSED
        assert fits(head), overflowing(head)
        head.goto(f"{base}/capa/")
        assert fits(head), overflowing(head)
        assert head.locator(f'tr[data-capa="{capa.pk}"]').count() == 0  # open ones by default
        head.select_option("#id_open", "closed")
        with head.expect_navigation():
            head.click('[data-testid="filters"] button[type=submit]')
        assert fits(head), overflowing(head)
        row = head.locator(f'tr[data-capa="{capa.pk}"]')
        assert capa.number in row.inner_text()
        head.goto(f"{base}/capa/report/")
        assert fits(head), overflowing(head)
        report = head.locator('[data-testid="report-table"] tbody tr')
        assert report.count() == 1
        cells = report.first.inner_text()
        assert "2026-09-01" in cells
        assert cast.repair.name in cells
        assert "service_attitude" not in cells  # the category's label
        assert report.first.locator('[data-testid="figure"]').inner_text() == "1"
        with head.expect_navigation():
            head.click('[data-testid="figure"]')
        assert fits(head), overflowing(head)
        assert capa.number in head.inner_text(f'tr[data-capa="{capa.pk}"]')
        for page in (quality, head):
            page.context.close()
