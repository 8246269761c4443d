"""The numbering engine: one upsert per number, the policy's format and reset per kind, gap-free also
when many creators take numbers at once (threads, each in its own connection and transaction)."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from fuwu.numbering.models import Sequence
from fuwu.numbering.services import next_number, period_key
from fuwu.policy.schema import Numbering, UnknownNumberKind

NUMBERING = Numbering.model_validate(
    {
        "work_order": {"format": "GD{yy}{mm}-{seq:05d}", "reset": "month"},
        "complaint": {"format": "{yy}{mm}-{seq:04d}", "reset": "month"},
        # a further process adds its kind in the policy only
        "return_visit": {"format": "HF{yyyy}-{seq:03d}", "reset": "year"},
        "asset": {"format": "ZC{seq:06d}", "reset": "never"},
    }
)


def take(organisation_id: int, kind: str, on: date) -> str:
    with transaction.atomic():
        return next_number(organisation_id=organisation_id, kind=kind, on=on, numbering=NUMBERING)


def test_period_keys():
    assert period_key("month", date(2026, 11, 30)) == "202611"
    assert period_key("year", date(2026, 11, 30)) == "2026"
    assert period_key("never", date(2026, 11, 30)) == "all"


def test_a_number_is_only_taken_inside_the_storing_transaction():
    with pytest.raises(RuntimeError):
        next_number(organisation_id=1, kind="work_order", numbering=NUMBERING, on=date(2026, 11, 1))


def test_one_statement_per_number(cast):
    take(cast.organisation.pk, "work_order", date(2026, 11, 1))  # the counter row exists
    with transaction.atomic(), CaptureQueriesContext(connection) as first_of_a_period:
        next_number(
            organisation_id=cast.organisation.pk, kind="work_order", on=date(2026, 12, 1), numbering=NUMBERING
        )
    with transaction.atomic(), CaptureQueriesContext(connection) as next_of_a_period:
        next_number(
            organisation_id=cast.organisation.pk, kind="work_order", on=date(2026, 12, 2), numbering=NUMBERING
        )

    statements = [q["sql"] for q in first_of_a_period.captured_queries + next_of_a_period.captured_queries]
    statements = [sql for sql in statements if "SAVEPOINT" not in sql and sql not in {"BEGIN", "COMMIT"}]
    assert len(statements) == 2, statements
    assert all("ON CONFLICT" in sql and "RETURNING" in sql for sql in statements)


def test_each_kind_follows_its_own_format_and_reset(cast):
    org = cast.organisation.pk
    assert take(org, "return_visit", date(2026, 11, 30)) == "HF2026-001"
    assert take(org, "return_visit", date(2026, 12, 1)) == "HF2026-002"  # yearly: December continues
    assert take(org, "return_visit", date(2027, 1, 1)) == "HF2027-001"
    assert take(org, "asset", date(2026, 11, 30)) == "ZC000001"
    assert take(org, "asset", date(2031, 5, 1)) == "ZC000002"  # never restarts
    assert take(org, "complaint", date(2026, 11, 5)) == "2611-0001"  # kinds count apart
    assert take(org, "work_order", date(2026, 11, 5)) == "GD2611-00001"
    assert take(org, "work_order", date(2026, 12, 1)) == "GD2612-00001"  # monthly
    assert take(cast.other_organisation.pk, "work_order", date(2026, 11, 5)) == "GD2611-00001"
    assert set(
        Sequence.objects.filter(organisation=cast.organisation).values_list("kind", "period", "last_value")
    ) == {
        ("return_visit", "2026", 2),
        ("return_visit", "2027", 1),
        ("asset", "all", 2),
        ("complaint", "202611", 1),
        ("work_order", "202611", 1),
        ("work_order", "202612", 1),
    }


def test_a_kind_the_policy_does_not_number_is_refused_by_name(cast):
    with pytest.raises(UnknownNumberKind, match="inspection"), transaction.atomic():
        next_number(
            organisation_id=cast.organisation.pk, kind="inspection", on=date(2026, 11, 1), numbering=NUMBERING
        )
    assert not Sequence.objects.exists()


def test_a_rolled_back_transaction_gives_its_number_back(cast):
    org = cast.organisation.pk
    assert take(org, "complaint", date(2026, 11, 5)) == "2611-0001"

    # when the transaction that took number 2 fails
    def take_then_fail() -> None:
        with transaction.atomic():
            assert take(org, "complaint", date(2026, 11, 5)) == "2611-0002"
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        take_then_fail()

    # then the next one gets number 2
    assert take(org, "complaint", date(2026, 11, 6)) == "2611-0002"
    assert Sequence.objects.get(organisation_id=org, kind="complaint", period="202611").last_value == 2


THREADS = 20
EACH = 10


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_takers_get_consecutive_numbers_without_gaps_or_duplicates(concurrent_db, cast):
    # given 20 sessions that start together, each taking 10 numbers, one transaction each,
    # and every third transaction failing after it took its number
    org = cast.organisation.pk
    start = threading.Barrier(THREADS)
    kept: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def session(index: int) -> None:
        try:
            start.wait(timeout=60)
            for n in range(EACH):
                try:
                    with transaction.atomic():
                        number = next_number(
                            organisation_id=org, kind="work_order", on=date(2026, 11, 23), numbering=NUMBERING
                        )
                        if (index + n) % 3 == 0:
                            raise LookupError("the customer hung up")
                except LookupError:
                    continue
                with lock:
                    kept.append(number)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=session, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    # then nothing failed but the planned failures, and the kept numbers are 1…n without a gap or a duplicate
    assert errors == []
    failed = sum(1 for i in range(THREADS) for n in range(EACH) if (i + n) % 3 == 0)
    assert len(kept) == THREADS * EACH - failed
    assert sorted(kept) == [f"GD2611-{i:05d}" for i in range(1, len(kept) + 1)]
    assert Sequence.objects.get(organisation_id=org, kind="work_order", period="202611").last_value == len(
        kept
    )
