"""``/api/v1/notifications``: one's own in-app notifications, read and unread."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu.notify.models import Notification, NotificationKind
from fuwu.notify.services import notify
from fuwu.workorders.tests.conftest import household, leak_repair, receive  # noqa: F401 (fixtures)


@pytest.fixture
def inbox(cast):
    """Three notifications for the agent (one already read), one for the technician."""
    notes = [
        notify([cast.agent], kind=NotificationKind.ASSIGNED, title=f"GD2611-0000{i} 已派工")[0]
        for i in range(3)
    ]
    Notification.objects.filter(pk=notes[0].pk).update(read_at=notes[0].created_at)
    other = notify([cast.tech], kind=NotificationKind.REMINDER, title="催办")[0]
    return notes, other


def test_list_my_notifications_newest_first_with_unread_filter_and_paging(api, cast, inbox):
    notes, other = inbox
    client = api(cast.agent)

    everything = client.get("notifications").json()
    unread = client.get("notifications", {"unread": "true"}).json()
    read = client.get("notifications", {"unread": "false"}).json()
    page = client.get("notifications", {"limit": 1, "offset": 1}).json()

    assert [n["id"] for n in everything["items"]] == [notes[2].pk, notes[1].pk, notes[0].pk]
    assert everything["count"] == 3
    assert everything["unread_count"] == 2
    assert other.pk not in [n["id"] for n in everything["items"]]
    assert [n["id"] for n in unread["items"]] == [notes[2].pk, notes[1].pk]
    assert [n["id"] for n in read["items"]] == [notes[0].pk]
    assert read["items"][0]["is_read"] is True
    assert [n["id"] for n in page["items"]] == [notes[1].pk]
    assert page["count"] == 3


def test_mark_one_read(api, cast, inbox):
    notes, _ = inbox
    response = api(cast.agent).post(f"notifications/{notes[1].pk}/read")
    assert response.status_code == 200
    assert response.json()["is_read"] is True
    assert Notification.objects.get(pk=notes[1].pk).read_at is not None
    assert Notification.objects.get(pk=notes[2].pk).read_at is None


def test_someone_elses_notification_does_not_exist(api, cast, inbox):
    _, other = inbox
    assert api(cast.agent).post(f"notifications/{other.pk}/read").status_code == 404
    assert api(cast.outsider).post(f"notifications/{other.pk}/read").status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_mark_all_read(api, cast, inbox):
    _, other = inbox
    client = api(cast.agent)

    response = client.post("notifications/read-all")

    assert response.json() == {"marked": 2}
    assert client.get("notifications", {"unread": "true"}).json()["count"] == 0
    assert Notification.objects.get(pk=other.pk).read_at is None  # only mine


def test_bad_filters_name_the_field(api, cast):
    response = api(cast.agent).get("notifications", {"limit": 0, "unread": "maybe"})
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"limit", "unread"}


def test_list_uses_the_same_number_of_queries_at_10_and_200_rows(api, cast, receive):  # noqa: F811
    order = receive()
    client = api(cast.agent)
    client.get("notifications")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("notifications", {"limit": 200}).status_code == 200
        return len(captured)

    Notification.objects.bulk_create(
        [Notification(recipient=cast.agent, kind="assigned", title=f"n{i}", subject=order) for i in range(10)]
    )
    small = count()
    Notification.objects.bulk_create(
        [
            Notification(recipient=cast.agent, kind="assigned", title=f"m{i}", subject=order)
            for i in range(190)
        ]
    )
    assert count() == small
