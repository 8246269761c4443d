"""Counting a list's matches without reading a whole large table: every list of every process
(work orders, complaints, corrective actions, customers) counts the same way."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

# A list's ``count`` is exact up to this many matches (or to the end of the page asked for, if
# further); beyond it ``count_exact`` is false and ``count`` is that lower bound.
COUNT_EXACT_UP_TO = 1000


def count_up_to(queryset: QuerySet[Any], cap: int) -> tuple[int, bool]:
    """``(count, exact)``: rows of ``queryset`` counted up to ``cap``. Beyond it the count stops at
    ``cap`` and ``exact`` is False. Counting a whole large filtered set (every work order with 漏水
    among 100,000) reads the whole table; stopping early keeps a list page fast whatever the total."""
    found = queryset.order_by().values("pk")[: cap + 1].count()
    return (found, True) if found <= cap else (cap, False)


def page_count(queryset: QuerySet[Any], *, offset: int, limit: int) -> tuple[int, bool]:
    """A list page's ``(count, count_exact)``: exact up to ``COUNT_EXACT_UP_TO`` or to the end of
    the page asked for, whichever is further."""
    return count_up_to(queryset, max(COUNT_EXACT_UP_TO, offset + limit))
