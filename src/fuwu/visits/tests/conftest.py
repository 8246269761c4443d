"""Visit fixtures: the work-order and complaint fixtures (a customer, service types, ``steps`` to
drive a work order, ``complain``), shared from their apps' tests."""

from __future__ import annotations

from fuwu.complaints.tests.conftest import complain, finance  # noqa: F401
from fuwu.workorders.tests.conftest import (  # noqa: F401
    at,
    enquiry,
    household,
    leak_repair,
    receive,
    steps,
)
