"""A visit planned by hand: a follow-up call, a visit the customer asked for."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors, PermissionDeniedError
from fuwu.org.models import Role, User
from fuwu.workcal.selectors import work_calendar_for

from ..models import Method, Reason, Visit
from ..permissions import SUPERVISORS
from .calls import _text, checked_visitor
from .context import policy_of_subject
from .scheduling import _create, complaint_rated, first_attempt_at, work_order_rated


def may_plan(user: User, subject: Any) -> bool:
    """Who plans visits by hand: agents, heads, the quality role and the director (the caller
    has checked they see the subject)."""
    return user.has_role(Role.AGENT, Role.DEPARTMENT_HEAD, *SUPERVISORS)


def visit_create(
    subject: Any,
    *,
    by: User,
    level: int,
    method: str,
    due_at: datetime,
    visitor_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Visit:
    """A visit of ``level`` (made by the policy's role of that level) about ``subject``, due at
    ``due_at`` (in the future), given to ``visitor_id`` or to anyone of the role; never to a
    person it rates."""
    from fuwu.complaints.models import Complaint

    now = now or timezone.now()
    if not may_plan(by, subject):
        raise PermissionDeniedError(_("Your role does not allow planning visits."))
    errors = FieldErrors()
    note = _text(note, "note", errors)
    policy = policy_of_subject(subject)
    visit_level = policy.visits.level(level)
    if visit_level is None:
        errors.add("level", _("the policy has no visit level %(level)s") % {"level": level})
    if method not in Method.values:
        errors.add("method", _("must be one of %(choices)s") % {"choices": ", ".join(Method.values)})
    if due_at <= now:
        errors.add("due_at", _("must be in the future"))
    is_complaint = isinstance(subject, Complaint)
    rated = complaint_rated(subject) if is_complaint else work_order_rated(subject)
    visitor = None
    if visitor_id is not None and visit_level is not None:
        visitor = checked_visitor(
            visitor_id,
            organisation_id=subject.organisation_id,
            role=visit_level.role,
            rated=rated,
            confidentiality=subject.confidentiality,
            errors=errors,
        )
    errors.raise_if_any()
    assert visit_level is not None
    calendar = work_calendar_for(subject.organisation)
    contact_name = subject.caller_name or (subject.customer.name if subject.customer_id else "")
    with transaction.atomic():
        return _create(
            subject=subject,
            policy=policy,
            level=level,
            reason=Reason.PLANNED,
            role=visit_level.role,
            visitor=visitor,
            rated=rated,
            due_at=due_at,
            next_attempt_at=min(first_attempt_at(policy, calendar, now, due_at), due_at),
            now=now,
            department=subject.department or subject.intake_department,
            contact_name=contact_name,
            contact_phone=subject.caller_phone,
            method=method,
            round_=subject.rehandle_count if is_complaint else subject.reopen_count,
            sample_note=note,
            actor=by,
        )
