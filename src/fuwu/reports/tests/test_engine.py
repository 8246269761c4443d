"""The periodic-reports engine (ADR 0013): due moments with a frozen clock, late flags, the
lifecycle submit → return → submit → approve through the approvals engine, visibility, the clock's
escalation, the daily task (each period's reports once) and the API's answers."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from fuwu.approvals import selectors as approval_selectors
from fuwu.clocks.deadlines import DueRule, RuleName
from fuwu.clocks.sweep import sweep
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.org.models import Role
from fuwu.reports import registry, selectors, services
from fuwu.reports.models import PeriodicReport, ReportClock, ReportEscalation, Status
from fuwu.reports.registry import CellKind, Period, PeriodScope, ReportKind, Scope, Table
from fuwu.reports.tasks import create_due_reports
from fuwu.timeline.models import Event
from fuwu.visits import periodic_reports as vr
from fuwu.workorders.tests.conftest import at

pytestmark = pytest.mark.django_db


def _compute(scope: PeriodScope) -> dict[str, Any]:
    return {
        "department": scope.department.name if scope.department else None,
        "start": scope.start.isoformat(),
    }


def _tables(figures: dict[str, Any], policy: Any) -> list[Table]:
    return [
        Table(
            key="one",
            title="Figures",
            headers=["Name", "Share"],
            kinds=[CellKind.TEXT, CellKind.PERCENT],
            rows=[[figures["department"], 0.5]],
        )
    ]


@pytest.fixture
def monthly(cast):
    """A departments' monthly report like the inspections' next issue: by the 1st of next month (so
    that September's falls on National Day), prepared by each department's head, approved by a director."""
    kind = registry.register(
        ReportKind(
            code="test_monthly",
            title="Monthly department report",
            period=Period.MONTH,
            due_rule=lambda policy: DueRule(RuleName.DAY_OF_NEXT_MONTH, day=1),
            policy_key="test.monthly_due",
            preparer_roles=(Role.DEPARTMENT_HEAD,),
            approver_role=Role.DIRECTOR,
            compute=_compute,
            tables=_tables,
            scope=Scope.DEPARTMENT,
            departments=lambda organisation, policy, start, end: (
                [cast.repair, cast.cleaning] if organisation == cast.organisation else []
            ),
            filename="monthly",
        )
    )
    yield kind
    registry._KINDS.pop(kind.code, None)


def create(cast, kind, start=date(2026, 9, 1), department=None, now=None, by=None):
    return services.report_create(
        organisation=cast.organisation,
        kind=kind,
        period_start=start,
        department=department,
        by=by,
        now=now or at(2026, 9, 15, 9),
    )


# --- due moments and late flags ------------------------------------------------------------------


def test_a_due_day_on_a_holiday_moves_to_the_next_working_day(cast, monthly):
    # September 2026's report "by the 1st of next month": 10-01…10-07 are National Day
    report = create(cast, monthly, department=cast.repair)
    assert report.due_at == at(2026, 10, 8, 17, 30)
    assert (report.period_start, report.period_end) == (date(2026, 9, 1), date(2026, 9, 30))
    clock = ReportClock.objects.get(report=report)
    assert (clock.kind, clock.due_at, clock.met_at) == ("report", report.due_at, None)


@pytest.mark.parametrize(
    ("moment", "late"),
    [
        (at(2026, 9, 9, 17, 29), False),  # just before the due moment
        (at(2026, 9, 9, 17, 30), False),  # at it: still in time
        (at(2026, 9, 9, 17, 31), True),  # just after it
    ],
)
def test_late_when_not_submitted_by_the_due_moment(cast, moment, late):
    report = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    with time_machine.travel(moment, tick=False):
        from django.utils import timezone

        now = timezone.now()
        assert report.is_late(now) is late
        listed = selectors.report_list(cast.director, selectors.ReportFilters(), now=now).get()
        assert getattr(listed, "is_late_now") is late  # noqa: B009 - an annotation
        assert selectors.report_list(
            cast.director, selectors.ReportFilters(late=True), now=now
        ).count() == int(late)


@pytest.mark.parametrize(
    ("moment", "late"),
    [(at(2026, 9, 9, 17, 29), False), (at(2026, 9, 9, 17, 30), False), (at(2026, 9, 9, 17, 31), True)],
)
def test_late_when_submitted_after_the_due_moment(cast, moment, late):
    report = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    with time_machine.travel(moment, tick=False):
        report = services.report_submit(report=report, by=cast.head_service, commentary="本季度满意率下降。")
    event = Event.objects.for_subject(report).filter(action="report.submitted").get()
    assert event.changes["late"] == {"after": late}
    # later, long after the due moment, the report stays as late as its first submission was
    assert report.is_late(at(2026, 12, 1)) is late
    clock = ReportClock.objects.get(report=report)
    assert clock.met_at == moment


def test_a_missed_due_moment_escalates_along_the_policys_report_chain(cast):
    report = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    sweep(at(2026, 9, 9, 17, 29))
    assert not ReportEscalation.objects.exists()
    sweep(at(2026, 9, 9, 17, 31))
    escalation = ReportEscalation.objects.get()
    assert (escalation.level, escalation.role) == (1, Role.DEPARTMENT_HEAD)
    # the organisation's report: the heads who may see it (every head prepares this kind)
    assert set(escalation.notified) == {cast.head_service.pk, cast.head_repair.pk}
    assert Event.objects.for_subject(report).filter(action="report.escalated").count() == 1
    sweep(at(2026, 9, 10, 17, 31))  # a day later: the director
    assert [e.role for e in ReportEscalation.objects.order_by("level")] == [
        Role.DEPARTMENT_HEAD,
        Role.DIRECTOR,
    ]


# --- the lifecycle -----------------------------------------------------------------------------


def test_submit_return_submit_approve(cast, api):
    report = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    head, director = api(cast.head_service), api(cast.director)
    url = f"reports/{report.pk}"

    answer = head.patch(url, {"commentary": "初稿"})
    assert answer.status_code == 200, answer.json()
    assert answer.json()["allowed_actions"] == ["edit", "refresh", "submit"]
    answer = head.post(f"{url}/submit", {"commentary": "满意率 66.7%，保洁部需改进。"})
    assert (answer.status_code, answer.json()["status"]) == (200, "submitted")
    # the approval waits in the director's inbox
    assert [a.object_id for a in approval_selectors.inbox(cast.director)] == [report.pk]
    empty = director.post(f"{url}/return", {"note": " "})
    assert (empty.status_code, list(empty.json()["error"]["fields"])) == (422, ["note"])
    answer = director.post(f"{url}/return", {"note": "请补充保洁部的改进措施"})
    assert (answer.status_code, answer.json()["status"]) == (200, "returned")
    assert answer.json()["return_note"] == "请补充保洁部的改进措施"
    answer = head.post(f"{url}/submit", {"commentary": "满意率 66.7%；保洁部增加回访培训。"})
    assert answer.json()["status"] == "submitted"
    answer = director.post(f"{url}/approve", {"note": "同意"})
    body = answer.json()
    assert (answer.status_code, body["status"], body["approved_by"]["name"]) == (200, "approved", "王总")
    actions = [e.action for e in Event.objects.for_subject(report).order_by("at", "id")]
    assert actions == [
        "report.created",
        "report.commentary_saved",
        "report.submitted",
        "report.returned",
        "report.submitted",
        "report.approved",
    ]
    # the quality role is told of the approved report (filed with 品质部)
    assert Notification.objects.filter(recipient=cast.quality, subject_id=report.pk).exists()
    report.refresh_from_db()
    assert report.first_submitted_at < report.submitted_at


@pytest.mark.parametrize(
    ("submitted", "who", "verb", "payload", "status"),
    [
        (False, "agent", "submit", {}, 404),  # agents do not see the analysis report
        (False, "tech", "refresh", {}, 404),
        (False, "director", "approve", {}, 409),  # not submitted yet: the state first
        (True, "head_service", "submit", {}, 409),
        (True, "head_repair", "approve", {}, 403),  # a head sees it, a director approves it
        (True, "head_service", "return", {"note": "x"}, 403),  # the submitter
        (True, "quality", "approve", {}, 403),
    ],
)
def test_who_may_act_and_nothing_changes_on_refusal(cast, api, submitted, who, verb, payload, status):
    report = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    if submitted:
        report = services.report_submit(report=report, by=cast.head_service, now=at(2026, 9, 2, 9))
    before = (report.status, Event.objects.for_subject(report).count())
    answer = api(getattr(cast, who)).post(f"reports/{report.pk}/{verb}", payload)
    assert answer.status_code == status, answer.json()
    if status == 409:
        assert answer.json()["error"]["status"] == report.status
    report.refresh_from_db()
    assert (report.status, Event.objects.for_subject(report).count()) == before


def test_the_submitter_does_not_approve_their_own_report(cast):
    report = create(cast, vr.NEEDS_SUMMARY, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    # head_service is an agent too: they may prepare the needs summary and approve it, not both
    report = services.report_submit(report=report, by=cast.head_service)
    with pytest.raises(PermissionDeniedError):
        services.report_approve(report=report, by=cast.head_service)
    with pytest.raises(ConflictError):
        services.report_submit(report=report, by=cast.agent)
    with pytest.raises(ValidationFailed) as refused:
        services.report_return(report=report, by=cast.head_repair, note="  ")
    assert list(refused.value.fields) == ["note"]
    services.report_return(report=report, by=cast.head_repair, note="请补充")
    assert PeriodicReport.objects.get(pk=report.pk).status == Status.RETURNED


# --- visibility --------------------------------------------------------------------------------


def test_a_departments_report_is_seen_by_its_department_and_the_organisation_wide_roles(cast, api, monthly):
    repair = create(cast, monthly, department=cast.repair)
    cleaning = create(cast, monthly, department=cast.cleaning)
    seen = {
        name: set(selectors.reports_for_user(getattr(cast, name)).values_list("pk", flat=True))
        for name in ("director", "quality", "head_repair", "tech", "plumber", "cleaner", "agent", "outsider")
    }
    assert seen["director"] == seen["quality"] == {repair.pk, cleaning.pk}
    assert seen["head_repair"] == seen["tech"] == {repair.pk}
    assert (
        seen["plumber"] == set()
    )  # 水电班 is below 工程维修部: its staff do not see the department's report
    assert seen["cleaner"] == {cleaning.pk}
    assert seen["agent"] == seen["outsider"] == set()
    # another department's report does not exist for them, through every interface
    assert api(cast.head_repair).get(f"reports/{cleaning.pk}").status_code == 404
    assert (
        api(cast.head_repair).post(f"reports/{cleaning.pk}/submit", {"commentary": "\x00"}).status_code == 404
    )
    client = Client()
    client.force_login(cast.head_repair)
    assert client.get(reverse("reports:detail", args=[cleaning.pk])).status_code == 404
    assert client.get(reverse("reports:pdf", args=[cleaning.pk])).status_code == 404
    assert client.get(reverse("reports:detail", args=[repair.pk])).status_code == 200


def test_the_organisation_report_is_seen_by_the_kinds_roles(cast):
    needs = create(cast, vr.NEEDS_SUMMARY, start=date(2026, 6, 1))
    analysis = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1))

    def seen(user):
        return set(selectors.reports_for_user(user).values_list("pk", flat=True))

    assert seen(cast.agent) == {needs.pk}
    assert seen(cast.head_repair) == {
        needs.pk,
        analysis.pk,
    }  # heads approve the summary, prepare the analysis
    assert seen(cast.tech) == set()
    assert seen(cast.director) == {needs.pk, analysis.pk}


# --- the daily task ----------------------------------------------------------------------------


def test_the_task_creates_each_periods_reports_once(cast, monthly, engine_kinds_only):
    # on 1 September 2026: August's monthly reports (two departments) and June–August's two visit
    # reports; the other organisation gets its two visit reports
    assert create_due_reports(at(2026, 9, 1, 6, 15)) == 6
    assert create_due_reports(at(2026, 9, 1, 6, 15)) == 0
    assert create_due_reports(at(2026, 9, 20, 6, 15)) == 0  # still the same periods
    reports = PeriodicReport.objects.filter(organisation=cast.organisation)
    assert sorted((r.kind, r.period_start.isoformat(), r.department_id) for r in reports) == sorted(
        [
            ("test_monthly", "2026-08-01", cast.repair.pk),
            ("test_monthly", "2026-08-01", cast.cleaning.pk),
            ("visits_analysis", "2026-06-01", None),
            ("visits_needs", "2026-06-01", None),
        ]
    )
    # a month later only the monthly reports are new
    assert create_due_reports(at(2026, 10, 1, 6, 15)) == 2
    # the agents are told the needs summary is theirs to prepare
    needs = reports.get(kind="visits_needs")
    assert Notification.objects.filter(recipient=cast.agent, subject_id=needs.pk).exists()


def test_a_report_made_by_hand_is_not_made_twice(cast, api, engine_kinds_only):
    head = api(cast.head_service)
    answer = head.post("reports", {"kind": "visits_analysis", "period_start": "2026-06-01"})
    assert answer.status_code == 201, answer.json()
    assert answer.json()["due_at"] == "2026-09-09T09:30:00Z"  # 17:30 in Beijing
    assert head.post("reports", {"kind": "visits_analysis", "period_start": "2026-06-01"}).status_code == 409
    # only the needs summary was missing (and the other organisation's two)
    assert create_due_reports(at(2026, 9, 1, 6, 15)) == 3
    wrong = head.post("reports", {"kind": "visits_analysis", "period_start": "2026-07-01"})
    assert (wrong.status_code, list(wrong.json()["error"]["fields"])) == (422, ["period_start"])
    assert (
        api(cast.tech).post("reports", {"kind": "visits_analysis", "period_start": "2026-03-01"}).status_code
        == 403
    )
    unknown = head.post("reports", {"kind": "nothing", "period_start": "2026-06-01"})
    assert list(unknown.json()["error"]["fields"]) == ["kind"]


# --- the API's bounds --------------------------------------------------------------------------


def test_the_api_refuses_what_it_cannot_store(cast, api):
    report = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1))
    head = api(cast.head_service)
    nul = head.patch(f"reports/{report.pk}", {"commentary": "坏\x00字"})
    assert (nul.status_code, list(nul.json()["error"]["fields"])) == (422, ["commentary"])
    long = head.patch(f"reports/{report.pk}", {"commentary": "长" * (services.COMMENTARY_LENGTH + 1)})
    assert long.status_code == 422
    extra = head.patch(f"reports/{report.pk}", {"commentary": "x", "status": "approved"})
    assert extra.status_code == 422
    assert head.get("reports", {"status": "lost"}).status_code == 422
    assert head.get("reports", {"year": 1800}).status_code == 422
    assert PeriodicReport.objects.get(pk=report.pk).commentary == ""


def test_the_list_and_detail_answer_with_their_schema(cast, api):
    create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    create(cast, vr.NEEDS_SUMMARY, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    listed = api(cast.director).get("reports", {"kind": "visits_analysis"}).json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert (item["kind"], item["status"], item["department"]) == ("visits_analysis", "draft", None)
    detail = api(cast.director).get(item["url"].removeprefix("/api/v1/")).json()
    assert [t["key"] for t in detail["tables"]] == [
        "totals",
        "by_level",
        "by_department",
        "by_technician",
        "by_service_type",
        "needs",
    ]
    assert detail["allowed_actions"] == []  # the director approves once it is submitted
    kinds = {k["code"]: k for k in api(cast.agent).get("reports/kinds").json()}
    assert kinds["visits_needs"]["policy_key"] == "visits.needs_summary_due"


# --- pages and downloads -------------------------------------------------------------------------


def test_the_pages_offer_the_actions_by_permission(cast):
    report = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    client = Client()
    client.force_login(cast.head_service)
    listed = client.get(reverse("reports:list"))
    assert listed.status_code == 200
    assert f'data-report="{report.pk}"'.encode() in listed.content
    assert b"table-stack-sm" in listed.content
    page = client.get(reverse("reports:detail", args=[report.pk]))
    assert b'data-action="submit"' in page.content
    assert b'data-table="by_technician"' in page.content
    saved = client.post(reverse("reports:action", args=[report.pk, "edit"]), {"edit-commentary": "草稿"})
    assert saved.status_code == 302
    submitted = client.post(
        reverse("reports:action", args=[report.pk, "submit"]), {"edit-commentary": "定稿"}
    )
    assert submitted.status_code == 302
    assert PeriodicReport.objects.get(pk=report.pk).status == Status.SUBMITTED
    # the director sees approve and return; the head no longer has anything to do
    client.force_login(cast.director)
    page = client.get(reverse("reports:detail", args=[report.pk]))
    assert b'data-action="approve"' in page.content
    assert b'data-action="return"' in page.content
    refused = client.post(reverse("reports:action", args=[report.pk, "return"]), {"return-note": ""})
    assert refused.status_code == 422
    returned = client.post(reverse("reports:action", args=[report.pk, "return"]), {"return-note": "请补充"})
    assert returned.status_code == 302
    assert PeriodicReport.objects.get(pk=report.pk).status == Status.RETURNED


def test_the_downloads(cast):
    report = create(cast, vr.ANALYSIS_REPORT, start=date(2026, 6, 1), now=at(2026, 9, 1, 6, 15))
    client = Client()
    client.force_login(cast.director)
    workbook = client.get(reverse("reports:xlsx", args=[report.pk]))
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    texts = [row[0] for row in sheet.iter_rows(values_only=True) if row and row[0]]
    assert any("测试物业公司" in str(text) for text in texts)
    pdf = client.get(reverse("reports:pdf", args=[report.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert 'filename="visit-analysis-202606-' in pdf["Content-Disposition"]
