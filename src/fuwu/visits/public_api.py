"""``/api/v1/public/visit-survey/{token}``: the return-visit survey for customers, no login — the
same questionnaire and the same answer as the public survey page (``public_views``).

The token in the path is the authority: any token that cannot be answered (malformed, unknown,
used, revoked, expired, its visit ended) answers the same 404, never saying which. Answers are
checked against the policy's questionnaire: a 422 names ``answers.<code>`` and leaves the link
unused. An answer is taken once: a second one (or two at the same moment) gets the 404. Answers
from one address are limited as on the page (``FUWU_PUBLIC_STATUS_RATE``, counted together with
the page's): beyond it a 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import Router
from pydantic import AfterValidator

from fuwu.core.public import rate_period_seconds, status_rate
from fuwu.lib.errors import ThrottledError

from . import services
from .display import question_label
from .public_views import RATE_GROUP
from .schemas import PublicSurveyAnsweredOut, PublicSurveyAnswerIn, PublicSurveyOut, SurveyToken
from .services.context import policy_of_subject
from .services.survey import customer_terms, neutral_not_found

# ``auth=None``: customers have no account; the one-time token in the path stands for them.
router = Router(tags=["public"], auth=None)


def _answerable(token: str) -> str:
    """Checked before the body is read: a bad token is a 404 whatever the body holds."""
    if services.usable_link(token) is None:
        raise neutral_not_found()
    return token


AnswerableToken = Annotated[SurveyToken, AfterValidator(_answerable)]


def survey_out(link: Any) -> dict[str, Any]:
    """What the customer may see of their visit: the organisation, what it is about in their terms,
    the questionnaire — no staff, departments or notes."""
    visit = link.visit
    terms = customer_terms(visit)
    policy = policy_of_subject(visit.subject)
    return {
        "organisation": visit.organisation.name,
        "about": {
            "kind": terms.kind,
            "number": terms.number,
            "service": terms.service,
            "day": terms.day,
            "text": terms.sentence(),
        },
        "questionnaire": [
            {
                "code": q.code,
                "text": question_label(q),
                "kind": q.kind,
                "choices": list(q.choices),
                "min_score": q.min_score,
                "max_score": q.max_score,
                "required": q.required,
            }
            for q in policy.visits.questionnaire
        ],
        "expires_at": link.expires_at,
    }


@router.get(
    "/visit-survey/{token}",
    response=PublicSurveyOut,
    summary="The questionnaire of a survey link (no login)",
    operation_id="public_visit_survey",
)
def get_survey(request: HttpRequest, token: AnswerableToken) -> dict[str, Any]:
    link = services.usable_link(token)
    if link is None:
        raise neutral_not_found()
    return survey_out(link)


@router.post(
    "/visit-survey/{token}",
    response=PublicSurveyAnsweredOut,
    summary="Answer a survey link (no login, once)",
    operation_id="public_visit_survey_answer",
)
def answer_survey(
    request: HttpRequest, token: AnswerableToken, payload: PublicSurveyAnswerIn
) -> dict[str, Any]:
    if is_ratelimited(request, group=RATE_GROUP, key="ip", rate=status_rate, method="POST", increment=True):
        raise ThrottledError(
            _("Too many answers from this address: please try again later."),
            retry_after=rate_period_seconds(status_rate(RATE_GROUP, request)),
        )
    services.survey_answer(token, answers=payload.answers)
    return {"status": "answered", "message": _("Thank you: your answer has been received.")}


__all__ = ["router"]
