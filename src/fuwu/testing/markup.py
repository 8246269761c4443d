"""Pieces of a rendered page, as tests pick them out."""

from __future__ import annotations

import re


def fragment(pattern: str, html: str, flags: int = 0) -> str:
    """The part of ``html`` that ``pattern`` matches (a tag, an element); fails when nothing does."""
    found = re.search(pattern, html, flags)
    assert found is not None, f"nothing in the page matches {pattern!r}"
    return found.group(0)
