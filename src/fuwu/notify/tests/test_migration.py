"""Notifications and outbox messages written before the generic subject (a foreign key to the work
order) point at their work order after the migration, with its organisation, number and page."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fuwu.notify.models import Notification, OutboxMessage

BEFORE = ("notify", "0002_generic_subject_deliveries_robots_preferences")
AFTER = ("notify", "0004_remove_work_order_foreign_keys")


@pytest.fixture
def fresh_content_types(transactional_db):
    """A transactional test before this one flushed the content types (post_migrate recreates them
    with new ids): forget the ids cached in this process."""
    ContentType.objects.clear_cache()


# serialized_rollback: the tables are emptied afterwards without post_migrate recreating the content
# types under new ids, so the next test restoring the serialized database finds no duplicates.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_rows_point_at_their_work_order(fresh_content_types, cast, receive, web):
    order = receive()
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])  # back to the foreign keys (subject columns still there, empty)
    old = executor.loader.project_state(BEFORE).apps
    note = old.get_model("notify", "Notification").objects.create(
        recipient_id=cast.tech.pk, kind="assigned", title="旧的派工", work_order_id=order.pk
    )
    sms = old.get_model("notify", "OutboxMessage").objects.create(
        to="13912345678", body="旧的短信", work_order_id=order.pk
    )
    loose = old.get_model("notify", "Notification").objects.create(
        recipient_id=cast.tech.pk, kind="reminder", title="no record"
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([AFTER])

    migrated = Notification.objects.get(pk=note.pk)
    assert migrated.subject == order
    assert migrated.organisation_id == cast.organisation.pk
    assert migrated.subject_title == order.number
    assert migrated.link == f"/work-orders/{order.pk}/"
    assert Notification.objects.filter(work_order=order, pk=note.pk).exists()
    message = OutboxMessage.objects.get(pk=sms.pk)
    assert (message.subject, message.organisation_id, message.subject_title) == (
        order,
        cast.organisation.pk,
        order.number,
    )
    assert Notification.objects.get(pk=loose.pk).subject_type_id is None
    page = web(cast.tech).get("/notifications/").content.decode()
    assert f">工单 {order.number}<" in page
    response = web(cast.tech).get(f"/notifications/{note.pk}/open/")
    assert response["Location"] == f"/work-orders/{order.pk}/"
