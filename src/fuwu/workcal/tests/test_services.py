"""Changing the calendar: overrides, confirmation, CSV import, package re-sync."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.management import call_command

from fuwu.lib.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from fuwu.testing.cast import Cast
from fuwu.timeline.models import Event
from fuwu.workcal.models import CalendarDay, CalendarYear, Source
from fuwu.workcal.package import package_days
from fuwu.workcal.selectors import work_calendar_for
from fuwu.workcal.services import (
    calendar_day_reset,
    calendar_day_set,
    calendar_import_notice,
    calendar_sync_package,
    calendar_year_confirm,
)

from .conftest import at


def test_migration_seeds_every_packaged_day_and_year(packaged: None) -> None:
    spring = CalendarDay.objects.filter(date__range=(date(2026, 2, 15), date(2026, 2, 23)))
    assert {(d.kind, d.name, d.source) for d in spring} == {("holiday", "春节", "package")}
    assert spring.count() == 9
    assert CalendarDay.objects.get(date=date(2026, 2, 14)).kind == "workday"
    assert CalendarYear.objects.get(year=2026).is_confirmed
    assert not CalendarYear.objects.filter(year=2027).exists()
    # National Day and Mid-autumn in one run (2025-10-01..08) carry the notice's joint name
    assert CalendarDay.objects.get(date=date(2025, 10, 6)).name == "国庆节、中秋节"


def test_admin_override_changes_a_deadline(cast: Cast, packaged: None) -> None:
    # given
    start = at(2026, 3, 2, 9)
    before = work_calendar_for(cast.organisation).add_working_days(start, 3)
    # when
    calendar_day_set(day=date(2026, 3, 4), kind="holiday", name="公司年会", by=cast.admin)
    # then
    after = work_calendar_for(cast.organisation).add_working_days(start, 3)
    assert (before.due, after.due) == (at(2026, 3, 5, 17, 30), at(2026, 3, 6, 17, 30))
    row = CalendarDay.objects.get(date=date(2026, 3, 4))
    assert (row.source, row.updated_by) == (Source.ADMIN, cast.admin)
    event = Event.objects.for_subject(row).get()
    assert (event.action, event.actor, event.changes["after"]["kind"]) == (
        "calendar.day_set",
        cast.admin,
        "holiday",
    )


def test_override_of_a_packaged_day_and_reset_brings_the_package_back(cast: Cast, packaged: None) -> None:
    # given the make-up Saturday made a holiday by the administrator
    calendar_day_set(day=date(2026, 2, 14), kind="休", name="", by=cast.admin)
    assert not work_calendar_for(cast.organisation).is_working_day(date(2026, 2, 14)).is_working
    # when
    restored = calendar_day_reset(day=date(2026, 2, 14), by=cast.admin)
    # then
    assert restored is not None
    assert (restored.kind, restored.name, restored.source) == ("workday", "春节", Source.PACKAGE)
    assert [e.action for e in Event.objects.for_subject(restored)] == [
        "calendar.day_set",
        "calendar.day_reset",
    ]


def test_reset_of_a_day_unknown_to_the_package_deletes_the_row(cast: Cast, packaged: None) -> None:
    calendar_day_set(day=date(2026, 3, 4), kind="holiday", name="公司年会", by=cast.admin)
    assert calendar_day_reset(day=date(2026, 3, 4), by=cast.admin) is None
    assert not CalendarDay.objects.filter(date=date(2026, 3, 4)).exists()


def test_reset_without_an_admin_row_is_not_found(cast: Cast, packaged: None) -> None:
    with pytest.raises(NotFoundError):
        calendar_day_reset(day=date(2026, 2, 16), by=cast.admin)
    assert CalendarDay.objects.get(date=date(2026, 2, 16)).source == Source.PACKAGE


@pytest.mark.parametrize(
    ("kind", "name", "field"),
    [("weekend", "", "kind"), ("", "", "kind"), ("holiday", "x" * 101, "name")],
)
def test_bad_override_input_names_the_field(cast: Cast, kind: str, name: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        calendar_day_set(day=date(2026, 3, 4), kind=kind, name=name, by=cast.admin)
    assert field in caught.value.fields
    assert not CalendarDay.objects.filter(date=date(2026, 3, 4)).exists()


@pytest.mark.parametrize("who", ["director", "quality", "head_service", "agent", "tech"])
def test_only_administrators_change_the_calendar(cast: Cast, packaged: None, who: str) -> None:
    # given
    user = getattr(cast, who)
    events_before, days_before = (
        Event.objects.count(),
        list(CalendarDay.objects.values_list("date", "kind", "source")),
    )
    actions = [
        lambda: calendar_day_set(day=date(2026, 3, 4), kind="holiday", name="x", by=user),
        lambda: calendar_day_reset(day=date(2026, 2, 16), by=user),
        lambda: calendar_year_confirm(year=2027, by=user),
        lambda: calendar_import_notice(
            content="date,kind,name\n2027-01-01,休,元旦\n", by=user, confirm_years=True
        ),
    ]
    # when / then
    for action in actions:
        with pytest.raises(PermissionDeniedError):
            action()
    assert Event.objects.count() == events_before
    assert list(CalendarDay.objects.values_list("date", "kind", "source")) == days_before
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_outsider_is_an_administrator_of_the_shared_calendar(cast: Cast) -> None:
    # The statutory calendar is one per installation: any organisation's administrator manages it.
    assert calendar_year_confirm(year=2027, by=cast.outsider).is_confirmed


def test_confirm_a_year(cast: Cast, packaged: None) -> None:
    # given
    assert (
        work_calendar_for(cast.organisation).add_working_days(at(2026, 12, 31, 9), 1).calendar_confirmed
        is False
    )
    # when
    year = calendar_year_confirm(year=2027, by=cast.admin, note="国办发明电〔2026〕X号")
    # then
    assert (year.is_confirmed, year.source, year.note) == (True, Source.ADMIN, "国办发明电〔2026〕X号")
    assert (
        work_calendar_for(cast.organisation).add_working_days(at(2026, 12, 31, 9), 1).calendar_confirmed
        is True
    )
    assert Event.objects.for_subject(year).get().action == "calendar.year_confirmed"
    # confirming again changes nothing
    calendar_year_confirm(year=2027, by=cast.admin)
    assert Event.objects.for_subject(year).count() == 1


def test_confirm_refuses_an_absurd_year(cast: Cast) -> None:
    with pytest.raises(ValidationFailed) as caught:
        calendar_year_confirm(year=1066, by=cast.admin)
    assert "year" in caught.value.fields


NOTICE_2027 = """date,kind,name
2027-01-01,休,元旦
2027-02-06,holiday,春节
2027-02-07,休,春节
2027-02-20,班,春节
"""


def test_import_a_notice_and_confirm_its_year(cast: Cast, packaged: None) -> None:
    # when
    result = calendar_import_notice(
        content=NOTICE_2027.encode("utf-8-sig"), by=cast.admin, confirm_years=True
    )
    # then
    assert (result.days, result.years, result.confirmed_years) == (4, [2027], [2027])
    assert CalendarDay.objects.get(date=date(2027, 2, 20)).kind == "workday"
    assert CalendarDay.objects.get(date=date(2027, 1, 1)).source == Source.ADMIN
    year = CalendarYear.objects.get(year=2027)
    assert year.is_confirmed
    assert Event.objects.for_subject(year).get().action == "calendar.notice_imported"
    deadline = work_calendar_for(cast.organisation).add_working_days(at(2026, 12, 31, 9), 1)
    assert deadline.due == at(2027, 1, 4, 17, 30)
    assert deadline.calendar_confirmed


def test_import_reads_gb18030_files_from_excel(cast: Cast) -> None:
    result = calendar_import_notice(content=NOTICE_2027.encode("gb18030"), by=cast.admin)
    assert result.days == 4
    assert CalendarDay.objects.get(date=date(2027, 2, 6)).name == "春节"
    assert not CalendarYear.objects.get(year=2027).is_confirmed


def test_import_is_all_or_nothing_and_reports_every_bad_row(cast: Cast, packaged: None) -> None:
    # given
    content = """date,kind,name
2027-01-01,休,元旦
2027-13-01,休,坏日期
2027-02-07,周末,春节
2027-02-08,休,春节
2027-01-01,班,重复
"""
    # when
    with pytest.raises(ValidationFailed) as caught:
        calendar_import_notice(content=content, by=cast.admin, confirm_years=True)
    # then
    rows = caught.value.fields["file"]
    assert len(rows) == 3
    assert rows[0].startswith("第 3 行：")  # zh-Hans, the default language
    assert any("4" in r and "周末" in r for r in rows)
    assert any("6" in r and "2" in r for r in rows)  # row 6 repeats the date of row 2
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize("content", ["", "day,type\n2027-01-01,休\n", "date,kind,name\n"])
def test_import_refuses_a_file_without_rows_or_header(cast: Cast, content: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        calendar_import_notice(content=content, by=cast.admin)
    assert "file" in caught.value.fields


def test_resync_keeps_admin_rows_and_restores_package_rows(cast: Cast, packaged: None) -> None:
    # given an admin override of a packaged day, a tampered package row and a lost package row
    calendar_day_set(day=date(2026, 10, 10), kind="holiday", name="公司调整", by=cast.admin)
    CalendarDay.objects.filter(date=date(2026, 5, 1)).update(name="改过的")
    CalendarDay.objects.filter(date=date(2026, 5, 2)).delete()
    CalendarDay.objects.create(date=date(2026, 8, 3), kind="holiday", name="已撤销", source=Source.PACKAGE)
    # when
    report = calendar_sync_package()
    # then
    admin_row = CalendarDay.objects.get(date=date(2026, 10, 10))
    assert (admin_row.kind, admin_row.name, admin_row.source) == ("holiday", "公司调整", Source.ADMIN)
    assert CalendarDay.objects.get(date=date(2026, 5, 1)).name == "劳动节"
    assert CalendarDay.objects.get(date=date(2026, 5, 2)).name == "劳动节"
    assert not CalendarDay.objects.filter(date=date(2026, 8, 3)).exists()
    assert (report.created, report.updated, report.deleted, report.kept_admin) == (1, 1, 1, 1)
    assert CalendarDay.objects.count() == len(package_days())
    assert (
        Event.objects.for_subject(CalendarYear.objects.get(year=2026)).get().action
        == "calendar.package_synced"
    )


def test_calendar_sync_command(cast: Cast, packaged: None, capsys: pytest.CaptureFixture[str]) -> None:
    calendar_day_set(day=date(2026, 10, 10), kind="holiday", name="公司调整", by=cast.admin)
    call_command("calendar_sync")
    out = capsys.readouterr().out
    assert "0 days added" in out
    assert "1 administrator days kept" in out
    assert CalendarDay.objects.get(date=date(2026, 10, 10)).source == Source.ADMIN


def test_selector_loads_the_calendar_in_two_queries_besides_the_policy(
    cast: Cast, packaged: None, django_assert_max_num_queries: Any
) -> None:
    from fuwu.policy.selectors import active_policy

    active_policy(cast.organisation)  # the policy's own query (cached per request in pages)
    with django_assert_max_num_queries(5):  # fingerprint (2), policy, and on a cold cache days + years
        calendar = work_calendar_for(cast.organisation)
    assert calendar.is_working_day(date(2026, 2, 14)).is_working


def test_selector_for_some_years_flags_other_years(cast: Cast, packaged: None) -> None:
    calendar = work_calendar_for(cast.organisation, years=[2026])
    assert calendar.add_working_days(at(2026, 3, 2, 9), 1).calendar_confirmed
    assert not calendar.add_working_days(at(2025, 3, 3, 9), 1).calendar_confirmed


def test_the_calendar_cache_sees_an_administrators_change_at_once(cast: Cast, packaged: None) -> None:
    from fuwu.workcal.services import calendar_day_set

    before = work_calendar_for(cast.organisation)
    assert before.is_working_day(date(2026, 3, 4)).is_working
    calendar_day_set(day=date(2026, 3, 4), kind="holiday", name="公司年会", by=cast.admin)
    assert not work_calendar_for(cast.organisation).is_working_day(date(2026, 3, 4)).is_working
