"""The hash chain: the same instant hashes the same in any time zone, two writers never fork a record's
chain, and ``fuwu verify_timeline`` names every record and event changed behind the application's back."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from fuwu.org.services import department_update
from fuwu.timeline.models import Event
from fuwu.timeline.services import record_event, verify_chain

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Events are chained in the order of their time: the events written here come after those the cast's
# services wrote (now), so they are written at a later time.


def _latest(subject) -> Event:
    event = Event.objects.for_subject(subject).order_by("-at", "-id").first()
    assert event is not None
    return event


# --- the time in the hash ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "written_at",
    [
        datetime(2030, 11, 23, 9, 30, tzinfo=SHANGHAI),
        datetime(2030, 11, 23, 9, 30, 15, 123456, tzinfo=SHANGHAI),
    ],
    ids=["shanghai", "shanghai-microseconds"],
)
def test_an_event_written_with_a_shanghai_time_verifies_once_read_back(cast, written_at):
    # given an event whose time was given in Shanghai time (as timezone.localtime() gives it)
    record_event(subject=cast.repair, action="department.checked", at=written_at, actor=cast.admin)

    # when it is read back from the database (in UTC) / then its chain verifies
    assert _latest(cast.repair).at == written_at
    assert verify_chain(cast.repair)


def test_local_now_verifies(cast):
    record_event(subject=cast.repair, action="department.checked", at=timezone.localtime())
    record_event(subject=cast.repair, action="department.checked", at=timezone.now())
    assert verify_chain(cast.repair)


def test_events_written_with_utc_times_keep_their_hash(cast):
    # the hash as it was computed before the change: the time's isoformat() as written (UTC here)
    written_at = datetime(2030, 11, 23, 1, 30, tzinfo=UTC)
    event = record_event(subject=cast.repair, action="department.checked", at=written_at)
    before_the_change = hashlib.sha256(event.payload(at_text=written_at.isoformat()).encode()).hexdigest()

    assert event.hash == before_the_change
    assert verify_chain(cast.repair)


def test_events_hashed_in_shanghai_time_before_the_change_still_verify(cast):
    # an event written (before UTC was hashed) with a Shanghai time, as the old code hashed it
    previous = _latest(cast.repair)
    written_at = datetime(2030, 11, 23, 9, 30, tzinfo=SHANGHAI)
    legacy = Event(
        organisation=cast.organisation,
        subject_type_id=previous.subject_type_id,
        subject_id=previous.subject_id,
        actor_label="system",
        at=written_at,
        action="department.checked",
        previous_hash=previous.hash,
    )
    legacy.hash = hashlib.sha256(legacy.payload(at_text=written_at.isoformat()).encode()).hexdigest()
    legacy.save()

    assert verify_chain(cast.repair)
    # and one changed behind the application's back still fails
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE timeline_event SET at = %s WHERE id = %s", [written_at + timedelta(minutes=1), legacy.pk]
        )
    assert not verify_chain(cast.repair)


# --- two writers on one record ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_writers_on_one_record_chain_one_after_the_other(concurrent_db, cast):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's IMMEDIATE transactions serialise writers before they read (no row locks)")
    # given two sweeps that each record an event on the same record at the same moment, and would both
    # commit only once both recorded (so without a lock both read the same previous event)
    start = threading.Barrier(2)
    recorded = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep(level: int) -> None:
        try:
            with transaction.atomic():
                start.wait(timeout=30)
                record_event(
                    subject=cast.repair, action="department.checked", changes={"level": {"after": level}}
                )
                with contextlib.suppress(threading.BrokenBarrierError):
                    recorded.wait(timeout=3)  # with the lock, the other one waits for this commit
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep, args=(level,)) for level in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then both are recorded, chained one after the other: no two events share a previous event
    assert errors == []
    events = list(Event.objects.for_subject(cast.repair).order_by("at", "id"))
    assert [e.changes.get("level", {}).get("after") for e in events][-2:] in ([1, 2], [2, 1])
    previous = [e.previous_hash for e in events]
    assert len(set(previous)) == len(previous)
    assert verify_chain(cast.repair)


# --- fuwu verify_timeline -------------------------------------------------------------------------


def verify(*args: str) -> str:
    out = io.StringIO()
    call_command("verify_timeline", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_timeline", *args, stdout=out)
    assert failed.value.returncode == 1
    return out.getvalue()


@pytest.fixture
def history(cast):
    """Departments with a few events each, written by the services."""
    department_update(department=cast.repair, by=cast.admin, name="维修部", reason="机构调整")
    department_update(department=cast.repair, by=cast.admin, name="工程部", reason="再次调整")
    department_update(department=cast.repair, by=cast.admin, name="工程维修部", reason="改回")
    department_update(department=cast.cleaning, by=cast.admin, name="保洁中心", reason="改名")
    return cast


def test_an_untouched_installation_passes(history):
    out = verify()

    total = Event.objects.count()
    records = Event.objects.values("subject_type_id", "subject_id").distinct().count()
    assert out.strip().splitlines() == [f"checked {total} events of {records} records: every chain is intact"]


def test_an_event_edited_behind_the_applications_back_is_named(history):
    repair = Event.objects.for_subject(history.repair).order_by("at", "id")
    edited = repair[1]
    with connection.cursor() as cursor:
        value = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
        cursor.execute(
            f"UPDATE timeline_event SET changes = {value} WHERE id = %s",
            [
                json.dumps({"name": {"before": "工程维修部", "after": "篡改部"}}, ensure_ascii=False),
                edited.pk,
            ],
        )

    out = verify_fails()

    lines = out.strip().splitlines()
    assert lines[0] == f"broken: org.department:{history.repair.pk} (工程维修部)"
    assert lines[1].startswith(
        f"  event {edited.pk} at {timezone.localtime(edited.at).isoformat()} department.updated: "
    )
    assert "hash mismatch" in lines[1]
    assert lines[-1].endswith(": 1 broken events in 1 records")
    assert len(lines) == 3  # the other records are fine: not listed


def test_a_changed_time_is_named(history):
    latest = _latest(history.cleaning)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE timeline_event SET at = %s WHERE id = %s", [latest.at + timedelta(hours=1), latest.pk]
        )

    out = verify_fails()

    assert f"broken: org.department:{history.cleaning.pk} (保洁中心)" in out
    assert f"event {latest.pk} at " in out
    assert "hash mismatch" in out


def test_a_deleted_event_in_the_middle_is_reported_at_the_event_after_it(history):
    first, deleted, after, *_rest = Event.objects.for_subject(history.repair).order_by("at", "id")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM timeline_event WHERE id = %s", [deleted.pk])

    out = verify_fails()

    assert f"broken: org.department:{history.repair.pk}" in out
    assert f"  event {after.pk} at " in out
    assert "broken link to the previous event" in out
    assert f"event {first.pk} " not in out


def test_one_record_only(history):
    deleted = Event.objects.for_subject(history.cleaning).order_by("at", "id").first()
    assert deleted is not None
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM timeline_event WHERE id = %s", [deleted.pk])
    repair_events = Event.objects.for_subject(history.repair).count()

    # the intact record passes, the broken one fails
    assert verify("--subject", f"org.department:{history.repair.pk}").strip() == (
        f"checked {repair_events} events of 1 records: every chain is intact"
    )
    assert f"org.department:{history.cleaning.pk}" in verify_fails(
        "--subject", f"org.department:{history.cleaning.pk}"
    )


@pytest.mark.parametrize("subject", ["org.department", "nothing.here:1", "org.department:999999"])
def test_a_subject_that_names_nothing_is_refused(history, subject):
    with pytest.raises(CommandError):
        call_command("verify_timeline", "--subject", subject, stdout=io.StringIO())
