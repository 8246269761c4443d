"""Suppliers as records of the visibility rules (``fuwu.visibility``), registered when the app is
ready.

Suppliers are the organisation's records, like its checklists: every member of staff of the
organisation may read them (who manages, inspects and evaluates them is ``permissions``); another
organisation's supplier does not exist for the user (404 through every interface). What the
supplier's page shows of its inspections and rectification orders is read through
``fuwu.inspections.selectors``, under their own rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from fuwu import visibility
from fuwu.org.models import User

from .models import Supplier


def suppliers_for_user(user: Any) -> QuerySet[Supplier]:
    if not visibility.is_staff_member(user):
        return Supplier.objects.none()
    return Supplier.objects.filter(organisation=user.organisation_id)


def supplier_viewers(people: Sequence[User], supplier: Supplier) -> set[int]:
    """Everyone of ``people`` (``who_may_see`` has already kept those of the supplier's organisation)."""
    return {person.pk for person in people if person.organisation_id == supplier.organisation_id}


def register() -> None:
    visibility.register_rule(
        "suppliers.Supplier", visible_for=suppliers_for_user, who_may_see=supplier_viewers
    )
