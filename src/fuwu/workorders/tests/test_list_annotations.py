"""The clock columns of the lists (overdue, next due) are correlated ``LIMIT 1`` subqueries evaluated
per returned row (``fuwu.clocks.annotations``), not an ``EXISTS`` over the clocks in the SELECT list,
and answer the same rows and flags."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.lib.paging import Paginator, page_rows
from fuwu.workorders import selectors, services

from .conftest import at

NOW = at(2026, 11, 23, 11, 45)


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def orders(cast, receive):
    """Late: dispatch due 10:05, nobody dispatched. On time: received 11:44, dispatch due 11:49.
    Dispatched: its dispatch clock met in time, the arrival clock due 13:30+."""
    late = receive(now=at(2026, 11, 23, 10, 0))
    on_time = receive(now=at(2026, 11, 23, 11, 44))
    dispatched = receive(now=at(2026, 11, 23, 11, 40))
    services.work_order_dispatch(
        work_order=dispatched, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 11, 42)
    )
    return {"late": late, "on_time": on_time, "dispatched": dispatched}


def select_list(sql: str) -> str:
    """The outer SELECT list: everything before the outer FROM of the work-order table."""
    return sql.split(' FROM "workorders_workorder"', 1)[0]


def test_the_list_sql_has_no_exists_over_clocks_in_its_select_list(cast, orders):
    listed = selectors.work_orders_list(user=cast.director, now=NOW)
    sql = str(listed.query)
    columns = select_list(sql)
    assert '"workorders_clock"' in columns  # the clock columns are there …
    assert "EXISTS" not in columns  # … as correlated subqueries
    assert columns.count("LIMIT 1") >= 2  # overdue (first overdue clock's id) and next due
    assert "IS NOT NULL" in columns


def overdue_in_python(work_order) -> bool:
    """The definition, clock by clock: active, unmet, and past its deadline (running), or paused
    after the deadline had passed."""
    return any(
        clock.is_active
        and clock.met_at is None
        and (clock.due_at < NOW if clock.paused_at is None else clock.due_at < clock.paused_at)
        for clock in work_order.clocks.all()
    )


@pytest.mark.parametrize("view", [None, "overdue", "due_today", "all"])
def test_the_lists_answer_the_same_rows_and_flags(cast, orders, view):
    rows: dict[int, Any] = {
        wo.pk: wo for wo in selectors.work_orders_list(user=cast.director, view=view, now=NOW)
    }
    late, on_time, dispatched = orders["late"], orders["on_time"], orders["dispatched"]
    if view in (None, "all"):
        assert set(rows) == {late.pk, on_time.pk, dispatched.pk}
    if view == "overdue":
        assert set(rows) == {late.pk}
    assert rows
    assert {pk: wo.is_overdue for pk, wo in rows.items()} == {
        pk: overdue_in_python(wo) for pk, wo in rows.items()
    }
    assert {pk: wo.is_overdue for pk, wo in rows.items()} == {pk: pk == late.pk for pk in rows}
    for wo in rows.values():
        running = [c.due_at for c in wo.clocks.all() if c.is_active and c.met_at is None]
        assert wo.next_due_at == min(running)
    # the filter on the flag agrees with the flag
    overdue = selectors.work_orders_list(user=cast.director, view=view, overdue=True, now=NOW)
    assert {wo.pk for wo in overdue} == set(rows) & {late.pk}
    not_overdue = selectors.work_orders_list(user=cast.director, view=view, overdue=False, now=NOW)
    assert {wo.pk for wo in not_overdue} == set(rows) - {late.pk}


def test_the_overdue_list_sorts_the_most_overdue_first(cast, receive):
    later = receive(now=at(2026, 11, 23, 10, 30))
    earliest = receive(now=at(2026, 11, 23, 9, 0))
    listed = list(selectors.work_orders_list(user=cast.director, view="overdue", now=NOW))
    assert [wo.pk for wo in listed] == [earliest.pk, later.pk]


def test_the_list_costs_one_query_whatever_the_number_of_rows(cast, receive):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows: list[Any] = list(selectors.work_orders_list(user=cast.director, now=NOW))
            assert all(isinstance(wo.is_overdue, bool) for wo in rows)
        return len(captured)

    receive(now=at(2026, 11, 23, 10, 0))
    few = queries()
    for minute in range(10):
        receive(now=at(2026, 11, 23, 11, minute))
    assert queries() == few


def test_a_page_is_read_as_ids_then_rows_with_the_clock_columns_for_those_rows_only(cast, receive):
    """``fuwu.lib.paging.page_rows``: the first statement sorts and skips plain ids (no clock
    subquery that a database would compute for every match before sorting); the second reads the
    page's rows with their clock columns; the order, the flags and the prefetches are those of the
    list read in one statement."""
    for minute in range(7):
        receive(now=at(2026, 11, 23, 9 + minute % 3, minute))
    listed = selectors.work_orders_list(user=cast.director, now=NOW).prefetch_related("clocks")
    whole: list[Any] = list(listed)
    with CaptureQueriesContext(connection) as captured:
        page: list[Any] = page_rows(listed, 2, 5)
        assert [(wo.pk, wo.is_overdue, wo.next_due_at) for wo in page] == [
            (wo.pk, wo.is_overdue, wo.next_due_at) for wo in whole[2:5]
        ]
        assert all(len(wo.clocks.all()) == 4 for wo in page)  # prefetched with the page
    ids, rows, prefetch = (q["sql"] for q in captured.captured_queries)
    assert '"workorders_clock"' not in ids
    assert "LIMIT 3 OFFSET 2" in ids
    assert '"workorders_clock"' in select_list(rows)
    assert "LIMIT" not in rows.rsplit(")", 1)[-1]
    assert '"workorders_clock"' in prefetch
    assert page_rows(listed, 7, 10) == []


def test_the_paginator_of_the_web_lists_reads_pages_with_page_rows(cast, receive):
    for minute in range(5):
        receive(now=at(2026, 11, 23, 10, minute))
    listed = selectors.work_orders_list(user=cast.director, now=NOW)
    whole = [wo.pk for wo in listed]
    paginator = Paginator(listed, 2)
    assert [[wo.pk for wo in paginator.page(n).object_list] for n in (1, 2, 3)] == [
        whole[0:2],
        whole[2:4],
        whole[4:5],
    ]
    assert paginator.get_page("9").number == 3  # Django's behaviour kept


def test_a_page_of_a_list_sorted_by_a_computed_column_keeps_that_order(cast, receive):
    later = receive(now=at(2026, 11, 23, 10, 30))
    earliest = receive(now=at(2026, 11, 23, 9, 0))
    middle = receive(now=at(2026, 11, 23, 10, 0))
    listed = selectors.work_orders_list(user=cast.director, view="overdue", now=NOW)
    assert [wo.pk for wo in page_rows(listed, 0, 3)] == [earliest.pk, middle.pk, later.pk]
