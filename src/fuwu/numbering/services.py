"""Gap-free numbers per organisation, kind and period, safe under concurrent creation.

One statement takes a number: an upsert of the counter row that returns its new value
(``INSERT … ON CONFLICT … DO UPDATE … RETURNING``; SQLite ≥ 3.35 and PostgreSQL). It runs inside the
caller's transaction: on PostgreSQL the upsert locks the row until that transaction ends, so concurrent
creators queue behind it; on SQLite transactions start IMMEDIATE (see settings), so writers are
serialised. A rolled-back creation rolls its number back too: numbers stay consecutive, without gaps.

Each process asks for its own kind (``"work_order"``, ``"complaint"``, …); the format and the reset
period of a kind come from the policy (``[numbering]``, ``fuwu.policy.schema.Numbering``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection, transaction

from fuwu.policy.schema import Numbering

from .models import Sequence

_TABLE = connection.ops.quote_name(Sequence._meta.db_table)
_UPSERT = (
    f"INSERT INTO {_TABLE} (organisation_id, kind, period, last_value) VALUES (%s, %s, %s, 1) "
    f"ON CONFLICT (organisation_id, kind, period) DO UPDATE SET last_value = {_TABLE}.last_value + 1 "
    "RETURNING last_value"
)


def period_key(reset: str, on: date) -> str:
    """The counter's period for a number taken on ``on``: ``202611`` (monthly), ``2026`` (yearly), ``all``."""
    return {"month": f"{on:%Y%m}", "year": f"{on:%Y}"}.get(reset, "all")


def numbering_for(organisation: Any, numbering: Numbering, kind: str) -> Numbering:
    """The policy's numbering, or — for a version published before ``kind`` was numbered — the
    organisation's preset's (the product default), so that such a policy still numbers it."""
    if kind in numbering.kinds:
        return numbering
    from fuwu.policy.presets import preset_document

    return preset_document(organisation.preset).numbering


def next_number(*, organisation_id: int, kind: str, on: date, numbering: Numbering) -> str:
    """The next number of ``kind`` for the period containing ``on`` (the organisation's local day),
    formatted by the policy. Raises ``UnknownNumberKind`` when the policy does not number ``kind``."""
    number_format = numbering.format_for(kind)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that stores the number")
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [organisation_id, kind, period_key(number_format.reset, on)])
        (value,) = cursor.fetchone()
    return number_format.render(on=on, seq=value)
