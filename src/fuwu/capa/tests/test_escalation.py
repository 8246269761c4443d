"""Overdue action items and verifications escalate along the policy's chains, once per level, by
the one sweep of the clocks engine (``fuwu.clocks.sweep``), with the clock frozen before, at and
after each level."""

from __future__ import annotations

from datetime import date, timedelta

from fuwu.capa import services
from fuwu.capa.models import CapaEscalation
from fuwu.clocks.sweep import sweep
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event

from .conftest import RAISED, at, implemented

DUE = at(2026, 9, 18, 17, 30)  # the item's due day, close of business


def levels(capa):
    return list(CapaEscalation.objects.filter(capa=capa).order_by("level").values_list("level", "role"))


def test_an_overdue_item_escalates_once_per_level(cast, raise_capa):
    capa = raise_capa()
    services.capa_analyse(capa=capa, by=cast.head_repair, root_cause="原因", method="five_whys", now=RAISED)
    services.capa_add_item(
        capa=capa,
        by=cast.head_repair,
        description="整改",
        owner=cast.tech,
        due_on=date(2026, 9, 18),
        now=RAISED,
    )

    # just before the deadline: the owner was warned, nothing escalated
    sweep(DUE - timedelta(minutes=1))
    assert levels(capa) == []
    assert Notification.objects.filter(recipient=cast.tech, kind="approaching", capa=capa).count() == 1

    # at the deadline level 1 (the repair head, 0 minutes after) fires, once
    sweep(DUE)
    assert levels(capa) == [(1, "department_head")]
    sweep(DUE + timedelta(minutes=1))
    sweep(DUE + timedelta(minutes=2))
    assert levels(capa) == [(1, "department_head")]
    assert CapaEscalation.objects.get(capa=capa, level=1).notified == [cast.head_repair.pk]

    # a day later the director (level 2), once, however often the sweep runs
    sweep(DUE + timedelta(minutes=1439))
    assert levels(capa) == [(1, "department_head")]
    for minutes in (1440, 1441, 3000):
        sweep(DUE + timedelta(minutes=minutes))
    assert levels(capa) == [(1, "department_head"), (2, "director")]
    assert Notification.objects.filter(recipient=cast.director, capa=capa, kind="escalated").count() == 1
    assert Event.objects.filter(subject_id=capa.pk, action="capa.escalated").count() == 2


def test_an_item_done_in_time_never_escalates(cast, raise_capa):
    capa = raise_capa()
    services.capa_analyse(capa=capa, by=cast.head_repair, root_cause="原因", method="five_whys", now=RAISED)
    item = services.capa_add_item(
        capa=capa,
        by=cast.head_repair,
        description="整改",
        owner=cast.tech,
        due_on=date(2026, 9, 18),
        now=RAISED,
    )
    services.capa_complete_item(capa=capa, by=cast.tech, item_id=item.pk, evidence="完成", now=DUE)

    sweep(DUE + timedelta(days=3))

    assert levels(capa) == []


def test_a_verification_left_undone_escalates_to_quality_then_the_director(cast, raise_capa):
    capa = implemented(cast, raise_capa())
    due = at(2026, 10, 28, 17, 30)

    sweep(due - timedelta(minutes=1))
    assert levels(capa) == []
    sweep(due)
    sweep(due + timedelta(days=2))
    assert levels(capa) == [(1, "quality_inspector"), (2, "director")]
    assert Notification.objects.filter(recipient=cast.quality, capa=capa, kind="breached").count() == 1
