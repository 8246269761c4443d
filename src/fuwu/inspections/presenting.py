"""What the pages show of an inspection besides its rows: a duty round's items with their times and
states (done, late, missed, due, overdue), computed from the checklist, the shift and the findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext_lazy as _

from . import definition
from .models import Finding, Inspection, Result
from .services.carrying_out import item_due_at


@dataclass(frozen=True)
class RoundItem:
    section: str
    item: definition.Item
    due_at: datetime | None
    finding: Finding | None
    state: str  # "done", "late", "missed", "due", "overdue", "open"

    @property
    def state_label(self) -> Any:
        return ROUND_STATES[self.state]


ROUND_STATES = {
    "done": _("done in time"),
    "late": _("done late"),
    "missed": _("missed"),
    "due": _("due"),
    "overdue": _("overdue"),
    "open": _("to do"),
}


def round_items(
    inspection: Inspection, checklist: definition.ChecklistDefinition, now: datetime, zone: Any
) -> list[RoundItem]:
    """Each item of a round in checklist order (uses the prefetched findings)."""
    findings = {f.item_code: f for f in inspection.findings.all()}
    grace = timedelta(minutes=checklist.grace_minutes)
    rows = []
    for section, item in checklist.items():
        finding = findings.get(item.code)
        due = (
            finding.due_at if finding is not None and finding.due_at else item_due_at(inspection, item, zone)
        )
        if finding is not None:
            state = "missed" if finding.result == Result.MISSED else ("late" if finding.late else "done")
        elif due is None:
            state = "open"
        elif now > due + grace:
            state = "overdue"
        elif now >= due - grace:
            state = "due"
        else:
            state = "open"
        rows.append(RoundItem(section.title, item, due, finding, state))
    return rows
