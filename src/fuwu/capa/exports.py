"""The CAPA register (纠正/预防措施台账) as an Excel export — the rows of the CAPA list with its
filters, as the requester may see them — and one corrective-action record as a PDF form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.exports.registers import Column, Kind, Parameters, Register, register

from . import selectors
from .models import Capa, Origin, Status
from .models import Kind as CapaKind

SELECTOR_ARGUMENTS = (
    "statuses",
    "kind",
    "origin",
    "department_id",
    "exact_department",
    "category",
    "raised_from",
    "raised_to",
    "overdue",
    "owner_id",
    "q",
)


def as_parameters(arguments: dict[str, Any]) -> dict[str, Any]:
    """Selector arguments as JSON values (days as ISO 8601), without the empty ones."""
    out: dict[str, Any] = {}
    for name in SELECTOR_ARGUMENTS:
        value = arguments.get(name)
        if value is None or value == "" or value == [] or value is False:
            continue
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, list | tuple):
            value = [str(v) for v in value]
        out[name] = value
    return out


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def selector_arguments(parameters: Parameters) -> dict[str, Any]:
    statuses = [s for s in parameters.get("statuses") or [] if s in Status.values]
    overdue = parameters.get("overdue")
    text = {name: str(parameters.get(name) or "") or None for name in ("kind", "origin", "category", "q")}
    return {
        "statuses": statuses or None,
        "department_id": _int(parameters.get("department_id")),
        "owner_id": _int(parameters.get("owner_id")),
        "exact_department": parameters.get("exact_department") is True,
        "raised_from": _day(parameters.get("raised_from")),
        "raised_to": _day(parameters.get("raised_to")),
        "overdue": overdue if isinstance(overdue, bool) else None,
        **text,
    }


def page_parameters(request: Any) -> dict[str, Any]:
    """The filters of the CAPA list page, read by the list's own code."""
    from .views import list_filters

    return as_parameters(list_filters(request))


def records(user: Any, parameters: Parameters) -> Any:
    return selectors.capas_list(user=user, **selector_arguments(parameters))


class Context:
    """Computed once per export: labels in the requester's language."""

    def __init__(self, user: Any) -> None:
        from fuwu.policy.selectors import active_policy

        from .display import categories_of

        self.status = {value: str(label) for value, label in Status.choices}
        self.kind = {value: str(label) for value, label in CapaKind.choices}
        self.origin = {value: str(label) for value, label in Origin.choices}
        self.categories = categories_of(active_policy(user.organisation)) if user.organisation else {}


COLUMNS = [
    Column(_("Number"), lambda c, x: c.number, width=14),
    Column(_("Raised at"), lambda c, x: c.raised_at, width=17, kind=Kind.DATETIME),
    Column(_("Kind"), lambda c, x: x.kind.get(c.kind, ""), width=10),
    Column(_("Status"), lambda c, x: x.status.get(c.status, ""), width=14),
    Column(_("Raised from"), lambda c, x: x.origin.get(c.origin, ""), width=10),
    Column(_("Problem category"), lambda c, x: x.categories.get(c.category, c.category), width=12),
    Column(_("Department"), lambda c, x: c.department.name, width=14),
    Column(_("Title"), lambda c, x: c.title, width=30),
    Column(_("Raised by"), lambda c, x: c.raised_by.display_name, width=10),
    Column(_("Next deadline"), lambda c, x: getattr(c, "next_due_at", None), width=17, kind=Kind.DATETIME),
    Column(_("Overdue"), lambda c, x: bool(getattr(c, "is_overdue", False)), width=8),
    Column(_("Verifiable from"), lambda c, x: c.verify_from, width=17, kind=Kind.DATETIME),
    Column(_("Failed verifications"), lambda c, x: c.failed_verifications, width=8, kind=Kind.NUMBER),
    Column(_("Closed at"), lambda c, x: c.closed_at, width=17, kind=Kind.DATETIME),
]


def filters(user: Any, parameters: Parameters) -> list[tuple[Any, Any]]:
    from fuwu.lib.display import join_list, local_day, yes_no

    arguments = selector_arguments(parameters)
    pairs: list[tuple[Any, Any]] = []
    if arguments["statuses"]:
        pairs.append((_("Status"), join_list(Status(s).label for s in arguments["statuses"])))
    if arguments["kind"] in CapaKind.values:
        pairs.append((_("Kind"), CapaKind(arguments["kind"]).label))
    if arguments["origin"] in Origin.values:
        pairs.append((_("Raised from"), Origin(arguments["origin"]).label))
    if arguments["department_id"]:
        department = visibility.departments_for_user(user).filter(pk=arguments["department_id"]).first()
        pairs.append((_("Department"), department.name if department else "—"))
    if arguments["category"]:
        pairs.append(
            (
                _("Problem category"),
                Context(user).categories.get(arguments["category"], arguments["category"]),
            )
        )
    for name, label in (("raised_from", _("Raised from day")), ("raised_to", _("Raised until day"))):
        if arguments[name] is not None:
            pairs.append((label, local_day(arguments[name])))
    if arguments["overdue"] is not None:
        pairs.append((_("Overdue"), yes_no(arguments["overdue"])))
    if arguments["q"]:
        pairs.append((_("Search"), arguments["q"]))
    return pairs


CAPA_REGISTER = register(
    Register(
        kind="capa",
        title=_("Corrective and preventive action register"),
        filename="capa",
        columns=COLUMNS,
        records=records,
        context=Context,
        filters=filters,
        from_request=page_parameters,
        list_url="capa:list",
    )
)


# --- one corrective-action record as PDF ----------------------------------------------------------


def capa_pdf(capa: Capa, viewer: Any, *, now: Any = None) -> bytes:
    """The corrective (or preventive) action record as an A4 PDF in the viewer's language.
    ``capa`` comes from ``selectors.capa_get`` (visible to the viewer, its relations prefetched)."""
    from django.utils import timezone
    from django.utils.translation import gettext as t

    from fuwu.exports.pdf import FormPDF
    from fuwu.lib.display import EMPTY, local_time, yes_no

    from .display import category_label
    from .services import policy_of

    now = now or timezone.now()
    policy = policy_of(capa)
    title = capa.get_kind_display()
    pdf = FormPDF(
        title=f"{capa.number} · {title}",
        organisation=capa.organisation.name,
        footer=f"{t('No.')} {capa.number}",
    )
    pdf.add_page()
    pdf.heading(capa.organisation.name, size=12)
    pdf.heading(t("Corrective and preventive action record"), size=16)
    pdf.paragraph(f"{t('No.')} {capa.number} · {t('Printed')} {local_time(now)}", size=9, align="C")
    pdf.ln(2)
    affected = selectors.affected_shown(capa, viewer)
    categories = category_label(policy, capa.category)
    pdf.rows(
        [
            [(t("Kind"), title), (t("Status"), capa.get_status_display())],
            [(t("Problem category"), categories), (t("Department"), capa.department.name)],
            [
                (t("Raised by"), f"{capa.raised_by.display_name} · {local_time(capa.raised_at)}"),
                (t("Raised from"), capa.get_origin_display()),
            ],
            [(t("Affected records"), "  ".join(a.label for a in affected) or EMPTY)],
            [(t("Title"), capa.title)],
            [(t("Problem statement"), capa.problem)],
            [
                (
                    t("Root cause"),
                    f"{capa.root_cause}\n({capa.get_root_cause_method_display()})"
                    if capa.root_cause
                    else EMPTY,
                )
            ],
        ]
    )
    if capa.disposition:
        decided = capa.disposition_by.display_name if capa.disposition_by else EMPTY
        pdf.rows(
            [
                [
                    (t("Decision on the nonconforming service"), capa.get_disposition_display()),
                    (t("Decided by"), f"{decided} · {local_time(capa.disposition_at)}"),
                ],
                [(t("Why"), capa.disposition_note or EMPTY)],
            ]
        )
    pdf.ln(3)
    pdf.heading(t("Actions"), size=12, align="L")
    items = list(capa.items.all())
    pdf.rows(
        [
            [
                (
                    f"{index}. {item.owner.display_name}",
                    f"{item.description}\n{t('Due')} {local_time(item.due_at)} · "
                    + (
                        f"{t('Done')} {local_time(item.done_at)}: {item.evidence}"
                        if item.done_at
                        else t("open")
                    ),
                )
            ]
            for index, item in enumerate(items, start=1)
        ]
        or [[(t("Actions"), EMPTY)]]
    )
    pdf.ln(3)
    pdf.rows(
        [
            [(t("Where else it was looked for"), capa.extent_scope or EMPTY)],
            [
                (t("Found elsewhere"), yes_no(capa.extent_found) if capa.extent_found is not None else EMPTY),
                (t("What was found"), capa.extent_note or EMPTY),
            ],
        ]
    )
    pdf.ln(3)
    pdf.heading(t("Effectiveness verification"), size=12, align="L")
    verifications = list(capa.verifications.all())
    pdf.rows(
        [
            [
                (
                    f"{v.get_result_display()}",
                    f"{v.note}\n{v.verified_by.display_name} · {local_time(v.verified_at)}",
                )
            ]
            for v in verifications
        ]
        or [[(t("Verifiable from"), local_time(capa.verify_from) if capa.verify_from else EMPTY)]]
    )
    if capa.closed_at:
        closer = capa.closed_by.display_name if capa.closed_by else EMPTY
        pdf.rows(
            [[(capa.get_status_display(), f"{closer} · {local_time(capa.closed_at)} {capa.close_note}")]]
        )
    pdf.ln(4)
    pdf.signature_boxes([(t("Owner's signature"), ""), (t("Verified by"), ""), (t("Date"), "")])
    return pdf.bytes()
