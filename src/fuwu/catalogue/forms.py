"""Forms of the service catalogue pages; the rules live in ``services.py``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.lib.forms import StyledForm
from fuwu.org.models import Department
from fuwu.policy.selectors import active_policy, sla_class_names

from .models import ServiceCategory


class ServiceTypeForm(StyledForm):
    code = forms.CharField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    category = forms.ChoiceField(label=_("Category"), choices=ServiceCategory.choices)
    default_department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Default department"), queryset=Department.objects.none(), required=False
    )
    sla_class = forms.ChoiceField(label=_("SLA class"))
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    asks_running_hours = forms.BooleanField(
        label=_("The service report asks for running hours"),
        required=False,
        help_text=_(
            "For machines and vehicles (002 客车: running time). A product with running hours recorded "
            "asks for them anyway."
        ),
    )
    asks_mileage = forms.BooleanField(
        label=_("The service report asks for mileage"),
        required=False,
        help_text=_("For vehicles. A product with mileage recorded asks for it anyway."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department_field = self.fields["default_department"]
        assert isinstance(department_field, forms.ModelChoiceField)
        department_field.queryset = visibility.departments_for_user(user).filter(is_active=True)
        sla_field = self.fields["sla_class"]
        assert isinstance(sla_field, forms.ChoiceField)
        classes = active_policy(user.organisation).sla.classes
        sla_field.choices = [
            (name, classes[name].label or name) for name in sorted(sla_class_names(user.organisation))
        ]


class MaterialForm(StyledForm):
    name = forms.CharField(label=_("Material"), max_length=200, required=False)
    is_required = forms.BooleanField(label=_("Required"), required=False, initial=True)


class FeeItemForm(StyledForm):
    name = forms.CharField(label=_("Fee item"), max_length=200, required=False)
    unit = forms.CharField(label=_("Unit"), max_length=30, required=False)
    price = forms.DecimalField(label=_("Price"), max_digits=10, decimal_places=2, min_value=0, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


MaterialFormSet = forms.formset_factory(MaterialForm, extra=3)
FeeItemFormSet = forms.formset_factory(FeeItemForm, extra=2)


def filled_rows(formset: Any, key: str = "name") -> list[forms.Form]:
    """Rows the user filled in: a row counts when its name (or, for fees, price) is given."""
    return [
        f
        for f in formset.forms
        if f.is_valid() and (f.cleaned_data.get(key) or f.cleaned_data.get("price") is not None)
    ]
