"""Batches as records of the visibility rules (``fuwu.visibility``), registered when the app is ready.

Who sees a batch: its organisation's directors, quality inspectors and administrators; otherwise the
staff of its department and of the departments above it, whoever registered it and whoever signed
one of its steps (also after moving to another department). Anyone else gets 404 through every
interface.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from fuwu import visibility
from fuwu.org.models import Department, User

from .models import Batch, StepSignature


def batches_for_user(user: Any) -> QuerySet[Batch]:
    if not visibility.is_staff_member(user):
        return Batch.objects.none()
    queryset = Batch.objects.filter(organisation=user.organisation_id)
    if visibility.sees_whole_organisation(user):
        return queryset
    signed = StepSignature.objects.filter(batch_id=OuterRef("pk")).filter(
        Q(signed_by=user.pk) | Q(confirmed_by=user.pk)
    )
    condition = Q(registered_by=user.pk) | Q(Exists(signed))
    if user.department_id is not None:
        subtree = Department.objects.filter(path__startswith=user.department.path).values("pk")
        condition |= Q(department_id__in=subtree)
    return queryset.filter(condition)


def batch_viewers(people: Sequence[User], batch: Batch) -> set[int]:
    """Who of ``people`` (same organisation, no organisation-wide role: ``who_may_see`` decided the
    others) sees ``batch``, in at most three queries."""
    allowed = {p.pk for p in people if p.pk == batch.registered_by_id}
    rest = [p.pk for p in people if p.pk not in allowed]
    if not rest:
        return allowed
    signers = StepSignature.objects.filter(batch_id=batch.pk).filter(
        Q(signed_by__in=rest) | Q(confirmed_by__in=rest)
    )
    for signed_by, confirmed_by in signers.values_list("signed_by_id", "confirmed_by_id"):
        allowed |= {pk for pk in (signed_by, confirmed_by) if pk in rest}
    rest = [pk for pk in rest if pk not in allowed]
    if not rest:
        return allowed
    path = Department.objects.filter(pk=batch.department_id).values_list("path", flat=True).first() or ""
    ancestors = {int(part) for part in path.strip("/").split("/") if part.isdigit()}
    return allowed | set(
        User.objects.filter(pk__in=rest, department_id__in=ancestors).values_list("pk", flat=True)
    )


def register() -> None:
    visibility.register_rule("tracing.Batch", visible_for=batches_for_user, who_may_see=batch_viewers)
