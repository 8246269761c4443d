"""The forms of the report pages: the list's filters, creating a period's report by hand, the
commentary and the approver's note."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import periods, registry
from .models import Status
from .services import COMMENTARY_LENGTH, NOTE_LENGTH

SELECT = {"class": "form-select form-select-sm"}


class ListFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=forms.Select(attrs=SELECT))
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Status.choices],
        widget=forms.Select(attrs=SELECT),
    )
    late = forms.ChoiceField(
        label=_("Late"),
        required=False,
        choices=[("", _("All")), ("yes", _("Late only")), ("no", _("Not late"))],
        widget=forms.Select(attrs=SELECT),
    )
    year = forms.IntegerField(
        label=_("Year"),
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All")), *registry.choices()]  # type: ignore[attr-defined]


def recent_periods(kind: registry.ReportKind, today: date, count: int = 4) -> list[tuple[str, str]]:
    """The kind's last ``count`` ended periods and the current one, latest first, as choices."""
    start, end = periods.period_containing(today, kind.period, kind.first_month)
    found = []
    for _index in range(count + 1):
        found.append((start.isoformat(), periods.label(start, end, kind.period)))
        start, end = periods.previous_period(start, kind.period, kind.first_month)
    return found


class CreateForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.Select(attrs=SELECT))
    period_start = forms.ChoiceField(label=_("Period"), widget=forms.Select(attrs=SELECT))

    def __init__(self, *args: Any, kinds: list[registry.ReportKind], today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.code, str(k.title)) for k in kinds]  # type: ignore[attr-defined]
        periods_of = {p for k in kinds for p in recent_periods(k, today)}
        self.fields["period_start"].choices = sorted(periods_of, reverse=True)  # type: ignore[attr-defined]


class CommentaryForm(forms.Form):
    commentary = forms.CharField(
        label=_("Commentary"),
        required=False,
        max_length=COMMENTARY_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 8}),
        help_text=_(
            "What the figures show, the problems and the needs found, and the improvements proposed."
        ),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )


class ReturnForm(forms.Form):
    note = forms.CharField(
        label=_("Why it is returned"),
        max_length=NOTE_LENGTH,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 3}),
    )
