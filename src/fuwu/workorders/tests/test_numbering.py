"""Work-order numbers: the policy's format, reset each period, unique and gap-free — also when many
agents create at once (threads, each in its own connection and transaction)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connections, transaction

from fuwu.numbering.models import Sequence as NumberSequence
from fuwu.numbering.services import next_number
from fuwu.policy.presets import preset_document, preset_text
from fuwu.policy.services import policy_publish
from fuwu.workorders.models import WorkOrder

from .conftest import at


def test_the_first_number_of_the_month_follows_the_policy_format(receive):
    assert receive(now=at(2026, 11, 1, 0, 0)).number == "GD2611-00001"
    assert receive(now=at(2026, 11, 5, 9, 0)).number == "GD2611-00002"


def test_numbers_restart_each_month_and_each_year_in_local_time(receive):
    # 23:59 on Nov 30 in Shanghai is still November (15:59 UTC)
    assert receive(now=at(2026, 11, 30, 23, 59)).number == "GD2611-00001"
    assert receive(now=at(2026, 12, 1, 0, 0)).number == "GD2612-00001"
    assert receive(now=at(2026, 12, 31, 23, 0)).number == "GD2612-00002"
    assert receive(now=at(2027, 1, 1, 0, 0)).number == "GD2701-00001"
    # a request entered late for November continues November's series
    assert receive(now=at(2026, 11, 30, 22, 0)).number == "GD2611-00002"


def test_a_yearly_format_from_a_published_policy(cast, receive):
    text = preset_text("property").replace(
        'work_order = {format = "GD{yy}{mm}-{seq:05d}", reset = "month"}',
        'work_order = {format = "WX{yyyy}-{seq:04d}", reset = "year"}',
    )
    policy_publish(organisation=cast.organisation, text=text, reason="按年编号", by=cast.admin)
    assert receive(now=at(2026, 11, 30, 9, 0)).number == "WX2026-0001"
    assert receive(now=at(2026, 12, 1, 9, 0)).number == "WX2026-0002"
    assert receive(now=at(2027, 1, 1, 9, 0)).number == "WX2027-0001"


def test_each_organisation_counts_on_its_own(cast, receive):
    assert receive().number == "GD2611-00001"
    numbering = preset_document("property").numbering
    with transaction.atomic():
        other = next_number(
            organisation_id=cast.other_organisation.pk,
            kind="work_order",
            numbering=numbering,
            on=date(2026, 11, 23),
        )
    assert other == "GD2611-00001"
    assert receive().number == "GD2611-00002"


def test_a_rolled_back_create_leaves_no_gap(receive):
    assert receive().number == "GD2611-00001"

    # when a creation fails after it took its number
    def create_then_fail() -> None:
        with transaction.atomic():
            assert receive().number == "GD2611-00002"
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        create_then_fail()
    # then the next one gets the number back
    assert receive().number == "GD2611-00002"
    assert list(WorkOrder.objects.order_by("number").values_list("number", flat=True)) == [
        "GD2611-00001",
        "GD2611-00002",
    ]


CREATES = 200
WORKERS = 50  # concurrent connections, each creating 4 (PostgreSQL allows 100 by default)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_concurrent_creates_get_200_distinct_consecutive_numbers(concurrent_db, cast, receive):
    # given 50 agents' sessions that start together and each create 4 work orders, one transaction each
    start = threading.Barrier(WORKERS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def agent_session(index: int) -> None:
        try:
            start.wait(timeout=60)
            for n in range(CREATES // WORKERS):
                order = receive(description=f"{index}号楼{n}单元 卫生间漏水")
                with lock:
                    numbers.append(order.number)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=agent_session, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    # then no creation failed, and the numbers are 1…200 without a gap or a duplicate
    assert errors == []
    assert len(numbers) == CREATES
    assert sorted(numbers) == [f"GD2611-{i:05d}" for i in range(1, CREATES + 1)]
    assert WorkOrder.objects.filter(organisation=cast.organisation).count() == CREATES
    assert (
        NumberSequence.objects.get(
            organisation=cast.organisation, kind="work_order", period="202611"
        ).last_value
        == CREATES
    )
