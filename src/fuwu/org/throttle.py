"""Bearer tokens tried at random: after ``FUWU_API_BAD_TOKEN_LIMIT`` invalid tokens from one client
address within ``FUWU_API_BAD_TOKEN_WINDOW`` seconds, every bearer token from that address is
refused with 429 until the window ends. Other addresses, and browser sessions, are unaffected.

A token is 32 random bytes, so guessing one is hopeless anyway; the limit keeps a guesser (or a
script with a revoked token in a loop) from costing a database query per try, and makes it visible.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import ngettext

from fuwu.lib.errors import ThrottledError
from fuwu.lib.throttle import FailureLimit, client_ip


def bad_token_limit() -> FailureLimit:
    return FailureLimit(
        "api-bad-token", settings.FUWU_API_BAD_TOKEN_LIMIT, settings.FUWU_API_BAD_TOKEN_WINDOW
    )


def refuse_if_throttled(request: HttpRequest) -> None:
    """Raise ``ThrottledError`` when this client's address has sent too many invalid tokens."""
    wait = bad_token_limit().retry_after(client_ip(request))
    if wait:
        raise ThrottledError(
            ngettext(
                "Too many invalid API tokens were sent from this address. Try again in %(seconds)d second.",
                "Too many invalid API tokens were sent from this address. Try again in %(seconds)d seconds.",
                wait,
            )
            % {"seconds": wait},
            retry_after=wait,
        )


def record_bad_token(request: HttpRequest) -> None:
    bad_token_limit().record_failure(client_ip(request))
