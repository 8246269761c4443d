from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu.lib.forms import DateInput, DateTimeLocalInput, StyledForm
from fuwu.lib.worktime import Unit

from .models import DayKind

UNIT_CHOICES = [
    (Unit.WORKING_DAYS.value, _("working days")),
    (Unit.BUSINESS_HOURS.value, _("business hours")),
    (Unit.BUSINESS_MINUTES.value, _("business minutes")),
    (Unit.CALENDAR_HOURS.value, _("calendar hours")),
    (Unit.CALENDAR_MINUTES.value, _("calendar minutes")),
]
MAX_AMOUNT = 100_000


class DeadlinePreviewForm(StyledForm):
    start = forms.DateTimeField(label=_("Received at"), widget=DateTimeLocalInput())
    amount = forms.IntegerField(label=_("Amount"), min_value=0, max_value=MAX_AMOUNT)
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES)


class DayOverrideForm(StyledForm):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices)
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False, help_text=_("For example 春节 or 公司年会")
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class NoticeImportForm(StyledForm):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("Columns date,kind,name; kind is holiday/workday or 休/班.")
    )
    confirm_years = forms.BooleanField(label=_("Confirm the years the file covers"), required=False)


class YearConfirmForm(StyledForm):
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        help_text=_("For example the number and date of the State Council notice."),
    )
