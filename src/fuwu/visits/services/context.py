"""The gate every visit action runs first (``_begin``: lock, state, who) and the helpers that write
the change: the policy of the visit's subject, its one timeline event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import ConflictError, PermissionDeniedError
from fuwu.lib.worktime import WorkCalendar
from fuwu.org.models import User
from fuwu.policy.schema import PolicyDocument, Question
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from ..models import Status, SurveyRevocation, Visit, VisitSurveyLink
from ..permissions import VisitAction, may

# The state each action needs.
ACTION_STATUSES: dict[VisitAction, tuple[str, ...]] = {
    VisitAction.ATTEMPT: (Status.DUE,),
    VisitAction.RECORD_ANSWER: (Status.DUE,),
    VisitAction.SEND_SURVEY: (Status.DUE,),
    VisitAction.RESCHEDULE: (Status.DUE,),
    VisitAction.REASSIGN: (Status.DUE,),
    VisitAction.CANCEL: (Status.DUE,),
}


# The timeline's actor when the customer answered the survey page themselves (no member of staff).
CUSTOMER_ACTOR = "customer"


@dataclass
class Context:
    visit: Visit
    # The member of staff acting, or on whose behalf the customer's own answer acts (the visitor).
    by: User | None
    now: datetime
    policy: PolicyDocument
    calendar: WorkCalendar
    # The customer answered through a survey link: the visit's event and attempt are theirs.
    by_customer: bool = False

    @property
    def actor(self) -> Any:
        return CUSTOMER_ACTOR if self.by_customer else self.by


def policy_of_subject(subject: Any) -> PolicyDocument:
    """The policy version that governed the visit's work order or complaint."""
    version = getattr(subject, "policy_version", None)
    if version is not None:
        return policy_document_for_version(version)
    return active_policy(subject.organisation)


def questionnaire_of(visit: Visit, policy: PolicyDocument) -> list[Question]:
    """What a visit asks: a campaign's own questions; a planned visit the policy's
    ``planned.questionnaire``; a visit about a work order or a complaint the policy's
    ``questionnaire``."""
    if visit.campaign_id is not None and visit.campaign is not None:
        return [Question.model_validate(q) for q in visit.campaign.questionnaire]
    if visit.is_planned:
        return list(policy.visits.planned.questionnaire)
    return list(policy.visits.questionnaire)


def start_clock(visit: Visit, policy: PolicyDocument, now: datetime) -> None:
    """The visit's deadline as a clock of the clocks engine (a complaint's visit has the
    complaint's own return-visit clock instead)."""
    from fuwu.clocks import services as clocks

    from ..models import ClockKind

    if visit.complaint_id is not None:
        return
    clocks.start(
        visit,
        [clocks.Planned.fixed(ClockKind.VISIT, start=now, due_at=max(visit.due_at, now))],
        policy=policy,
        calendar=work_calendar_for(visit.organisation),
        at=now,
    )


def meet_clock(visit: Visit, now: datetime) -> None:
    """The visit is made (answered, or not reached after the last attempt): its clock is met."""
    from fuwu.clocks import services as clocks

    from ..models import ClockKind

    clocks.meet(visit.clocks.all(), now, [ClockKind.VISIT])


def stop_clocks(visits: Any) -> None:
    """The visits' running clocks stop counting (the visits are cancelled or moot)."""
    from ..models import VisitClock

    VisitClock.objects.filter(visit__in=visits, is_active=True, met_at__isnull=True).update(is_active=False)


def lock(visit: Visit | int) -> Visit:
    pk = visit if isinstance(visit, int) else visit.pk
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related(
            "organisation",
            "visitor",
            "department",
            "work_order__policy_version",
            "work_order__organisation",
            "complaint__policy_version",
            "complaint__organisation",
            "customer__organisation",
            "campaign",
        )
        .prefetch_related("rated_people")
        .get(pk=pk)
    )


def actions_in_state(visit: Visit) -> list[VisitAction]:
    return [action for action, statuses in ACTION_STATUSES.items() if visit.status in statuses]


def allowed_actions(user: User, visit: Visit) -> list[VisitAction]:
    return [action for action in actions_in_state(visit) if may(user, action, visit)]


def _begin(visit: Visit, action: VisitAction, by: User, now: datetime | None) -> Context:
    """Lock the row, then refuse an action the state (409) or the person (403) does not allow."""
    locked = lock(visit)
    if action not in actions_in_state(locked):
        raise ConflictError(
            _("“%(action)s” is not possible while the visit is %(status)s.")
            % {"action": action.value, "status": locked.get_status_display()},
            extra={
                "allowed_actions": [a.value for a in allowed_actions(by, locked)],
                "status": locked.status,
            },
        )
    if not may(by, action, locked):
        raise PermissionDeniedError(_("You may not “%(action)s” this visit.") % {"action": action.value})
    return Context(
        visit=locked,
        by=by,
        now=now or timezone.now(),
        policy=policy_of_subject(locked.subject),
        calendar=work_calendar_for(locked.organisation),
    )


def _event(ctx: Context, action: str, changes: Mapping[str, Any] | None = None, reason: str = "") -> None:
    record_event(
        subject=ctx.visit,
        action=action,
        actor=ctx.actor,
        changes=changes or {},
        reason=reason,
        at=ctx.now,
        organisation=ctx.visit.organisation,
    )


def revoke_survey_links(visits: Any, now: datetime, *, because: str = SurveyRevocation.VISIT_ENDED) -> int:
    """Revoke the open survey links of ``visits`` (a visit, its id, or a queryset of visits): a
    visit that ended otherwise (answered by phone, cancelled, not reached), or a newer link sent.
    Returns how many were revoked."""
    if isinstance(visits, Visit):
        links = VisitSurveyLink.objects.filter(visit=visits)
    elif isinstance(visits, int):
        links = VisitSurveyLink.objects.filter(visit_id=visits)
    else:
        links = VisitSurveyLink.objects.filter(visit__in=visits)
    return links.filter(used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now, revoked_because=because
    )


def note_revoked(count: int, changes: dict[str, Any]) -> None:
    if count:
        changes["survey_links_revoked"] = {"after": count}
