"""Complaint numbers (seed 004: 年度月份流水编号, ``YYMM-NNNN``): the policy's format, restarting each
month in local time, unique and gap-free — also when many agents register at once."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from fuwu.complaints.models import Complaint
from fuwu.lib.errors import ValidationFailed
from fuwu.numbering.models import Sequence as NumberSequence

from .conftest import at


def test_numbers_follow_the_policy_and_restart_each_month_in_local_time(complain):
    assert complain(now=at(2026, 10, 31, 23, 59)).number == "2610-0001"
    assert complain(now=at(2026, 11, 1, 0, 0)).number == "2611-0001"
    assert complain(now=at(2026, 11, 7, 9, 0)).number == "2611-0002"
    assert complain(now=at(2026, 12, 31, 23, 59)).number == "2612-0001"
    assert complain(now=at(2027, 1, 1, 0, 0)).number == "2701-0001"
    # a complaint registered late on Oct 31 continues October's series
    assert complain(now=at(2026, 10, 31, 23, 0)).number == "2610-0002"


def test_a_letter_is_numbered_by_the_day_it_is_registered_not_received(complain):
    letter = complain(channel="letter", received_at=at(2026, 10, 30, 9), now=at(2026, 11, 2, 9))
    assert letter.number == "2611-0001"
    assert letter.received_at == at(2026, 10, 30, 9)


def test_a_refused_or_rolled_back_registration_leaves_no_gap(complain):
    assert complain(now=at(2026, 11, 3, 9)).number == "2611-0001"
    with pytest.raises(ValidationFailed):
        complain(now=at(2026, 11, 3, 9), subject="")

    def register_then_fail() -> None:
        with transaction.atomic():
            assert complain(now=at(2026, 11, 3, 9)).number == "2611-0002"
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        register_then_fail()
    assert complain(now=at(2026, 11, 3, 10)).number == "2611-0002"


CREATES = 200
WORKERS = 50  # concurrent connections, each registering 4 (PostgreSQL allows 100 by default)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_200_concurrent_registrations_get_200_distinct_consecutive_numbers(concurrent_db, cast, complain):
    start = threading.Barrier(WORKERS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def agent_session(index: int) -> None:
        try:
            start.wait(timeout=60)
            for n in range(CREATES // WORKERS):
                complaint = complain(now=at(2026, 11, 23, 10), subject=f"投诉{index}-{n}")
                with lock:
                    numbers.append(complaint.number)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=agent_session, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert errors == []
    assert sorted(numbers) == [f"2611-{i:04d}" for i in range(1, CREATES + 1)]
    assert Complaint.objects.filter(organisation=cast.organisation).count() == CREATES
    sequence = NumberSequence.objects.get(organisation=cast.organisation, kind="complaint", period="202611")
    assert sequence.last_value == CREATES
