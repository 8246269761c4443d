"""The month's samples: levels 2 and 3 of 003 (a random ≥ 10 % and ≥ 5 %, rounded up), the
households of 001 4.3 (one household with several orders counts once; the band by volume),
reproducible from the stored seed, drawn once, after the month, and visited by the right people."""

from __future__ import annotations

from datetime import date

import pytest

from fuwu.lib.errors import ConflictError
from fuwu.policy.presets import preset_text
from fuwu.policy.services import policy_publish
from fuwu.visits import services
from fuwu.visits.models import Reason, Visit, VisitSample
from fuwu.workorders.models import WorkOrder

from .conftest import at


def finish(cast, receive, n, *, month=11, customers=None, department=None):
    """``n`` work orders done in ``month`` of 2026 (of ``customers`` in turn, else one each)."""
    from fuwu.customers.services import customer_create

    orders = []
    for i in range(n):
        customer = (
            customers[i % len(customers)]
            if customers
            else customer_create(
                organisation=cast.organisation,
                by=cast.agent,
                name=f"住户{i}",
                department=cast.service,
                phones=[{"number": f"1391234{i:04d}", "label": "手机"}],
            )
        )
        order = receive(customer=customer, now=at(2026, month, 2, 9, 0))
        WorkOrder.objects.filter(pk=order.pk).update(
            status="done",
            done_at=at(2026, month, 2 + i % 25, 10, 0),
            assignee=cast.tech,
            department=department or cast.repair,
        )
        orders.append(order)
    return orders


def draw(cast, month=date(2026, 11, 1), now=None):
    return services.draw_month(cast.organisation, month, by=cast.director, now=now or at(2026, 12, 1, 8, 0))


def test_levels_two_and_three_draw_at_least_their_share_rounded_up(cast, receive):
    policy_publish(
        organisation=cast.organisation, text=preset_text("after_sales"), reason="售后", by=cast.admin
    )
    finish(cast, receive, 21)
    samples = {s.level: s for s in draw(cast)}
    level2, level3 = samples[2], samples[3]
    # level 2 is drawn for the handling department (工程维修部): 10 % of 21 → 3; level 3 5 % → 2
    assert (level2.department, level2.population, level2.size) == (cast.repair, 21, 3)
    assert (level3.department, level3.population, level3.size) == (None, 21, 2)
    visits = Visit.objects.filter(sample=level2)
    assert visits.count() == 3
    assert {v.reason for v in visits} == {Reason.SAMPLED}
    assert {v.visitor for v in visits} == {cast.head_repair}
    assert all("21 个中抽 3 个" in v.sample_note for v in visits)
    assert {v.visitor for v in Visit.objects.filter(sample=level3)} == {cast.director}
    assert "21" in level2.rule_note
    assert "10%" in level2.rule_note


@pytest.mark.parametrize(("households", "expected"), [(99, 30), (100, 20), (101, 21)])
def test_households_of_the_month_decide_the_share(cast, receive, households, expected):
    finish(cast, receive, households)
    (level2,) = [s for s in draw(cast) if s.level == 2]
    assert (level2.households, level2.size) == (households, expected)


def test_a_household_with_several_orders_counts_once_and_is_visited_about_its_latest(
    cast, receive, household
):
    from fuwu.customers.services import customer_create

    other = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="李女士",
        department=cast.service,
        phones=[{"number": "13700001111", "label": "手机"}],
    )
    orders = finish(cast, receive, 5, customers=[household, household, household, household, other])
    (level2,) = [s for s in draw(cast) if s.level == 2]
    # 2 households (< 100: at least 30 %) → 1, not 5 orders' worth
    assert (level2.population, level2.households, level2.size) == (5, 2, 1)
    (visit,) = Visit.objects.filter(sample=level2)
    latest_of_household = max(
        orders[:4], key=lambda o: WorkOrder.objects.get(pk=o.pk).done_at or at(2000, 1, 1)
    )
    assert visit.work_order_id in {latest_of_household.pk, orders[4].pk}
    assert "住户" in visit.sample_note


def test_the_draw_is_reproducible_from_the_stored_seed(cast, receive):
    finish(cast, receive, 40)
    samples = draw(cast)
    for sample in samples:
        stored = [stratum["chosen"] for stratum in VisitSample.objects.get(pk=sample.pk).strata]
        assert services.redraw(sample) == stored


def test_the_month_is_drawn_once_and_only_after_it_ended(cast, receive):
    finish(cast, receive, 3)
    with pytest.raises(ConflictError):
        draw(cast, now=at(2026, 11, 30, 23, 0))
    draw(cast)
    count = Visit.objects.count()
    with pytest.raises(ConflictError):
        draw(cast, now=at(2026, 12, 2, 8, 0))
    assert Visit.objects.count() == count


def test_only_work_done_in_the_month_is_in_its_population(cast, receive):
    finish(cast, receive, 2, month=10)
    finish(cast, receive, 3, month=11)
    # done on 11-30 23:30 Beijing time is November's, though it is the 30th 15:30 in UTC
    late = finish(cast, receive, 1, month=11)[0]
    WorkOrder.objects.filter(pk=late.pk).update(done_at=at(2026, 11, 30, 23, 30))
    early = finish(cast, receive, 1, month=11)[0]
    WorkOrder.objects.filter(pk=early.pk).update(done_at=at(2026, 12, 1, 0, 0))
    (level2,) = [s for s in draw(cast) if s.level == 2]
    assert level2.population == 4


def test_the_daily_task_draws_last_month_once(cast, receive):
    from fuwu.visits.tasks import draw_last_month

    finish(cast, receive, 5)
    assert draw_last_month(at(2026, 12, 1, 6, 5)) >= 1
    assert draw_last_month(at(2026, 12, 2, 6, 5)) == 0
    drawn = VisitSample.objects.filter(organisation=cast.organisation, month=date(2026, 11, 1))
    assert sorted(drawn.values_list("level", flat=True)) == [2, 3]
