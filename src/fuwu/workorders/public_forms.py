"""Forms of the public pages (customers, no login): submit a request, look up its status."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu.catalogue.models import ServiceCategory, ServiceType
from fuwu.core.public import PublicFormMixin, StatusLookupMixin, normalise
from fuwu.lib.forms import StyledForm, limit_choices
from fuwu.org.models import Organisation


class MultipleImageInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one input; the service checks that each is a picture and not too large."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(f, initial) for f in files if f]


class PublicRequestForm(PublicFormMixin, StyledForm):
    caller_name = forms.CharField(label=_("Your name"), max_length=100)
    caller_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        help_text=_("A mobile number (11 digits) or a landline with area code, e.g. 0571-88886666."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    building = forms.CharField(
        label=_("Building"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 12号楼")}),
    )
    unit = forms.CharField(
        label=pgettext_lazy("address", "Unit"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 3单元")}),
    )
    room = forms.CharField(
        label=_("Room"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 1502室")}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Building, unit and room, or the full address."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    service_type = forms.ModelChoiceField(
        label=_("What do you need?"), queryset=ServiceType.objects.none(), empty_label=_("Choose a service")
    )
    description = forms.CharField(
        label=_("Describe the problem"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = MultipleImageField(
        label=_("Photos"),
        required=False,
        help_text=_("Optional: one or more pictures (JPEG, PNG, WebP or GIF)."),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, organisation: Organisation, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(
            self,
            "service_type",
            (
                ServiceType.objects.filter(organisation=organisation, is_active=True)
                .exclude(category=ServiceCategory.INTERNAL)
                .order_by("name", "code")
            ),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(normalise(data.get(name) or "") for name in ("building", "unit", "room", "address")):
            self.add_error("address", _("Give the building, unit and room, or the address."))
        return data


class StatusLookupForm(StatusLookupMixin, StyledForm):
    number = forms.CharField(
        label=_("Work order number"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. GD2611-00001"), "autocapitalize": "characters"}),
    )
    phone_last_four = forms.CharField(
        label=_("Last four digits of your phone"),
        max_length=8,
        help_text=_("The phone number given with the request."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}),
    )
