"""Demo return visits for ``fuwu demo``: the demo's finished work orders and replied complaints have
scheduled their visits already (the visits app listens to them); this takes a few of them through
the services to different ends — answered satisfied, answered with a suggestion, answered
unsatisfied (the work is handled again), not reached once and "call me later" — and leaves the rest
for the agents' day."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from fuwu.lib.errors import BusinessError
from fuwu.org.models import Organisation, User
from fuwu.policy.selectors import active_policy

from . import services
from .models import Method, Status, Visit

SATISFIED = "satisfied"
SUGGESTION = "suggestion"
UNSATISFIED = "unsatisfied"


def _answers(questionnaire: list[Any], mood: str) -> dict[str, Any]:
    """Answers to the policy's questionnaire: each choice's first (best) choice, or its last for the
    unsatisfied story; yes to "solved" unless unsatisfied, no to "charged"; a score at the top or
    the bottom; a suggestion or a grievance in the text."""
    answers: dict[str, Any] = {}
    for question in questionnaire:
        if question.kind == "choice":
            answers[question.code] = question.choices[-1 if mood == UNSATISFIED else 0]
        elif question.kind == "yes_no":  # "solved?" as the story goes; "charged?" and others: no
            solved = question.measures == "solved" and mood != UNSATISFIED
            answers[question.code] = "yes" if solved else "no"
        elif question.kind == "score":
            answers[question.code] = (question.min_score or 0) if mood == UNSATISFIED else question.max_score
        elif question.kind == "text" and mood != SATISFIED:
            answers[question.code] = "希望上门前先电话联系" if mood == SUGGESTION else "师傅没修好，还在漏水"
    return answers


def _caller(visit: Visit, people: dict[str, User]) -> User:
    if visit.visitor is not None:
        return visit.visitor
    return people["quality1"] if visit.visitor_role == "quality_inspector" else people["agent1"]


def demo_visits(organisation: Organisation, people: dict[str, User], now: datetime | None = None) -> int:
    """Brings the first due visits to their ends (at past moments, never before a visit exists);
    answers how many visits the demo has."""
    now = now or timezone.now()
    questionnaire = list(active_policy(organisation).visits.questionnaire)
    due = list(
        Visit.objects.filter(organisation=organisation, status=Status.DUE, work_order__isnull=False)
        .select_related("visitor", "work_order", "organisation")
        .order_by("created_at", "id")
    )
    # The orders still open to a visit's answer first (done or confirmed: a satisfied answer makes
    # them "visited"); a closed order keeps its status whatever the customer says.
    due.sort(key=lambda v: v.work_order is None or v.work_order.status not in ("done", "confirmed"))
    stories = [SATISFIED, SATISFIED, SUGGESTION, UNSATISFIED, "unreachable", "call_later"]
    for index, (visit, story) in enumerate(zip(due, stories, strict=False)):
        at = max(
            now - timedelta(minutes=10 * (len(stories) - index)), visit.created_at + timedelta(minutes=1)
        )
        by = _caller(visit, people)
        try:
            if story in (SATISFIED, SUGGESTION, UNSATISFIED):
                services.visit_record_answer(
                    visit, by=by, answers=_answers(questionnaire, story), method=Method.PHONE, now=at
                )
            elif story == "unreachable":
                services.visit_attempt(visit, by=by, outcome="unreachable", note="无人接听", now=at)
            else:
                back = timezone.localtime(now).replace(hour=16, minute=0, second=0, microsecond=0)
                if back <= now:
                    back += timedelta(days=1)
                services.visit_attempt(
                    visit, by=by, outcome="call_later", note="客户在开会", call_back_at=back, now=at
                )
        except BusinessError:  # a story the demo's policy does not allow (outside call hours): left due
            continue
    return Visit.objects.filter(organisation=organisation).count()
