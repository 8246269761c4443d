"""Bearer tokens tried at random: one address that sends too many invalid tokens is refused with 429
and the API's error body until the window ends; other addresses and browser sessions go on."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from fuwu.org.models import ApiToken

GUESSER = "203.0.113.7"
COLLEAGUE = "198.51.100.20"


@pytest.fixture
def frozen():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def call(token: str, address: str):
    return Client().get(
        "/api/v1/me",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        REMOTE_ADDR=address,
    )


def test_too_many_invalid_tokens_from_one_address_get_429_until_the_window_ends(cast, settings, frozen):
    settings.FUWU_API_BAD_TOKEN_LIMIT = 10
    settings.FUWU_API_BAD_TOKEN_WINDOW = 600
    _, valid = ApiToken.issue(cast.agent)

    # given: ten invalid tokens from one address, each an ordinary 401
    for attempt in range(10):
        assert call(f"fw_guess{attempt}", GUESSER).status_code == 401

    # when: the eleventh try, and then even a valid token, from that address
    throttled = call("fw_guess10", GUESSER)
    valid_from_guesser = call(valid, GUESSER)

    # then: 429 with the API's error body and Retry-After
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "600"
    body = throttled.json()
    assert body == {"error": {"code": "throttled", "message": body["error"]["message"], "fields": {}}}
    assert "600 seconds" in body["error"]["message"]
    assert valid_from_guesser.status_code == 429

    # and: a valid token from another address works, and so does a browser session from the same one
    assert call(valid, COLLEAGUE).status_code == 200
    browser = Client()
    browser.force_login(cast.agent)
    assert browser.get("/api/v1/me", REMOTE_ADDR=GUESSER).status_code == 200

    # and: the wait counts down, and once the window has passed the address is let through
    frozen.shift(timedelta(seconds=420))
    assert call(valid, GUESSER)["Retry-After"] == "180"
    frozen.shift(timedelta(seconds=181))
    assert call(valid, GUESSER).status_code == 200


def test_a_refused_token_costs_no_database_query(cast, settings, django_assert_num_queries):
    settings.FUWU_API_BAD_TOKEN_LIMIT = 3
    for attempt in range(3):
        call(f"fw_guess{attempt}", GUESSER)

    with django_assert_num_queries(0):
        assert call("fw_guess3", GUESSER).status_code == 429


def test_valid_tokens_are_never_counted(cast, settings):
    settings.FUWU_API_BAD_TOKEN_LIMIT = 2
    _, valid = ApiToken.issue(cast.agent)

    for _ in range(5):
        assert call(valid, GUESSER).status_code == 200
