"""Level-1 visits, created by their subject's action in its transaction: a work order done or
confirmed (the policy's ``visits.work_orders.on``), a complaint replied to. Who makes the visit,
when it is due, when the first call may be made and whether it must be made on site are decided
here from the policy."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from fuwu.clocks import deadlines
from fuwu.lib.worktime import WorkCalendar
from fuwu.org.models import User
from fuwu.policy.schema import PolicyDocument
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from ..models import Method, Reason, Status, Visit
from ..permissions import makes_visits_as
from ..rules import within_call_hours
from .context import policy_of_subject, start_clock

LEVEL_ONE = 1


def zone() -> Any:
    return timezone.get_current_timezone()


def first_attempt_at(
    policy: PolicyDocument, calendar: WorkCalendar, now: datetime, due_at: datetime
) -> datetime:
    """The visit is made the next working day (REQUIREMENTS §19: the day after completion), from
    the start of the call hours; a visit due sooner may be made at once (within the call hours)."""
    hours = policy.visits.attempts.call_hours
    next_day = calendar.add_working_days(now, 1).due.astimezone(zone()).date()
    candidate = datetime.combine(next_day, hours.start, tzinfo=zone())
    if candidate <= due_at:
        return candidate
    return min(within_call_hours(now, hours.start, hours.end, zone()), due_at)


def _least_busy(candidates: list[User], now: datetime) -> User | None:
    """The person with the fewest open visits (then the first by name)."""
    if not candidates:
        return None
    load = dict(
        Visit.objects.filter(visitor__in=candidates, status=Status.DUE)
        .values_list("visitor")
        .annotate(n=Count("id"))
        .values_list("visitor", "n")
    )
    return min(candidates, key=lambda p: (load.get(p.pk, 0), p.username))


def choose_visitor(
    policy: PolicyDocument,
    organisation_id: int,
    role: str,
    owner: User | None,
    rated: set[int],
    now: datetime,
) -> User | None:
    """Who makes a level-1 visit: the first-contact owner when they make visits of the role and
    were not rated; else (or when the policy names a team) the least busy active person of the
    role in the visit team's department; none when nobody qualifies (anyone of the role takes it)."""
    visits = policy.visits
    if (
        visits.visitor == "first_contact_owner"
        and owner is not None
        and owner.is_active
        and owner.pk not in rated
        and makes_visits_as(owner, role)
    ):
        return owner
    if visits.visit_team:
        team = [
            person
            for person in User.objects.filter(
                organisation_id=organisation_id,
                is_active=True,
                department__code=visits.visit_team,
            ).filter(User.role_q(role))
            if person.pk not in rated
        ]
        return _least_busy(team, now)
    return None


def on_site_reasons(policy: PolicyDocument, work_order: Any, rated: set[int]) -> list[str]:
    """001 4.5: a customer with a service agreement is visited on site when the agreement is new
    (no earlier finished work order since it started), when the technician has not served the
    customer before, or when the technician's previous service for the customer was complained
    about. Only the rules the policy names apply."""
    from fuwu.complaints.models import Complaint
    from fuwu.workorders.models import WorkOrder

    rules = set(policy.visits.on_site_required_for)
    customer = work_order.customer
    if not rules or customer is None or work_order.done_at is None:
        return []
    on = timezone.localtime(work_order.done_at).date()
    agreement = next((a for a in customer.agreements.all() if a.is_current(on)), None)
    if agreement is None:
        return []
    earlier = WorkOrder.objects.filter(customer=customer, done_at__isnull=False).exclude(pk=work_order.pk)
    reasons: list[str] = []
    if (
        "new_agreement_customer" in rules
        and not earlier.filter(done_at__date__gte=agreement.starts_on).exists()
    ):
        reasons.append("new_agreement_customer")
    technician = work_order.assignee_id
    if technician is not None:
        by_technician = earlier.filter(Q(assignee_id=technician) | Q(team__id=technician)).distinct()
        previous = by_technician.order_by("-done_at", "-id").first()
        if "new_technician_for_customer" in rules and previous is None:
            reasons.append("new_technician_for_customer")
        if (
            "technician_complained_last_time" in rules
            and previous is not None
            and Complaint.objects.filter(work_order=previous).exists()
        ):
            reasons.append("technician_complained_last_time")
    return reasons


def _create(
    *,
    subject: Any,
    policy: PolicyDocument,
    level: int,
    reason: str,
    role: str,
    visitor: User | None,
    rated: set[int],
    due_at: datetime,
    next_attempt_at: datetime,
    now: datetime,
    department: Any,
    contact_name: str,
    contact_phone: str,
    method: str = Method.PHONE,
    on_site: list[str] | None = None,
    round_: int = 0,
    sample: Any = None,
    sample_note: str = "",
    actor: User | None = None,
    agreement: Any = None,
    product: Any = None,
    campaign: Any = None,
    occasion: str = "",
) -> Visit:
    """A new visit about ``subject``: a work order, a complaint, or (a planned visit) a customer."""
    from fuwu.complaints.models import Complaint
    from fuwu.customers.models import Customer
    from fuwu.workorders.models import WorkOrder

    visit = Visit.objects.create(
        organisation_id=subject.organisation_id,
        level=level,
        reason=reason,
        work_order=subject if isinstance(subject, WorkOrder) else None,
        complaint=subject if isinstance(subject, Complaint) else None,
        customer_id=subject.pk if isinstance(subject, Customer) else subject.customer_id,
        agreement=agreement,
        product=product,
        campaign=campaign,
        occasion=occasion,
        contact_name=contact_name[:100],
        contact_phone=contact_phone[:30],
        department=department,
        confidentiality=subject.confidentiality,
        visitor_role=role,
        visitor=visitor,
        method=Method.ON_SITE if on_site else method,
        on_site_reasons=on_site or [],
        round=round_,
        sample=sample,
        sample_note=sample_note[:300],
        due_at=due_at,
        next_attempt_at=next_attempt_at,
        created_at=now,
    )
    if rated:
        visit.rated_people.set(sorted(rated))
    changes: dict[str, Any] = {
        "level": {"after": level},
        "reason": {"after": reason},
        "due_at": {"after": due_at.isoformat()},
    }
    if visitor is not None:
        changes["visitor"] = {"after": visitor.pk}
    if on_site:
        changes["on_site_reasons"] = {"after": on_site}
    start_clock(visit, policy, now)
    record_event(
        subject=visit,
        action="visit.scheduled",
        actor=actor,
        changes=changes,
        reason=sample_note,
        at=now,
        organisation=subject.organisation,
        first=True,
    )
    return visit


def work_order_rated(work_order: Any) -> set[int]:
    """The people a work order's visit rates: whoever did the work (assignee and team)."""
    rated = {m.pk for m in work_order.team.all()}
    if work_order.assignee_id:
        rated.add(work_order.assignee_id)
    return rated


def complaint_rated(complaint: Any) -> set[int]:
    """The people a complaint's visit rates: its handler and the people responsible."""
    rated = {p.pk for p in complaint.responsible_people.all()}
    if complaint.handler_id:
        rated.add(complaint.handler_id)
    return rated


def schedule_for_work_order(work_order: Any, step: str, now: datetime) -> Visit | None:
    """A work order was done or confirmed: its level-1 visit, if the policy visits every finished
    work order after this step and none is open yet. After a re-handling the customer is visited
    again (reason "visited again after re-handling")."""
    policy = policy_of_subject(work_order)
    level = policy.visits.level(LEVEL_ONE)
    if level is None or level.selection != "every" or policy.visits.work_orders.on != step:
        return None
    if Visit.objects.filter(work_order=work_order, status=Status.DUE, level=LEVEL_ONE).exists():
        return None
    calendar = work_calendar_for(work_order.organisation)
    after = policy.visits.work_orders.after
    due_at = deadlines.due(calendar, now, after.amount, after.unit).due
    rated = work_order_rated(work_order)
    revisit = work_order.reopen_count > 0 and Visit.objects.filter(work_order=work_order).exists()
    return _create(
        subject=work_order,
        policy=policy,
        level=LEVEL_ONE,
        reason=Reason.REHANDLED if revisit else Reason.WORK_ORDER_FINISHED,
        role=level.role,
        visitor=choose_visitor(
            policy, work_order.organisation_id, level.role, work_order.first_contact_owner, rated, now
        ),
        rated=rated,
        due_at=due_at,
        next_attempt_at=first_attempt_at(policy, calendar, now, due_at),
        now=now,
        department=work_order.department or work_order.intake_department,
        contact_name=work_order.caller_name,
        contact_phone=work_order.caller_phone,
        on_site=on_site_reasons(policy, work_order, rated),
        round_=work_order.reopen_count,
    )


def schedule_for_complaint(complaint: Any, due_at: datetime, role: str, now: datetime) -> Visit:
    """A complaint was replied to: its return visit (003: 投诉回访 within a week) by the policy's
    visit role, due with the complaint's own return-visit clock. After a re-handling the customer
    is asked again."""
    policy = policy_of_subject(complaint)
    calendar = work_calendar_for(complaint.organisation)
    rated = complaint_rated(complaint)
    Visit.objects.filter(complaint=complaint, status=Status.DUE, level=LEVEL_ONE).update(
        status=Status.CANCELLED, ended_at=now
    )
    return _create(
        subject=complaint,
        policy=policy,
        level=LEVEL_ONE,
        reason=Reason.REHANDLED if complaint.rehandle_count else Reason.COMPLAINT_REPLIED,
        role=role,
        visitor=None,
        rated=rated,
        due_at=due_at,
        next_attempt_at=first_attempt_at(policy, calendar, now, due_at),
        now=now,
        department=complaint.department or complaint.intake_department,
        contact_name=complaint.caller_name or (complaint.customer.name if complaint.customer else ""),
        contact_phone=complaint.caller_phone,
        round_=complaint.rehandle_count,
    )
