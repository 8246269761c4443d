"""Group robots configured by administrators (API and page, with a "send test message" button) and
each person's notification preferences (API and page)."""

from __future__ import annotations

import re

import pytest

from fuwu.notify.models import NotificationPreference, RobotChannel
from fuwu.testing.robots import DingTalkServer

SECRET = "SECabcdef0123456789abcdef0123456789"
URL = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789"


@pytest.fixture
def robot(cast):
    return RobotChannel.objects.create(
        organisation=cast.organisation,
        department=cast.repair,
        kind="dingtalk",
        url=URL,
        secret=SECRET,
        events=["assigned", "breached"],
    )


# --- /api/v1/notification-channels -------------------------------------------------------------


def test_an_administrator_adds_changes_and_removes_a_robot(api, cast):
    client = api(cast.admin)
    created = client.post(
        "notification-channels",
        {
            "kind": "dingtalk",
            "url": URL,
            "secret": SECRET,
            "department_id": cast.repair.pk,
            "events": ["assigned"],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["kind"] == "dingtalk"
    assert body["department_id"] == cast.repair.pk
    assert body["events"] == ["assigned"]
    assert SECRET not in created.content.decode()  # never answered back whole
    assert "0123456789abcdef0123456789" not in body["url"]
    assert body["secret"] == "SECa••••6789"
    assert body["secret_set"] is True
    robot = RobotChannel.objects.get(pk=body["id"])
    assert (robot.secret, robot.url) == (SECRET, URL)

    patched = client.patch(
        f"notification-channels/{robot.pk}", {"events": ["breached", "escalated"], "enabled": False}
    )
    assert patched.status_code == 200
    assert patched.json()["events"] == ["breached", "escalated"]
    robot.refresh_from_db()
    assert (robot.enabled, robot.secret) == (False, SECRET)  # the secret kept
    assert client.get(f"notification-channels/{robot.pk}").json()["enabled"] is False
    assert [r["id"] for r in client.get("notification-channels").json()] == [robot.pk]

    assert client.delete(f"notification-channels/{robot.pk}").status_code == 204
    assert not RobotChannel.objects.exists()


def test_only_administrators_and_only_their_organisations_robots(api, cast, robot):
    for person in (cast.head_repair, cast.director, cast.tech):
        client = api(person)
        assert client.get("notification-channels").status_code == 403
        assert client.get(f"notification-channels/{robot.pk}").status_code == 403
        assert client.delete(f"notification-channels/{robot.pk}").status_code == 403
    outsider = api(cast.outsider)
    assert outsider.get(f"notification-channels/{robot.pk}").status_code == 404
    assert outsider.patch(f"notification-channels/{robot.pk}", {"enabled": False}).status_code == 404
    assert outsider.get("notification-channels").json() == []
    assert RobotChannel.objects.get(pk=robot.pk).enabled is True


def test_bad_robot_input_names_the_field(api, cast, robot):
    client = api(cast.admin)
    response = client.post(
        "notification-channels",
        {"kind": "telegram", "url": "ftp://x", "department_id": cast.repair.pk, "events": ["no_such_event"]},
    )
    assert response.status_code == 422
    assert {"kind", "url"} <= set(response.json()["error"]["fields"])
    response = client.post(
        "notification-channels",
        {
            "kind": "wecom",
            "url": "https://qyapi.weixin.qq.com/x",
            "department_id": cast.repair.pk,
            "events": ["nope"],
        },
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"events"}
    other_department = cast.outsider.department_id
    response = client.post(
        "notification-channels",
        {"kind": "wecom", "url": "https://q.example/x", "department_id": other_department},
    )
    assert set(response.json()["error"]["fields"]) == {"department_id"}
    too_long = client.post(
        "notification-channels",
        {"kind": "wecom", "url": "https://q.example/" + "x" * 600, "department_id": cast.repair.pk},
    )
    assert set(too_long.json()["error"]["fields"]) == {"url"}
    response = client.patch(f"notification-channels/{robot.pk}", {"url": None})
    assert set(response.json()["error"]["fields"]) == {"url"}


# --- /api/v1/me/notification-preferences -------------------------------------------------------


def test_my_preferences_are_read_and_chosen(api, cast):
    cast.tech.email = "tech@example.cn"
    cast.tech.save()
    client = api(cast.tech)
    answer = client.get("me/notification-preferences").json()
    assert [c["channel"] for c in answer["channels"]] == ["in_app", "email", "sms"]
    assert answer["channels"][0]["always_on"] is True
    assert any(e["key"] == "breached" and e["urgent"] for e in answer["events"])
    assert not any(e["key"] == "reminder" and e["urgent"] for e in answer["events"])
    saved = client.put(
        "me/notification-preferences",
        {
            "email": ["assigned", "breached"],
            "sms": ["escalated"],
            "quiet_start": "22:00",
            "quiet_end": "08:00",
        },
    )
    assert saved.status_code == 200, saved.content
    channels = {c["channel"]: c for c in saved.json()["channels"]}
    assert channels["email"]["events"] == ["assigned", "breached"]
    assert channels["sms"]["events"] == ["escalated"]
    assert saved.json()["quiet_start"] == "22:00:00"
    preference = NotificationPreference.objects.get(user=cast.tech)
    assert preference.email_events == ["assigned", "breached"]


def test_preferences_refuse_channels_the_account_cannot_use_and_half_quiet_hours(api, cast):
    cast.tech.phone = ""
    cast.tech.save()
    response = api(cast.tech).put(
        "me/notification-preferences", {"email": ["assigned"], "sms": ["assigned"], "quiet_start": "22:00"}
    )
    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"email", "sms", "quiet_hours"}
    response = api(cast.tech).put("me/notification-preferences", {"email": ["nope"], "extra": 1})
    assert response.status_code == 422


# --- pages -------------------------------------------------------------------------------------


def test_the_robot_page_adds_a_robot_and_shows_the_secret_masked(cast, web):
    client = web(cast.admin)
    response = client.post(
        "/notifications/robots/",
        {
            "kind": "dingtalk",
            "department": cast.repair.pk,
            "url": URL,
            "secret": SECRET,
            "events": ["assigned", "escalated"],
            "enabled": "on",
        },
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    robot = RobotChannel.objects.get()
    assert robot.events == ["assigned", "escalated"]
    assert SECRET not in html
    assert "SECa••••6789" in html
    assert "0123456789abcdef0123456789" not in html
    edit = client.get(f"/notifications/robots/{robot.pk}/").content.decode()
    assert SECRET not in edit
    assert URL not in edit
    # saving the edit form with the URL and secret left empty keeps them
    client.post(
        f"/notifications/robots/{robot.pk}/",
        {"kind": "dingtalk", "department": cast.repair.pk, "url": "", "secret": "", "events": ["breached"]},
    )
    robot.refresh_from_db()
    assert (robot.url, robot.secret, robot.events, robot.enabled) == (URL, SECRET, ["breached"], False)


def test_the_test_button_shows_success_or_the_vendors_error(cast, web, robot):
    client = web(cast.admin)
    with DingTalkServer(key="tok", secret=SECRET) as server:
        robot.url = server.url
        robot.save()
        ok = client.post(f"/notifications/robots/{robot.pk}/test/", follow=True).content.decode()
        robot.secret = "SECwrong"
        robot.save()
        refused = client.post(f"/notifications/robots/{robot.pk}/test/", follow=True).content.decode()
    assert len(server.received) == 1
    assert "alert-success" in ok
    assert "310000" in refused
    assert "sign not match" in refused


def test_robot_pages_are_for_administrators(cast, web, robot):
    client = web(cast.head_repair)
    assert client.get("/notifications/robots/").status_code == 403
    assert client.post(f"/notifications/robots/{robot.pk}/delete/").status_code == 403
    assert RobotChannel.objects.filter(pk=robot.pk).exists()
    assert web(cast.outsider).get(f"/notifications/robots/{robot.pk}/").status_code == 404


def test_the_preferences_page_saves_my_choices(cast, web):
    cast.tech.email = "tech@example.cn"
    cast.tech.save()
    client = web(cast.tech)
    page = client.get("/notifications/settings/").content.decode()
    assert 'name="email" value="assigned"' in page
    assert 'href="/notifications/settings/"' in client.get("/").content.decode()  # from the user menu
    response = client.post(
        "/notifications/settings/",
        {
            "email": ["assigned", "breached"],
            "sms": ["escalated"],
            "quiet_start": "22:00",
            "quiet_end": "08:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    preference = NotificationPreference.objects.get(user=cast.tech)
    assert preference.email_events == ["assigned", "breached"]
    assert preference.sms_events == ["escalated"]
    checked = re.findall(r'name="email" value="(\w+)"[^>]*checked', response.content.decode())
    assert checked == ["assigned", "breached"]
