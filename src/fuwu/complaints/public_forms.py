"""Forms of the public complaint pages (customers, no login): make a complaint, look up its status."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu.core.public import PublicFormMixin, StatusLookupMixin, normalise
from fuwu.lib.forms import StyledForm

from .models import ComplaintObject


class PublicComplaintForm(PublicFormMixin, StyledForm):
    caller_name = forms.CharField(label=_("Your name"), max_length=100)
    caller_phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        help_text=_("A mobile number (11 digits) or a landline with area code, e.g. 0571-88886666."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        required=False,
        help_text=_("Building, unit and room, if it concerns your home."),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    object = forms.ChoiceField(
        label=_("What is it about?"), choices=ComplaintObject.choices, initial=ComplaintObject.OTHER
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    demand = forms.CharField(
        label=_("What would you like us to do?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    identity_protected = forms.BooleanField(
        label=_("Keep my name and phone number confidential"),
        required=False,
        help_text=_("Only the staff who take and follow up complaints will see them."),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_address(self) -> str:
        return normalise(self.cleaned_data["address"])


class ComplaintStatusForm(StatusLookupMixin, StyledForm):
    number = forms.CharField(
        label=_("Complaint number"),
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 2611-0007"), "autocapitalize": "characters"}),
    )
    phone_last_four = forms.CharField(
        label=_("Last four digits of your phone"),
        max_length=8,
        help_text=_("The phone number given with the complaint."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}),
    )
