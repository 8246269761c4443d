"""Forms of the CAPA pages. They only shape input; the rules live in ``services``. Field names
follow the services' error names (``department_id`` → ``department``, see ``SERVICE_FIELD_NAMES``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.lib.forms import DateInput, StyledForm
from fuwu.lib.inputs import DESCRIPTION_LENGTH, MAX_DAY, MIN_DAY, REASON_LENGTH
from fuwu.org.models import Confidentiality, User

from .models import (
    CATEGORY_LENGTH,
    TITLE_LENGTH,
    Disposition,
    Kind,
    Origin,
    RootCauseMethod,
    Status,
    VerificationResult,
)

SERVICE_FIELD_NAMES = {"department_id": "department", "owner_id": "owner", "item_id": "item"}


def _text(
    label: Any, limit: int = DESCRIPTION_LENGTH, required: bool = True, rows: int = 3
) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _day(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(attrs={"min": MIN_DAY.isoformat(), "max": MAX_DAY.isoformat()}),
    )


class CapaForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.CORRECTIVE)
    title = forms.CharField(label=_("Title"), max_length=TITLE_LENGTH)
    problem = _text(_("Problem statement"), rows=4)
    category = forms.ChoiceField(label=_("Problem category"))
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Department"), queryset=None)
    confidentiality = forms.TypedChoiceField(
        label=_("Confidentiality"), coerce=int, choices=Confidentiality.choices, initial=0
    )
    source = forms.CharField(required=False, widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args: Any, user: User, categories: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visibility.departments_for_user(user).filter(is_active=True).order_by("path")
        choices = list(categories.items())
        initial = self.initial.get("category")
        if initial and initial not in categories:
            choices.append((initial, initial))
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = choices
        level = self.fields["confidentiality"]
        assert isinstance(level, forms.ChoiceField)
        level.choices = [(v, label) for v, label in Confidentiality.choices if v <= user.clearance]


class LinkRecordForm(StyledForm):
    reference = forms.CharField(
        label=_("Record"),
        max_length=100,
        help_text=_("For example complaints.complaint:12 (the record's kind and id)."),
    )


class AnalyseForm(StyledForm):
    root_cause = _text(_("Root cause"), rows=4)
    method = forms.ChoiceField(label=_("Method"), choices=RootCauseMethod.choices)


class DispositionForm(StyledForm):
    disposition = forms.ChoiceField(label=_("Decision"), choices=Disposition.choices)
    note = _text(_("Why (required for a concession)"), REASON_LENGTH, required=False, rows=2)


class ExtentForm(StyledForm):
    scope = _text(_("Where else it was looked for"))
    found = forms.TypedChoiceField(
        label=_("Found elsewhere"),
        choices=[("no", _("no")), ("yes", _("yes"))],
        coerce=lambda value: value == "yes",
    )
    note = _text(_("What was found"), required=False, rows=2)


class AddItemForm(StyledForm):
    description = _text(_("Action"))
    owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Owner"), queryset=None)
    due_on = _day(_("Due on"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visibility.staff_for_user(user).order_by("department__path", "full_name")
        self.fields["due_on"].help_text = _("Empty: the policy's default deadline.")


class CompleteItemForm(StyledForm):
    item = forms.TypedChoiceField(label=_("Action item"), coerce=int)
    evidence = _text(_("Evidence"))

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (i.pk, f"{i.description[:60]} · {i.owner.display_name}") for i in items if i.done_at is None
        ]


class NoteForm(StyledForm):
    note = _text(_("Note"), REASON_LENGTH, required=False, rows=2)


class VerifyForm(StyledForm):
    result = forms.ChoiceField(label=_("Result"), choices=VerificationResult.choices)
    note = _text(_("What was checked and found"))


class ReasonForm(StyledForm):
    reason = _text(_("Reason"), REASON_LENGTH, rows=2)


class ListFilterForm(StyledForm):
    status = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *Kind.choices], required=False)
    origin = forms.ChoiceField(label=_("Raised from"), choices=[("", "—"), *Origin.choices], required=False)
    open = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("all")), ("open", _("open")), *Status.choices],
        required=False,
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False
    )
    exact_department = forms.BooleanField(required=False, widget=forms.HiddenInput)
    category = forms.CharField(label=_("Problem category"), required=False, max_length=CATEGORY_LENGTH)
    raised_from = _day(_("Raised from day"))
    raised_to = _day(_("Raised until day"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visibility.departments_for_user(user).order_by("path")


class ReportForm(StyledForm):
    period = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("month")), ("quarter", _("quarter")), ("year", _("year"))],
        required=False,
    )
    raised_from = _day(_("Raised from day"))
    raised_to = _day(_("Raised until day"))
