"""The inspections' downloads on the exports engine (ADR 0007, 0010):

- **《服务质量巡检表》 of one inspection** — the table as filed: the header (number, department, site,
  inspector, date, checklist and its version), every section and item with its weight, result,
  score and note, the total score and the verdict, the sampling plan when the checklist samples
  (population, sample size, units, Ac/Re, the verdict on the lot), the rectification orders with
  their state and the signature lines (检查人, 责任部门负责人签字确认, 验证人), as an Excel workbook
  (``fuwu.exports.xlsx.write_tables``) and an A4 PDF (``fuwu.exports.pdf.FormPDF``: fpdf2 with the
  Chinese font embedded, ADR 0007). Only for a user who may see the inspection
  (``selectors.inspections``): anyone else gets 404. A planned inspection prints as the blank form
  to fill in on site.
- **The rectification register 整改记录** (kind ``rectifications``): the rectification orders the
  requester may see (``selectors.rectifications``), issued in a month or between two days, of a
  department (and those below it), in a status; one row per order as people read it. A chunk of rows
  costs one query whatever its size (everything the columns read is joined). No customer data: no
  masking.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from fpdf.fonts import FontFace

from fuwu import visibility
from fuwu.capa.models import Disposition
from fuwu.exports.pdf import LABEL_FILL, FormPDF, pdf_filename
from fuwu.exports.registers import Column, Kind, Parameters, Register, register
from fuwu.exports.services import XLSX_TYPE
from fuwu.exports.views import file_response
from fuwu.exports.xlsx import write_tables
from fuwu.lib.display import EMPTY, join_list, local_day, local_time, yes_no
from fuwu.lib.inputs import parse_id
from fuwu.reports.registry import CellKind, Table

from . import definition, selectors
from .models import Finding, Inspection, Purpose, Rectification, RectificationStatus, Result, Status

# --- 《服务质量巡检表》 of one inspection ----------------------------------------------------------

SAMPLING_METHODS = {
    "all": _("Every unit"),
    "ratio": _("A share of the units"),
    "fixed": _("A fixed number of units"),
    "iso2859": _("ISO 2859-1 (GB/T 2828.1) single sampling"),
}
VERDICTS = {"accept": _("Lot accepted"), "reject": _("Lot rejected")}
TITLES = {
    # Translators: 服务质量巡检表
    Purpose.INSPECTION: _("Service quality inspection table"),
    # Translators: 值班巡查记录
    Purpose.ROUND: _("Duty round record"),
    # Translators: 供方评价表
    Purpose.EVALUATION: _("Supplier evaluation form"),
}
ZERO = Decimal(0)
UNITS_SHOWN = 100  # drawn unit numbers printed (the sample size says how many there are)


def inspection_for_table(user: Any, pk: int) -> Inspection:
    """The inspection ``user`` may see (else 404), with what its table reads."""
    found = (
        selectors.inspections(user, now=timezone.now())
        .select_related("organisation", "supplier", "shift")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.order_by("id")),
            Prefetch(
                "rectifications",
                queryset=Rectification.objects.select_related(
                    "finding", "acknowledged_by", "done_by", "verified_by"
                ).order_by("issued_at", "id"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _points(value: Decimal) -> str:
    """2.80 → 2.8, 3.00 → 3."""
    return format(value.quantize(Decimal("0.01")).normalize(), "f")


@dataclass
class ItemLine:
    code: str
    text: str
    weight: int
    kind: str
    result: str
    score: str
    points: Decimal | None
    note: str


@dataclass
class InspectionSheet:
    """The table's content as people read it, shared by the workbook and the PDF."""

    title: str
    number: str
    header: list[tuple[str, str]]
    sections: list[tuple[str, list[ItemLine]]]
    totals: list[tuple[str, str]]
    sampling: list[tuple[str, str]]
    rectifications: list[list[str]]
    signatures: list[tuple[str, str, str]]  # label, name, date
    summary: str = ""


def _person(user: Any) -> str:
    return user.display_name if user is not None else ""


def _item_lines(
    inspection: Inspection, checklist: definition.ChecklistDefinition
) -> list[tuple[str, list[ItemLine]]]:
    results = {value: str(label) for value, label in Result.choices}
    critical, late = gettext("(critical)"), gettext("done late")
    findings = {f.item_code: f for f in inspection.findings.all()}
    sections = []
    for section in checklist.sections:
        lines = []
        for item in section.items:
            found = findings.get(item.code)
            text = found.item if found is not None else item.text
            if item.critical:
                text = f"{text} {critical}"
            points: Decimal | None = None
            score = ""
            if found is not None:
                points, _possible = definition.points_of(item, definition.Answer(found.result, found.score))
                if item.kind == "score" and found.score is not None:
                    score = f"{found.score} / {item.max_score}"
            elif item.kind == "score":
                score = f"__ / {item.max_score}"
            lines.append(
                ItemLine(
                    code=item.code,
                    text=text,
                    weight=item.weight,
                    kind=gettext("score 0–%(max)s") % {"max": item.max_score}
                    if item.kind == "score"
                    else gettext("pass or fail"),
                    result=results.get(found.result, found.result) if found is not None else "",
                    score=score,
                    points=points if found is not None and found.result != Result.NOT_APPLICABLE else None,
                    note=_note(found, late),
                )
            )
        sections.append((section.title, lines))
    return sections


def _note(found: Finding | None, late: str) -> str:
    """The inspector's note; a duty round's timed item done after its grace says so."""
    if found is None:
        return ""
    if found.late and found.result != Result.MISSED:
        return f"{found.note} ({late})".strip() if found.note else late
    return found.note


def _sampling(inspection: Inspection) -> list[tuple[str, str]]:
    plan = inspection.sampling or {}
    if not plan:
        return []
    unit = plan.get("unit") or ""

    def count(value: Any) -> str:
        return f"{value} {unit}".strip() if value is not None else EMPTY

    lines = [
        (gettext("Sampling"), str(SAMPLING_METHODS.get(plan.get("method", ""), plan.get("method", "")))),
        (gettext("Units to sample from"), count(plan.get("population"))),
        (gettext("Sample size"), count(plan.get("sample_size"))),
    ]
    if plan.get("code_letter"):
        lines.append((gettext("Code letter"), str(plan["code_letter"])))
    if plan.get("accept") is not None:
        lines.append((gettext("Ac / Re"), f"{plan['accept']} / {plan['reject']}"))
    units = plan.get("units") or []
    if units and not plan.get("whole_lot"):
        shown = ", ".join(str(u) for u in units[:UNITS_SHOWN])
        lines.append((gettext("Units drawn"), shown + (" …" if len(units) > UNITS_SHOWN else "")))
    if inspection.nonconforming_units is not None:
        lines.append((gettext("Nonconforming units found"), count(inspection.nonconforming_units)))
    verdict = plan.get("verdict")
    if verdict:
        lines.append((gettext("Verdict on the lot"), str(VERDICTS.get(verdict, verdict))))
    return lines


def sheet_of(inspection: Inspection) -> InspectionSheet:
    """What the table shows (``inspection`` from ``inspection_for_table``)."""
    version = inspection.template_version
    checklist = definition.parse(version.definition)
    done = inspection.status == Status.SUBMITTED
    day = inspection.submitted_at if done else inspection.due_at
    header = [
        (gettext("No."), inspection.number),
        (gettext("Status"), str(inspection.get_status_display())),
        (gettext("Department"), inspection.department.name),
        (gettext("Site or area"), inspection.site or EMPTY),
        *([(gettext("Supplier"), inspection.supplier.name)] if inspection.supplier is not None else []),
        *(
            [
                (
                    gettext("Shift"),
                    f"{local_time(inspection.shift.starts_at)} – {local_time(inspection.shift.ends_at)}",
                )
            ]
            if inspection.shift is not None
            else []
        ),
        (gettext("Inspector"), inspection.inspector.display_name),
        (gettext("Inspected on") if done else gettext("Due on"), local_day(day) if day else EMPTY),
        (gettext("Checklist"), f"{version.template.name} v{version.number}"),
        (gettext("Pass mark"), f"{checklist.pass_mark}"),
    ]
    totals: list[tuple[str, str]] = []
    if done:
        totals = [
            (
                gettext("Points"),
                f"{_points(inspection.points or ZERO)} / {_points(inspection.max_points or ZERO)}",
            ),
            (gettext("Score"), f"{inspection.score}" if inspection.score is not None else EMPTY),
            (gettext("Passed"), yes_no(inspection.passed)),
            (gettext("Failed items"), f"{inspection.failed_items}"),
        ]
    statuses = {value: str(label) for value, label in RectificationStatus.choices}
    orders = list(inspection.rectifications.all())
    rectifications = [
        [
            r.number,
            r.finding.item,
            statuses.get(r.status, r.status),
            local_time(r.due_at),
            f"{_person(r.acknowledged_by)} {local_time(r.acknowledged_at)}" if r.acknowledged_by else EMPTY,
            f"{_person(r.verified_by)} {local_time(r.verified_at)}"
            if r.verified_by and r.status == RectificationStatus.VERIFIED
            else EMPTY,
        ]
        for r in orders
    ]
    heads = join_list(dict.fromkeys(_person(r.acknowledged_by) for r in orders if r.acknowledged_by))
    verifiers = join_list(
        dict.fromkeys(
            _person(r.verified_by)
            for r in orders
            if r.verified_by and r.status == RectificationStatus.VERIFIED
        )
    )
    acknowledged = [r.acknowledged_at for r in orders if r.acknowledged_at]
    verified = [r.verified_at for r in orders if r.verified_at and r.status == RectificationStatus.VERIFIED]
    # Translators: 检查人 — a signature line of the inspection table
    inspector = gettext("Inspector")
    # Translators: 责任部门负责人签字确认 — the head of the inspected department signs the table.
    head = gettext("Responsible department head (signature)")
    # Translators: 验证人 — who verified the rectifications (a signature line).
    verifier = gettext("Verified by")
    signatures = [
        (inspector, inspection.inspector.display_name, local_day(inspection.submitted_at) if done else ""),
        (head, heads, local_day(max(acknowledged)) if acknowledged else ""),
        (verifier, verifiers, local_day(max(verified)) if verified else ""),
    ]
    return InspectionSheet(
        title=str(TITLES.get(Purpose(version.template.purpose), TITLES[Purpose.INSPECTION])),
        number=inspection.number,
        header=header,
        sections=_item_lines(inspection, checklist),
        totals=totals,
        sampling=_sampling(inspection),
        rectifications=rectifications,
        signatures=signatures,
        summary=inspection.summary,
    )


ITEM_HEADERS = (
    _("Item"),
    _("Weight"),
    _("Kind"),
    pgettext_lazy("checklist item", "Result"),
    _("Score given"),
    _("Points"),
    _("Note"),
)
RECTIFICATION_HEADERS = (
    _("Rectification order"),
    _("Item"),
    _("Status"),
    _("To be rectified by"),
    _("Acknowledged by"),
    _("Verified by"),
)


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "", text)[:40]


def table_filename(inspection: Inspection, extension: str, now: datetime | None = None) -> str:
    base = f"inspection-{_safe(inspection.number) or inspection.pk}"
    if extension == "pdf":
        return pdf_filename(base, now)
    stamp = timezone.localtime(now or timezone.now()).strftime("%Y%m%d-%H%M")
    return f"{base}-{stamp}.{extension}"


def _pairs_table(key: str, title: Any, pairs: list[tuple[str, str]]) -> Table:
    return Table(
        key=key,
        title=title,
        headers=[_("Figure"), _("Value")],
        kinds=[CellKind.TEXT, CellKind.TEXT],
        rows=[[label, value] for label, value in pairs],
    )


def table_xlsx(inspection: Inspection, viewer: Any, *, now: datetime | None = None) -> bytes:
    """The table as an Excel workbook in the viewer's language."""
    now = now or timezone.now()
    sheet = sheet_of(inspection)
    lines = [f"{label}: {value}" for label, value in sheet.header]
    exported, by = gettext("Exported"), gettext("by")
    lines.append(f"{exported}: {local_time(now)} · {by} {viewer.display_name}")
    tables: list[Table] = []
    for title, items in sheet.sections:
        tables.append(
            Table(
                key="section",
                title=title,
                headers=list(ITEM_HEADERS),
                kinds=[
                    CellKind.TEXT,
                    CellKind.NUMBER,
                    CellKind.TEXT,
                    CellKind.TEXT,
                    CellKind.TEXT,
                    CellKind.NUMBER,
                    CellKind.TEXT,
                ],
                rows=[
                    [i.text, i.weight, i.kind, i.result or None, i.score or None, i.points, i.note or None]
                    for i in items
                ],
            )
        )
    if sheet.totals:
        tables.append(_pairs_table("totals", _("Result of the inspection"), sheet.totals))
    if sheet.summary:
        tables.append(
            _pairs_table("summary", _("Overall remarks"), [(gettext("Overall remarks"), sheet.summary)])
        )
    if sheet.sampling:
        tables.append(_pairs_table("sampling", _("Sampling"), sheet.sampling))
    tables.append(
        Table(
            key="rectifications",
            title=_("Rectification orders"),
            headers=list(RECTIFICATION_HEADERS),
            kinds=[CellKind.TEXT] * len(RECTIFICATION_HEADERS),
            rows=sheet.rectifications,
        )
    )
    tables.append(
        Table(
            key="signatures",
            title=_("Signatures"),
            headers=[_("Role"), _("Name"), _("Signature"), _("Date")],
            kinds=[CellKind.TEXT] * 4,
            rows=[[label, name or None, None, day or None] for label, name, day in sheet.signatures],
        )
    )
    buffer = io.BytesIO()
    write_tables(
        title=f"{sheet.title} · {inspection.organisation.name}",
        lines=lines,
        tables=tables,
        target=buffer,
        sheet=sheet.number,
    )
    return buffer.getvalue()


def _grid(pdf: FormPDF, headers: Any, rows: list[list[str]], widths: tuple[float, ...]) -> None:
    pdf.set_font(size=8)
    with pdf.table(
        col_widths=widths,
        text_align="LEFT",
        line_height=4.5,
        first_row_as_headings=True,
        # the embedded font has no bold face: headings are shaded instead
        headings_style=FontFace(emphasis=None, fill_color=LABEL_FILL),
    ) as grid:
        head = grid.row()
        for header in headers:
            head.cell(str(header))
        for row in rows:
            line = grid.row()
            for text in row:
                line.cell(text or EMPTY)
    pdf.set_font(size=10)


def table_pdf(inspection: Inspection, viewer: Any, *, now: datetime | None = None) -> bytes:
    """The table as an A4 PDF in the viewer's language, to print and sign."""
    now = now or timezone.now()
    sheet = sheet_of(inspection)
    organisation = inspection.organisation.name
    number, printed = gettext("No."), gettext("Printed")
    pdf = FormPDF(
        title=f"{sheet.number} · {sheet.title}", organisation=organisation, footer=f"{number} {sheet.number}"
    )
    pdf.add_page()
    pdf.heading(organisation, size=12)
    pdf.heading(sheet.title, size=16)
    pdf.paragraph(f"{number} {sheet.number} · {printed} {local_time(now)}", size=9, align="C")
    pdf.ln(2)
    pdf.rows([sheet.header[i : i + 2] for i in range(0, len(sheet.header), 2)])
    for title, items in sheet.sections:
        pdf.ln(3)
        pdf.heading(title, size=12, align="L")
        rows = [
            [
                i.text,
                str(i.weight),
                i.result,
                i.score,
                _points(i.points) if i.points is not None else "",
                i.note,
            ]
            for i in items
        ]
        headers = [h for index, h in enumerate(ITEM_HEADERS) if index != 2]  # the kind shows in the score
        _grid(pdf, headers, rows, (5.0, 1.0, 1.6, 1.4, 1.0, 3.0))
    if sheet.totals:
        pdf.ln(3)
        pdf.rows([sheet.totals[i : i + 2] for i in range(0, len(sheet.totals), 2)])
    if sheet.summary:
        pdf.rows([[(gettext("Overall remarks"), sheet.summary)]])
    if sheet.sampling:
        pdf.ln(3)
        pdf.heading(gettext("Sampling"), size=12, align="L")
        pdf.rows([sheet.sampling[i : i + 2] for i in range(0, len(sheet.sampling), 2)])
    pdf.ln(3)
    pdf.heading(gettext("Rectification orders"), size=12, align="L")
    if sheet.rectifications:
        _grid(pdf, RECTIFICATION_HEADERS, sheet.rectifications, (2.0, 3.5, 1.6, 1.8, 2.2, 2.2))
    else:
        pdf.paragraph(gettext("No item failed: no rectification order."), size=9, grey=True)
    pdf.ln(4)
    pdf.signature_boxes(
        [(label, f"{name} {day}".strip()) for label, name, day in sheet.signatures], height=14
    )
    return pdf.bytes()


def table_download(user: Any, pk: int, extension: str, *, now: datetime | None = None) -> HttpResponse:
    """The table of inspection ``pk`` as a download (``xlsx`` or ``pdf``): 404 for an inspection
    the user may not see — what the page views and the API both answer."""
    inspection = inspection_for_table(user, pk)
    now = now or timezone.now()
    if extension == "pdf":
        content, content_type = table_pdf(inspection, user, now=now), "application/pdf"
    else:
        content, content_type = table_xlsx(inspection, user, now=now), XLSX_TYPE
    return file_response(content, table_filename(inspection, extension, now), content_type)


# --- the rectification register 整改记录 -------------------------------------------------------

FILTERS = ("month", "date_from", "date_to", "department_id", "status")


def parse_month(value: Any) -> date | None:
    """``2026-11`` → 2026-11-01; anything else → None."""
    if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
        return None
    try:
        month = date(int(value[:4]), int(value[5:]), 1)
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2100 else None


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if 1900 <= day.year <= 2100 else None


def selector_arguments(parameters: Parameters) -> dict[str, Any]:
    """The JSON parameters as the register's filters; a value that is not valid is dropped (an
    export never fails on a stale or edited query string)."""
    status = parameters.get("status")
    department = parameters.get("department_id")
    return {
        "month": parse_month(parameters.get("month")),
        "date_from": _day(parameters.get("date_from")),
        "date_to": _day(parameters.get("date_to")),
        "department_id": parse_id(str(department)) if department not in (None, "") else None,
        "status": status if status in RectificationStatus.values else None,
    }


def as_parameters(arguments: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FILTERS:
        value = arguments.get(name)
        if value is None or value == "":
            continue
        if name == "month" and isinstance(value, date):
            value = f"{value:%Y-%m}"
        elif isinstance(value, date):
            value = value.isoformat()
        out[name] = value
    return out


def page_parameters(request: Any) -> dict[str, Any]:
    """The filters of a page's query string (``?month=2026-11&status=issued&department_id=3``)."""
    return as_parameters(selector_arguments({name: request.GET.get(name) for name in FILTERS}))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def _department(user: Any, department_id: int) -> Any:
    return visibility.departments_for_user(user).filter(pk=department_id).first()


def filtered(user: Any, parameters: Parameters) -> QuerySet[Rectification]:
    """The visible orders matching the filters: issued in the month (or from / until the days), of
    the department or one below it, in the status."""
    arguments = selector_arguments(parameters)
    orders = selectors.rectifications(user, now=timezone.now())
    month = arguments["month"]
    if month is not None:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        orders = orders.filter(issued_at__gte=_start_of(month), issued_at__lt=_start_of(following))
    if arguments["date_from"] is not None:
        orders = orders.filter(issued_at__gte=_start_of(arguments["date_from"]))
    if arguments["date_to"] is not None:
        orders = orders.filter(issued_at__lt=_start_of(arguments["date_to"] + timedelta(days=1)))
    if arguments["department_id"] is not None:
        department = _department(user, arguments["department_id"])
        orders = orders.filter(department__path__startswith=department.path) if department else orders.none()
    if arguments["status"] is not None:
        orders = orders.filter(status=arguments["status"])
    return orders


def records(user: Any, parameters: Parameters) -> QuerySet[Rectification]:
    return (
        filtered(user, parameters)
        .select_related(
            "inspection__inspector",
            "inspection__template_version__template",
            "done_by",
            "verified_by",
            "disposition_by",
            "capa",
        )
        .order_by("issued_at", "id")
    )


class Context:
    """Computed once per export: the labels in the requester's language."""

    def __init__(self, user: Any) -> None:
        self.status = {value: str(label) for value, label in RectificationStatus.choices}
        self.disposition = {value: str(label) for value, label in Disposition.choices}


def _verified(order: Rectification) -> bool:
    return order.status == RectificationStatus.VERIFIED


COLUMNS = [
    Column(_("Order no."), lambda r, x: r.number, width=16),
    Column(_("Issued at"), lambda r, x: r.issued_at, width=16, kind=Kind.DATETIME),
    Column(_("Inspection"), lambda r, x: r.inspection.number, width=16),
    Column(_("Inspected on"), lambda r, x: r.inspection.submitted_at, width=16, kind=Kind.DATETIME),
    Column(_("Inspector"), lambda r, x: r.inspection.inspector.display_name, width=10),
    Column(_("Responsible department"), lambda r, x: r.department.name, width=12),
    Column(_("Site or area"), lambda r, x: r.inspection.site, width=14),
    Column(_("Checklist"), lambda r, x: r.inspection.template_version.template.name, width=14),
    Column(_("Section"), lambda r, x: r.finding.section, width=12),
    Column(_("Item"), lambda r, x: r.finding.item, width=30),
    Column(_("What was found"), lambda r, x: r.finding.note, width=24),
    Column(_("Status"), lambda r, x: x.status.get(r.status, r.status), width=12),
    Column(_("To be rectified by"), lambda r, x: r.due_at, width=16, kind=Kind.DATETIME),
    Column(_("Overdue"), lambda r, x: bool(getattr(r, "is_overdue", False)), width=8),
    Column(
        _("Acknowledged by"),
        lambda r, x: r.acknowledged_by.display_name if r.acknowledged_by else None,
        width=10,
    ),
    Column(_("Acknowledged at"), lambda r, x: r.acknowledged_at, width=16, kind=Kind.DATETIME),
    Column(_("Decision on the nonconformity"), lambda r, x: x.disposition.get(r.disposition, ""), width=12),
    Column(
        _("Decided by"), lambda r, x: r.disposition_by.display_name if r.disposition_by else None, width=10
    ),
    Column(_("What was done"), lambda r, x: r.action_taken, width=24),
    Column(_("Done by"), lambda r, x: r.done_by.display_name if r.done_by else None, width=10),
    Column(_("Done at"), lambda r, x: r.done_at, width=16, kind=Kind.DATETIME),
    Column(
        _("Verified by"),
        lambda r, x: r.verified_by.display_name if _verified(r) and r.verified_by else None,
        width=10,
    ),
    Column(
        _("Verified at"), lambda r, x: r.verified_at if _verified(r) else None, width=16, kind=Kind.DATETIME
    ),
    Column(_("Verification result"), lambda r, x: r.verification_note, width=24),
    Column(_("Failed verifications"), lambda r, x: r.failed_verifications, width=8, kind=Kind.NUMBER),
    Column(_("Corrective action"), lambda r, x: r.capa.number if r.capa else None, width=14),
]


def filters(user: Any, parameters: Parameters) -> list[tuple[Any, Any]]:
    arguments = selector_arguments(parameters)
    pairs: list[tuple[Any, Any]] = []
    if arguments["month"] is not None:
        pairs.append((_("Issued in"), f"{arguments['month']:%Y-%m}"))
    if arguments["date_from"] is not None:
        pairs.append((_("Issued from"), local_day(arguments["date_from"])))
    if arguments["date_to"] is not None:
        pairs.append((_("Issued until"), local_day(arguments["date_to"])))
    if arguments["department_id"] is not None:
        department = _department(user, arguments["department_id"])
        pairs.append((_("Responsible department"), department.name if department else EMPTY))
    if arguments["status"] is not None:
        pairs.append((_("Status"), RectificationStatus(arguments["status"]).label))
    return pairs


RECTIFICATION_REGISTER = register(
    Register(
        kind="rectifications",
        # Translators: 整改记录 — the register of rectification orders.
        title=_("Rectification register"),
        sheet=_("Rectification orders"),
        filename="rectifications",
        columns=COLUMNS,
        records=records,
        context=Context,
        filters=filters,
        may_export=visibility.is_staff_member,
        from_request=page_parameters,
    )
)
