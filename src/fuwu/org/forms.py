from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu.lib.forms import DateTimeLocalInput, StyledForm, limit_choices

from .models import AbsenceKind, Department, DutyKind, Role, User


class DepartmentForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    code = forms.SlugField(label=_("Code"), max_length=40)
    parent = forms.ModelChoiceField(
        label=_("Parent department"), queryset=Department.objects.none(), required=False
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "parent", departments)


class StaffForm(StyledForm):
    username = forms.RegexField(label=_("Username"), max_length=150, regex=r"^[\w.@+-]+$")
    full_name = forms.CharField(label=_("Full name"), max_length=100)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput, min_length=8, required=False
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "department", departments)


class AbsenceForm(StyledForm):
    person = forms.ModelChoiceField(label=_("Person"), queryset=User.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices)
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DateTimeLocalInput())
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DateTimeLocalInput())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "person", people)


class DutyForm(StyledForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    name = forms.CharField(label=_("Duty"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=DutyKind.choices)
    primary = forms.ModelChoiceField(label=_("A (primary)"), queryset=User.objects.none())
    backup = forms.ModelChoiceField(label=_("B (backup)"), queryset=User.objects.none())
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_intake = forms.BooleanField(
        label=_("Receives online requests"),
        required=False,
        help_text=_(
            "Requests from the public web form land with this duty's handler (A, or B when A is away)."
        ),
    )

    def __init__(self, *args: Any, departments: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "department", departments)
        limit_choices(self, "primary", people)
        limit_choices(self, "backup", people)


class HandlerAtForm(StyledForm):
    at = forms.DateTimeField(label=_("At"), widget=DateTimeLocalInput(), required=False)
