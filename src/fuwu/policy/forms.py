from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PublishForm(forms.Form):
    text = forms.CharField(
        label=_("Policy text (TOML)"),
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 30, "class": "form-control font-monospace", "spellcheck": "false"}
        ),
    )
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=2000,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("Kept with the version: who changed the policy, when and why."),
    )
