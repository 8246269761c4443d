"""The periodic sweep: approaching-deadline warnings, escalations, A/B hand-over of started absences,
deferred requests (暂缓办理) whose day has come.

Safe to run late (it catches up: every level whose time has come fires, each once) and twice at
once (each clock is claimed with a conditional UPDATE, and an escalation level is unique per clock
in the database).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.timeline.services import record_event

from . import rules
from .models import Clock, Escalation
from .services import hand_over_started_absences, people_with_role, policy_of, resume_due_deferrals

BATCH = 500


@dataclass
class SweepResult:
    warned: int = 0
    escalated: int = 0
    handed_over: int = 0
    resumed: int = 0


def _unmet_running() -> dict[str, object]:
    return {"met_at__isnull": True, "paused_at__isnull": True, "is_active": True}


def _warn(clock: Clock, now: datetime) -> bool:
    with transaction.atomic():
        claimed = Clock.objects.filter(pk=clock.pk, warned_at__isnull=True, **_unmet_running()).update(
            warned_at=now
        )
        if not claimed:
            return False
        wo = clock.work_order
        recipients = (
            [wo.assignee] if wo.assignee else people_with_role(wo.organisation_id, "department_head", wo)
        )
        notify(
            [*recipients, wo.first_contact_owner],
            kind=NotificationKind.APPROACHING,
            work_order=wo,
            title=_("%(number)s: %(clock)s due at %(due)s")
            % {
                "number": wo.number,
                "clock": clock.get_kind_display(),
                "due": f"{clock.due_at.astimezone():%m-%d %H:%M}",
            },
        )
    return True


def _escalate(clock: Clock, now: datetime) -> int:
    wo = clock.work_order
    policy = policy_of(wo)
    chain = policy.escalation.chain(clock.kind)
    levels = rules.levels_due(clock.due_at, chain, clock.escalation_level, now)
    if not levels:
        return 0
    top = levels[-1]
    try:
        with transaction.atomic():
            claimed = Clock.objects.filter(
                pk=clock.pk, escalation_level=clock.escalation_level, **_unmet_running()
            ).update(
                escalation_level=top,
                next_escalation_at=rules.next_escalation_at(clock.due_at, chain, top),
                breached_at=clock.breached_at or now,
            )
            if not claimed:
                return 0
            for level in levels:
                role = chain[level - 1].role
                people = people_with_role(wo.organisation_id, role, wo)
                Escalation.objects.create(
                    clock=clock,
                    work_order=wo,
                    level=level,
                    role=role,
                    fired_at=now,
                    notified=[p.pk for p in people],
                )
                notify(
                    people,
                    kind=NotificationKind.ESCALATED
                    if level > 1 or clock.breached_at
                    else NotificationKind.BREACHED,
                    work_order=wo,
                    title=_("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s")
                    % {
                        "number": wo.number,
                        "clock": clock.get_kind_display(),
                        "level": level,
                        "due": f"{clock.due_at.astimezone():%m-%d %H:%M}",
                    },
                )
                record_event(
                    subject=wo,
                    action="work_order.escalated",
                    at=now,
                    organisation=wo.organisation,
                    changes={
                        "clock": {"after": clock.kind},
                        "level": {"after": level},
                        "role": {"after": role},
                        "notified": {"after": [str(p) for p in people]},
                    },
                )
            if not clock.breached_at:
                notify(
                    [wo.assignee, wo.first_contact_owner],
                    kind=NotificationKind.BREACHED,
                    work_order=wo,
                    title=_("%(number)s: %(clock)s deadline missed")
                    % {"number": wo.number, "clock": clock.get_kind_display()},
                )
    except IntegrityError:  # another sweep recorded the same level first
        return 0
    return len(levels)


def sweep(now: datetime) -> SweepResult:
    """One pass over everything due at ``now``; each clock in its own short transaction."""
    result = SweepResult()
    related = (
        "work_order",
        "work_order__organisation",
        "work_order__policy_version",
        "work_order__department",
        "work_order__intake_department",
        "work_order__assignee",
        "work_order__first_contact_owner",
    )
    while True:
        batch = list(
            Clock.objects.filter(warn_at__lte=now, warned_at__isnull=True, due_at__gt=now, **_unmet_running())
            .select_related(*related)
            .order_by("warn_at")[:BATCH]
        )
        warned = sum(_warn(clock, now) for clock in batch)
        result.warned += warned
        if len(batch) < BATCH or not warned:
            break
    while True:
        batch = list(
            Clock.objects.filter(next_escalation_at__lte=now, **_unmet_running())
            .select_related(*related)
            .order_by("next_escalation_at")[:BATCH]
        )
        fired = sum(_escalate(clock, now) for clock in batch)
        result.escalated += fired
        if len(batch) < BATCH or not fired:
            break
    result.handed_over = hand_over_started_absences(now)
    result.resumed = resume_due_deferrals(now)
    return result
