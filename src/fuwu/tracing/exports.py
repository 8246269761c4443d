"""The batch register (消毒物品登记表) as an Excel export — one row per item of the batches of the list
with its filters, as the requester may see them: 日期、单位名称、物品名称、数量(包数+件数)、灭菌方式、
配送地点 and the person who signed each step (各环节人员签名) — and one batch's record as a PDF form."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.exports.registers import Column, Kind, Parameters, Register, register

from . import selectors
from .models import BatchItem, Entry, ItemReturn, StepSignature

SELECTOR_ARGUMENTS = ("is_open", "step", "department_id", "received_from", "received_to", "overdue", "q")


def as_parameters(arguments: dict[str, Any]) -> dict[str, Any]:
    """Selector arguments as JSON values (days as ISO 8601), without the empty ones."""
    out: dict[str, Any] = {}
    for name in SELECTOR_ARGUMENTS:
        value = arguments.get(name)
        if value is None or value == "":
            continue
        out[name] = value.isoformat() if isinstance(value, date) else value
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
        return int(value) if value not in (None, "") and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def selector_arguments(parameters: Parameters) -> dict[str, Any]:
    return {
        "is_open": _bool(parameters.get("is_open")),
        "step": str(parameters.get("step") or "")[:40] or None,
        "department_id": _int(parameters.get("department_id")),
        "received_from": _day(parameters.get("received_from")),
        "received_to": _day(parameters.get("received_to")),
        "overdue": _bool(parameters.get("overdue")),
        "q": str(parameters.get("q") or "")[:100] or None,
    }


def page_parameters(request: Any) -> dict[str, Any]:
    """The filters of the batch list page, read by the list's own code."""
    from .views import list_filters

    return as_parameters(list_filters(request))


def records(user: Any, parameters: Parameters) -> QuerySet[BatchItem]:
    batches = selectors.batches_list(user=user, **selector_arguments(parameters))
    return (
        BatchItem.objects.filter(batch__in=batches.order_by().values("pk"))
        .select_related("batch", "batch__department")
        .prefetch_related(
            Prefetch(
                "batch__signatures",
                queryset=StepSignature.objects.select_related("signed_by", "confirmed_by").prefetch_related(
                    "counts"
                ),
            ),
            Prefetch("batch__returns", queryset=ItemReturn.objects.prefetch_related("lines")),
        )
        .order_by("-batch__received_on", "-batch_id", "position")
    )


class Context:
    """Computed once per export: the steps of the requester's policy, labels in their language."""

    def __init__(self, user: Any) -> None:
        from fuwu.policy.selectors import active_policy

        self.steps = list(active_policy(user.organisation).tracing.steps) if user.organisation else []


def _signed(item: BatchItem, code: str) -> str:
    """Who signed ``code`` for the item's batch, the second person too, and when."""
    from fuwu.lib.display import local_time

    for signature in item.batch.signatures.all():
        if signature.step == code and signature.kind == Entry.SIGNATURE:
            text = f"{signature.signed_by.display_name} {local_time(signature.signed_at)}"
            if signature.confirmed_by is not None:
                text += f" / {signature.confirmed_by.display_name} {local_time(signature.confirmed_at)}"
            return text
    return ""


def _count_at(item: BatchItem, code: str) -> str:
    """The item's count at ``code`` (the one that holds, after corrections)."""
    from .display import counts_text

    entries = [s for s in item.batch.signatures.all() if s.step == code]
    entries.sort(key=lambda s: (s.kind != Entry.SIGNATURE, s.signed_at, s.pk))
    if not entries:
        return ""
    for count in entries[-1].counts.all():
        if count.item_id == item.pk:
            mark = " ≠" if count.differs else ""
            return counts_text(count.packages, count.pieces) + mark
    return ""


def _returned(item: BatchItem) -> tuple[int, int]:
    packages = pieces = 0
    for item_return in item.batch.returns.all():
        for line in item_return.lines.all():
            if line.item_id == item.pk:
                packages, pieces = packages + line.packages, pieces + line.pieces
    return packages, pieces


def _status(item: BatchItem) -> str:
    from .display import status_shown

    return status_shown(item.batch)


COLUMNS = [
    Column(_("Number"), lambda i, x: i.batch.number, width=15),
    Column(_("Received on"), lambda i, x: i.batch.received_on, width=11, kind=Kind.DATE),
    Column(_("Unit"), lambda i, x: i.batch.unit_name, width=20),
    Column(_("Item"), lambda i, x: i.name, width=18),
    Column(_("Packages"), lambda i, x: i.packages, width=8, kind=Kind.NUMBER),
    Column(_("Pieces"), lambda i, x: i.pieces, width=8, kind=Kind.NUMBER),
    Column(_("Sterilisation method"), lambda i, x: i.batch.method_shown(), width=14),
    Column(_("Delivery place"), lambda i, x: i.batch.destination, width=16),
    Column(_("Department"), lambda i, x: i.batch.department.name, width=12),
    Column(_("Status"), lambda i, x: _status(i), width=10),
    Column(_("Returned packages"), lambda i, x: _returned(i)[0], width=8, kind=Kind.NUMBER),
    Column(_("Returned pieces"), lambda i, x: _returned(i)[1], width=8, kind=Kind.NUMBER),
    Column(_("Count discrepancy"), lambda i, x: i.batch.has_discrepancy, width=8),
    Column(_("Closed at"), lambda i, x: i.batch.closed_at, width=17, kind=Kind.DATETIME),
    Column(_("Kept until"), lambda i, x: i.batch.retain_until, width=11, kind=Kind.DATE),
]


def _count_column(code: str) -> Any:
    return lambda item, context: _count_at(item, code)


def _signed_column(code: str) -> Any:
    return lambda item, context: _signed(item, code)


def step_columns(user: Any) -> list[Column]:
    """Per step of the requester's policy: the item's count there and who signed it (各环节人员签名)."""
    from fuwu.policy.selectors import active_policy

    if not user.organisation:
        return []
    columns = []
    for step in active_policy(user.organisation).tracing.steps:
        columns.append(Column(f"{step.label} · {_('count')}", _count_column(step.code), width=14))
        columns.append(Column(f"{step.label} · {_('signed by')}", _signed_column(step.code), width=22))
    return columns


def filters(user: Any, parameters: Parameters) -> list[tuple[Any, Any]]:
    from fuwu.lib.display import local_day, yes_no
    from fuwu.policy.selectors import active_policy

    arguments = selector_arguments(parameters)
    pairs: list[tuple[Any, Any]] = []
    if arguments["is_open"] is not None:
        pairs.append((_("Open"), yes_no(arguments["is_open"])))
    if arguments["step"]:
        labels = {s.code: s.label for s in active_policy(user.organisation).tracing.steps}
        pairs.append((_("Next step"), labels.get(arguments["step"], arguments["step"])))
    if arguments["department_id"]:
        department = visibility.departments_for_user(user).filter(pk=arguments["department_id"]).first()
        pairs.append((_("Department"), department.name if department else "—"))
    for name, label in (("received_from", _("Received from day")), ("received_to", _("Received until day"))):
        if arguments[name] is not None:
            pairs.append((label, local_day(arguments[name])))
    if arguments["overdue"] is not None:
        pairs.append((_("Feedback overdue"), yes_no(arguments["overdue"])))
    if arguments["q"]:
        pairs.append((_("Search"), arguments["q"]))
    return pairs


BATCH_REGISTER = register(
    Register(
        kind="batches",
        title=_("Register of item batches"),
        filename="batches",
        columns=COLUMNS,
        more_columns=step_columns,
        records=records,
        context=Context,
        filters=filters,
        from_request=page_parameters,
        list_url="tracing:list",
    )
)


# --- one batch's record as PDF --------------------------------------------------------------------


def batch_pdf(batch: Any, viewer: Any, *, now: Any = None) -> bytes:
    """The batch's record (登记与追溯记录) as an A4 PDF in the viewer's language: the registration,
    every step with who signed it (and checked it), the counts, corrections, returns and written
    feedback. ``batch`` comes from ``selectors.batch_get`` (visible to the viewer, prefetched)."""
    from django.utils import timezone
    from django.utils.translation import gettext as t
    from django.utils.translation import ngettext

    def kept_for(years: int) -> str:
        return ngettext("%(years)s year after it closes", "%(years)s years after it closes", years) % {
            "years": years
        }

    from fuwu.exports.pdf import FormPDF
    from fuwu.lib.display import EMPTY, local_day, local_time, yes_no

    from .display import counts_text, status_shown
    from .services import BatchState, policy_of

    now = now or timezone.now()
    state = BatchState.of(batch)
    years = policy_of(batch).retention.traceable_items_years
    shown = selectors.steps_shown(state)
    names = {item.pk: item.name for item in state.items}
    pdf = FormPDF(
        title=f"{batch.number} · {t('Batch record')}",
        organisation=batch.organisation.name,
        footer=f"{t('No.')} {batch.number}",
    )
    pdf.add_page()
    pdf.heading(batch.organisation.name, size=12)
    pdf.heading(t("Record of a batch of items"), size=16)
    pdf.paragraph(f"{t('No.')} {batch.number} · {t('Printed')} {local_time(now)}", size=9, align="C")
    pdf.ln(2)
    pdf.rows(
        [
            [(t("Unit"), batch.unit_name), (t("Received on"), local_day(batch.received_on))],
            [(t("Sterilisation method"), batch.method_shown()), (t("Delivery place"), batch.destination)],
            [(t("Department"), batch.department.name), (t("Status"), status_shown(batch))],
            [
                (
                    t("Registered by"),
                    f"{batch.registered_by.display_name} · {local_time(batch.registered_at)}",
                ),
                (
                    t("Kept until"),
                    local_day(batch.retain_until) if batch.retain_until else kept_for(years),
                ),
            ],
            [(t("Note"), batch.note or EMPTY)],
        ]
    )
    pdf.ln(3)
    pdf.heading(t("Items"), size=12, align="L")
    pdf.rows(
        [
            [(f"{index}. {item.name}", counts_text(item.packages, item.pieces))]
            for index, item in enumerate(state.items, 1)
        ]
    )
    pdf.ln(3)
    pdf.heading(t("Steps and signatures"), size=12, align="L")
    rows = []
    for step in shown:
        signature = step.signature
        if signature is None:
            rows.append([(step.step.label, t("not signed yet"))])
            continue
        lines = [f"{t('Signed by')} {signature.signed_by.display_name} · {local_time(signature.signed_at)}"]
        if signature.double_check:
            lines.append(
                f"{t('Second signature')} {signature.confirmed_by.display_name} · {local_time(signature.confirmed_at)}"
                if signature.confirmed_by is not None
                else t("awaiting the second signature")
            )
        for item_id, count in step.counts.items():
            text = f"{names.get(item_id, '')}: {counts_text(count.packages, count.pieces)}"
            if count.differs:
                text += f" ({t('expected')} {counts_text(count.expected_packages, count.expected_pieces)})"
            lines.append(text)
        if signature.note:
            lines.append(f"{t('Note')}: {signature.note}")
        for correction in step.corrections:
            lines.append(
                f"{t('Corrected by')} {correction.signed_by.display_name} · {local_time(correction.signed_at)}: "
                f"{correction.reason}"
            )
        rows.append([(step.step.label, "\n".join(lines))])
    pdf.rows(rows, label_width=26)
    if state.returns:
        pdf.ln(3)
        pdf.heading(t("Nonconforming items returned"), size=12, align="L")
        for item_return in state.returns:
            returned = "  ".join(
                f"{names.get(line.item_id, '')}: {counts_text(line.packages, line.pieces)}"
                for line in item_return.lines.all()
            )
            feedback = (
                f"{item_return.feedback}\n{t('Rectification advice')}: {item_return.suggestion}\n"
                f"{item_return.feedback_by.display_name if item_return.feedback_by else EMPTY} · "
                f"{local_time(item_return.feedback_at)}"
                + (f" · {t('sent to')} {item_return.recipient}" if item_return.recipient else "")
                + (f" · {t('late')}" if item_return.feedback_late else "")
                if item_return.has_feedback
                else t("not sent yet")
            )
            pdf.rows(
                [
                    [
                        (
                            t("Returned"),
                            f"{item_return.returned_by.display_name} · {local_time(item_return.returned_at)}",
                        ),
                        (t("During"), item_return.step_label),
                    ],
                    [(t("Items"), returned)],
                    [(t("Problem"), item_return.problem)],
                    [
                        (t("Feedback due"), local_time(item_return.feedback_due_at)),
                        (t("Late"), yes_no(item_return.feedback_late or item_return.feedback_overdue(now))),
                    ],
                    [(t("Written feedback"), feedback)],
                ]
            )
    pdf.ln(4)
    pdf.signature_boxes([(t("Checked by"), ""), (t("Unit's signature"), ""), (t("Date"), "")])
    return pdf.bytes()
