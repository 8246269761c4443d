"""Fixtures of the reports engine's tests."""

from __future__ import annotations

import pytest

from fuwu.reports import registry


@pytest.fixture
def engine_kinds_only():
    """The daily task's counts are of the return visits' kinds and the tests' own: the kinds other
    processes register (inspections, …) are set aside meanwhile, then put back in their order."""
    saved = dict(registry._KINDS)
    others = [code for code in saved if not code.startswith(("visits_", "test_"))]
    for code in others:
        del registry._KINDS[code]
    yield
    current = dict(registry._KINDS)
    registry._KINDS.clear()
    registry._KINDS.update({c: k for c, k in saved.items() if c in current or c in others})
    registry._KINDS.update({c: k for c, k in current.items() if c not in saved})
