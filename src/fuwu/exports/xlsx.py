"""Writing a register as an Excel workbook (openpyxl in write-only mode: rows are streamed to the
file, memory stays bounded whatever the number of rows).

The sheet: a title line (the register and the organisation), a line with the filters in use, who
exported and when, then the header row (bold, frozen, with an autofilter) and one row per record.
Numbers are numbers, money has two decimals and ¥, dates and times are real Excel dates in local
time. Text that a spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``…) is stored as
text: a customer named ``=HYPERLINK(…)`` stays a name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from fuwu.lib.display import join_pairs, local_time, yes_no

from .registers import Column, Kind, Parameters, Register

HEADER_ROW = 3  # title, filters, header
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters an .xlsx file cannot hold (openpyxl refuses them): control characters but tab and newline.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
NUMBER_FORMATS = {
    Kind.MONEY: '"¥"#,##0.00',
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
}


def sheet_name(title: Any) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    return _SHEET_FORBIDDEN.sub(" ", str(title)).strip()[:31] or "Sheet"


def _text(value: Any) -> str:
    return _ILLEGAL.sub("", str(value))


class _Cells:
    """Builds the cells of one sheet, sharing the style objects between cells."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=14)
        self.note_font = Font(italic=True, color="555555")
        self.header_fill = PatternFill("solid", fgColor="DDE5F0")
        self.wrap = Alignment(vertical="top", wrap_text=True)

    def text(self, value: Any, *, font: Font | None = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=_text(value))
        # openpyxl reads a leading "=" as a formula: store it as a string whatever it starts with.
        cell.data_type = "s"
        if font is not None:
            cell.font = font
        return cell

    def header(self, value: Any) -> WriteOnlyCell:
        cell = self.text(value, font=self.bold)
        cell.fill = self.header_fill
        cell.alignment = self.wrap
        return cell

    def value(self, column: Column, value: Any) -> Any:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return self.text(yes_no(value))
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value).replace(tzinfo=None)
            cell = WriteOnlyCell(self.sheet, value=value.replace(second=0, microsecond=0))
            cell.number_format = NUMBER_FORMATS[Kind.DATETIME if column.kind != Kind.DATE else Kind.DATE]
            return cell
        if isinstance(value, date):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = NUMBER_FORMATS[Kind.DATE]
            return cell
        if isinstance(value, int | float | Decimal):
            cell = WriteOnlyCell(self.sheet, value=value)
            if column.kind == Kind.MONEY:
                cell.number_format = NUMBER_FORMATS[Kind.MONEY]
            return cell
        if isinstance(value, str | Promise):
            text = str(value)
            if column.kind in (Kind.NUMBER, Kind.MONEY):
                try:
                    return self.value(column, Decimal(text))
                except ArithmeticError:
                    pass
            return self.text(text) if text.startswith(_FORMULA_STARTS) or _ILLEGAL.search(text) else text
        return self.text(value)


def filters_line(register: Register, user: Any, parameters: Parameters, now: datetime) -> str:
    from django.utils.translation import gettext as _

    pairs = [(label, value) for label, value in register.filters(user, parameters) if value not in (None, "")]
    exported = join_pairs(
        [(_("Exported"), local_time(now)), (_("by"), getattr(user, "display_name", "") or str(user))]
    )
    if not pairs:
        return f"{_('Filters')}: {_('none')} · {exported}"
    return f"{_('Filters')}: {join_pairs(pairs)} · {exported}"


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_register(
    register: Register,
    user: Any,
    parameters: Parameters,
    target: IO[bytes],
    *,
    now: datetime | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_rows: int | None = None,
) -> int:
    """Writes the register for ``user`` with ``parameters`` as an .xlsx workbook into ``target``;
    returns the number of rows. ``progress(rows_done)`` is called after each chunk of rows.

    The records are read with ``QuerySet.iterator(chunk_size)``: one query for the rows (a
    server-side cursor on PostgreSQL) and one per prefetched relation and chunk.
    """
    now = now or timezone.now()
    size = chunk_rows or settings.FUWU_EXPORT_CHUNK_ROWS
    columns = list(register.columns_for(user))
    context = register.context(user)
    records = register.records(user, parameters)

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_name(register.sheet or register.title))
    cells = _Cells(sheet)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    organisation = getattr(getattr(user, "organisation", None), "name", "")
    title = f"{register.title} · {organisation}" if organisation else str(register.title)
    sheet.append([cells.text(title, font=cells.title_font)])
    sheet.append([cells.text(filters_line(register, user, parameters, now), font=cells.note_font)])
    sheet.append([cells.header(column.header) for column in columns])

    done = 0
    for chunk in chunks(records.iterator(chunk_size=size), size):
        for record in chunk:
            sheet.append([cells.value(column, column.value(record, context)) for column in columns])
        done += len(chunk)
        if progress is not None:
            progress(done)
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(done, 1)}"
    workbook.save(target)
    return done


# --- a report of several tables -----------------------------------------------------------------

PERCENT_FORMAT = "0.0%"
POINTS_FORMAT = '+0.0" pp";-0.0" pp";0.0" pp"'


def write_tables(
    *,
    title: str,
    lines: Sequence[str],
    tables: Sequence[Any],
    target: IO[bytes],
    sheet: str | None = None,
) -> None:
    """A report as one sheet: its title, a few lines under it (period, status, who and when), then
    each table (a ``fuwu.reports.registry.Table``: title, header row, rows, note) under the other.

    Cell kinds: ``percent`` (a share 0…1) as 95.0 %, ``points`` (a change of a share) as +2.5 pp,
    ``number``, ``datetime`` as a real Excel date in local time; text that a spreadsheet would read
    as a formula stays text."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=sheet_name(sheet or title))
    cells = _Cells(worksheet)
    widths = [34, *([14] * 11)]
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width
    worksheet.append([cells.text(title, font=cells.title_font)])
    for line in lines:
        worksheet.append([cells.text(line, font=cells.note_font)])
    text_column = Column("", lambda record, context: None)
    for table in tables:
        worksheet.append([])
        worksheet.append([cells.text(table.title, font=cells.bold)])
        worksheet.append([cells.header(header) for header in table.headers])
        for index, row in enumerate(table.rows):
            kinds = table.kinds_of(index)
            values = []
            for value, kind in zip(row, kinds, strict=False):
                if value is not None and kind in ("percent", "points") and isinstance(value, int | float):
                    cell = WriteOnlyCell(worksheet, value=value)
                    cell.number_format = PERCENT_FORMAT if kind == "percent" else POINTS_FORMAT
                    if kind == "points":  # stored as a share: shown in percentage points
                        cell.value = value * 100
                    values.append(cell)
                else:
                    values.append(cells.value(text_column, value))
            worksheet.append(values)
        if table.note:
            worksheet.append([cells.text(table.note, font=cells.note_font)])
    workbook.save(target)
