"""Text messages the system sent customers (the SMS outbox), as tests read them."""

from __future__ import annotations

import re

from fuwu.notify.models import OutboxMessage

_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def confirmation_code(message: OutboxMessage | None) -> str:
    """The six-digit confirmation code in ``message``; fails when no message was sent or it has no code."""
    assert message is not None, "no text message was sent"
    found = _CODE.search(message.body)
    assert found is not None, f"no six-digit code in {message.body!r}"
    return found.group(1)
