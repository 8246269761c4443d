"""How the working-day calendar's records are shown (loaded by the timeline app at start-up)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu.lib.display import system_texts
from fuwu.timeline.display import Auto, Fields, Value, timeline_display

from .models import CalendarDay, CalendarYear, DayKind, Source

DAY = Fields({}, model=CalendarDay)

# calendar.day_set / day_reset store {"date": …, "before": {kind, name, source}, "after": {…}}.
timeline_display.subject(
    CalendarDay,
    actions={
        "calendar.day_set": _("Day set"),
        "calendar.day_reset": _("Day reset to the holiday data package"),
    },
    fields={
        "before": Value(pgettext_lazy("a change", "before"), DAY),
        "after": Value(pgettext_lazy("a change", "after"), DAY),
    },
)
timeline_display.subject(
    CalendarYear,
    actions={
        "calendar.year_confirmed": _("Year confirmed"),
        "calendar.notice_imported": _("State Council notice imported"),
        "calendar.package_synced": _("Holiday data package read again"),
    },
    fields={
        "days": Value(_("days"), Auto()),
        "package": Value(_("holiday data package"), Auto()),
    },
)

system_texts.register_choices(DayKind, Source)
