"""Shifts, swaps and handovers as records of the visibility rules (``fuwu.visibility``), registered
when the app is ready.

Who sees a shift: its organisation's directors, quality inspectors and administrators; otherwise the
staff of its department and of the departments above it (their heads among them), and the person on
it. A swap: whoever sees its shift, and the two people swapping. A handover: whoever sees its shift,
and the incoming person. Anyone else gets 404 through every interface.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Q, QuerySet

from fuwu import visibility
from fuwu.org.models import Department, User

from .models import Handover, Shift, SwapRequest


def _department_q(user: Any, field: str = "department_id") -> Q:
    if user.department_id is None:
        return Q(pk__in=[])
    subtree = Department.objects.filter(path__startswith=user.department.path).values("pk")
    return Q(**{f"{field}__in": subtree})


def shifts_for_user(user: Any) -> QuerySet[Shift]:
    if not visibility.is_staff_member(user):
        return Shift.objects.none()
    queryset = Shift.objects.filter(organisation=user.organisation_id)
    if visibility.sees_whole_organisation(user):
        return queryset
    return queryset.filter(Q(person=user.pk) | _department_q(user))


def swaps_for_user(user: Any) -> QuerySet[SwapRequest]:
    if not visibility.is_staff_member(user):
        return SwapRequest.objects.none()
    queryset = SwapRequest.objects.filter(organisation=user.organisation_id)
    if visibility.sees_whole_organisation(user):
        return queryset
    return queryset.filter(Q(requester=user.pk) | Q(colleague=user.pk) | _department_q(user))


def handovers_for_user(user: Any) -> QuerySet[Handover]:
    if not visibility.is_staff_member(user):
        return Handover.objects.none()
    queryset = Handover.objects.filter(organisation=user.organisation_id)
    if visibility.sees_whole_organisation(user):
        return queryset
    return queryset.filter(
        Q(written_by=user.pk)
        | Q(incoming_shift__person=user.pk)
        | Q(shift__person=user.pk)
        | _department_q(user)
    )


def _viewers(people_of: Callable[[Any], set[int]]) -> Callable[[Sequence[User], Any], set[int]]:
    """Who of ``people`` (same organisation, no organisation-wide role: ``who_may_see`` decided the
    others) sees the record: the people it names, and the staff of its department and above, in at
    most two queries."""

    def viewers(people: Sequence[User], record: Any) -> set[int]:
        named = people_of(record)
        allowed = {p.pk for p in people if p.pk in named}
        rest = [p.pk for p in people if p.pk not in allowed]
        if not rest:
            return allowed
        path = Department.objects.filter(pk=record.department_id).values_list("path", flat=True).first() or ""
        ancestors = {int(part) for part in path.strip("/").split("/") if part.isdigit()}
        return allowed | set(
            User.objects.filter(pk__in=rest, department_id__in=ancestors).values_list("pk", flat=True)
        )

    return viewers


def _handover_people(handover: Handover) -> set[int]:
    incoming = Shift.objects.filter(pk=handover.incoming_shift_id).values_list("person_id", flat=True).first()
    return {handover.written_by_id, *([incoming] if incoming else [])}


def register() -> None:
    visibility.register_rule(
        "duty.Shift", visible_for=shifts_for_user, who_may_see=_viewers(lambda shift: {shift.person_id})
    )
    visibility.register_rule(
        "duty.SwapRequest",
        visible_for=swaps_for_user,
        who_may_see=_viewers(lambda swap: {swap.requester_id, swap.colleague_id}),
    )
    visibility.register_rule(
        "duty.Handover", visible_for=handovers_for_user, who_may_see=_viewers(_handover_people)
    )
