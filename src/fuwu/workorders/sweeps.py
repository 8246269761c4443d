"""The work-order sweep is the clocks engine's (``fuwu.clocks.sweep``): warnings and escalations of
every registered process, then the work-order extras registered with the process
(``clock_process.PROCESS.extra_steps``: A/B hand-over of started absences, deferred requests whose
day has come). These names stay importable from here."""

from __future__ import annotations

from fuwu.clocks.sweep import BATCH, SweepResult, escalate, sweep, warn

_escalate = escalate
_warn = warn

__all__ = ["BATCH", "SweepResult", "_escalate", "_warn", "sweep"]
