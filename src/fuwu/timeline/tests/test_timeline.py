"""The timeline is append-only, written in the business transaction, and tamper-evident."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from fuwu.org.services import department_update
from fuwu.timeline.models import AppendOnlyError, Event
from fuwu.timeline.services import record_event, verify_chain


def test_events_cannot_be_edited_or_deleted_through_the_orm(cast):
    event = Event.objects.for_subject(cast.repair).get()
    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


def test_record_event_refuses_to_run_outside_a_transaction(cast):
    # pytest-django wraps tests in a transaction; step outside it explicitly
    saved, connection.in_atomic_block = connection.in_atomic_block, False
    try:
        with pytest.raises(RuntimeError):
            record_event(subject=cast.repair, action="x")
    finally:
        connection.in_atomic_block = saved


def test_a_failed_action_leaves_no_event(cast):
    before = Event.objects.count()

    class ActionFailed(Exception):
        pass

    def failing_action() -> None:
        with transaction.atomic():
            department_update(department=cast.repair, by=cast.admin, name="维修部", reason="改名")
            raise ActionFailed("the surrounding action fails after the service ran")

    with pytest.raises(ActionFailed):
        failing_action()
    assert Event.objects.count() == before
    cast.repair.refresh_from_db()
    assert cast.repair.name == "工程维修部"


def test_update_records_changed_fields_before_and_after_with_reason(cast):
    department_update(department=cast.repair, by=cast.admin, name="维修部", reason="机构调整")
    event = Event.objects.for_subject(cast.repair).order_by("-id").first()
    assert event is not None
    assert event.action == "department.updated"
    assert event.changes == {"name": {"before": "工程维修部", "after": "维修部"}}
    assert event.reason == "机构调整"
    assert event.actor == cast.admin


def test_hash_chain_detects_a_change_made_behind_the_applications_back(cast):
    department_update(department=cast.repair, by=cast.admin, name="维修部", reason="机构调整")
    assert verify_chain(cast.repair)
    latest = Event.objects.for_subject(cast.repair).order_by("-id").first()
    assert latest is not None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE timeline_event SET reason = %s WHERE id = %s", ["篡改", latest.pk])
    assert not verify_chain(cast.repair)


def test_no_change_no_event(cast):
    before = Event.objects.count()
    department_update(department=cast.repair, by=cast.admin, name="工程维修部")
    assert Event.objects.count() == before
