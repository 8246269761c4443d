"""Forms of the customer pages. They only shape input; the rules live in ``services.py``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu import visibility
from fuwu.lib.errors import ValidationFailed
from fuwu.lib.forms import DateInput, StyledForm
from fuwu.org.models import Confidentiality, Department

from .models import CustomerKind


class CustomerForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=CustomerKind.choices, initial=CustomerKind.HOUSEHOLD)
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Service department"), queryset=Department.objects.none(), required=False
    )
    confidentiality = forms.TypedChoiceField(
        label=_("Confidentiality"), coerce=int, choices=Confidentiality.choices, initial=Confidentiality.NONE
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department_field = self.fields["department"]
        assert isinstance(department_field, forms.ModelChoiceField)
        department_field.queryset = visibility.departments_for_user(user).filter(is_active=True)
        confidentiality_field = self.fields["confidentiality"]
        assert isinstance(confidentiality_field, forms.ChoiceField)
        confidentiality_field.choices = [
            (value, label) for value, label in Confidentiality.choices if value <= user.clearance
        ]


class AddressForm(StyledForm):
    building = forms.CharField(label=_("Building"), max_length=50, required=False)
    unit = forms.CharField(label=pgettext_lazy("address", "Unit"), max_length=50, required=False)
    room = forms.CharField(label=_("Room"), max_length=50, required=False)
    text = forms.CharField(label=_("Address"), max_length=300, required=False)


class PhoneForm(StyledForm):
    number = forms.CharField(label=_("Phone number"), max_length=30, required=False)
    label = forms.CharField(label=_("Label"), max_length=50, required=False)
    is_primary = forms.BooleanField(label=_("Primary"), required=False)


AddressFormSet = forms.formset_factory(AddressForm, extra=1)
PhoneFormSet = forms.formset_factory(PhoneForm, extra=2)


def filled(formset: Any) -> list[forms.Form]:
    """The formset's forms the user filled in (empty extra rows are ignored)."""
    return [
        f
        for f in formset.forms
        if f.is_valid() and any(v not in ("", None, False) for v in f.cleaned_data.values())
    ]


class ProductForm(StyledForm):
    name = forms.CharField(label=_("Product"), max_length=200)
    model = forms.CharField(label=_("Model"), max_length=100, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    sale_date = forms.DateField(label=_("Sale date"), required=False, widget=DateInput())
    warranty_ends_on = forms.DateField(label=_("Warranty ends on"), required=False, widget=DateInput())
    running_hours = forms.IntegerField(label=_("Running hours"), required=False, min_value=0)
    mileage_km = forms.IntegerField(label=_("Mileage (km)"), required=False, min_value=0)


class AgreementForm(StyledForm):
    number = forms.CharField(label=_("Agreement number"), max_length=50)
    title = forms.CharField(label=_("Title"), max_length=200, initial="居家服务协议书")
    starts_on = forms.DateField(label=_("Starts on"), widget=DateInput())
    ends_on = forms.DateField(label=_("Ends on"), required=False, widget=DateInput())


class ImportForm(StyledForm):
    file = forms.FileField(label=_("Excel (.xlsx) or CSV file"))


_LIST_FIELD = re.compile(r"(\w+)\[(\d+)\]\.(\w+)")


def apply_errors(
    exc: ValidationFailed, form: forms.Form, lists: Mapping[str, Sequence[forms.Form]] | None = None
) -> None:
    """Put a service's field errors (``name``, ``phones[1].number``) on the matching form fields."""
    lists = lists or {}
    for name, messages in exc.fields.items():
        target, field = form, name
        match = _LIST_FIELD.fullmatch(name)
        if match and match.group(1) in lists and int(match.group(2)) < len(lists[match.group(1)]):
            target, field = lists[match.group(1)][int(match.group(2))], match.group(3)
        for message in messages:
            if field in target.fields:
                target.add_error(field, message)
            else:
                form.add_error(None, f"{name}: {message}")
    if not exc.fields:
        form.add_error(None, str(exc.message))
