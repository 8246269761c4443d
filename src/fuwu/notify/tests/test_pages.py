"""The notifications page: unread first, mark read one by one or all, follow to the work order, and
the unread count in the navigation bar."""

from __future__ import annotations

import re

from fuwu.notify.models import Notification, NotificationKind
from fuwu.notify.services import notify
from fuwu.workorders.tests.conftest import household, leak_repair, receive  # noqa: F401  (fixtures)


def unread_badge(html: str) -> str | None:
    found = re.search(r'data-testid="unread-count">([^<]+)<', html)
    return found.group(1) if found else None


def test_unread_notifications_come_first_and_are_counted_in_the_navigation(cast, web):
    notify([cast.tech], kind=NotificationKind.REMINDER, title="旧的提醒")
    Notification.objects.update(read_at="2026-11-20T10:00:00+08:00")
    notify([cast.tech], kind=NotificationKind.ASSIGNED, title="新的派工一")
    notify([cast.tech], kind=NotificationKind.ASSIGNED, title="新的派工二")
    notify([cast.tech2], kind=NotificationKind.ASSIGNED, title="别人的派工")

    html = web(cast.tech).get("/notifications/").content.decode()

    titles = re.findall(r'class="fw-semibold">([^<]+)<', html)
    assert titles == ["新的派工二", "新的派工一", "旧的提醒"]
    assert "别人的派工" not in html
    assert unread_badge(html) == "2"


def test_mark_one_and_all_read(cast, web):
    (first,) = notify([cast.tech], kind=NotificationKind.ASSIGNED, title="一")
    notify([cast.tech], kind=NotificationKind.ASSIGNED, title="二")
    (theirs,) = notify([cast.tech2], kind=NotificationKind.ASSIGNED, title="别人的")
    client = web(cast.tech)

    client.post(f"/notifications/{first.pk}/read/")
    assert unread_badge(client.get("/notifications/").content.decode()) == "1"
    client.post(f"/notifications/{theirs.pk}/read/")  # someone else's: nothing happens
    theirs.refresh_from_db()
    assert theirs.read_at is None

    response = client.post("/notifications/read-all/", follow=True)

    assert unread_badge(response.content.decode()) is None
    assert not Notification.objects.filter(recipient=cast.tech, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=cast.tech2, read_at__isnull=True).count() == 1


def test_opening_a_notification_marks_it_read_and_shows_the_work_order(cast, web, receive):  # noqa: F811
    from fuwu.workorders import services as wo
    from fuwu.workorders.tests.conftest import at

    order = receive()
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech, now=at(2026, 11, 23, 10, 2)
    )
    notification = Notification.objects.get(recipient=cast.tech, work_order=order)
    client = web(cast.tech)

    response = client.get(f"/notifications/{notification.pk}/open/")

    assert response.status_code == 302
    assert response["Location"] == f"/work-orders/{order.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_read_needs_post(cast, web):
    (notification,) = notify([cast.tech], kind=NotificationKind.ASSIGNED, title="一")

    assert web(cast.tech).get(f"/notifications/{notification.pk}/read/").status_code == 405
