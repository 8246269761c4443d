"""One periodic report as people read it: its tables (the kind's, from the stored figures) with the
cells as text for the page and the PDF, the Excel workbook (``fuwu.exports.xlsx.write_tables``) and
the A4 PDF form (``fuwu.exports.pdf.FormPDF``, the Chinese font embedded) with the commentary and the
signatures of who prepared and who approved it (ADR 0007, 0013)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf.fonts import FontFace

from fuwu.exports.pdf import LABEL_FILL, FormPDF
from fuwu.exports.xlsx import write_tables
from fuwu.lib.display import EMPTY, local_day, local_time

from . import periods, registry
from .models import PeriodicReport
from .registry import CellKind, Table


def tables_of(report: PeriodicReport) -> list[Table]:
    from .services import policy_of

    kind = registry.find(report.kind)
    if kind is None or not report.figures:
        return []
    return kind.tables(report.figures, policy_of(report))


def cell_text(value: Any, kind: str) -> str:
    """A cell as text: shares as 95.0 %, changes of a share as +2.5 pp, moments in local time."""
    if value is None or value == "":
        return EMPTY
    if kind == CellKind.PERCENT and isinstance(value, int | float):
        return f"{value * 100:.1f} %"
    if kind == CellKind.POINTS and isinstance(value, int | float):
        return _("%(value)s pp") % {"value": f"{value * 100:+.1f}"}
    if kind == CellKind.NUMBER and isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, datetime):
        return local_time(value)
    return str(value)


def shown_rows(table: Table) -> list[list[tuple[str, str]]]:
    """Each row's cells as (text, kind) for the templates."""
    return [
        [(cell_text(value, kind), str(kind)) for value, kind in zip(row, table.kinds_of(index), strict=False)]
        for index, row in enumerate(table.rows)
    ]


def person_at(person: Any, moment: Any) -> str:
    if person is None or moment is None:
        return EMPTY
    return f"{person.display_name} · {local_time(moment)}"


def header_lines(report: PeriodicReport, now: datetime) -> list[tuple[str, str]]:
    return [
        (_("Period"), f"{local_day(report.period_start)} – {local_day(report.period_end)}"),
        (
            _("Department"),
            report.department.name if report.department is not None else _("Whole organisation"),
        ),
        (_("Due at"), local_time(report.due_at)),
        (_("Status"), str(report.get_status_display())),
        (_("Late"), _("yes") if report.is_late(now) else _("no")),
        (_("Figures computed at"), local_time(report.figures_at)),
        (_("Submitted"), person_at(report.submitted_by, report.submitted_at)),
        (_("Approved"), person_at(report.approved_by, report.approved_at)),
    ]


def filename(report: PeriodicReport, extension: str, now: datetime | None = None) -> str:
    kind = registry.find(report.kind)
    base = kind.filename if kind else "report"
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M")
    return f"{base}-{report.period_start:%Y%m}-{stamp}.{extension}"


def report_xlsx(report: PeriodicReport, viewer: Any, *, now: datetime | None = None) -> bytes:
    from .services import title_of

    now = now or timezone.now()
    lines = [f"{label}: {value}" for label, value in header_lines(report, now)]
    lines.append(f"{_('Exported')}: {local_time(now)} · {_('by')} {viewer.display_name}")
    tables = tables_of(report)
    if report.commentary:
        tables.append(
            Table(
                key="commentary",
                title=_("Commentary"),
                headers=[_("Commentary")],
                kinds=[CellKind.TEXT],
                rows=[[report.commentary]],
            )
        )
    buffer = io.BytesIO()
    write_tables(
        title=f"{title_of(report)} · {report.organisation.name}",
        lines=lines,
        tables=tables,
        target=buffer,
        sheet=periods.label(report.period_start, report.period_end, registry.Period.MONTH),
    )
    return buffer.getvalue()


def report_pdf(report: PeriodicReport, viewer: Any, *, now: datetime | None = None) -> bytes:
    """The report as an A4 PDF in the viewer's language."""
    from .services import title_of

    now = now or timezone.now()
    kind = registry.find(report.kind)
    title = str(kind.title) if kind else report.kind
    pdf = FormPDF(title=title_of(report), organisation=report.organisation.name, footer=title_of(report))
    pdf.add_page()
    pdf.heading(report.organisation.name, size=12)
    pdf.heading(title, size=16)
    pdf.paragraph(f"{_('Printed')} {local_time(now)}", size=9, align="C")
    pdf.ln(2)
    lines = header_lines(report, now)
    pdf.rows([lines[i : i + 2] for i in range(0, len(lines), 2)])
    for table in tables_of(report):
        pdf.ln(3)
        pdf.heading(str(table.title), size=12, align="L")
        if not table.rows:
            pdf.paragraph(_("Nothing in this period."), size=9, grey=True)
            continue
        pdf.set_font(size=8)
        widths = _widths(table)
        with pdf.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=4.5,
            first_row_as_headings=True,
            # the embedded font has no bold face: headings are shaded instead
            headings_style=FontFace(emphasis=None, fill_color=LABEL_FILL),
        ) as grid:
            head = grid.row()
            for header in table.headers:
                head.cell(str(header))
            for row in shown_rows(table):
                line = grid.row()
                for text, _kind in row:
                    line.cell(text)
        pdf.set_font(size=10)
        if table.note:
            pdf.paragraph(str(table.note), size=8, grey=True)
    pdf.ln(3)
    pdf.heading(_("Commentary"), size=12, align="L")
    pdf.paragraph(report.commentary or EMPTY)
    if report.return_note:
        pdf.paragraph(f"{_('Returned')}: {report.return_note}", size=9, grey=True)
    pdf.ln(4)
    pdf.signature_boxes(
        [
            (_("Prepared by"), report.submitted_by.display_name if report.submitted_by else ""),
            (_("Approved by"), report.approved_by.display_name if report.approved_by else ""),
            (_("Date"), local_day(report.approved_at) if report.approved_at else ""),
        ]
    )
    return pdf.bytes()


def _widths(table: Table) -> tuple[float, ...]:
    """Text columns wider than the figures."""
    return tuple(3.0 if kind == CellKind.TEXT else 1.0 for kind in table.kinds)
