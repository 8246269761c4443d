"""Gap-free numbers per organisation, kind and period, safe under concurrent creation.

The counter row is incremented with one UPDATE inside the caller's transaction. On PostgreSQL the
UPDATE locks the row until the transaction ends, so concurrent creators queue behind it; on SQLite
transactions start IMMEDIATE (see settings), so writers are serialised. A rolled-back creation rolls
its number back too: numbers stay consecutive, without gaps.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from django.db import transaction
from django.db.models import F

from fuwu.numbering.models import Sequence as NumberSequence
from fuwu.policy.schema import Numbering


def period_key(reset: str, on: date) -> str:
    return {"month": f"{on:%Y%m}", "year": f"{on:%Y}"}.get(reset, "all")


def next_number(
    *, organisation_id: int, kind: Literal["work_order", "complaint"], numbering: Numbering, on: date
) -> str:
    """The next number of ``kind`` ("work_order", "complaint") for the period containing ``on``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that stores the number")
    period = period_key(numbering.reset, on)
    NumberSequence.objects.bulk_create(
        [NumberSequence(organisation_id=organisation_id, kind=kind, period=period, last_value=0)],
        ignore_conflicts=True,
    )
    counter = NumberSequence.objects.filter(organisation_id=organisation_id, kind=kind, period=period)
    counter.update(last_value=F("last_value") + 1)
    value = counter.values_list("last_value", flat=True).get()
    return numbering.render(kind, on=on, seq=value)
