"""Who may do what with a return visit. Seeing it is the visibility rule's job
(``selectors.visits_for_user``): these rules are asked only about visits the user sees.

- The visitor makes the visit (attempts, the answer, a survey link, a new time); a visit nobody
  has been given yet is taken by whoever of its role makes the first attempt (or sends the link).
- Nobody rated by the visit ever makes it (a rater must not be pressed by the person rated, §19).
- The heads of its department, the quality role and the director reassign or cancel it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fuwu import visibility
from fuwu.org.models import Role, User
from fuwu.org.selectors import is_head_of

from .models import Visit


class VisitAction(StrEnum):
    """Business verbs on a visit. The value is the API path segment."""

    ATTEMPT = "attempt"
    RECORD_ANSWER = "record-answer"
    # Send the customer a one-time link to the survey page (SMS, WeChat, e-mail).
    SEND_SURVEY = "send-survey"
    RESCHEDULE = "reschedule"
    REASSIGN = "reassign"
    CANCEL = "cancel"


CALLER_ACTIONS = (
    VisitAction.ATTEMPT,
    VisitAction.RECORD_ANSWER,
    VisitAction.SEND_SURVEY,
    VisitAction.RESCHEDULE,
)
SUPERVISORS = (Role.DIRECTOR, Role.QUALITY_INSPECTOR)


def makes_visits_as(user: User, role: str) -> bool:
    """Whether ``user`` makes visits given to ``role``: a director also makes a head's."""
    return user.has_role(role) or (role == Role.DEPARTMENT_HEAD and user.has_role(Role.DIRECTOR))


def is_rated(user: User, visit: Visit) -> bool:
    return any(person.pk == user.pk for person in visit.rated_people.all())


def supervises(user: User, visit: Visit) -> bool:
    return user.has_role(*SUPERVISORS) or is_head_of(user, visit.department)


def may(user: Any, action: VisitAction, visit: Visit) -> bool:
    if not visibility.is_staff_member(user) or user.organisation_id != visit.organisation_id:
        return False
    if action in CALLER_ACTIONS:
        if is_rated(user, visit):
            return False
        if visit.visitor_id is not None:
            return bool(visit.visitor_id == user.pk)
        if visit.visitor_role == Role.DEPARTMENT_HEAD and not user.has_role(Role.DIRECTOR):
            return is_head_of(user, visit.department)
        return makes_visits_as(user, visit.visitor_role)
    return supervises(user, visit)


def may_draw_samples(user: Any) -> bool:
    """Who draws the month's samples (a draw is made once): the director, the quality role and the
    administrator (the samples are drawn by themselves on the month's first day otherwise)."""
    return visibility.is_staff_member(user) and user.has_role(
        Role.DIRECTOR, Role.QUALITY_INSPECTOR, Role.ADMINISTRATOR
    )


__all__ = ["VisitAction", "is_rated", "makes_visits_as", "may", "may_draw_samples", "supervises"]
