"""Inspections planned from the policy's ``inspections.schedules`` (002 4.1–4.3), or by hand.

Each schedule has a frequency: its **period** is the working day, the week (Monday to Sunday), the
month or the quarter. Once a day (``tasks.plan_inspections_daily``, idempotent: one inspection per
schedule, period, department and site) the planner creates the current period's inspections, each
**due at close of business of the period's last working day** (a week whose Friday is a holiday is
due on Thursday; a make-up Saturday at the end of the week is its last working day), and gives each
to its inspector through A/B duties (an absent inspector's work goes to whoever handles it). A
period whose last working day has passed is not planned any more (the installation started late):
nothing is born overdue.

Who is inspected, by scope: ``department`` — the departments the schedule names, else every active
department with staff, except those of the inspector role's people and of the directors (the
quality department does not inspect itself, nor the management), the role's people taking them in turn; ``own_department`` —
every department with a head of its own, inspected by that head; ``own_area`` — every duty of the
schedule's name (an area's administrator, with A and B), its handler inspecting what it covers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.clocks import services as clocks
from fuwu.lib.errors import FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import optional_text
from fuwu.lib.worktime import WorkCalendar
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.numbering.services import next_number, numbering_for
from fuwu.org.models import Department, Duty, Organisation, Role, User
from fuwu.org.selectors import duty_handlers, person_handler
from fuwu.policy.schema import InspectionSchedule, PolicyDocument
from fuwu.reports.periods import add_months
from fuwu.suppliers.models import Supplier
from fuwu.workcal.selectors import policy_and_calendar_for

from ..models import SITE_LENGTH, ChecklistTemplate, ClockKind, Inspection, Purpose, TemplateVersion
from ..permissions import may_plan, may_plan_for
from .context import department_ref, event, user_ref

log = logging.getLogger(__name__)


def period_of(frequency: str, day: date) -> tuple[date, date]:
    """The period of a schedule's frequency that ``day`` falls in (first and last day)."""
    if frequency == "daily":
        return day, day
    if frequency == "weekly":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if frequency == "monthly":
        start = day.replace(day=1)
        return start, add_months(start, 1) - timedelta(days=1)
    start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return start, add_months(start, 3) - timedelta(days=1)


def due_of(calendar: WorkCalendar, start: date, end: date) -> datetime | None:
    """Close of business of the period's last working day; None for a period without one."""
    last = calendar.working_day_on_or_before(end)
    if last < start or not calendar.is_working_day(last).is_working:
        return None
    return calendar.close_of_business(last)


@dataclass(frozen=True)
class Target:
    """One inspection to plan: whom, where, by whom and why that person (a supplier's, a shift's
    round: which; a round is due when its shift ends)."""

    department: Department
    site: str
    inspector: User
    because: str
    supplier: Any = None
    shift: Any = None


# The kind of checklist a scope plans with when its schedule names none.
SCOPE_PURPOSE = {"shift": Purpose.ROUND}


def _template_for(organisation: Organisation, code: str | None, scope: str) -> TemplateVersion | None:
    templates = ChecklistTemplate.objects.filter(organisation=organisation, is_active=True)
    if not code:
        templates = templates.filter(purpose=SCOPE_PURPOSE.get(scope, Purpose.INSPECTION))
    template = templates.filter(code=code).first() if code else templates.order_by("pk").first()
    if template is None:
        return None
    return template.versions.order_by("-number").first()


def _people_of_role(organisation: Organisation, role: str) -> list[User]:
    return list(
        User.objects.filter(organisation=organisation, is_active=True)
        .filter(User.role_q(role))
        .select_related("department")
        .order_by("pk")
    )


def _supplier_targets(organisation: Organisation, at: datetime) -> list[Target]:
    from fuwu.org.selectors import heads_of
    from fuwu.suppliers.models import Supplier

    found = []
    suppliers = Supplier.objects.filter(organisation=organisation, is_active=True, department__is_active=True)
    for supplier in suppliers.select_related("department").order_by("name", "pk"):
        heads = heads_of(supplier.department)
        if not heads:
            continue
        handler = person_handler(heads[0], at)
        found.append(
            Target(
                supplier.department,
                supplier.name[:SITE_LENGTH],
                handler.person,
                handler.explanation(),
                supplier=supplier,
            )
        )
    return found


def _shift_targets(
    organisation: Organisation, post: str, start: date, end: date, calendar: WorkCalendar
) -> list[Target]:
    from fuwu.duty.models import Shift

    zone = calendar.tz
    shifts = (
        Shift.objects.on_roster()
        .filter(
            organisation=organisation,
            post=post,
            starts_at__gte=datetime.combine(start, datetime.min.time(), tzinfo=zone),
            # until the end of the next day: a night shift starting before the next morning's planner has its round
            starts_at__lt=datetime.combine(end + timedelta(days=2), datetime.min.time(), tzinfo=zone),
        )
        .select_related("department", "person")
    )
    return [
        Target(shift.department, shift.post, shift.person, "", shift=shift)
        for shift in shifts.order_by("starts_at", "pk")
    ]


def targets(
    organisation: Organisation,
    schedule: InspectionSchedule,
    at: datetime,
    *,
    period: tuple[date, date] | None = None,
    calendar: WorkCalendar | None = None,
) -> list[Target]:
    """Who is inspected under ``schedule`` and by whom, at ``at`` (A/B-aware); a shift schedule's
    rounds are the shifts of its post that start in ``period`` or on the day after it (the next
    morning's planner runs after a night shift has begun)."""
    if schedule.scope == "supplier":
        return _supplier_targets(organisation, at)
    if schedule.scope == "shift":
        assert period is not None
        assert calendar is not None
        assert schedule.duty is not None
        return _shift_targets(organisation, schedule.duty, period[0], period[1], calendar)
    departments = list(Department.objects.filter(organisation=organisation, is_active=True).order_by("path"))
    if schedule.scope == "own_area":
        duties = list(
            Duty.objects.filter(organisation=organisation, name=schedule.duty, department__is_active=True)
            .select_related("primary", "backup", "department")
            .order_by("department__path", "pk")
        )
        handlers = duty_handlers(duties, at)
        return [
            Target(
                department=duty.department,
                site=(duty.description or f"{duty.department.name} · {duty.name}")[:SITE_LENGTH],
                inspector=handlers[duty.pk].person,
                because=handlers[duty.pk].explanation(),
            )
            for duty in duties
        ]
    found: list[Target] = []
    if schedule.scope == "own_department":
        heads = _people_of_role(organisation, Role.DEPARTMENT_HEAD)
        for department in departments:
            own = [head for head in heads if head.department_id == department.pk]
            if own:
                handler = person_handler(own[0], at)
                found.append(Target(department, "", handler.person, handler.explanation()))
        return found
    inspectors = _people_of_role(organisation, schedule.inspector_role)
    if not inspectors:
        return []
    if schedule.departments is not None:
        wanted = set(schedule.departments)
        inspected = [d for d in departments if d.code in wanted]
    else:
        staffed = set(
            User.objects.filter(organisation=organisation, is_active=True).values_list(
                "department_id", flat=True
            )
        )
        excluded = {p.department_id for p in inspectors} | {
            p.department_id for p in _people_of_role(organisation, Role.DIRECTOR)
        }
        inspected = [d for d in departments if d.pk in staffed and d.pk not in excluded]
    for index, department in enumerate(inspected):
        handler = person_handler(inspectors[index % len(inspectors)], at)
        found.append(Target(department, "", handler.person, handler.explanation()))
    return found


def _create(
    *,
    organisation: Organisation,
    version_id: int | None,
    template_version: TemplateVersion,
    target: Target,
    due_at: datetime,
    policy: PolicyDocument,
    calendar: WorkCalendar,
    now: datetime,
    by: User | None,
    schedule: str = "",
    period: tuple[date, date] | None = None,
) -> Inspection:
    inspection = Inspection.objects.create(
        organisation=organisation,
        number=next_number(
            organisation_id=organisation.pk,
            kind="inspection",
            numbering=numbering_for(organisation, policy.numbering, "inspection"),
            on=timezone.localtime(now).date(),
        ),
        policy_version_id=version_id,
        template_version=template_version,
        schedule=schedule,
        period_start=period[0] if period else None,
        period_end=period[1] if period else None,
        department=target.department,
        site=target.site,
        supplier=target.supplier,
        shift=target.shift,
        inspector=target.inspector,
        assigned_because=target.because[:300],
        due_at=due_at,
        created_by=by,
        created_at=now,
    )
    (clock,) = clocks.start(
        inspection,
        [clocks.Planned.fixed(ClockKind.INSPECTION, start=now, due_at=due_at)],
        policy=policy,
        calendar=calendar,
        at=now,
    )
    changes: dict[str, Any] = {
        "checklist": {"after": f"{template_version.template.name} v{template_version.number}"},
        "department": {"after": department_ref(target.department)},
        "inspector": {"after": user_ref(target.inspector)},
        "clock.inspection": {"after": clock.due_at},
    }
    if target.site:
        changes["site"] = {"after": target.site}
    if schedule:
        changes["schedule"] = {"after": schedule}
    event(inspection, by, now, "inspection.planned", changes, target.because, first=True)
    notify(
        [target.inspector],
        kind=NotificationKind.ASSIGNED,
        subject=inspection,
        title=_("%(number)s: inspect %(department)s by %(due)s")
        % {
            "number": inspection.number,
            "department": target.department.name,
            "due": f"{timezone.localtime(due_at):%Y-%m-%d}",
        },
    )
    return inspection


def plan_period(organisation: Organisation, now: datetime | None = None) -> int:
    """Create the current period's inspections of every schedule that are not there yet. Returns
    how many were created. Each is its own transaction: a failure leaves the others planned."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    version_id, policy, calendar = policy_and_calendar_for(organisation)
    created = 0
    for schedule in policy.inspections.schedules:
        start, end = period_of(schedule.frequency, today)
        due_at = due_of(calendar, start, end)
        if schedule.scope != "shift" and (due_at is None or due_at < now):
            continue
        template_version = _template_for(organisation, schedule.template, schedule.scope)
        if template_version is None:
            log.warning(
                "no checklist %r for schedule %r of %s", schedule.template, schedule.name, organisation.pk
            )
            continue
        existing = Inspection.objects.filter(
            organisation=organisation, schedule=schedule.name, period_start=start
        )
        seen = {
            (department_id, site, supplier_id, shift_id)
            for department_id, site, supplier_id, shift_id in existing.values_list(
                "department_id", "site", "supplier_id", "shift_id"
            )
        }
        found = targets(organisation, schedule, now, period=(start, end), calendar=calendar)
        shifts_seen = set(
            Inspection.objects.filter(
                schedule=schedule.name, shift__in=[t.shift.pk for t in found if t.shift is not None]
            ).values_list("shift_id", flat=True)
        )
        for target in found:
            if target.shift is not None:
                # a round: once per shift, due when the shift ends; a shift already over is not planned
                if target.shift.pk in shifts_seen or target.shift.ends_at <= now:
                    continue
                target_due = target.shift.ends_at
                shift_day = timezone.localtime(target.shift.starts_at, calendar.tz).date()
                target_period = (shift_day, shift_day)
            else:
                key = (target.department.pk, target.site, getattr(target.supplier, "pk", None), None)
                if key in seen:
                    continue
                assert due_at is not None
                target_due = due_at
                target_period = (start, end)
            try:
                with transaction.atomic():
                    _create(
                        organisation=organisation,
                        version_id=version_id,
                        template_version=template_version,
                        target=target,
                        due_at=target_due,
                        policy=policy,
                        calendar=calendar,
                        now=now,
                        by=None,
                        schedule=schedule.name,
                        period=target_period,
                    )
                created += 1
            except IntegrityError:  # another worker planned it meanwhile
                continue
    return created


@transaction.atomic
def inspection_create(
    *,
    organisation: Organisation,
    by: User,
    template: ChecklistTemplate | None,
    department: Department | None,
    inspector: User | None,
    due_on: date | None,
    site: str = "",
    now: datetime | None = None,
    supplier: Supplier | None = None,
) -> Inspection:
    """An inspection by hand (an unannounced check, a supplier's site): due at close of business
    of ``due_on`` (the next working day when it is a rest day). ``supplier``: an active supplier of
    the organisation whose work is inspected or evaluated; the department defaults to the one
    that manages it, the site to its name."""
    if not may_plan(by) or by.organisation_id != organisation.pk:
        raise PermissionDeniedError(_("Your role does not allow planning inspections."))
    now = now or timezone.now()
    errors = FieldErrors()
    site = optional_text(site, "site", errors, SITE_LENGTH)
    if supplier is not None:
        if supplier.organisation_id != organisation.pk or not supplier.is_active:
            errors.add("supplier_id", _("no such supplier"))
        else:
            department = department or supplier.department
            site = site or supplier.name[:SITE_LENGTH]
    if template is None or template.organisation_id != organisation.pk or not template.is_active:
        errors.add("template_id", _("no such checklist in use"))
    if department is None or department.organisation_id != organisation.pk or not department.is_active:
        errors.add("department_id", _("no such department"))
    elif not may_plan_for(by, department):
        errors.add("department_id", _("you may plan inspections of your own department only"))
    if inspector is None or inspector.organisation_id != organisation.pk or not inspector.is_active:
        errors.add("inspector_id", _("no such member of staff"))
    if due_on is None:
        errors.add("due_on", _("is required"))
    errors.raise_if_any()
    assert template is not None
    assert department is not None
    assert inspector is not None
    assert due_on is not None
    version_id, policy, calendar = policy_and_calendar_for(organisation)
    due_at = calendar.close_of_business(calendar.working_day_on_or_after(due_on))
    if due_at <= now:
        raise ValidationFailed.field("due_on", _("must be today or later"))
    version = template.versions.order_by("-number").first()
    if version is None:
        raise ValidationFailed.field("template_id", _("no such checklist in use"))
    return _create(
        organisation=organisation,
        version_id=version_id,
        template_version=version,
        target=Target(department, site, inspector, "", supplier=supplier),
        due_at=due_at,
        policy=policy,
        calendar=calendar,
        now=now,
        by=by,
    )
