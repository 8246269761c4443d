"""The work-order fixtures, for tests that notify about a real work order."""

from fuwu.workorders.tests.conftest import household, leak_repair, receive  # noqa: F401 (fixtures)
