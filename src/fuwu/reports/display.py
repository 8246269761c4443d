"""How periodic reports and their values are shown (loaded at start-up): the labels of their
timeline actions and of every key the services write, and the sentences stored as text
(notification titles)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu.lib.display import system_texts
from fuwu.org.models import Role
from fuwu.timeline.display import Auto, Choice, Day, Moment, Text, Value, YesNo, timeline_display

from . import registry
from .models import PeriodicReport, Status

EVENT_LABELS = {
    "report.created": _("Report created"),
    "report.commentary_saved": _("Commentary saved"),
    "report.refreshed": _("Figures computed again"),
    "report.submitted": _("Submitted for approval"),
    "report.approved": _("Approved"),
    "report.returned": _("Returned for correction"),
    "report.escalated": _("Escalated"),
}


def _kinds(context: Any) -> dict[str, str]:
    return dict(registry.choices())


def _reports(viewer: Any, ids: set[Any]) -> Any:
    from .visibility_rules import reports_for_user

    return reports_for_user(viewer).filter(pk__in=ids).select_related("department")


def _name(report: PeriodicReport) -> str:
    from .services import title_of

    return title_of(report)


timeline_display.reference(
    PeriodicReport,
    visible=_reports,
    name=_name,
    url=lambda report, viewer: reverse("reports:detail", args=[report.pk]),
)

timeline_display.subject(
    PeriodicReport,
    actions=EVENT_LABELS,
    fields={
        "kind": Value(_("kind"), Choice(_kinds)),
        "period_start": Value(_("period from"), Day()),
        "period_end": Value(_("period until"), Day()),
        "department": Value(_("department"), Auto()),
        "due_at": Value(_("due at"), Moment()),
        "commentary": Value(_("commentary"), Text()),
        "figures_at": Value(_("figures computed at"), Moment()),
        "status": Value(_("status"), Choice(Status)),
        "late": Value(_("late"), YesNo()),
        "note": Value(_("note"), Text()),
        "clock.report": Value(_("report due"), Auto()),
        # Escalations (sweeps)
        "clock": Value(_("clock"), Choice({"report": _("report due")})),
        "level": Value(_("level"), Auto()),
        "role": Value(_("role"), Choice(Role)),
        "notified": Value(_("notified"), Auto()),
    },
)

system_texts.register(
    _("%(report)s: to prepare by %(due)s"),
    _("%(report)s submitted for approval"),
    _("%(report)s approved"),
    _("%(report)s returned for correction"),
)
system_texts.register_choices(Status)

__all__ = ["EVENT_LABELS"]
