from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu.lib.forms import StyledForm, limit_choices
from fuwu.org.models import Department

from . import events, services
from .models import RobotKind


class RobotForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=RobotKind.choices)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    url = forms.URLField(
        label=_("Webhook URL"),
        max_length=services.URL_LENGTH,
        assume_scheme="https",
        help_text=_("The address the group's robot settings show (企业微信, 钉钉 or 飞书)."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=services.SECRET_LENGTH,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("DingTalk 加签 (SEC…) or Feishu 签名校验; WeCom needs none."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events it posts"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)

    def __init__(self, *args: Any, departments: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "department", departments)
        self.fields["events"].choices = events.choices()  # type: ignore[attr-defined]
        if editing:  # the saved URL and secret are never shown back: empty keeps them
            for name in ("url", "secret"):
                self.fields[name].required = False
                self.fields[name].help_text = _("Leave empty to keep the saved one.")
            self.fields["clear_secret"] = forms.BooleanField(
                label=_("Remove the signing secret"),
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )

    def clean_url(self) -> str:
        url = self.cleaned_data.get("url") or ""
        if url and not url.startswith(("http://", "https://")):
            raise forms.ValidationError(_("enter the robot's webhook address, starting with https://"))
        return url


class PreferencesForm(StyledForm):
    email = forms.MultipleChoiceField(
        label=_("E-mail"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    sms = forms.MultipleChoiceField(
        label=_("SMS"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("email", "sms"):
            self.fields[name].choices = events.choices()  # type: ignore[attr-defined]
