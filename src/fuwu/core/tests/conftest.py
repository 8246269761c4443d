"""The work-order fixtures, for the home pages' tests (workbenches list work orders)."""

from fuwu.workorders.tests.conftest import enquiry, household, intake_duty, leak_repair, receive  # noqa: F401
