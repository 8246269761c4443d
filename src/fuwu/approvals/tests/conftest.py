"""The approvals engine is tested with work orders as its user: their fixtures, shared."""

from fuwu.workorders.tests.conftest import enquiry, household, leak_repair, receive, steps  # noqa: F401
