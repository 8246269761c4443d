"""Reading spreadsheets for imports: .xlsx (openpyxl) or .csv (UTF-8 with or without BOM, GB18030).

``read_table`` maps the header row to the caller's column keys (headers may be Chinese or English,
``姓名`` or ``name``) and returns the data rows with their 1-based spreadsheet row numbers, so an
import can say "row 7: phone …". Cells come back as stripped text: dates as ``YYYY-MM-DD``, whole
numbers without ``.0`` (Excel stores phone numbers as numbers).

Problems with the file itself raise ``TableError`` carrying a ``code`` and ``params``; the caller
turns them into a message in the user's language (this module has no translations of its own).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

MAX_ROWS = 20000


class TableError(Exception):
    """The file cannot be read as a table. ``code``: unreadable, unsupported, empty, missing_columns,
    duplicate_column, too_many_rows."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(f"{code}: {params}" if params else code)
        self.code = code
        self.params = params


@dataclass
class TableRow:
    number: int  # 1-based row number in the spreadsheet (the header is row 1)
    values: dict[str, str]

    def get(self, key: str) -> str:
        return self.values.get(key, "")


@dataclass
class Table:
    rows: list[TableRow]
    columns: list[str]  # keys found in the header, in order
    headers: dict[str, str] = field(default_factory=dict)  # key → header as written in the file
    ignored_headers: list[str] = field(default_factory=list)


def normalise_header(text: str) -> str:
    return "".join(str(text or "").split()).lower().replace("_", "").replace("-", "").strip("*:：")


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).strip()


def _raw_rows(content: bytes, filename: str) -> Iterable[list[Any]]:
    name = filename.lower()
    if name.endswith((".xlsx", ".xlsm")) or content[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise TableError("unreadable", detail=str(exc)) from exc
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if name.endswith((".csv", ".txt")) or not name:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
            except UnicodeDecodeError:
                continue
            return list(csv.reader(io.StringIO(text)))
        raise TableError("unreadable", detail="encoding")
    raise TableError("unsupported", filename=filename)


def read_table(
    file: IO[bytes] | bytes,
    *,
    columns: Mapping[str, Iterable[str]],
    required: Iterable[str] = (),
    filename: str = "",
) -> Table:
    """Rows of the first sheet, keyed by the column keys of ``columns`` (key → accepted headers)."""
    content = file if isinstance(file, bytes) else file.read()
    filename = filename or str(getattr(file, "name", "") or "")
    raw = iter(_raw_rows(content, filename))

    by_header: dict[str, str] = {}
    for key, headers in columns.items():
        by_header[normalise_header(key)] = key
        for header in headers:
            by_header[normalise_header(header)] = key

    header_row: list[Any] | None = None
    header_number = 0
    for header_number, row in enumerate(raw, start=1):  # noqa: B007 - header_number used after the loop
        if any(cell_text(cell) for cell in row):
            header_row = row
            break
    if header_row is None:
        raise TableError("empty")

    positions: list[tuple[int, str]] = []
    found: dict[str, str] = {}
    ignored: list[str] = []
    for position, cell in enumerate(header_row):
        header = cell_text(cell)
        if not header:
            continue
        found_key = by_header.get(normalise_header(header))
        if found_key is None:
            ignored.append(header)
            continue
        if found_key in found:
            raise TableError("duplicate_column", column=header, other=found[found_key])
        found[found_key] = header
        positions.append((position, found_key))
    missing = [key for key in required if key not in found]
    if missing:
        raise TableError("missing_columns", columns=missing)

    rows: list[TableRow] = []
    for number, row in enumerate(raw, start=header_number + 1):
        values = {key: cell_text(row[position]) if position < len(row) else "" for position, key in positions}
        if not any(values.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise TableError("too_many_rows", limit=MAX_ROWS)
        rows.append(TableRow(number=number, values=values))
    return Table(rows=rows, columns=[key for _, key in positions], headers=found, ignored_headers=ignored)


def split_list(text: str) -> list[str]:
    """``"a, b、c；d"`` → ``["a", "b", "c", "d"]`` (commas, 、 and semicolons, full- or half-width)."""
    for separator in ("，", "、", ";", "；", "/", "\n"):
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_date(text: str) -> date | None:
    """``2024-05-01``, ``2024/5/1``, ``2024.5.1``, ``20240501`` or ``2024年5月1日``; None if empty.

    Raises ValueError for anything else."""
    text = (text or "").strip()
    if not text:
        return None
    cleaned = text.replace("年", "-").replace("月", "-").replace("日", "").replace("/", "-").replace(".", "-")
    cleaned = cleaned.split(" ")[0].split("T")[0]
    if cleaned.isdigit() and len(cleaned) == 8:
        cleaned = f"{cleaned[:4]}-{cleaned[4:6]}-{cleaned[6:]}"
    parts = cleaned.split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


# A cell that starts with one of these is read as a formula by Excel and WPS (CSV injection):
# a customer named "=HYPERLINK(…)" must come out as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> str:
    """``value`` as a cell of an exported file that spreadsheet programs show as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
