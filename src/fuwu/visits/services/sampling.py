"""The month's samples of level-2 and level-3 visits (003: 二级 ≥ 10 %, 三级 ≥ 5 %; 001 4.3: by the
month's households): drawn once per month, random but reproducible from the stored seed, and
auditable — each sample keeps its population, the rule applied and, for every sampled visit, why
it is in the sample.

Population of a month: the work orders finished in it (done, confirmed, visited or closed, by the
day they were done) and the complaints replied to in it (not merged), in the organisation's time
zone. A household is a customer, or a caller's phone when there is no customer: several work
orders of one household count once, and a household drawn is visited about its latest work order
of the month. A level drawn per department draws for each handling department apart (its head
visits its own); stratified, the share applies within each technician's or service type's items,
each rounded up.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.clocks import deadlines
from fuwu.lib.errors import ConflictError
from fuwu.org.models import Organisation, Role, User
from fuwu.org.selectors import heads_of
from fuwu.policy.schema import PolicyDocument, VisitLevel
from fuwu.policy.selectors import active_policy
from fuwu.workcal.selectors import work_calendar_for

from ..models import Reason, Selection, VisitSample
from ..rules import band_for, draw, sample_size
from .scheduling import _create, _least_busy, complaint_rated, first_attempt_at, work_order_rated

ALL = "all"


@dataclass(frozen=True)
class Item:
    """One work order or complaint of the month's population."""

    key: str  # "w123" / "c45": stable, sortable within a stratum by id
    subject: Any
    department_id: int | None
    household: str
    technician: int | None
    service_type: int | None
    at: datetime
    technician_name: str = ""
    service_type_name: str = ""


@dataclass
class Stratum:
    name: str
    population: list[str]
    size: int
    chosen: list[str] = field(default_factory=list)
    label: str = ""  # as people read it: "technician 维修工老赵"; "" for the whole population
    # For a draw of households: the item each chosen household is visited about.
    item_of: dict[str, str] = field(default_factory=dict)


def percent(ratio: float) -> str:
    """0.1 → "10%", 0.05 → "5%", 0.125 → "12.5%"."""
    return f"{(Decimal(str(ratio)) * 100).normalize():f}%"


def last_month(day: date) -> date:
    """The first day of the month before ``day``'s (the month whose samples are drawn next)."""
    first = day.replace(day=1)
    return (
        first.replace(year=first.year - 1, month=12)
        if first.month == 1
        else first.replace(month=first.month - 1)
    )


def month_bounds(month: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    end = datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=zone)
    return start, end


def population(organisation: Organisation, month: date) -> list[Item]:
    """The month's finished work orders and replied complaints, in id order (two queries)."""
    from fuwu.complaints.models import Complaint
    from fuwu.complaints.models import Status as ComplaintStatus
    from fuwu.workorders.models import Status as WorkOrderStatus
    from fuwu.workorders.models import WorkOrder

    start, end = month_bounds(month)
    finished = (
        WorkOrderStatus.DONE,
        WorkOrderStatus.CONFIRMED,
        WorkOrderStatus.VISITED,
        WorkOrderStatus.CLOSED,
    )
    work_orders = (
        WorkOrder.objects.filter(
            organisation=organisation, done_at__gte=start, done_at__lt=end, status__in=finished
        )
        .select_related(
            "organisation",
            "policy_version",
            "department",
            "intake_department",
            "first_contact_owner",
            "assignee",
            "service_type",
        )
        .prefetch_related("team")
        .order_by("id")
    )
    complaints = (
        Complaint.objects.filter(organisation=organisation, replied_at__gte=start, replied_at__lt=end)
        .exclude(status=ComplaintStatus.MERGED)
        .select_related(
            "organisation", "policy_version", "department", "intake_department", "customer", "service_type"
        )
        .prefetch_related("responsible_people")
        .order_by("id")
    )
    items = [
        Item(
            key=f"w{wo.pk}",
            subject=wo,
            department_id=wo.department_id or wo.intake_department_id,
            household=f"customer:{wo.customer_id}" if wo.customer_id else f"phone:{wo.caller_phone}",
            technician=wo.assignee_id,
            service_type=wo.service_type_id,
            at=wo.done_at or start,
            technician_name=wo.assignee.display_name if wo.assignee_id and wo.assignee else "",
            service_type_name=wo.service_type.name if wo.service_type_id and wo.service_type else "",
        )
        for wo in work_orders
    ]
    items += [
        Item(
            key=f"c{c.pk}",
            subject=c,
            department_id=c.department_id or c.intake_department_id,
            household=f"customer:{c.customer_id}" if c.customer_id else f"phone:{c.caller_phone}",
            technician=None,
            service_type=c.service_type_id,
            at=c.replied_at or start,
            service_type_name=c.service_type.name if c.service_type_id and c.service_type else "",
        )
        for c in complaints
    ]
    return items


def _stratum_of(level: VisitLevel, item: Item) -> str:
    if level.stratify_by == "technician":
        return f"technician:{item.technician}" if item.technician else "technician:none"
    if level.stratify_by == "service_type":
        return f"service_type:{item.service_type}" if item.service_type else "service_type:none"
    return ALL


def _stratum_label(level: VisitLevel, item: Item) -> str:
    """A stratum as people read it (its ``name`` stays the code the draw is seeded with)."""
    if level.stratify_by == "technician":
        if not item.technician:
            return _("no technician")
        return _("technician %(name)s") % {"name": item.technician_name}
    if level.stratify_by == "service_type":
        if not item.service_type:
            return _("no service type")
        return _("service type %(name)s") % {"name": item.service_type_name}
    return ""


def _strata(
    level: VisitLevel, items: list[Item], policy: PolicyDocument, seed: str, prefix: str
) -> tuple[list[Stratum], dict[str, str], dict[str, Any]]:
    """The strata of one sample with their draws; why each chosen item is in it; the rule's figures."""
    selection = level.selection
    reasons: dict[str, str] = {}
    figures: dict[str, Any] = {"population": len(items), "households": None, "ratio": None}
    strata: list[Stratum] = []
    if selection == Selection.VOLUME:
        latest: dict[str, Item] = {}
        for item in items:
            if item.key.startswith("w") and (
                item.household not in latest or item.at >= latest[item.household].at
            ):
                latest[item.household] = item
        households = sorted(latest)
        band = band_for(policy.visits.sampling, len(households))
        size = sample_size(len(households), band.ratio)
        stratum = Stratum(f"{prefix}households", households, size)
        stratum.chosen = draw(seed, stratum.name, households, size)
        stratum.item_of = {h: latest[h].key for h in stratum.chosen}
        strata.append(stratum)
        upper = "∞" if band.max_volume is None else band.max_volume
        why = _(
            "household drawn at random: %(size)s of %(n)s households (band %(min)s–%(max)s: at least %(ratio)s)"
        ) % {
            "size": size,
            "n": len(households),
            "min": band.min_volume,
            "max": upper,
            "ratio": percent(band.ratio),
        }
        for household in stratum.chosen:
            reasons[latest[household].key] = why
        figures.update(households=len(households), ratio=band.ratio)
        return strata, reasons, figures
    grouped: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    for item in items:
        name = _stratum_of(level, item)
        grouped[name].append(item.key)
        labels.setdefault(name, _stratum_label(level, item))
    for name in sorted(grouped):
        keys = grouped[name]
        if selection == Selection.COUNT:
            size = min(level.count or 0, len(keys))
        else:
            size = sample_size(len(keys), level.ratio)
        stratum = Stratum(f"{prefix}{name}", keys, size, label=labels[name])
        stratum.chosen = draw(seed, stratum.name, keys, size)
        strata.append(stratum)
        share = (
            _("a fixed %(count)s") % {"count": level.count}
            if selection == Selection.COUNT
            else _("at least %(ratio)s") % {"ratio": percent(level.ratio)}
        )
        if stratum.label:
            why = _("drawn at random: %(size)s of %(n)s (%(stratum)s; %(share)s)") % {
                "size": size,
                "n": len(keys),
                "stratum": stratum.label,
                "share": share,
            }
        else:
            why = _("drawn at random: %(size)s of %(n)s (%(share)s)") % {
                "size": size,
                "n": len(keys),
                "share": share,
            }
        for key in stratum.chosen:
            reasons[key] = why
    figures["ratio"] = level.ratio if selection != Selection.COUNT else None
    return strata, reasons, figures


def _visitor(
    level: VisitLevel, department: Any, rated: set[int], clearance: int, now: datetime
) -> User | None:
    """A department head of the item's department for level 2 (the least busy one), a director for
    level 3; never a person rated, never one not cleared for it; none when nobody qualifies."""
    if level.role == Role.DEPARTMENT_HEAD:
        candidates = [p for p in heads_of(department) if p.pk not in rated and p.clearance >= clearance]
    else:
        candidates = []
    if not candidates and department is not None:
        organisation_id = department.organisation_id
        candidates = [
            p
            for p in User.objects.filter(organisation_id=organisation_id, is_active=True).filter(
                User.role_q(level.role)
            )
            if p.pk not in rated and p.clearance >= clearance
        ]
    return _least_busy(candidates, now)


def _is_drawn(organisation: Organisation, month: date) -> bool:
    return VisitSample.objects.filter(organisation=organisation, month=month).exists()


def sampled_levels(policy: PolicyDocument) -> list[VisitLevel]:
    return [level for level in policy.visits.levels if level.selection != Selection.EVERY]


def draw_month(
    organisation: Organisation, month: date, *, by: User | None, now: datetime | None = None
) -> list[VisitSample]:
    """Draw the month's samples of every sampled level, once: a second draw is refused (409).
    Every read happens before the write transaction; the draw's seed is new and stored."""
    now = now or timezone.now()
    month = month.replace(day=1)
    end = month_bounds(month)[1]
    if end > now:
        raise ConflictError(
            _("%(month)s is not over yet: its sample is drawn once the month has ended.")
            % {"month": month.strftime("%Y-%m")}
        )
    if _is_drawn(organisation, month):
        raise ConflictError(
            _("The sample of %(month)s has already been drawn.") % {"month": month.strftime("%Y-%m")}
        )
    policy = active_policy(organisation)
    calendar = work_calendar_for(organisation)
    items = population(organisation, month)
    seed = secrets.token_hex(16)
    due_in = policy.visits.samples_due
    due_at = deadlines.due(calendar, now, due_in.amount, due_in.unit).due
    plans: list[tuple[VisitLevel, Any, list[Item], list[Stratum], dict[str, str], dict[str, Any]]] = []
    from fuwu.org.models import Department

    departments = {d.pk: d for d in Department.objects.filter(organisation=organisation)}
    for level in sampled_levels(policy):
        groups: dict[int | None, list[Item]] = defaultdict(list)
        for item in items:
            groups[item.department_id if level.per_department else None].append(item)
        if level.per_department and not groups:
            continue
        if not level.per_department and not groups:
            groups[None] = []
        for department_id in sorted(groups, key=lambda d: (d is None, d or 0)):
            group = groups[department_id]
            prefix = f"L{level.level}:" + (f"department:{department_id}:" if department_id else "")
            strata, reasons, figures = _strata(level, group, policy, seed, prefix)
            plans.append(
                (
                    level,
                    departments.get(department_id) if department_id else None,
                    group,
                    strata,
                    reasons,
                    figures,
                )
            )
    try:
        with transaction.atomic():
            return [
                _write(organisation, month, by, now, seed, due_at, policy, calendar, *plan) for plan in plans
            ]
    except IntegrityError:
        raise ConflictError(
            _("The sample of %(month)s has already been drawn.") % {"month": month.strftime("%Y-%m")}
        ) from None


def _write(
    organisation: Organisation,
    month: date,
    by: User | None,
    now: datetime,
    seed: str,
    due_at: datetime,
    policy: PolicyDocument,
    calendar: Any,
    level: VisitLevel,
    department: Any,
    group: list[Item],
    strata: list[Stratum],
    reasons: dict[str, str],
    figures: dict[str, Any],
) -> VisitSample:
    size = sum(len(s.chosen) for s in strata)
    rule = _rule_note(level, figures, size)
    sample = VisitSample.objects.create(
        organisation=organisation,
        month=month,
        level=level.level,
        department=department,
        selection=level.selection,
        population=figures["population"],
        households=figures["households"],
        ratio=Decimal(str(figures["ratio"])) if figures["ratio"] is not None else None,
        size=size,
        rule_note=rule[:300],
        seed=seed,
        strata=[
            {
                "name": s.name,
                "label": s.label,
                "population": s.population,
                "size": s.size,
                "chosen": s.chosen,
                "items": s.item_of,
            }
            for s in strata
        ],
        drawn_by=by,
        drawn_at=now,
    )
    by_key = {item.key: item for item in group}
    first_attempt = first_attempt_at(policy, calendar, now, due_at)
    for stratum in strata:
        for chosen in stratum.chosen:
            key = stratum.item_of.get(chosen, chosen)
            item = by_key[key]
            subject = item.subject
            is_work_order = key.startswith("w")
            rated = work_order_rated(subject) if is_work_order else complaint_rated(subject)
            dept = subject.department or subject.intake_department
            contact_name = subject.caller_name
            if not contact_name and getattr(subject, "customer", None) is not None:
                contact_name = subject.customer.name
            _create(
                subject=subject,
                policy=policy,
                level=level.level,
                reason=Reason.SAMPLED,
                role=level.role,
                visitor=_visitor(level, dept, rated, subject.confidentiality, now),
                rated=rated,
                due_at=due_at,
                next_attempt_at=first_attempt,
                now=now,
                department=dept,
                contact_name=contact_name,
                contact_phone=subject.caller_phone,
                round_=subject.reopen_count if is_work_order else subject.rehandle_count,
                sample=sample,
                sample_note=reasons.get(key, ""),
                actor=by,
            )
    return sample


def _rule_note(level: VisitLevel, figures: dict[str, Any], size: int) -> str:
    n = figures["population"]
    if level.selection == Selection.VOLUME:
        return _("%(households)s households served (%(n)s items): at least %(ratio)s → %(size)s") % {
            "households": figures["households"],
            "n": n,
            "ratio": percent(figures["ratio"]),
            "size": size,
        }
    if level.selection == Selection.COUNT:
        return _("a fixed %(count)s of %(n)s items → %(size)s") % {"count": level.count, "n": n, "size": size}
    shown = {"n": n, "ratio": percent(level.ratio), "size": size}
    if level.stratify_by == "technician":
        return _("%(n)s items: at least %(ratio)s of each technician's, rounded up → %(size)s") % shown
    if level.stratify_by == "service_type":
        return _("%(n)s items: at least %(ratio)s of each service type's, rounded up → %(size)s") % shown
    return _("%(n)s items: at least %(ratio)s, rounded up → %(size)s") % shown


def redraw(sample: VisitSample) -> list[list[str]]:
    """The stored seed's draw of each stratum, re-computed from its stored population: equal to the
    stored choice unless the record was changed (the audit's check)."""
    result = []
    for stratum in sample.strata:
        chosen = draw(sample.seed, stratum["name"], stratum["population"], stratum["size"])
        result.append(chosen)
    return result
