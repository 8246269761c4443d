"""Planned visits (003 一级回访), which no finished work asks for:

- **the first visit** (首次回访) "订单生效后的第二日": due ``first_visit_after`` after a service
  agreement starts, made by the level-1 role;
- **maintenance reminders** (技术回访 结合产品使用保养要求 提醒客户进行保养): a customer's product
  whose maintenance falls due — every ``maintenance_every_months`` from its sale date, or each time
  its running hours pass a multiple of ``maintenance_every_hours`` — is reminded within
  ``maintenance_notice`` before the date (at once, for running hours);
- **holiday greetings** (节日回访 送上节日祝福): before each of ``greet_holidays`` (the working-day
  calendar's names), the customers with a current agreement (or all) are greeted, due by the last
  working day before the holiday, planned ``greeting_lead`` before it;
- **campaigns** (问卷回访): a questionnaire of their own to a chosen set of customers
  (``campaign_create``).

The daily task (``tasks.plan_visits_daily``) runs the first three for every organisation: each is
idempotent (a visit records what it is for in ``occasion``; the database keeps one visit per
customer, reason and occasion), so a task run twice, or late, plans nothing twice. A planned visit
is about the customer: it rates nobody, asks the policy's ``planned.questionnaire`` (a campaign:
its own questions), and its answers lead to no re-handling — the needs it collects go to the
quarterly report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.clocks import deadlines
from fuwu.lib.errors import FieldErrors, PermissionDeniedError
from fuwu.lib.worktime import WorkCalendar
from fuwu.org.models import Organisation, Role, User
from fuwu.policy.schema import PolicyDocument, Question, questionnaire_problems
from fuwu.policy.selectors import active_policy
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from ..models import Method, Reason, Visit, VisitCampaign
from .scheduling import LEVEL_ONE, _create, choose_visitor, first_attempt_at, zone

# An agreement entered late still gets its first visit if it started within this many days.
FIRST_VISIT_WINDOW_DAYS = 30
# The largest campaign: its visits are created in one transaction.
CAMPAIGN_MAX_CUSTOMERS = 5000
# How far ahead the calendar is read for the next greeted holiday.
HOLIDAY_LOOKAHEAD_DAYS = 45


@dataclass(frozen=True)
class Planned:
    first_visits: int = 0
    maintenance: int = 0
    greetings: int = 0


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


def _ahead(policy: PolicyDocument, calendar: WorkCalendar, due_at: datetime, now: datetime) -> datetime:
    """A due moment that has passed already (an agreement entered late, a reminder planned after
    the day's close) becomes ``first_visit_after`` from now: a visit is never born overdue."""
    if due_at > now:
        return due_at
    after = policy.visits.first_visit_after
    return deadlines.due(calendar, now, after.amount, after.unit).due


def _phone_of(customer: Any) -> str:
    phones = sorted(customer.phones.all(), key=lambda p: (not p.is_primary, p.pk))
    return phones[0].number if phones else ""


def _plan(
    *,
    customer: Any,
    policy: PolicyDocument,
    calendar: WorkCalendar,
    reason: str,
    occasion: str,
    due_at: datetime,
    now: datetime,
    method: str = Method.PHONE,
    agreement: Any = None,
    product: Any = None,
    campaign: Any = None,
    actor: User | None = None,
    note: str = "",
) -> Visit | None:
    """One planned visit of ``customer`` for ``occasion``, unless it exists (then None). Runs in
    a savepoint: a visit planned by another worker meanwhile is skipped, not an error."""
    if Visit.objects.filter(
        organisation_id=customer.organisation_id, reason=reason, customer=customer, occasion=occasion
    ).exists():
        return None
    role = policy.visits.planned.role
    try:
        with transaction.atomic():
            return _create(
                subject=customer,
                policy=policy,
                level=LEVEL_ONE,
                reason=reason,
                role=role,
                visitor=choose_visitor(policy, customer.organisation_id, role, None, set(), now),
                rated=set(),
                due_at=due_at,
                next_attempt_at=first_attempt_at(policy, calendar, now, due_at),
                now=now,
                department=customer.department,
                contact_name=customer.name,
                contact_phone=_phone_of(customer),
                method=method,
                agreement=agreement,
                product=product,
                campaign=campaign,
                occasion=occasion,
                actor=actor,
                sample_note=note,
            )
    except IntegrityError:
        return None


# --- first visits -------------------------------------------------------------------------------


def plan_first_visits(organisation: Organisation, now: datetime) -> int:
    """003 首次回访: each agreement that has started (within the window) gets its first visit."""
    from fuwu.customers.models import ServiceAgreement

    policy = active_policy(organisation)
    planned = policy.visits.planned
    if not planned.first_visit:
        return 0
    calendar = work_calendar_for(organisation)
    today = timezone.localdate(now)
    visited = Visit.objects.filter(agreement=OuterRef("pk"), reason=Reason.AGREEMENT_STARTED)
    agreements = (
        ServiceAgreement.objects.filter(
            customer__organisation=organisation,
            starts_on__gte=today - timedelta(days=FIRST_VISIT_WINDOW_DAYS),
            starts_on__lte=today,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .exclude(Exists(visited))
        .select_related("customer", "customer__organisation", "customer__department")
        .prefetch_related("customer__phones")
        .order_by("starts_on", "id")
    )
    after = policy.visits.first_visit_after
    count = 0
    for agreement in agreements:
        due_at = deadlines.due(calendar, _start_of(agreement.starts_on), after.amount, after.unit).due
        made = _plan(
            customer=agreement.customer,
            policy=policy,
            calendar=calendar,
            reason=Reason.AGREEMENT_STARTED,
            occasion=f"agreement:{agreement.pk}",
            due_at=_ahead(policy, calendar, due_at, now),
            now=now,
            agreement=agreement,
        )
        count += made is not None
    return count


# --- maintenance reminders ----------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    target_year, target_month = day.year + year, month + 1
    for last in (31, 30, 29, 28):
        try:
            return date(target_year, target_month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def next_maintenance_on(sale_date: date, every_months: int, today: date) -> date:
    """The first maintenance date on or after ``today``: ``every_months`` after the sale, and
    every ``every_months`` after that (a 31st in a shorter month: its last day)."""
    months = every_months
    while (day := _add_months(sale_date, months)) < today:
        months += every_months
    return day


def plan_maintenance(organisation: Organisation, now: datetime) -> int:
    """003 技术回访: reminders of the products whose maintenance is near (by date) or whose running
    hours have passed another multiple of the policy's hours."""
    from fuwu.customers.models import Product

    policy = active_policy(organisation)
    planned = policy.visits.planned
    if not planned.maintenance_every_months and not planned.maintenance_every_hours:
        return 0
    calendar = work_calendar_for(organisation)
    today = timezone.localdate(now)
    due = Q(pk__in=[])
    if planned.maintenance_every_months:
        due |= Q(sale_date__isnull=False)
    if planned.maintenance_every_hours:
        due |= Q(running_hours__gte=planned.maintenance_every_hours)
    products = (
        Product.objects.filter(due, customer__organisation=organisation)
        .select_related("customer", "customer__organisation", "customer__department")
        .prefetch_related("customer__phones")
    )
    notice = planned.maintenance_notice
    count = 0
    for product in products.order_by("id").iterator(chunk_size=500):
        occasions: list[tuple[str, datetime]] = []
        if planned.maintenance_every_months and product.sale_date:
            day = next_maintenance_on(product.sale_date, planned.maintenance_every_months, today)
            due_at = calendar.close_of_business(calendar.working_day_on_or_before(day))
            reminder_from = _reminder_from(calendar, due_at, notice)
            if reminder_from <= now:
                occasions.append((f"{product.pk}:{day.isoformat()}", _ahead(policy, calendar, due_at, now)))
        every = planned.maintenance_every_hours
        if every and product.running_hours and product.running_hours >= every:
            passed = product.running_hours // every * every
            after = policy.visits.first_visit_after
            occasions.append(
                (f"{product.pk}:h{passed}", deadlines.due(calendar, now, after.amount, after.unit).due)
            )
        for occasion, due_at in occasions:
            made = _plan(
                customer=product.customer,
                policy=policy,
                calendar=calendar,
                reason=Reason.MAINTENANCE,
                occasion=occasion,
                due_at=due_at,
                now=now,
                product=product,
            )
            count += made is not None
    return count


def _reminder_from(calendar: WorkCalendar, due_at: datetime, notice: Any) -> datetime:
    """When a visit due at ``due_at`` is planned: the start of the day ``notice`` working days
    before (for a duration in hours or minutes: that long before, by the clock)."""
    if notice.unit == "working_days":
        day = timezone.localtime(due_at).date()
        for _step in range(notice.amount):
            day = calendar.working_day_on_or_before(day - timedelta(days=1))
        return _start_of(day)
    minutes = notice.amount * (1 if notice.unit.endswith("minutes") else 60)
    return due_at - timedelta(minutes=minutes)


# --- holiday greetings --------------------------------------------------------------------------


def next_greeted_holiday(
    calendar: WorkCalendar, greeted: Iterable[str], today: date
) -> tuple[str, date] | None:
    """The first day of the next holiday among ``greeted`` (by the calendar's names) that begins
    after ``today`` within the look-ahead, with its name (a holiday under way is not "next")."""
    from fuwu.workcal.selectors import holiday_names

    wanted = set(greeted)
    before = holiday_names(calendar, today)
    for offset in range(1, HOLIDAY_LOOKAHEAD_DAYS + 1):
        day = today + timedelta(days=offset)
        names = holiday_names(calendar, day)
        for name in names:
            if name in wanted and name not in before:
                return name, day
        before = names
    return None


def plan_greetings(organisation: Organisation, now: datetime) -> int:
    """003 节日回访: the customers greeted before the next greeted holiday, due by the close of the
    last working day before it, planned ``greeting_lead`` working days before that."""
    from fuwu.customers.models import Customer

    policy = active_policy(organisation)
    planned = policy.visits.planned
    if not planned.greet_holidays:
        return 0
    today = timezone.localdate(now)
    calendar = work_calendar_for(organisation)
    found = next_greeted_holiday(calendar, planned.greet_holidays, today)
    if found is None:
        return 0
    name, first_day = found
    last_working = calendar.working_day_on_or_before(first_day - timedelta(days=1))
    due_at = calendar.close_of_business(last_working)
    if _reminder_from(calendar, due_at, planned.greeting_lead) > now or due_at <= now:
        return 0
    customers: QuerySet[Customer] = Customer.objects.filter(organisation=organisation)
    if planned.greet_customers == "agreement":
        customers = customers.filter(
            Q(agreements__ends_on__isnull=True) | Q(agreements__ends_on__gte=first_day),
            agreements__starts_on__lte=first_day,
        ).distinct()
    customers = customers.select_related("organisation", "department").prefetch_related("phones")
    occasion = f"{name}:{first_day.isoformat()}"
    count = 0
    for customer in customers.order_by("id").iterator(chunk_size=500):
        made = _plan(
            customer=customer,
            policy=policy,
            calendar=calendar,
            reason=Reason.HOLIDAY_GREETING,
            occasion=occasion,
            due_at=due_at,
            now=now,
            method=planned.greeting_method,
            note=name,
        )
        count += made is not None
    return count


def plan_day(organisation: Organisation, now: datetime | None = None) -> Planned:
    """The day's planned visits of one organisation (the daily task)."""
    now = now or timezone.now()
    return Planned(
        first_visits=plan_first_visits(organisation, now),
        maintenance=plan_maintenance(organisation, now),
        greetings=plan_greetings(organisation, now),
    )


# --- campaigns ----------------------------------------------------------------------------------

CAMPAIGN_ROLES = (Role.DIRECTOR, Role.QUALITY_INSPECTOR, Role.DEPARTMENT_HEAD, Role.ADMINISTRATOR)


def may_run_campaigns(user: Any) -> bool:
    from fuwu import visibility

    return visibility.is_staff_member(user) and user.has_role(*CAMPAIGN_ROLES)


def campaign_customers(
    user: User,
    *,
    department_id: int | None = None,
    with_agreement: bool = False,
    served_from: date | None = None,
    served_to: date | None = None,
) -> QuerySet[Any]:
    """The customers a campaign reaches, among those ``user`` sees: of a department (and below),
    with a current agreement, served (a work order finished) between two days."""
    from fuwu import visibility
    from fuwu.workorders.models import WorkOrder

    customers = visibility.customers_for_user(user)
    if department_id is not None:
        from fuwu.org.models import Department

        department = Department.objects.filter(pk=department_id).first()
        if department is not None:
            customers = customers.filter(department__path__startswith=department.path)
    if with_agreement:
        today = timezone.localdate()
        customers = customers.filter(
            Q(agreements__ends_on__isnull=True) | Q(agreements__ends_on__gte=today),
            agreements__starts_on__lte=today,
        )
    if served_from is not None or served_to is not None:
        orders = WorkOrder.objects.filter(customer=OuterRef("pk"), done_at__isnull=False)
        if served_from is not None:
            orders = orders.filter(done_at__gte=_start_of(served_from))
        if served_to is not None:
            orders = orders.filter(done_at__lt=_start_of(served_to + timedelta(days=1)))
        customers = customers.filter(Exists(orders))
    return customers.distinct()


def field_name(path: tuple[Any, ...]) -> str:
    """``("questions", 0, "choices")`` → ``questions[0].choices``, as the API names fields."""
    name = ""
    for part in path:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


@transaction.atomic
def campaign_create(
    *,
    by: User,
    name: str,
    questions: list[dict[str, Any]] | None,
    method: str,
    due_at: datetime,
    department_id: int | None = None,
    with_agreement: bool = False,
    served_from: date | None = None,
    served_to: date | None = None,
    now: datetime | None = None,
) -> VisitCampaign:
    """003 问卷回访: a questionnaire (``questions``, the policy's question format; none: the planned
    visits' questionnaire) to every customer the filters choose, each a visit due at ``due_at``.
    One transaction: the campaign, its visits and one timeline event each."""
    now = now or timezone.now()
    if not may_run_campaigns(by):
        raise PermissionDeniedError(_("Your role does not allow questionnaire campaigns."))
    assert by.organisation is not None
    policy = active_policy(by.organisation)
    errors = FieldErrors()
    name = (name or "").strip()
    if not name:
        errors.add("name", _("is required"))
    if due_at <= now:
        errors.add("due_at", _("must be in the future"))
    if method not in (Method.PHONE, Method.SMS, Method.WECHAT, Method.EMAIL, Method.ON_SITE):
        errors.add("method", _("is not a method of a visit"))
    parsed: list[Question] = list(policy.visits.planned.questionnaire)
    if questions is not None:
        try:
            parsed = [Question.model_validate(q) for q in questions]
        except ValueError as exc:  # pydantic's ValidationError
            errors.add("questions", _("is not a questionnaire: %(error)s") % {"error": str(exc)[:200]})
            parsed = []
        if not parsed and not errors.fields.get("questions"):
            errors.add("questions", _("needs at least one question"))
        for path, problem, _value in questionnaire_problems(parsed, ("questions",)):
            errors.add(field_name(path), problem)
    if served_from and served_to and served_to < served_from:
        errors.add("served_to", _("must not be before served_from"))
    errors.raise_if_any()
    customers = list(
        campaign_customers(
            by,
            department_id=department_id,
            with_agreement=with_agreement,
            served_from=served_from,
            served_to=served_to,
        )
        .select_related("organisation", "department")
        .prefetch_related("phones")
        .order_by("id")[: CAMPAIGN_MAX_CUSTOMERS + 1]
    )
    if not customers:
        errors.add("customers", _("no customer matches"))
    elif len(customers) > CAMPAIGN_MAX_CUSTOMERS:
        errors.add(
            "customers",
            _("more than %(n)s customers match: narrow the choice") % {"n": CAMPAIGN_MAX_CUSTOMERS},
        )
    errors.raise_if_any()
    campaign = VisitCampaign.objects.create(
        organisation=by.organisation,
        name=name[:100],
        questionnaire=[q.model_dump(mode="json") for q in parsed],
        method=method,
        due_at=due_at,
        department_id=department_id,
        with_agreement=with_agreement,
        served_from=served_from,
        served_to=served_to,
        size=len(customers),
        created_by=by,
        created_at=now,
    )
    calendar = work_calendar_for(by.organisation)
    for customer in customers:
        _plan(
            customer=customer,
            policy=policy,
            calendar=calendar,
            reason=Reason.CAMPAIGN,
            occasion=f"campaign:{campaign.pk}",
            due_at=due_at,
            now=now,
            method=method,
            campaign=campaign,
            actor=by,
            note=name,
        )
    record_event(
        subject=campaign,
        action="visit_campaign.created",
        actor=by,
        changes={"name": {"after": name}, "size": {"after": len(customers)}},
        at=now,
        organisation=by.organisation,
        first=True,
    )
    return campaign


__all__ = [
    "CAMPAIGN_MAX_CUSTOMERS",
    "Planned",
    "campaign_create",
    "campaign_customers",
    "may_run_campaigns",
    "next_greeted_holiday",
    "next_maintenance_on",
    "plan_day",
    "plan_first_visits",
    "plan_greetings",
    "plan_maintenance",
]
