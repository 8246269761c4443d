"""Forms of the return-visit pages. They only shape input: the rules (the questionnaire's answers,
the call hours, who may be given a visit) are the services'. A service's error names a field as
the API does (``answers.<code>``, ``visitor_id``, ``at``); ``field_of`` gives the form's name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu.lib.forms import DateInput, DateTimeLocalInput, StyledForm
from fuwu.lib.inputs import REASON_LENGTH
from fuwu.org.models import User
from fuwu.policy.schema import Question

from .display import question_label
from .models import AttemptOutcome, Method, Status, SurveyMethod

ANSWER_PREFIX = "answer_"
SERVICE_FIELD_NAMES = {"visitor_id": "visitor", "call_back_at": "call_back_at", "at": "at"}
TEXT_ANSWER_LENGTH = 2000


def field_of(service_name: str) -> str:
    """The form field of a service's error name: ``answers.attitude`` → ``answer_attitude``."""
    if service_name.startswith("answers."):
        return ANSWER_PREFIX + service_name.split(".", 1)[1]
    base = service_name.split(".")[0].split("[")[0]
    return SERVICE_FIELD_NAMES.get(base, base)


def _note(label: Any, *, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=REASON_LENGTH, required=required, widget=forms.Textarea(attrs={"rows": 2})
    )


def _moment(label: Any, *, required: bool) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=DateTimeLocalInput())


# A visit on the page is made by phone, SMS, WeChat, e-mail or on site; "survey" is the customer's
# own answer through the public link.
PAGE_METHODS = [(value, label) for value, label in Method.choices if value != Method.SURVEY]


class AnswerForm(StyledForm):
    """The questionnaire of the visit's policy, one field per question (``answer_<code>``)."""

    method = forms.ChoiceField(label=_("How the customer was reached"), choices=PAGE_METHODS)
    note = _note(_("Note"))

    def __init__(self, *args: Any, questionnaire: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        asked: dict[str, forms.Field] = {}
        for question in questionnaire:
            asked[ANSWER_PREFIX + question.code] = self._field(question)
        for field in asked.values():  # styled as StyledForm styles its own (radios: by the page)
            if isinstance(field.widget, forms.Select) and not isinstance(field.widget, forms.RadioSelect):
                field.widget.attrs.setdefault("class", "form-select")
            elif isinstance(field.widget, forms.Textarea):
                field.widget.attrs.setdefault("class", "form-control")
        self.fields = {**asked, **self.fields}
        self.questionnaire = questionnaire

    @staticmethod
    def _field(question: Question) -> forms.Field:
        label = question_label(question)
        required = question.required and question.kind != "text"
        if question.kind == "yes_no":
            return forms.ChoiceField(
                label=label,
                required=required,
                choices=[("yes", _("yes")), ("no", _("no"))],
                widget=forms.RadioSelect,
            )
        if question.kind == "choice":
            return forms.ChoiceField(
                label=label,
                required=required,
                choices=[(c, c) for c in question.choices],
                widget=forms.RadioSelect,
            )
        if question.kind == "score":
            low, high = question.min_score or 0, question.max_score or 0
            return forms.TypedChoiceField(
                label=label,
                required=required,
                coerce=int,
                choices=[("", "—"), *((n, str(n)) for n in range(low, high + 1))],
            )
        return forms.CharField(
            label=label,
            required=False,
            max_length=TEXT_ANSWER_LENGTH,
            widget=forms.Textarea(attrs={"rows": 2}),
        )

    def answers(self) -> dict[str, Any]:
        """The answers as the service takes them (an unanswered optional question left out)."""
        data = self.cleaned_data
        answers: dict[str, Any] = {}
        for question in self.questionnaire:
            value = data.get(ANSWER_PREFIX + question.code)
            if value not in (None, ""):
                answers[question.code] = value
        return answers


class AttemptForm(StyledForm):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(v, label) for v, label in AttemptOutcome.choices if v != AttemptOutcome.ANSWERED],
        widget=forms.RadioSelect,
        initial=AttemptOutcome.UNREACHABLE,
    )
    method = forms.ChoiceField(label=_("Method"), choices=PAGE_METHODS)
    call_back_at = _moment(_("Call back at (when the customer asked)"), required=False)
    note = _note(_("Note"))


class RescheduleForm(StyledForm):
    at = _moment(_("Next call at"), required=True)
    reason = _note(_("Reason"), required=True)


class ReassignForm(StyledForm):
    visitor: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Give it to"), queryset=None)
    reason = _note(_("Reason"), required=True)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["visitor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people
        field.label_from_instance = _person  # type: ignore[method-assign,assignment]


def _person(user: User) -> str:
    department = user.department.name if user.department_id and user.department else ""
    return f"{user.display_name} · {department}" if department else user.display_name


class CancelForm(StyledForm):
    reason = _note(_("Reason"), required=True)


class ListFilterForm(StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("all")), *Status.choices], required=False)
    level = forms.TypedChoiceField(
        label=_("Level"),
        coerce=int,
        required=False,
        empty_value=None,
        choices=[("", _("all")), (1, _("level 1")), (2, _("level 2")), (3, _("level 3"))],
    )


class SampleMonthForm(StyledForm):
    month = forms.DateField(
        label=_("Month"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"})
    )


class SendSurveyForm(StyledForm):
    """The survey link to the customer: by SMS to the visit's number, by e-mail to an address
    given here (customers have none on record), or for WeChat shown once to paste into the chat."""

    method = forms.ChoiceField(label=_("Send by"), choices=SurveyMethod.choices, widget=forms.RadioSelect)
    email = forms.EmailField(label=_("E-mail address (for e-mail)"), required=False, max_length=254)


QUESTION_ROWS = 5
QUESTION_KINDS = [
    ("text", _("free text")),
    ("yes_no", _("yes / no")),
    ("choice", _("one of the choices")),
    ("score", _("a score from 1 to 10")),
]


class CampaignForm(StyledForm):
    """A questionnaire campaign: whom (the filters), how, by when, and up to five questions of its
    own (none: the planned visits' questionnaire of the policy)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    method = forms.ChoiceField(
        label=_("Method"), choices=[(v, label) for v, label in PAGE_METHODS if v != Method.SURVEY]
    )
    due_at = _moment(_("Due at"), required=True)
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Customers of the department"), queryset=None, required=False
    )
    with_agreement = forms.BooleanField(label=_("Only customers with a current agreement"), required=False)
    served_from = forms.DateField(label=_("Served from"), required=False, widget=DateInput())
    served_to = forms.DateField(label=_("Served until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
        for row in range(1, QUESTION_ROWS + 1):
            self.fields[f"q{row}_text"] = forms.CharField(
                label=_("Question %(n)s") % {"n": row},
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )
            self.fields[f"q{row}_kind"] = forms.ChoiceField(
                label=_("Answer"),
                choices=QUESTION_KINDS,
                required=False,
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.fields[f"q{row}_choices"] = forms.CharField(
                label=_("Choices (separated by /)"),
                max_length=300,
                required=False,
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def question_rows(self) -> list[tuple[Any, Any, Any]]:
        return [
            (self[f"q{row}_text"], self[f"q{row}_kind"], self[f"q{row}_choices"])
            for row in range(1, QUESTION_ROWS + 1)
        ]

    def questions(self) -> list[dict[str, Any]] | None:
        """The questions in the policy's format (``q1``…), or None when none was written."""
        data = self.cleaned_data
        questions: list[dict[str, Any]] = []
        for row in range(1, QUESTION_ROWS + 1):
            text = (data.get(f"q{row}_text") or "").strip()
            if not text:
                continue
            kind = data.get(f"q{row}_kind") or "text"
            question: dict[str, Any] = {"code": f"q{row}", "text": text, "kind": kind}
            if kind == "choice":
                question["choices"] = [
                    c.strip() for c in (data.get(f"q{row}_choices") or "").split("/") if c.strip()
                ]
            elif kind == "score":
                question.update(min_score=1, max_score=10)
            elif kind == "text":
                question["required"] = False
            questions.append(question)
        return questions or None
