"""A clock with a due-day rule instead of a duration (ADR 0008), started through the clocks engine
on a work order: due on the moved day, overdue and escalated from that moment, not before."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest

from fuwu.clocks import services as clocks
from fuwu.clocks.deadlines import DueRule, RuleName
from fuwu.workcal.selectors import work_calendar_for
from fuwu.workorders import selectors
from fuwu.workorders.models import ClockKind, Escalation
from fuwu.workorders.services import policy_of
from fuwu.workorders.sweeps import sweep

from .conftest import at

MINUTE = timedelta(minutes=1)


@pytest.fixture
def rule_clock(cast, receive):
    """Received during National Day 2026; its own clocks set aside, a resolution clock "by Monday
    11:00" started instead: Monday 10-05 is a holiday, so it is due Thursday 10-08 11:00."""
    order = receive(now=at(2026, 10, 2, 10, 0))
    order.clocks.update(is_active=False)
    [clock] = clocks.start(
        order,
        [clocks.Planned.by_rule(ClockKind.RESOLUTION, DueRule(RuleName.WEEKDAY_AT, weekday=1, at=time(11)))],
        policy=policy_of(order),
        calendar=work_calendar_for(order.organisation),
        at=at(2026, 10, 2, 10, 0),
    )
    return order, clock


def test_the_rule_clock_is_stored_with_its_rule_and_due_moment(rule_clock):
    _order, clock = rule_clock
    clock.refresh_from_db()
    assert (clock.unit, clock.amount) == ("weekday_at", 11100)
    assert (clock.due_at, clock.calendar_confirmed) == (at(2026, 10, 8, 11), True)
    assert clock.next_escalation_at == at(2026, 10, 8, 11)  # the resolution chain's level 1: at once


@pytest.mark.parametrize(
    ("moment", "overdue", "fired"),
    [
        (at(2026, 10, 8, 11) - MINUTE, False, 0),
        (at(2026, 10, 8, 11), False, 1),
        (at(2026, 10, 8, 11) + MINUTE, True, 1),
    ],
)
def test_overdue_and_escalated_from_the_due_moment(cast, rule_clock, time_machine, moment, overdue, fired):
    order, _clock = rule_clock
    time_machine.move_to(moment, tick=False)
    row: Any
    [row] = selectors.work_orders_list(user=cast.director, now=moment)
    assert row.is_overdue is overdue  # past the deadline: strictly after it
    assert row.next_due_at == at(2026, 10, 8, 11)
    assert sweep(moment).escalated == fired  # a level fires at its time
    assert Escalation.objects.filter(work_order=order).count() == fired
