"""Moved to ``fuwu.numbering.services`` (kept until the work-order intake imports it from there)."""

from fuwu.numbering.services import next_number, period_key

__all__ = ["next_number", "period_key"]
