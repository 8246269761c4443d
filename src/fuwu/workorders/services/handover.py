"""A/B hand-over: an absent person's open work goes to whoever handles it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Absence
from fuwu.org.selectors import person_handler
from fuwu.timeline.services import record_event

from ..models import OPEN_STATUSES, WorkOrder
from .context import _save


@transaction.atomic
def hand_over_open_work(*, absence: Absence, now: datetime | None = None) -> list[WorkOrder]:
    """When an absence starts, the person's open work moves to whoever handles their work (B)."""
    now = now or timezone.now()
    claimed = Absence.objects.filter(
        pk=absence.pk, handed_over_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ).update(handed_over_at=now)
    if not claimed:
        return []
    person = absence.person
    handler = person_handler(person, now)
    if handler.person.pk == person.pk:
        return []
    moved = []

    def handed_over(wo: WorkOrder, changes: dict[str, Any]) -> None:
        record_event(
            subject=wo,
            action="work_order.handed_over",
            actor=None,
            at=now,
            organisation=wo.organisation,
            changes=changes,
            reason=handler.explanation(),
        )

    # Work above B's clearance stays with A (B could not even see it); it is still in the
    # department's queue and lists, where the head re-dispatches it if it cannot wait (ADR 0005).
    cleared = Q(confidentiality__lte=handler.person.clearance)
    for wo in (
        WorkOrder.objects.select_for_update(of=("self",))
        .filter(cleared, assignee=person, status__in=OPEN_STATUSES)
        .select_related("organisation")
    ):
        wo.assignee = handler.person
        wo.handed_over_from = person
        _save(wo, "assignee", "handed_over_from")
        handed_over(wo, {"assignee": {"before": person, "after": handler.person}})
        moved.append(wo)
    # Team places move too (the leader is the assignee above).
    for wo in (
        WorkOrder.objects.select_for_update(of=("self",))
        .filter(cleared, team=person, status__in=OPEN_STATUSES)
        .select_related("organisation")
    ):
        wo.team.remove(person)
        if wo.assignee_id != handler.person.pk:
            wo.team.add(handler.person)
        handed_over(wo, {"team": {"before": person, "after": handler.person}})
        if wo not in moved:
            moved.append(wo)
    if moved:
        notify(
            [handler.person],
            kind=NotificationKind.HANDED_OVER,
            title=_("%(count)s work orders of %(name)s are yours while they are away")
            % {"count": len(moved), "name": person.display_name},
            body=", ".join(wo.number for wo in moved),
        )
    return moved


def hand_over_started_absences(now: datetime) -> int:
    """Hand over the work of every absence that has started and was not handed over yet."""
    count = 0
    for absence in Absence.objects.filter(
        handed_over_at__isnull=True, starts_at__lte=now, ends_at__gt=now
    ).select_related("person", "person__department"):
        count += len(hand_over_open_work(absence=absence, now=now))
    return count
