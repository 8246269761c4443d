"""Wrong passwords (django-axes): an account, or an address, is locked after five in fifteen minutes,
the sign-in page says so, and an administrator unlocks it."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from fuwu.timeline.models import Event

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse  # what the test client answers

PASSWORD = "test12345"  # the cast's (fuwu.testing.cast)
OFFICE = "192.0.2.10"
ATTACKER = "203.0.113.66"


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def sign_in(username: str, password: str, address: str, path: str = "/login/") -> tuple[Client, TestResponse]:
    client = Client()
    client.cookies["fuwu_language"] = "en"
    response = client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)
    return client, response


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one(cast, frozen):
    # given: four wrong passwords are ordinary mistakes
    for _ in range(4):
        _, response = sign_in("agent", "wrong-password", OFFICE)
        assert response.status_code == 200
        assert "Wrong username or password." in response.content.decode()

    # when: the fifth, and then the right password
    _, fifth = sign_in("agent", "wrong-password", OFFICE)
    client, right = sign_in("agent", PASSWORD, OFFICE)

    # then: the sign-in page says it is locked and for how long; nobody is signed in
    for response in (fifth, right):
        assert response.status_code == 429
        body = response.content.decode()
        assert 'data-testid="sign-in-locked"' in body
        assert "15 minutes" in body
        assert 'name="password"' in body  # the page itself, not a bare error
    assert not is_signed_in(client)

    # and: the account is locked from every address, others sign in as usual
    assert sign_in("agent", PASSWORD, "198.51.100.1")[1].status_code == 429
    assert is_signed_in(sign_in("agent2", PASSWORD, "198.51.100.1")[0])

    # and: after fifteen quiet minutes the right password works again
    frozen.shift(timedelta(minutes=15, seconds=1))
    assert is_signed_in(sign_in("agent", PASSWORD, OFFICE)[0])


def test_wrong_passwords_for_many_accounts_from_one_address_lock_that_address(cast):
    for username in ("admin", "director", "quality", "agent", "tech"):
        sign_in(username, "guess", ATTACKER)

    locked_client, locked = sign_in("agent2", PASSWORD, ATTACKER)

    assert locked.status_code == 429
    assert not is_signed_in(locked_client)
    assert is_signed_in(sign_in("agent2", PASSWORD, OFFICE)[0])


def test_wrong_passwords_for_one_account_from_many_addresses_lock_that_account(cast):
    for n in range(5):
        sign_in("director", "guess", f"203.0.113.{n + 1}")

    assert sign_in("director", PASSWORD, OFFICE)[1].status_code == 429


def test_the_admin_site_sign_in_is_locked_too(cast):
    for _ in range(5):
        sign_in("admin", "guess", ATTACKER, path="/admin/login/")

    client, response = sign_in("admin", PASSWORD, ATTACKER, path="/admin/login/")

    assert response.status_code == 429
    assert not is_signed_in(client)


def test_an_administrator_unlocks_an_account_from_the_staff_page(cast, web):
    for _ in range(5):
        sign_in("agent", "wrong-password", OFFICE)
    admin = web(cast.admin)

    # the staff page of the locked person says so, with a button
    page = admin.get(f"/org/staff/{cast.agent.pk}/")
    assert 'data-testid="sign-in-lockout"' in page.content.decode()
    assert 'data-testid="sign-in-lockout"' not in admin.get(f"/org/staff/{cast.agent2.pk}/").content.decode()

    response = admin.post(f"/org/staff/{cast.agent.pk}/unlock-sign-in/")

    assert response.status_code == 302
    assert is_signed_in(sign_in("agent", PASSWORD, OFFICE)[0])
    assert (
        Event.objects.filter(
            action="staff.sign_in_unlocked", subject_id=str(cast.agent.pk), actor=cast.admin
        ).count()
        == 1
    )
    admin.cookies["fuwu_language"] = "en"
    after = admin.get(f"/org/staff/{cast.agent.pk}/").content.decode()
    assert 'data-testid="sign-in-lockout"' not in after
    assert "Signing in unlocked" in after  # on the person's timeline


def test_the_lockouts_page_lists_accounts_of_the_organisation_and_addresses(cast, web):
    for _ in range(5):
        sign_in("agent", "wrong-password", OFFICE)
        sign_in("outsider", "wrong-password", "198.51.100.99")  # another organisation's administrator
        sign_in("root", "wrong-password", ATTACKER)  # nobody's name

    page = web(cast.admin).get("/org/sign-in-lockouts/")

    # then: our accounts, and the addresses from which no other organisation's account was tried
    assert page.status_code == 200
    accounts = [lockout.person for lockout in page.context["accounts"]]
    assert accounts == [cast.agent]
    assert {lockout.address for lockout in page.context["addresses"]} == {OFFICE, ATTACKER}
    assert cast.outsider.username not in page.content.decode()
    assert "198.51.100.99" not in page.content.decode()
    refused = web(cast.admin).post("/org/sign-in-lockouts/unlock-address/", {"address": "198.51.100.99"})
    assert refused.status_code == 404


def test_an_administrator_unlocks_an_address(cast, web):
    for username in ("admin", "director", "quality", "agent", "tech"):
        sign_in(username, "guess", ATTACKER)
    admin = web(cast.admin)

    response = admin.post("/org/sign-in-lockouts/unlock-address/", {"address": ATTACKER})

    assert response.status_code == 302
    assert is_signed_in(sign_in("agent2", PASSWORD, ATTACKER)[0])
    assert Event.objects.filter(action="organisation.sign_in_address_unlocked", actor=cast.admin).count() == 1


@pytest.mark.parametrize("who", ["agent", "head_service", "director", "outsider"])
def test_only_an_administrator_of_the_organisation_sees_and_unlocks(cast, web, who):
    for _ in range(5):
        sign_in("agent", "wrong-password", OFFICE)
    client = web(getattr(cast, who))

    page = client.get("/org/sign-in-lockouts/")
    if who == "outsider":  # an administrator, of another organisation: sees nothing of ours
        assert (page.context["accounts"], page.context["addresses"]) == ([], [])
    else:
        assert page.status_code == 403
    refused = client.post(f"/org/staff/{cast.agent.pk}/unlock-sign-in/")
    assert refused.status_code in {403, 404}
    assert client.post("/org/sign-in-lockouts/unlock-address/", {"address": OFFICE}).status_code in {403, 404}
    if who != "outsider":
        assert (
            'data-testid="sign-in-lockout"' not in client.get(f"/org/staff/{cast.agent.pk}/").content.decode()
        )

    # nothing was unlocked
    assert sign_in("agent", PASSWORD, "198.51.100.1")[1].status_code == 429
    assert not Event.objects.filter(action__contains="unlocked").exists()
