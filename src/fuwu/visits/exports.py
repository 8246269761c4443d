"""The visit register 居家服务回访记录表 (seed 001 4.4) as an Excel export of the exports engine
(ADR 0007, 0010): the visits the requester may see (``selectors.visits_for_user``), filtered by the
month or a range of days they were due in, level, handling department and status, one row per visit
as people read it — labels, names, the phone masked per ``privacy.unmasked_roles``, yes/no, and each
question of the organisation's questionnaire as a column headed by the question's text.

A chunk of rows costs a fixed number of queries whatever its size: the visit with its subject,
service type, department, customer and visitor joined, and one query each for the rated people and
the attempts (``test_reports`` asserts the bound).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.exports.registers import Column, Kind, Parameters, Register, register
from fuwu.lib.display import join_list
from fuwu.lib.inputs import parse_id
from fuwu.org.models import Role
from fuwu.visibility import PhoneShown

from .display import ON_SITE_RULES, answer_label, question_label
from .models import AttemptOutcome, Consequence, Method, Reason, Status, Visit, VisitAttempt
from .selectors import visits_for_user

FILTERS = ("month", "date_from", "date_to", "level", "department_id", "status")


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
    """The JSON parameters as the register's filters; anything that is not a valid value is dropped
    (an export never fails on a stale or edited query string)."""
    level = parameters.get("level")
    status = parameters.get("status")
    department = parameters.get("department_id")
    return {
        "month": parse_month(parameters.get("month")),
        "date_from": _day(parameters.get("date_from")),
        "date_to": _day(parameters.get("date_to")),
        "level": int(str(level)) if str(level) in ("1", "2", "3") else None,
        "department_id": parse_id(str(department)) if department not in (None, "") else None,
        "status": status if status in Status.values else None,
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
    """The filters of a page's query string (``?month=2026-11&level=2``)."""
    return as_parameters(selector_arguments({name: request.GET.get(name) for name in FILTERS}))


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def filtered(user: Any, parameters: Parameters) -> QuerySet[Visit]:
    """The visible visits matching the filters: due in the month (or from / until the days), of the
    level, of the department or one below it, in the status."""
    arguments = selector_arguments(parameters)
    visits = visits_for_user(user)
    month = arguments["month"]
    if month is not None:
        following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
        visits = visits.filter(due_at__gte=_start_of(month), due_at__lt=_start_of(following))
    if arguments["date_from"] is not None:
        visits = visits.filter(due_at__gte=_start_of(arguments["date_from"]))
    if arguments["date_to"] is not None:
        visits = visits.filter(due_at__lt=_start_of(arguments["date_to"] + timedelta(days=1)))
    if arguments["level"] is not None:
        visits = visits.filter(level=arguments["level"])
    if arguments["department_id"] is not None:
        department = (
            visibility.departments_for_user(user).filter(pk=arguments["department_id"]).values("path").first()
        )
        visits = (
            visits.filter(department__path__startswith=department["path"]) if department else visits.none()
        )
    if arguments["status"] is not None:
        visits = visits.filter(status=arguments["status"])
    return visits


def records(user: Any, parameters: Parameters) -> QuerySet[Visit]:
    return (
        filtered(user, parameters)
        .select_related(
            "work_order",
            "work_order__service_type",
            "complaint",
            "department",
            "customer",
            "visitor",
        )
        .prefetch_related(
            "rated_people",
            Prefetch("attempt_log", queryset=VisitAttempt.objects.order_by("number")),
        )
        .order_by("due_at", "id")
    )


class Context:
    """Computed once per export: the phone rule, the labels in the requester's language and the
    organisation's questionnaire."""

    def __init__(self, user: Any) -> None:
        self.shown = PhoneShown(user)
        self.labels = {
            name: {value: str(label) for value, label in choices.choices}
            for name, choices in (
                ("status", Status),
                ("reason", Reason),
                ("method", Method),
                ("consequence", Consequence),
                ("role", Role),
                ("outcome", AttemptOutcome),
            )
        }
        self.on_site = {code: str(label) for code, label in ON_SITE_RULES.items()}

    def label(self, name: str, code: str) -> str:
        return self.labels[name].get(code, code) if code else ""


def _subject(visit: Visit) -> str:
    subject = visit.work_order or visit.complaint
    return subject.number if subject is not None else ""


def _outcome(visit: Visit, x: Context) -> str:
    """What came of the visit: its status, and for an open one the last attempt's outcome."""
    status = x.label("status", visit.status)
    attempt = _last_attempt(visit) if visit.status == Status.DUE else None
    return f"{status} · {x.label('outcome', attempt.outcome)}" if attempt is not None else status


def _last_attempt(visit: Visit) -> Any:
    attempts = list(visit.attempt_log.all())
    return attempts[-1] if attempts else None


LEAD_COLUMNS = [
    Column(_("Visit no."), lambda v, x: v.pk, width=8, kind=Kind.NUMBER),
    Column(_("Level"), lambda v, x: v.level, width=6, kind=Kind.NUMBER),
    Column(_("Reason"), lambda v, x: x.label("reason", v.reason), width=14),
    Column(_("Work order or complaint"), lambda v, x: _subject(v), width=12),
    Column(
        _("Service type"),
        lambda v, x: v.work_order.service_type.name if v.work_order and v.work_order.service_type else "",
        width=12,
    ),
    Column(_("Department"), lambda v, x: v.department.name if v.department else "", width=12),
    Column(_("Customer"), lambda v, x: v.customer.name if v.customer else "", width=14),
    Column(_("Contact"), lambda v, x: v.contact_name, width=10),
    Column(_("Phone"), lambda v, x: x.shown(v.contact_phone), width=14),
    Column(_("People rated"), lambda v, x: join_list(p.display_name for p in v.rated_people.all()), width=14),
    Column(_("Visited by role"), lambda v, x: x.label("role", v.visitor_role), width=10),
    Column(_("Visitor"), lambda v, x: v.visitor.display_name if v.visitor else "", width=10),
    Column(_("Method"), lambda v, x: x.label("method", v.method), width=10),
    Column(
        _("On site because"),
        lambda v, x: join_list(x.on_site.get(code, code) for code in v.on_site_reasons or []),
        width=14,
    ),
    Column(_("Due at"), lambda v, x: v.due_at, width=16, kind=Kind.DATETIME),
    Column(_("Attempts"), lambda v, x: v.attempts, width=8, kind=Kind.NUMBER),
    Column(
        _("Last attempt at"),
        lambda v, x: a.at if (a := _last_attempt(v)) else None,
        width=16,
        kind=Kind.DATETIME,
    ),
    Column(_("Outcome"), _outcome, width=10),
    Column(_("Answered at"), lambda v, x: v.answered_at, width=16, kind=Kind.DATETIME),
]

TAIL_COLUMNS = [
    Column(_("Satisfied"), lambda v, x: v.satisfied, width=8),
    Column(_("Problem solved"), lambda v, x: v.solved, width=8),
    Column(_("Charged"), lambda v, x: v.charged, width=8),
    Column(_("Score"), lambda v, x: v.score, width=6, kind=Kind.NUMBER),
    Column(_("Charge flagged"), lambda v, x: v.charge_flagged, width=8),
    # Translators: whether this visit's answer is the one that counts (the latest of its subject).
    Column(_("Counts in the figures"), lambda v, x: v.counts if v.answered_at else None, width=8),
    Column(_("Consequence"), lambda v, x: x.label("consequence", v.consequence), width=10),
    Column(_("Note"), lambda v, x: v.note, width=24),
    Column(_("Ended at"), lambda v, x: v.ended_at, width=16, kind=Kind.DATETIME),
]


def _answer_column(question: Any) -> Column:
    def value(visit: Visit, x: Context) -> Any:
        answer = (visit.answers or {}).get(question.code)
        if answer is None or answer == "":
            return None
        if question.kind == "score" and isinstance(answer, int) and not isinstance(answer, bool):
            return answer
        return answer_label(question, answer)

    kind = Kind.NUMBER if question.kind == "score" else Kind.TEXT
    return Column(question_label(question), value, width=24 if question.kind == "text" else 12, kind=kind)


def question_columns(user: Any) -> list[Column]:
    """One column per question of the requester's organisation's questionnaire, then the rest."""
    from fuwu.policy.selectors import active_policy

    organisation = getattr(user, "organisation", None)
    questions = active_policy(organisation).visits.questionnaire if organisation is not None else []
    return [*(_answer_column(q) for q in questions), *TAIL_COLUMNS]


def filters(user: Any, parameters: Parameters) -> list[tuple[Any, Any]]:
    from fuwu.lib.display import local_day

    arguments = selector_arguments(parameters)
    pairs: list[tuple[Any, Any]] = []
    if arguments["month"] is not None:
        pairs.append((_("Due in"), f"{arguments['month']:%Y-%m}"))
    if arguments["date_from"] is not None:
        pairs.append((_("Due from"), local_day(arguments["date_from"])))
    if arguments["date_to"] is not None:
        pairs.append((_("Due until"), local_day(arguments["date_to"])))
    if arguments["level"] is not None:
        pairs.append((_("Level"), arguments["level"]))
    if arguments["department_id"] is not None:
        department = visibility.departments_for_user(user).filter(pk=arguments["department_id"]).first()
        pairs.append((_("Department"), department.name if department else "—"))
    if arguments["status"] is not None:
        pairs.append((_("Status"), Status(arguments["status"]).label))
    return pairs


VISIT_REGISTER = register(
    Register(
        kind="visits",
        # Translators: 居家服务回访记录表 (seed 001 4.4).
        title=_("Return visit record sheet"),
        sheet=_("Return visits"),
        filename="visits",
        columns=LEAD_COLUMNS,
        more_columns=question_columns,
        records=records,
        context=Context,
        filters=filters,
        may_export=visibility.is_staff_member,
        from_request=page_parameters,
        list_url="visits:list",
    )
)
