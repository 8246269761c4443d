"""The gates every inspection and rectification action runs first (lock, state: 409, role: 403)
and the helpers that write the change: the policy, one timeline event, saves."""

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
from fuwu.org.selectors import person_handler
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from .. import definition, rules
from ..models import Inspection, Rectification, TemplateVersion
from ..permissions import may, may_rectify
from ..rules import Action, RectificationAction


def policy_of(record: Inspection | Rectification) -> PolicyDocument:
    """The policy version that governed the inspection when it was planned (a rectification order:
    its inspection's)."""
    inspection = record.inspection if isinstance(record, Rectification) else record
    version = inspection.policy_version
    if version is not None:
        return policy_document_for_version(version)
    return active_policy(inspection.organisation)


def definition_of(version: TemplateVersion) -> definition.ChecklistDefinition:
    return definition.parse(version.definition)


def stand_in_of(inspection: Inspection, now: datetime) -> int | None:
    """Who handles the inspector's work now, when that is somebody else (A/B duty, AB角)."""
    handler = person_handler(inspection.inspector, now).person
    return handler.pk if handler.pk != inspection.inspector_id else None


def facts_of(inspection: Inspection, checklist: definition.ChecklistDefinition) -> rules.InspectionFacts:
    answered = {f.item_code for f in inspection.findings.all()}
    codes = set(definition.codes(checklist))
    return rules.InspectionFacts(
        status=inspection.status,
        items=len(codes),
        answered=len(codes & answered),
        sampling_needed=checklist.sampling.method != "all" and inspection.population is None,
        is_round=inspection.shift_id is not None,
    )


def allowed_actions(user: User, inspection: Inspection, now: datetime | None = None) -> list[Action]:
    checklist = definition_of(inspection.template_version)
    facts = facts_of(inspection, checklist)
    stand_in = stand_in_of(inspection, now or timezone.now())
    return [a for a in rules.actions_in_state(facts) if may(user, a, inspection, stand_in_id=stand_in)]


def allowed_rectification_actions(user: User, rectification: Rectification) -> list[RectificationAction]:
    return [
        a
        for a in rules.rectification_actions_in_state(rectification.status)
        if may_rectify(user, a, rectification)
    ]


@dataclass
class Context:
    inspection: Inspection
    checklist: definition.ChecklistDefinition
    by: User
    now: datetime
    policy: PolicyDocument
    calendar: WorkCalendar


INSPECTION_RELATED = (
    "organisation",
    "policy_version",
    "department",
    "inspector",
    "inspector__department",
    "template_version",
    "template_version__template",
    "shift",
)


def begin(inspection: Inspection, action: Action, by: User, now: datetime | None) -> Context:
    locked = (
        Inspection.objects.select_for_update(of=("self",))
        .select_related(*INSPECTION_RELATED)
        .get(pk=inspection.pk)
    )
    now = now or timezone.now()
    checklist = definition_of(locked.template_version)
    facts = facts_of(locked, checklist)
    stand_in = stand_in_of(locked, now)
    reason = rules.why_not(action, facts)
    if reason is not None:
        permitted = [a for a in rules.actions_in_state(facts) if may(by, a, locked, stand_in_id=stand_in)]
        raise ConflictError(
            _("“%(action)s” is not possible now (%(status)s): %(reason)s.")
            % {"action": action.value, "status": locked.get_status_display(), "reason": reason},
            extra={"allowed_actions": [a.value for a in permitted], "status": locked.status},
        )
    if not may(by, action, locked, stand_in_id=stand_in):
        raise PermissionDeniedError(
            _("Your role does not allow “%(action)s” on this inspection.") % {"action": action.value}
        )
    return Context(
        inspection=locked,
        checklist=checklist,
        by=by,
        now=now,
        policy=policy_of(locked),
        calendar=work_calendar_for(locked.organisation),
    )


@dataclass
class RectificationContext:
    rectification: Rectification
    by: User
    now: datetime
    policy: PolicyDocument
    calendar: WorkCalendar


RECTIFICATION_RELATED = (
    "organisation",
    "department",
    "finding",
    "inspection",
    "inspection__policy_version",
    "inspection__organisation",
    "inspection__inspector",
)


def begin_rectification(
    rectification: Rectification, action: RectificationAction, by: User, now: datetime | None
) -> RectificationContext:
    locked = (
        Rectification.objects.select_for_update(of=("self",))
        .select_related(*RECTIFICATION_RELATED)
        .get(pk=rectification.pk)
    )
    reason = rules.rectification_why_not(action, locked.status)
    if reason is not None:
        raise ConflictError(
            _("“%(action)s” is not possible now (%(status)s): %(reason)s.")
            % {"action": action.value, "status": locked.get_status_display(), "reason": reason},
            extra={
                "allowed_actions": [a.value for a in allowed_rectification_actions(by, locked)],
                "status": locked.status,
            },
        )
    if not may_rectify(by, action, locked):
        if action == RectificationAction.VERIFY and by.pk == locked.done_by_id:
            raise PermissionDeniedError(_("You recorded the rectification: someone else verifies it."))
        raise PermissionDeniedError(
            _("Your role does not allow “%(action)s” on this rectification order.") % {"action": action.value}
        )
    return RectificationContext(
        rectification=locked,
        by=by,
        now=now or timezone.now(),
        policy=policy_of(locked),
        calendar=work_calendar_for(locked.organisation),
    )


def event(
    subject: Any,
    by: User | None,
    now: datetime,
    action: str,
    changes: Mapping[str, Any] | None = None,
    reason: str = "",
    first: bool = False,
) -> None:
    record_event(
        subject=subject,
        action=action,
        actor=by,
        changes=changes,
        reason=reason,
        at=now,
        organisation=subject.organisation,
        first=first,
    )


def user_ref(user: User) -> dict[str, Any]:
    return {"id": user.pk, "label": user.display_name}


def department_ref(department: Any) -> dict[str, Any]:
    return {"id": department.pk, "label": department.name}
