"""Periodic reports as a process of the clocks engine: a report's due moment is a clock (kind
``report``) started when the report is created, met by its first submission and escalated along
the policy's ``escalation.chains.report`` when missed (registered in ``ReportsConfig.ready``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.urls import reverse

from fuwu.clocks import registry
from fuwu.notify.events import NotificationKind
from fuwu.notify.services import notify

from .models import PeriodicReport, ReportClock, ReportEscalation

RELATED = ("report", "report__organisation", "report__policy_version", "report__department")


def _policy(report: PeriodicReport) -> Any:
    from .services import policy_of

    return policy_of(report)


def _people_with_role(report: PeriodicReport, role: str, now: datetime) -> list[Any]:
    from .services import people_with_role

    return people_with_role(report, role, now)


def _preparers(report: PeriodicReport, now: datetime) -> list[Any]:
    from .services import preparers

    return preparers(report, now)


def _title(report: PeriodicReport) -> str:
    from .services import title_of

    return title_of(report)


def _notify(people: Sequence[Any], kind: str, report: PeriodicReport, title: str) -> Any:
    return notify(people, kind=kind, title=title, subject=report)


PROCESS = registry.ClockProcess(
    name="periodic_report",
    record_model=PeriodicReport,
    clock_model=ReportClock,
    escalation_model=ReportEscalation,
    record_field="report",
    policy=_policy,
    chain=lambda policy, kind: policy.escalation.chain(kind),
    warn_ratio=lambda policy: policy.sla.warn_at_ratio,
    people_with_role=_people_with_role,
    warn_recipients=_preparers,
    breach_recipients=_preparers,
    title=_title,
    link=lambda report: reverse("reports:detail", args=[report.pk]),
    notify=_notify,
    escalated_action="report.escalated",
    kinds=registry.NotificationKinds(
        approaching=NotificationKind.APPROACHING,
        breached=NotificationKind.BREACHED,
        escalated=NotificationKind.ESCALATED,
    ),
    related=RELATED,
)


def register() -> None:
    registry.register(PROCESS)
