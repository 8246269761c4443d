"""The periodic sweep is the clocks engine's task (``fuwu.clocks.tasks``); importable from here."""

from __future__ import annotations

from fuwu.clocks.tasks import sweep_every_minute, sweep_now

__all__ = ["sweep_every_minute", "sweep_now"]
