"""Forms of the inspection pages. They only shape input; the rules (a failed item says what does not
conform, a score within its range, a concession says why, …) are the services'. A service names a
field as the API does (``answers[0].note``, ``inspector_id``, ``definition.sections[0].title``);
``field_of`` gives the form's name."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu.capa.models import Disposition
from fuwu.lib.forms import DateInput, StyledForm
from fuwu.lib.inputs import DESCRIPTION_LENGTH, MAX_DAY, MIN_DAY, REASON_LENGTH
from fuwu.org.models import User

from . import definition
from .models import CODE_LENGTH, MAX_POPULATION, NAME_LENGTH, SITE_LENGTH, Result
from .services import AnswerIn

SERVICE_FIELD_NAMES = {
    "template_id": "template",
    "department_id": "department",
    "inspector_id": "inspector",
    "supplier_id": "supplier",
}
DEFINITION_LENGTH = 200_000
# What an inspector records ("missed" is what a duty round's unchecked item becomes, not a choice).
RESULTS = [(value, label) for value, label in Result.choices if value != Result.MISSED]


def field_of(service_name: str) -> str:
    """The form field of a service's error name: ``answers[0].note`` → ``note``, ``photos[1]`` →
    ``photos``, ``definition.sections[0].title`` → ``definition``, ``inspector_id`` → ``inspector``."""
    match = re.fullmatch(r"answers\[\d+\]\.(\w+)", service_name)
    if match:
        return match.group(1)
    base = service_name.split(".")[0].split("[")[0]
    return SERVICE_FIELD_NAMES.get(base, base)


def _text(
    label: Any, limit: int = REASON_LENGTH, *, required: bool = False, rows: int = 2
) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _number(
    label: Any, *, required: bool = False, low: int = 0, high: int | None = None
) -> forms.IntegerField:
    """A whole number typed on a phone's number pad. The range is the service's to check (its message
    names the range), the browser only gets it as a hint."""
    attrs: dict[str, Any] = {"inputmode": "numeric", "min": low}
    if high is not None:
        attrs["max"] = high
    return forms.IntegerField(label=label, required=required, widget=forms.NumberInput(attrs=attrs))


class PhotoInput(forms.FileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """Photos from the phone's camera (or its gallery); their type and size are the service's to check."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", PhotoInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(PhotoField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


# --- carrying out -------------------------------------------------------------------------------


class ItemForm(StyledForm):
    """One item of the checklist as the inspector fills it in: pass / fail / not applicable as three
    buttons to tap, or a score from 0 to the item's maximum (or not applicable); a note; photos."""

    item_code = forms.CharField(max_length=CODE_LENGTH, widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Result"), choices=RESULTS, widget=forms.RadioSelect)
    score = _number(_("Score"))
    not_applicable = forms.BooleanField(label=_("Not applicable"), required=False)
    note = _text(_("Note"))
    photos = PhotoField(label=_("Photos"))

    def __init__(self, *args: Any, item: definition.Item, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("item_code", item.code)
        super().__init__(*args, **kwargs)
        self.item = item
        if item.kind == "score":
            del self.fields["result"]
            score = self.fields["score"]
            score.label = _("Score (0 to %(max)s)") % {"max": item.max_score}
            score.widget.attrs.update({"max": item.max_score, "class": "form-control form-control-lg"})
        else:
            del self.fields["score"]
            del self.fields["not_applicable"]
            self.fields["note"].help_text = _("Required when it does not conform: say what was found.")

    def answer(self) -> AnswerIn:
        data = self.cleaned_data
        if self.item.kind == "score":
            if data.get("not_applicable"):
                return AnswerIn(self.item.code, Result.NOT_APPLICABLE, note=data["note"])
            return AnswerIn(self.item.code, score=data.get("score"), note=data["note"])
        return AnswerIn(self.item.code, data["result"], note=data["note"])


class StartForm(StyledForm):
    population = _number(
        _("How many units there are to sample from"), required=True, low=1, high=MAX_POPULATION
    )


class SubmitForm(StyledForm):
    nonconforming_units = _number(_("Nonconforming units found in the sample"))
    summary = _text(_("Overall remarks"), DESCRIPTION_LENGTH, rows=3)

    def __init__(self, *args: Any, sample_size: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if sample_size is None:
            del self.fields["nonconforming_units"]
        else:
            self.fields["nonconforming_units"].widget.attrs["max"] = sample_size


def person_label(user: User) -> str:
    department = user.department.name if user.department_id and user.department else ""
    return f"{user.display_name} · {department}" if department else user.display_name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_label(obj)


class ReassignForm(StyledForm):
    inspector = PersonChoiceField(label=_("Give it to"), queryset=User.objects.none())
    reason = _text(_("Reason"), required=True)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["inspector"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people


class ReasonForm(StyledForm):
    reason = _text(_("Reason"), required=True)


class CreateForm(StyledForm):
    """An inspection by hand (an unannounced check, a supplier's site)."""

    template: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Checklist"), queryset=None)
    supplier: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Supplier (outsourced work)"),
        queryset=None,
        required=False,
        help_text=_(
            "Its work is inspected or evaluated; the department defaults to the one that manages it."
        ),
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Department inspected"), queryset=None, required=False
    )
    site = forms.CharField(label=_("Site or area"), max_length=SITE_LENGTH, required=False)
    inspector = PersonChoiceField(label=_("Inspector"), queryset=User.objects.none())
    due_on = forms.DateField(
        label=_("Due on"),
        widget=DateInput(attrs={"min": MIN_DAY.isoformat(), "max": MAX_DAY.isoformat()}),
        help_text=_("Due at close of business of that day (the next working day when it is a rest day)."),
    )

    def __init__(
        self, *args: Any, templates: Any, departments: Any, people: Any, suppliers: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("template", templates),
            ("supplier", suppliers),
            ("department", departments),
            ("inspector", people),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        if suppliers is None:
            del self.fields["supplier"]


class ListFilterForm(StyledForm):
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Department"), queryset=None, required=False
    )
    mine = forms.BooleanField(label=_("Only mine"), required=False)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
        field.empty_label = _("all I see")


# --- rectification orders -----------------------------------------------------------------------


class AcknowledgeForm(StyledForm):
    note = _text(_("Remark (optional)"))


class DispositionForm(StyledForm):
    disposition = forms.ChoiceField(
        label=_("Decision"), choices=Disposition.choices, widget=forms.RadioSelect
    )
    note = _text(_("Why (required for a concession)"))


class RecordDoneForm(StyledForm):
    action_taken = _text(_("What was done"), DESCRIPTION_LENGTH, required=True, rows=3)
    photos = PhotoField(label=_("Photos of the rectification"))


class VerifyForm(StyledForm):
    passed = forms.TypedChoiceField(
        label=_("Result of the verification"),
        choices=[("yes", _("Rectified")), ("no", _("Not rectified: reopen"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = _text(_("What was checked and found"), required=True)


# --- checklists ---------------------------------------------------------------------------------


class DefinitionField(forms.CharField):
    """The checklist's content as JSON (sections, items, pass mark, sampling)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.Textarea(attrs={"rows": 16, "spellcheck": "false", "class": "form-control font-monospace"}),
        )
        super().__init__(max_length=DEFINITION_LENGTH, **kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("is not valid JSON (line %(line)s, column %(column)s)")
                % {"line": error.lineno, "column": error.colno}
            ) from error


class PublishForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=NAME_LENGTH)
    note = forms.CharField(label=_("What changed"), max_length=500)
    definition = DefinitionField(label=_("Content (JSON)"))


class ChecklistCreateForm(PublishForm):
    code = forms.SlugField(label=_("Code"), max_length=CODE_LENGTH)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    field_order = ["code", "name", "note", "definition"]


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no")], coerce=lambda value: value == "yes"
    )
