"""Forms of the supplier pages. They only shape input; the rules live in ``services``. Field names
follow the services' error names (``department_id`` → ``department``, see ``SERVICE_FIELD_NAMES``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.lib.forms import DateInput, StyledForm
from fuwu.lib.inputs import MAX_DAY, MIN_DAY, REASON_LENGTH
from fuwu.org.models import Department, User

from .models import CODE_LENGTH, CONTACT_LENGTH, NAME_LENGTH, PHONE_LENGTH, SERVICES_LENGTH, Standing
from .permissions import keeps_all

SERVICE_FIELD_NAMES = {"department_id": "department", "inspector_id": "inspector"}


def field_of(name: str) -> str:
    base = name.split(".")[0].split("[")[0]
    return SERVICE_FIELD_NAMES.get(base, base)


def _day(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(attrs={"min": MIN_DAY.isoformat(), "max": MAX_DAY.isoformat()}),
    )


def kept_departments(user: User) -> QuerySet[Department]:
    """The departments whose suppliers ``user`` may keep: all for the quality role, directors and
    administrators; a head's own and those below it."""
    departments = visibility.departments_for_user(user).filter(is_active=True).order_by("path")
    if keeps_all(user):
        return departments
    if user.department is None:
        return departments.none()
    return departments.filter(path__startswith=user.department.path)


class SupplierForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=NAME_LENGTH)
    code = forms.CharField(
        label=_("Code"),
        max_length=CODE_LENGTH,
        help_text=_("Lower-case letters, digits, - and _ (for example hengan-elevator)."),
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Managing department"),
        queryset=None,
        help_text=_("Its head inspects and evaluates the supplier."),
    )
    services = forms.CharField(
        label=_("Services provided"),
        max_length=SERVICES_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    contact_name = forms.CharField(label=_("Contact"), max_length=CONTACT_LENGTH, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=PHONE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    contract_starts_on = _day(_("Contract from"))
    contract_ends_on = _day(_("Contract to"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = kept_departments(user)


class SupplierEditForm(SupplierForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeactivateForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: the contract ended, the supplier was replaced."),
    )


class EvaluateForm(StyledForm):
    inspector: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Evaluator"), queryset=None)
    due_on = _day(_("Due on"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["inspector"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visibility.staff_for_user(user).order_by("department__path", "full_name")
        self.fields["due_on"].help_text = _("Empty: today, or the next working day after hours.")


class ListFilterForm(StyledForm):
    standing = forms.ChoiceField(
        label=_("Standing"), choices=[("", _("all")), *Standing.choices], required=False
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Managing department"), queryset=None, required=False, empty_label=_("all")
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    inactive = forms.BooleanField(label=_("Include inactive"), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visibility.departments_for_user(user).order_by("path")
