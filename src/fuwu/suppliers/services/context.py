"""What every supplier action shares: one timeline event on the supplier, references as the
timeline keeps them, and the row locked for the change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fuwu.org.models import User
from fuwu.timeline.services import record_event

from ..models import Supplier


def event(
    supplier: Supplier,
    by: User | None,
    now: datetime,
    action: str,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    first: bool = False,
) -> None:
    record_event(
        subject=supplier,
        action=action,
        actor=by,
        changes=changes,
        reason=reason,
        at=now,
        organisation=supplier.organisation,
        first=first,
    )


def ref(record: Any) -> dict[str, Any] | None:
    """``{"id", "label"}`` of a person, a department or an inspection, as the timeline keeps it."""
    if record is None:
        return None
    label = record.display_name if isinstance(record, User) else getattr(record, "name", None) or str(record)
    return {"id": record.pk, "label": label}


def locked(supplier: Supplier) -> Supplier:
    return (
        Supplier.objects.select_for_update(of=("self",))
        .select_related("organisation", "department")
        .get(pk=supplier.pk)
    )
