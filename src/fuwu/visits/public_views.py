"""The public survey page of a return visit (customers, no login), mounted at
``/service/visits/<token>/``: the link the visitor sent by SMS, WeChat or e-mail.

It follows the public complaint pages (``fuwu.complaints.public_views``, ``fuwu.core.public``):
never cached, a rate limit per client IP on answers (``FUWU_PUBLIC_STATUS_RATE``), the honeypot
against bots, and only what concerns the customer in their terms — the organisation, what the
visit is about (the service and its day, or "your complaint"), the policy's questionnaire; no
staff names, departments or internal notes. The organisation is the link's own (an installation
with several organisations serves each one's links).

The answer goes through ``services.survey_answer`` — the same answer and consequences as one
taken on the phone. A token that cannot be answered (malformed, unknown, used, revoked, expired,
the visit ended) shows one neutral page with 404, whichever it is. After an answer the browser is
sent to the thank-you page (post/redirect/get): reloading it or going back answers nothing again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from fuwu.core.public import (
    HONEYPOT_FIELD,
    NoPublicOrganisation,
    public_organisation,
    rate_period_seconds,
    status_rate,
)
from fuwu.lib.errors import NotFoundError, ValidationFailed
from fuwu.lib.forms import StyledForm
from fuwu.lib.inputs import DESCRIPTION_LENGTH
from fuwu.org.models import Organisation
from fuwu.policy.schema import Question

from . import services
from .display import question_label
from .rules import NO, YES
from .services.context import policy_of_subject
from .services.survey import customer_terms

ANSWERED_SESSION_KEY = "fuwu_visit_survey_answered"
FIELD_PREFIX = "answer_"
RATE_GROUP = "fuwu.public.visit_survey"


class SurveyForm(StyledForm):
    """The policy's questionnaire as a form: a row of buttons for each yes/no, choice and score
    question, a text box for the rest; and the honeypot. The service checks the answers again."""

    def __init__(self, questionnaire: list[Question], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        for question in questionnaire:
            self.fields[FIELD_PREFIX + question.code] = self._field(question)
        self.fields[HONEYPOT_FIELD] = forms.CharField(
            label=_("Leave this field empty"),
            required=False,
            widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off", "class": "form-control"}),
        )

    @staticmethod
    def _field(question: Question) -> forms.Field:
        label = question_label(question)
        buttons = forms.RadioSelect(attrs={"class": "btn-check"})
        if question.kind == "yes_no":
            return forms.ChoiceField(
                label=label,
                choices=[(YES, _("Yes")), (NO, _("No"))],
                widget=buttons,
                required=question.required,
            )
        if question.kind == "choice":
            return forms.ChoiceField(
                label=label,
                choices=[(c, c) for c in question.choices],
                widget=buttons,
                required=question.required,
            )
        if question.kind == "score":
            low, high = question.min_score or 0, question.max_score or 0
            return forms.ChoiceField(
                label=label,
                choices=[(str(n), str(n)) for n in range(low, high + 1)],
                widget=buttons,
                required=question.required,
            )
        return forms.CharField(
            label=label,
            required=False,
            max_length=DESCRIPTION_LENGTH,
            widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        )

    @property
    def is_bot(self) -> bool:
        return bool(str(self.data.get(HONEYPOT_FIELD, "")).strip())

    def questions(self) -> list[tuple[Question, forms.BoundField]]:
        return [(q, self[FIELD_PREFIX + q.code]) for q in self.questionnaire]

    def answers(self) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for question in self.questionnaire:
            value = self.cleaned_data.get(FIELD_PREFIX + question.code)
            if value in (None, ""):
                continue
            answers[question.code] = int(value) if question.kind == "score" else value
        return answers

    def add_service_errors(self, error: ValidationFailed) -> None:
        for name, problems in error.fields.items():
            field = FIELD_PREFIX + name.removeprefix("answers.")
            for problem in problems:
                self.add_error(field if field in self.fields else None, problem)
        if not error.fields:
            self.add_error(None, str(error.message))


def _shared_organisation() -> Any:
    """The organisation the neutral page names: the same for every token (so it tells nothing)."""
    try:
        return public_organisation()
    except NoPublicOrganisation:
        return None


def not_found(request: HttpRequest) -> HttpResponse:
    return render(
        request, "public_visits/not_found.html", {"organisation": _shared_organisation()}, status=404
    )


def survey_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Never cached; answers counted per client IP (429 with a friendly page once exceeded)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "limited", False):
            response = render(
                request, "public/rate_limited.html", {"organisation": _shared_organisation()}, status=429
            )
            response["Retry-After"] = str(rate_period_seconds(status_rate(RATE_GROUP, request)))
            return response
        return view(request, *args, **kwargs)

    limited = ratelimit(group=RATE_GROUP, key="ip", rate=status_rate, method="POST", block=False)(wrapped)
    return never_cache(limited)


@survey_page
def survey(request: HttpRequest, token: str) -> HttpResponse:
    link = services.usable_link(token)
    if link is None:
        return not_found(request)
    visit = link.visit
    questionnaire = list(policy_of_subject(visit.subject).visits.questionnaire)
    context: dict[str, Any] = {
        "organisation": visit.organisation,
        "about": customer_terms(visit).sentence(),
        "expires_at": link.expires_at,
    }
    if request.method != "POST":
        context["form"] = SurveyForm(questionnaire)
        return render(request, "public_visits/survey.html", context)
    form = SurveyForm(questionnaire, request.POST)
    context["form"] = form
    if form.is_bot:
        form.add_error(None, _("Your answer could not be accepted. Please call us instead."))
        return render(request, "public_visits/survey.html", context, status=400)
    if form.is_valid():
        try:
            services.survey_answer(token, answers=form.answers())
        except NotFoundError:  # answered, revoked or expired a moment ago
            return not_found(request)
        except ValidationFailed as error:
            form.add_service_errors(error)
        else:
            request.session[ANSWERED_SESSION_KEY] = visit.organisation_id
            return redirect("public_visits:thanks")
    return render(request, "public_visits/survey.html", context, status=422)


@survey_page
def thanks(request: HttpRequest) -> HttpResponse:
    """The thank-you page, for the browser that just answered (nothing here for anyone else)."""
    organisation_id = request.session.get(ANSWERED_SESSION_KEY)
    organisation = Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None
    if organisation is None:
        return not_found(request)
    return render(request, "public_visits/thanks.html", {"organisation": organisation})
