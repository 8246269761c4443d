"""Periodic report services: one function per business verb, one transaction, one timeline event.

- ``report_create``: the report of one kind, period (and department), with its figures computed,
  its due moment from the policy's rule and its due clock started; by the daily task or by hand.
- ``report_save_commentary``, ``report_refresh``: the preparer's work while it is a draft (or
  returned).
- ``report_submit``: asks the kind's approver role through the approvals engine; the first
  submission meets the due clock (in time or late).
- ``report_approve`` / ``report_return``: decide the pending approval; the approvals engine calls
  ``apply_decision`` in the decision's transaction, which changes the report and writes its event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.approvals import services as approvals
from fuwu.approvals.models import Approval, ApprovalStatus
from fuwu.approvals.registry import Decision
from fuwu.clocks import services as clocks
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import has_control_characters
from fuwu.notify.events import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Department, Organisation, Role, User
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import policy_and_calendar_for

from . import periods, registry, rules
from .models import PeriodicReport, ReportClock, Status
from .rules import Action

APPROVAL_KIND = "periodic_report"
CLOCK_KIND = "report"
COMMENTARY_LENGTH = 20_000
NOTE_LENGTH = 2_000


def kind_of(report: PeriodicReport) -> registry.ReportKind:
    kind = registry.find(report.kind)
    if kind is None:  # a kind whose process is gone: the report stays readable, nothing else
        raise ConflictError(_("This kind of report is not offered any more."))
    return kind


def policy_of(report: PeriodicReport) -> PolicyDocument:
    """The policy version that was active when the report was created."""
    if report.policy_version is not None:
        return policy_document_for_version(report.policy_version)
    return active_policy(report.organisation)


def scope_of(report: PeriodicReport, at: datetime | None = None) -> registry.PeriodScope:
    return registry.PeriodScope(
        organisation=report.organisation,
        department=report.department,
        start=report.period_start,
        end=report.period_end,
        at=at,
    )


# --- people ------------------------------------------------------------------------------------


def people_with_role(report: PeriodicReport, role: str, now: datetime | None = None) -> list[User]:
    """The people of ``role`` for the report who may see it: a department's report reaches the
    nearest heads of its department; otherwise everybody of the role."""
    from fuwu.org.selectors import heads_of

    if role == Role.DEPARTMENT_HEAD and report.department is not None:
        people = heads_of(report.department)
    else:
        people = list(
            User.objects.filter(organisation_id=report.organisation_id, is_active=True)
            .filter(User.role_q(role))
            .select_related("department")
        )
    return visibility.who_may_see(people, report)


def preparers(report: PeriodicReport, now: datetime | None = None) -> list[User]:
    found: dict[int, User] = {}
    for role in registry.get(report.kind).preparer_roles if registry.find(report.kind) else ():
        for person in people_with_role(report, role, now):
            found.setdefault(person.pk, person)
    return list(found.values())


def kind_title(report: PeriodicReport) -> str:
    kind = registry.find(report.kind)
    return str(kind.title) if kind else report.kind


def title_of(report: PeriodicReport) -> str:
    kind = registry.find(report.kind)
    name = str(kind.title) if kind else report.kind
    period = periods.label(
        report.period_start, report.period_end, kind.period if kind else registry.Period.QUARTER
    )
    department = f" · {report.department.name}" if report.department is not None else ""
    return f"{name} {period}{department}"


# --- creating ----------------------------------------------------------------------------------


def period_of(kind: registry.ReportKind, day: date) -> tuple[date, date]:
    return periods.period_containing(day, kind.period, kind.first_month)


def report_create(
    *,
    organisation: Organisation,
    kind: registry.ReportKind,
    period_start: date,
    department: Department | None = None,
    by: User | None = None,
    now: datetime | None = None,
) -> PeriodicReport:
    """The report of ``kind`` for the period beginning ``period_start`` (and ``department``).
    Refused (409) when it exists already; a day that does not begin a period is a 422 on
    ``period_start``."""
    now = now or timezone.now()
    start, end = period_of(kind, period_start)
    if start != period_start:
        raise ValidationFailed.field(
            "period_start",
            _("a period of this report begins on %(day)s") % {"day": start.isoformat()},
        )
    if (kind.scope == registry.Scope.DEPARTMENT) != (department is not None):
        raise ValidationFailed.field(
            "department_id",
            _("is required for this report")
            if department is None
            else _("must be empty: this report is the whole organisation's"),
        )
    if department is not None and department.organisation_id != organisation.pk:
        raise ValidationFailed.field("department_id", _("is not a department of this organisation"))
    if by is not None and not rules.may_prepare(by, kind):
        raise PermissionDeniedError(_("Your role does not prepare this report."))
    existing = PeriodicReport.objects.filter(
        organisation=organisation, kind=kind.code, period_start=start, department=department
    )
    if existing.exists():
        raise ConflictError(_("This period's report exists already."), extra={"status": "exists"})
    version_id, policy, calendar = policy_and_calendar_for(organisation)
    deadline = periods.due_of(calendar, end, kind.due_rule(policy))
    figures = kind.compute(
        registry.PeriodScope(organisation=organisation, department=department, start=start, end=end, at=now)
    )
    try:
        with transaction.atomic():
            report = PeriodicReport.objects.create(
                organisation=organisation,
                kind=kind.code,
                period_start=start,
                period_end=end,
                department=department,
                policy_version_id=version_id,
                due_at=deadline.due,
                calendar_confirmed=deadline.calendar_confirmed,
                figures=figures,
                figures_at=now,
                created_by=by,
                created_at=now,
            )
            clocks.start(
                report,
                [clocks.Planned.fixed(CLOCK_KIND, start=now, due_at=deadline.due)],
                policy=policy,
                calendar=calendar,
                at=now,
            )
            record_event(
                subject=report,
                action="report.created",
                actor=by,
                at=now,
                organisation=organisation,
                first=True,
                changes={
                    "kind": {"after": kind.code},
                    "period_start": {"after": start},
                    "period_end": {"after": end},
                    "department": {"after": department.name if department else None},
                    "due_at": {"after": deadline.due},
                },
            )
            notify(
                preparers(report, now),
                kind=NotificationKind.ASSIGNED,
                title=_("%(report)s: to prepare by %(due)s")
                % {"report": title_of(report), "due": f"{timezone.localtime(deadline.due):%Y-%m-%d %H:%M}"},
                subject=report,
                now=now,
            )
    except IntegrityError:  # created by someone else at the same moment
        raise ConflictError(_("This period's report exists already."), extra={"status": "exists"}) from None
    return report


# --- the preparer's work -----------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    report: PeriodicReport
    kind: registry.ReportKind
    by: User
    now: datetime


def _begin(report: PeriodicReport, action: Action, by: User, now: datetime | None) -> Context:
    """Lock the row, then refuse an action the state (409) or the role (403) does not allow."""
    locked = (
        PeriodicReport.objects.select_for_update(of=("self",))
        .select_related("organisation", "department", "policy_version", "submitted_by")
        .get(pk=report.pk)
    )
    kind = kind_of(locked)
    now = now or timezone.now()
    if not rules.state_allows(action, locked):
        raise ConflictError(
            _("“%(action)s” is not possible now: the report is %(status)s.")
            % {"action": rules.ACTION_LABELS[action], "status": locked.get_status_display()},
            extra={
                "allowed_actions": [a.value for a in rules.allowed_actions(by, kind, locked)],
                "status": locked.status,
            },
        )
    if not rules.may(by, action, kind, locked):
        if action in (Action.APPROVE, Action.RETURN) and locked.submitted_by_id == by.pk:
            raise PermissionDeniedError(_("You submitted this report: someone else approves it."))
        raise PermissionDeniedError(
            _("Your role does not allow “%(action)s” on this report.")
            % {"action": rules.ACTION_LABELS[action]}
        )
    return Context(report=locked, kind=kind, by=by, now=now)


def clean_text(value: str, *, field: str, length: int, required: bool = False) -> str:
    text = (value or "").strip()
    if has_control_characters(text):
        raise ValidationFailed.field(field, _("must not contain control characters"))
    if len(text) > length:
        raise ValidationFailed.field(
            field, _("is too long (at most %(count)s characters)") % {"count": f"{length:,}"}
        )
    if required and not text:
        raise ValidationFailed.field(field, _("is required"))
    return text


def report_save_commentary(
    *, report: PeriodicReport, by: User, commentary: str, now: datetime | None = None
) -> PeriodicReport:
    text = clean_text(commentary, field="commentary", length=COMMENTARY_LENGTH)
    with transaction.atomic():
        context = _begin(report, Action.EDIT, by, now)
        locked = context.report
        before = locked.commentary
        if text == before:
            return locked
        locked.commentary = text
        locked.save(update_fields=["commentary"])
        record_event(
            subject=locked,
            action="report.commentary_saved",
            actor=by,
            at=context.now,
            organisation=locked.organisation,
            changes={"commentary": {"before": before, "after": text}},
        )
    return locked


def report_refresh(*, report: PeriodicReport, by: User, now: datetime | None = None) -> PeriodicReport:
    """Compute the figures again from the records as they are now (a draft or a returned report)."""
    kind = kind_of(report)
    now = now or timezone.now()
    figures = kind.compute(scope_of(report, now))  # the reads before the transaction
    with transaction.atomic():
        context = _begin(report, Action.REFRESH, by, now)
        locked = context.report
        locked.figures, locked.figures_at = figures, context.now
        locked.save(update_fields=["figures", "figures_at"])
        record_event(
            subject=locked,
            action="report.refreshed",
            actor=by,
            at=context.now,
            organisation=locked.organisation,
            changes={"figures_at": {"after": context.now}},
        )
    return locked


def report_submit(
    *, report: PeriodicReport, by: User, commentary: str | None = None, now: datetime | None = None
) -> PeriodicReport:
    """Submit for approval (with the commentary, when given): the kind's approver role is asked in
    the shared approvals inbox; the first submission meets the due clock."""
    text = (
        None if commentary is None else clean_text(commentary, field="commentary", length=COMMENTARY_LENGTH)
    )
    with transaction.atomic():
        context = _begin(report, Action.SUBMIT, by, now)
        locked, kind, now = context.report, context.kind, context.now
        changes: dict[str, Any] = {"status": {"before": locked.status, "after": Status.SUBMITTED}}
        if text is not None and text != locked.commentary:
            changes["commentary"] = {"before": locked.commentary, "after": text}
            locked.commentary = text
        first = locked.first_submitted_at is None
        if first:
            locked.first_submitted_at = now
            changes["late"] = {"after": now > locked.due_at}
            changes.update(clocks.meet(ReportClock.objects.filter(report=locked), now, [CLOCK_KIND]))
        locked.status = Status.SUBMITTED
        locked.submitted_by, locked.submitted_at = by, now
        locked.save(
            update_fields=["commentary", "first_submitted_at", "status", "submitted_by", "submitted_at"]
        )
        approvals.request(
            record=locked,
            kind=APPROVAL_KIND,
            approver_role=kind.approver_role,
            reason=title_of(locked),
            requested_by=by,
            now=now,
            department=locked.department,
        )
        record_event(
            subject=locked,
            action="report.submitted",
            actor=by,
            at=now,
            organisation=locked.organisation,
            changes=changes,
        )
        approvers = [p for p in people_with_role(locked, kind.approver_role, now) if p.pk != by.pk]
        notify(
            approvers,
            kind=NotificationKind.APPROVAL_REQUESTED,
            title=_("%(report)s submitted for approval") % {"report": title_of(locked)},
            subject=locked,
            now=now,
        )
    return locked


def pending_approval(report: PeriodicReport) -> Approval | None:
    return (
        approvals.approvals_of(report)
        .filter(kind=APPROVAL_KIND, status=ApprovalStatus.PENDING)
        .order_by("requested_at", "id")
        .first()
    )


def _decide(
    report: PeriodicReport, *, by: User, approved: bool, note: str, now: datetime | None
) -> PeriodicReport:
    note = clean_text(note, field="note", length=NOTE_LENGTH, required=not approved)
    approval = pending_approval(report)
    if approval is None:
        # Not submitted: the state refuses it (409) with the actions that are possible.
        _begin_outside(report, Action.APPROVE if approved else Action.RETURN, by, now)
        raise ConflictError(_("This report is not waiting for approval."))  # pragma: no cover
    result = approvals.decide(approval, by=by, approved=approved, note=note, now=now or timezone.now())
    assert isinstance(result, PeriodicReport)
    return result


def _begin_outside(report: PeriodicReport, action: Action, by: User, now: datetime | None) -> None:
    with transaction.atomic():
        _begin(report, action, by, now)


def report_approve(
    *, report: PeriodicReport, by: User, note: str = "", now: datetime | None = None
) -> PeriodicReport:
    return _decide(report, by=by, approved=True, note=note, now=now)


def report_return(
    *, report: PeriodicReport, by: User, note: str, now: datetime | None = None
) -> PeriodicReport:
    """Return the report to its preparer; the note (why) is required (422 on ``note``)."""
    return _decide(report, by=by, approved=False, note=note, now=now)


# --- the approvals engine's side ---------------------------------------------------------------


def gate(approval: Approval, by: User, approved: bool, now: datetime) -> Context:
    return _begin(
        PeriodicReport(pk=approval.object_id), Action.APPROVE if approved else Action.RETURN, by, now
    )


def apply_decision(decision: Decision) -> PeriodicReport:
    """What a decision does to the report, in the decision's transaction, with its one event."""
    context: Context = decision.context
    report, now, by = context.report, decision.now, decision.by
    changes: dict[str, Any] = {"status": {"before": report.status}}
    if decision.approved:
        report.status = Status.APPROVED
        report.approved_by, report.approved_at, report.approval_note = by, now, decision.note
        fields = ["status", "approved_by", "approved_at", "approval_note"]
        action = "report.approved"
        if decision.note:
            changes["note"] = {"after": decision.note}
    else:
        report.status = Status.RETURNED
        report.returned_by, report.returned_at, report.return_note = by, now, decision.note
        fields = ["status", "returned_by", "returned_at", "return_note"]
        action = "report.returned"
        changes["note"] = {"after": decision.note}
    changes["status"]["after"] = report.status
    report.save(update_fields=fields)
    record_event(
        subject=report, action=action, actor=by, at=now, organisation=report.organisation, changes=changes
    )
    told = [report.submitted_by] if report.submitted_by is not None else []
    if decision.approved:
        # 001 4.6: 上发公司品质部备案 — the approved report is filed with the quality department.
        told += people_with_role(report, Role.QUALITY_INSPECTOR, now)
    notify(
        [p for p in told if p.pk != by.pk],
        kind=NotificationKind.APPROVAL_DECIDED,
        title=(_("%(report)s approved") if decision.approved else _("%(report)s returned for correction"))
        % {"report": title_of(report)},
        subject=report,
        now=now,
    )
    return report
