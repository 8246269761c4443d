"""Changing the calendar. Administrators only; each action is one transaction with timeline events."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.lib.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from fuwu.timeline.services import record_event
from fuwu.visibility import can_manage_organisation

from .models import CalendarDay, CalendarYear, DayKind, Source
from .package import SyncReport, package_day, package_version, sync_from_package

KIND_ALIASES = {
    "holiday": DayKind.HOLIDAY,
    "休": DayKind.HOLIDAY,
    "workday": DayKind.WORKDAY,
    "班": DayKind.WORKDAY,
}
MIN_YEAR, MAX_YEAR = 2000, 2100
NAME_MAX_LENGTH = CalendarDay._meta.get_field("name").max_length or 100


def _require_administrator(by: Any) -> None:
    if not can_manage_organisation(by):
        raise PermissionDeniedError(_("Only an administrator can change the working-day calendar."))


def _check_year(year: int, field_name: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed.field(
            field_name, _("must be a year from %(low)s to %(high)s") % {"low": MIN_YEAR, "high": MAX_YEAR}
        )


def _kind(value: str, field_name: str) -> DayKind:
    kind = KIND_ALIASES.get((value or "").strip().lower())
    if kind is None:
        raise ValidationFailed.field(field_name, _("must be holiday (休) or workday (班)"))
    return kind


def _name(value: str, field_name: str) -> str:
    name = (value or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed.field(
            field_name, _("must have at most %(n)s characters") % {"n": NAME_MAX_LENGTH}
        )
    return name


def _day_values(row: CalendarDay | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"kind": row.kind, "name": row.name, "source": row.source}


def _year_row(year: int) -> CalendarYear:
    row, _created = CalendarYear.objects.get_or_create(year=year, defaults={"is_confirmed": False})
    return row


@transaction.atomic
def calendar_day_set(*, day: date, kind: str, name: str = "", by: Any, reason: str = "") -> CalendarDay:
    """Make ``day`` a holiday or a working day (an administrator's override of the package)."""
    _require_administrator(by)
    _check_year(day.year, "date")
    kind = _kind(kind, "kind")
    name = _name(name, "name")
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = _day_values(row)
    if row is None:
        row = CalendarDay(date=day)
    row.kind, row.name, row.source, row.updated_by = kind, name, Source.ADMIN, by
    row.save()
    record_event(
        subject=row,
        action="calendar.day_set",
        actor=by,
        organisation=by.organisation,
        changes={"date": day, "before": before, "after": _day_values(row)},
        reason=reason,
    )
    return row


@transaction.atomic
def calendar_day_reset(*, day: date, by: Any, reason: str = "") -> CalendarDay | None:
    """Remove an administrator's override: the package's value for the day applies again.

    Returns the package's row, or None when the package has nothing for the day (weekday rule).
    """
    _require_administrator(by)
    row = CalendarDay.objects.select_for_update().filter(date=day, source=Source.ADMIN).first()
    if row is None:
        raise NotFoundError(_("This day has no administrator entry to remove."))
    before = _day_values(row)
    packaged = package_day(day)
    if packaged is None:
        record_event(
            subject=row,
            action="calendar.day_reset",
            actor=by,
            organisation=by.organisation,
            changes={"date": day, "before": before, "after": None},
            reason=reason,
        )
        row.delete()
        return None
    row.kind, row.name, row.source, row.updated_by = packaged.kind, packaged.name, Source.PACKAGE, by
    row.save()
    record_event(
        subject=row,
        action="calendar.day_reset",
        actor=by,
        organisation=by.organisation,
        changes={"date": day, "before": before, "after": _day_values(row)},
        reason=reason,
    )
    return row


@transaction.atomic
def calendar_year_confirm(*, year: int, by: Any, note: str = "") -> CalendarYear:
    """Mark ``year`` confirmed: the administrator has entered the State Council notice."""
    _require_administrator(by)
    _check_year(year, "year")
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    if row is not None and row.is_confirmed:
        return row
    if row is None:
        row = CalendarYear(year=year)
    row.is_confirmed, row.source = True, Source.ADMIN
    if note.strip():
        row.note = note.strip()
    row.save()
    record_event(
        subject=row,
        action="calendar.year_confirmed",
        actor=by,
        organisation=by.organisation,
        changes={"is_confirmed": {"before": False, "after": True}},
        reason=note.strip(),
    )
    return row


@dataclass(frozen=True)
class ImportedRow:
    line: int
    day: date
    kind: DayKind
    name: str


@dataclass
class ImportResult:
    days: int = 0
    years: list[int] = field(default_factory=list)
    confirmed_years: list[int] = field(default_factory=list)


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content.lstrip("\ufeff")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationFailed.field("file", _("cannot be read: save it as UTF-8 CSV"))


def parse_notice_csv(content: bytes | str) -> list[ImportedRow]:
    """Rows of a State Council notice CSV (columns ``date,kind,name``); every bad row is reported.

    Row numbers are the file's line numbers, the header being line 1.
    """
    reader = csv.reader(io.StringIO(_decode(content)))
    header = [cell.strip().lower() for cell in next(reader, [])]
    if header[:3] != ["date", "kind", "name"]:
        raise ValidationFailed.field("file", _("must start with the header line: date,kind,name"))
    rows: list[ImportedRow] = []
    errors: list[str] = []
    seen: dict[date, int] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = [*cells, "", "", ""][:3]
        raw_date, raw_kind, raw_name = (cell.strip() for cell in cells)
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(
                _("row %(row)s: date must be YYYY-MM-DD, got %(got)r") % {"row": line, "got": raw_date}
            )
            continue
        problems = []
        kind = KIND_ALIASES.get(raw_kind.lower())
        if kind is None:
            problems.append(_("kind must be holiday (休) or workday (班), got %(got)r") % {"got": raw_kind})
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            problems.append(_("year must be from %(low)s to %(high)s") % {"low": MIN_YEAR, "high": MAX_YEAR})
        if len(raw_name) > NAME_MAX_LENGTH:
            problems.append(_("name must have at most %(n)s characters") % {"n": NAME_MAX_LENGTH})
        if day in seen:
            problems.append(
                _("date %(date)s is already on row %(other)s") % {"date": day, "other": seen[day]}
            )
        seen.setdefault(day, line)
        if problems:
            errors.extend(_("row %(row)s: %(problem)s") % {"row": line, "problem": p} for p in problems)
            continue
        assert kind is not None
        rows.append(ImportedRow(line, day, kind, raw_name))
    if errors:
        raise ValidationFailed(
            _("The file has %(n)s errors; nothing was imported.") % {"n": len(errors)},
            fields={"file": errors},
        )
    if not rows:
        raise ValidationFailed.field("file", _("has no rows"))
    return rows


@transaction.atomic
def calendar_import_notice(
    *, content: bytes | str, by: Any, confirm_years: bool = False, reason: str = ""
) -> ImportResult:
    """Import a State Council notice as administrator entries: all rows, or none if one is bad.

    One timeline event per year covered (subject: the CalendarYear); with ``confirm_years`` those
    years are marked confirmed.
    """
    _require_administrator(by)
    rows = parse_notice_csv(content)
    existing = {
        row.date: row
        for row in CalendarDay.objects.select_for_update().filter(date__in=[r.day for r in rows])
    }
    per_year: dict[int, list[dict[str, Any]]] = {}
    for imported in rows:
        row = existing.get(imported.day) or CalendarDay(date=imported.day)
        before = _day_values(row) if row.pk else None
        row.kind, row.name, row.source, row.updated_by = imported.kind, imported.name, Source.ADMIN, by
        row.save()
        per_year.setdefault(imported.day.year, []).append(
            {"date": imported.day, "before": before, "after": _day_values(row)}
        )
    result = ImportResult(days=len(rows), years=sorted(per_year))
    for year, changes in sorted(per_year.items()):
        year_row = _year_row(year)
        confirmed_now = confirm_years and not year_row.is_confirmed
        if confirmed_now:
            year_row.is_confirmed, year_row.source = True, Source.ADMIN
            year_row.save(update_fields=["is_confirmed", "source"])
        if confirm_years:
            result.confirmed_years.append(year)
        record_event(
            subject=year_row,
            action="calendar.notice_imported",
            actor=by,
            organisation=by.organisation,
            changes={"days": changes, "confirmed": confirmed_now},
            reason=reason,
        )
    return result


@transaction.atomic
def calendar_sync_package(*, by: Any = None) -> SyncReport:
    """Re-read the holiday data package (after an upgrade). Administrator rows stay as they are.

    System action (management command): no permission check. One timeline event per year changed.
    """
    report = sync_from_package(CalendarDay, CalendarYear, note=f"chinesecalendar {package_version()}")
    for year in sorted(report.changed_years or ()):
        record_event(
            subject=_year_row(year),
            action="calendar.package_synced",
            actor=by,
            changes={"package": package_version()},
        )
    return report
