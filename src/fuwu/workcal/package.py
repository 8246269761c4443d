"""The holiday data package (chinesecalendar) as plain rows: the baseline of the calendar.

Used by the seeding data migration and by ``fuwu calendar_sync``, so both must stay free of model
imports: they take the model classes as arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chinese_calendar import constants

# The package's English holiday labels → the names on the State Council notice.
CHINESE_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
NATIONAL_AND_MID_AUTUMN = "国庆节、中秋节"


@dataclass(frozen=True)
class PackageDay:
    day: date
    kind: str  # "holiday" or "workday"
    name: str


def package_version() -> str:
    import chinese_calendar

    return str(getattr(chinese_calendar, "__version__", ""))


def package_years() -> set[int]:
    """Years whose holidays the package knows (it only lists years with a State Council notice)."""
    return {d.year for d in constants.holidays} | {d.year for d in constants.workdays}


def _holiday_names() -> dict[date, str]:
    """Chinese names of every packaged holiday; a run that joins National Day and Mid-autumn
    (2017, 2023, 2025) is named 国庆节、中秋节 throughout, as on the notice."""
    names: dict[date, str] = {}
    days = sorted(constants.holidays)
    run: list[date] = []

    def flush() -> None:
        labels = {constants.holidays[d] for d in run}
        joined = {"National Day", "Mid-autumn Festival"} <= labels
        for d in run:
            label = constants.holidays[d]
            names[d] = NATIONAL_AND_MID_AUTUMN if joined else CHINESE_NAMES.get(label, label)

    for d in days:
        if run and d - run[-1] != timedelta(days=1):
            flush()
            run = []
        run.append(d)
    if run:
        flush()
    return names


def package_days() -> list[PackageDay]:
    """Every holiday day and every make-up working day (调休) the package lists, by date."""
    rows = [PackageDay(d, "holiday", name) for d, name in _holiday_names().items()]
    rows += [
        PackageDay(d, "workday", CHINESE_NAMES.get(label, label)) for d, label in constants.workdays.items()
    ]
    return sorted(rows, key=lambda row: row.day)


def package_day(day: date) -> PackageDay | None:
    if day in constants.holidays:
        return PackageDay(day, "holiday", _holiday_names()[day])
    if day in constants.workdays:
        label = constants.workdays[day]
        return PackageDay(day, "workday", CHINESE_NAMES.get(label, label))
    return None


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept_admin: int = 0
    years_added: int = 0
    changed_years: set[int] | None = None

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.deleted


def sync_from_package(calendar_day_model: Any, calendar_year_model: Any, *, note: str = "") -> SyncReport:
    """Bring the package's rows up to date; rows an administrator entered are never touched.

    Package rows the package no longer lists are deleted; years the package knows are marked
    confirmed (source package) unless an administrator already has a row for the year.
    """
    report = SyncReport(changed_years=set())
    assert report.changed_years is not None
    wanted = {row.day: row for row in package_days()}
    existing = {row.date: row for row in calendar_day_model.objects.all()}
    to_create = []
    for day, row in wanted.items():
        current = existing.get(day)
        if current is None:
            to_create.append(calendar_day_model(date=day, kind=row.kind, name=row.name, source="package"))
            report.created += 1
            report.changed_years.add(day.year)
        elif current.source != "package":
            report.kept_admin += 1
        elif (current.kind, current.name) != (row.kind, row.name):
            current.kind, current.name = row.kind, row.name
            current.save(update_fields=["kind", "name", "updated_at"])
            report.updated += 1
            report.changed_years.add(day.year)
    calendar_day_model.objects.bulk_create(to_create, batch_size=500)
    stale = [row for day, row in existing.items() if row.source == "package" and day not in wanted]
    for row in stale:
        report.changed_years.add(row.date.year)
    report.deleted = len(stale)
    if stale:
        calendar_day_model.objects.filter(pk__in=[row.pk for row in stale]).delete()
    known = set(calendar_year_model.objects.values_list("year", flat=True))
    new_years = [
        calendar_year_model(year=year, is_confirmed=True, source="package", note=note)
        for year in sorted(package_years() - known)
    ]
    calendar_year_model.objects.bulk_create(new_years)
    report.years_added = len(new_years)
    report.changed_years.update(y.year for y in new_years)
    return report
