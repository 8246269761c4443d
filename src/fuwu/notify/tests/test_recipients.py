"""Recipients are only people who may see the record, and a message carries only what its recipient
may see: visibility in a bounded number of queries, phones masked per recipient, and group robots
told only the number, event and link of a confidential record."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fuwu import visibility
from fuwu.notify.models import Delivery, Notification, NotificationKind, NotificationPreference, RobotChannel
from fuwu.notify.services import notify
from fuwu.org.services import staff_update
from fuwu.testing.robots import WeComServer


@pytest.fixture
def orders(cast, receive):
    """A public order and a 机密 (2) one, both in 工程维修部; the secret one assigned to tech2."""
    staff_update(user=cast.agent, by=cast.admin, clearance=2)
    staff_update(user=cast.head_repair, by=cast.admin, clearance=2)
    staff_update(user=cast.tech2, by=cast.admin, clearance=2)
    public = receive(description="12号楼漏水, 业主电话 13912345678")
    secret = receive(description="机密单位漏水 国安大楼 3 层", confidentiality=2)
    secret.assignee = cast.tech2
    secret.save(update_fields=["assignee"])
    secret.team.add(cast.plumber)
    return public, secret


def test_who_may_see_answers_as_may_see_for_everyone_in_a_bounded_number_of_queries(cast, orders):
    everyone = [*cast.everyone(), cast.outsider]
    for order in orders:
        for person in everyone:
            person.refresh_from_db()
        expected = [p for p in everyone if visibility.may_see(p, order)]
        with CaptureQueriesContext(connection) as captured:
            allowed = visibility.who_may_see(everyone, order)
        assert allowed == expected
        assert len(captured) <= 2
    public, secret = orders
    assert cast.cleaner not in visibility.who_may_see(everyone, public)  # another department
    assert cast.tech not in visibility.who_may_see(everyone, secret)  # below its clearance
    assert cast.plumber not in visibility.who_may_see(everyone, secret)  # on the team, not cleared


def test_people_who_may_not_see_the_record_get_nothing_on_any_channel(
    cast, orders, django_capture_on_commit_callbacks
):
    _, secret = orders
    for person in (cast.cleaner, cast.tech, cast.tech2):
        person.email = f"{person.username}@example.cn"
        person.save()
        NotificationPreference.objects.create(user=person, email_events=["reminder"], sms_events=["reminder"])
    with django_capture_on_commit_callbacks(execute=True):
        written = notify(
            [cast.cleaner, cast.tech, cast.tech2],
            kind=NotificationKind.REMINDER,
            subject=secret,
            title=f"{secret.number}: 国安大楼 3 层",
        )
    assert [n.recipient for n in written] == [cast.tech2]
    assert not Notification.objects.filter(recipient__in=[cast.cleaner, cast.tech]).exists()
    assert [m.to for m in mail.outbox] == [["tech2@example.cn"]]
    assert set(Delivery.objects.values_list("to", flat=True)) == {"tech2@example.cn", cast.tech2.phone}


def test_a_robot_of_another_department_never_hears_of_the_record(
    cast, orders, django_capture_on_commit_callbacks
):
    public, _ = orders
    with WeComServer() as server:
        RobotChannel.objects.create(
            organisation=cast.organisation,
            department=cast.cleaning,
            kind="wecom",
            url=server.url,
            events=["reminder"],
        )
        RobotChannel.objects.create(
            organisation=cast.organisation,
            department=cast.plumbing,
            kind="wecom",
            url=server.url,
            events=["reminder"],
        )
        with django_capture_on_commit_callbacks(execute=True):
            notify([cast.head_repair], kind=NotificationKind.REMINDER, subject=public, title=public.number)
    assert server.received == []  # 保洁部 is another department, 水电班 is below 工程维修部


def test_the_heads_robot_group_gets_no_confidential_details(cast, orders, django_capture_on_commit_callbacks):
    _, secret = orders
    with WeComServer() as server:
        RobotChannel.objects.create(
            organisation=cast.organisation,
            department=cast.repair,
            kind="wecom",
            url=server.url,
            events=["reminder"],
        )
        with django_capture_on_commit_callbacks(execute=True):
            (note,) = notify(
                [cast.head_repair],
                kind=NotificationKind.REMINDER,
                subject=secret,
                title=f"{secret.number}: 国安大楼 3 层",
                body="机密单位漏水, 联系 13912345678",
            )
    (message,) = server.received
    content = message["markdown"]["content"]
    assert secret.number in content
    assert f"/work-orders/{secret.pk}/" in content
    assert "国安大楼" not in content
    assert "机密单位" not in content
    assert "1391" not in content
    assert "国安大楼" in note.title  # the head, cleared for it, reads it in the app


def test_a_robot_above_the_department_gets_public_details_with_phones_masked(
    cast, orders, django_capture_on_commit_callbacks
):
    public, _ = orders
    with WeComServer() as server:
        RobotChannel.objects.create(
            organisation=cast.organisation,
            department=cast.repair,
            kind="wecom",
            url=server.url,
            events=["reminder"],
        )
        with django_capture_on_commit_callbacks(execute=True):
            notify(
                [cast.head_repair],
                kind=NotificationKind.REMINDER,
                subject=public,
                title=f"{public.number}: 催办",
                body="业主电话 13912345678",
            )
    content = server.received[0]["markdown"]["content"]
    assert "催办" in content
    assert "139****5678" in content
    assert "13912345678" not in content


def test_phone_numbers_are_masked_for_each_recipient_who_may_not_see_them_whole(cast, orders):
    public, _ = orders
    # property preset: agents, technicians and administrators see numbers whole; heads do not
    notes = notify(
        [cast.agent, cast.head_repair],
        kind=NotificationKind.REMINDER,
        subject=public,
        title=f"{public.number}: 回电 13912345678",
        body="业主电话 13912345678",
    )
    by_person = {n.recipient_id: n for n in notes}
    assert "13912345678" in by_person[cast.agent.pk].body
    assert "13912345678" not in by_person[cast.head_repair.pk].body
    assert "139****5678" in by_person[cast.head_repair.pk].title


def test_notifying_many_recipients_costs_a_bounded_number_of_queries(cast, orders):
    public, _ = orders
    few = [cast.head_repair, cast.agent]
    many = [*cast.everyone(), cast.outsider]

    def count(people) -> int:
        with CaptureQueriesContext(connection) as captured:
            notify(people, kind=NotificationKind.REMINDER, subject=public, title="催办")
        return len(captured)

    count(few)  # warm the content-type and policy caches
    assert count(many) == count(few)
