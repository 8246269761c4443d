"""Forms of the duty pages. They only shape input; the rules live in ``services``. Field names follow
the services' error names (``person_id`` → ``person``, see ``SERVICE_FIELD_NAMES``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.lib.forms import DateInput, DateTimeLocalInput, StyledForm
from fuwu.lib.inputs import DESCRIPTION_LENGTH, MAX_DAY, MIN_DAY, REASON_LENGTH
from fuwu.org.models import Department, Role, User

from .models import ITEM_TEXT_LENGTH, MAX_ITEM_COUNT, POST_LENGTH, ItemKind, Shift
from .services import MAX_HAND_ITEMS

SERVICE_FIELD_NAMES = {
    "department_id": "department",
    "person_id": "person",
    "person_ids": "turn_1",
    "colleague_id": "colleague",
    "counter_shift_id": "counter_shift",
}
TURNS = 8  # people in turn offered on the page (the API takes more)
COUNTER_DAYS = 62  # the shifts offered in exchange: those of the coming two months


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        department = obj.department.name if obj.department is not None else ""
        return f"{obj.display_name} · {department}" if department else obj.display_name


class ShiftChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        start = timezone.localtime(obj.starts_at)
        return f"{obj.person.display_name} · {obj.post} · {start:%m-%d %H:%M}"


def _text(label: Any, limit: int = REASON_LENGTH, required: bool = True, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _moment(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DateTimeLocalInput())


def _day(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label, widget=DateInput(attrs={"min": MIN_DAY.isoformat(), "max": MAX_DAY.isoformat()})
    )


def planned_departments(user: User) -> QuerySet[Department]:
    """The departments whose rosters ``user`` makes (a director: all; a head: theirs and below)."""
    departments = visibility.departments_for_user(user).filter(is_active=True).order_by("path")
    if user.has_role(Role.DIRECTOR):
        return departments
    if user.has_role(Role.DEPARTMENT_HEAD) and user.department is not None:
        return departments.filter(path__startswith=user.department.path)
    return departments.none()


def _staff_of(departments: QuerySet[Department]) -> QuerySet[User]:
    """The active staff of ``departments`` (who may be on their rosters)."""
    return (
        User.objects.filter(is_active=True, department_id__in=departments.values("pk"))
        .select_related("department")
        .order_by("department__path", "full_name", "username")
    )


class ShiftForm(StyledForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    post = forms.CharField(
        label=_("Post"), max_length=POST_LENGTH, widget=forms.TextInput(attrs={"list": "duty-posts"})
    )
    person = PersonChoiceField(label=_("On duty"), queryset=User.objects.none())
    starts_at = _moment(_("Starts at"))
    ends_at = _moment(_("Ends at"))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = planned_departments(user)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["person"].queryset = _staff_of(departments)  # type: ignore[attr-defined]


class RosterForm(StyledForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    post = forms.CharField(
        label=_("Post"), max_length=POST_LENGTH, widget=forms.TextInput(attrs={"list": "duty-posts"})
    )
    pattern = forms.ChoiceField(label=_("Shift pattern"))
    first_day = _day(_("First day"))
    last_day = _day(_("Last day"))

    def __init__(self, *args: Any, user: User, patterns: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        departments = planned_departments(user)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]
        self.fields["pattern"].choices = patterns  # type: ignore[attr-defined]
        staff = _staff_of(departments)
        for n in range(1, TURNS + 1):
            field = PersonChoiceField(label=_("Turn %(n)s") % {"n": n}, queryset=staff, required=n == 1)
            field.widget.attrs.setdefault("class", "form-select")
            self.fields[f"turn_{n}"] = field

    def people(self) -> list[User]:
        return [p for n in range(1, TURNS + 1) if (p := self.cleaned_data.get(f"turn_{n}")) is not None]

    def turn_fields(self) -> list[Any]:
        return [self[f"turn_{n}"] for n in range(1, TURNS + 1)]


class EditShiftForm(StyledForm):
    post = forms.CharField(label=_("Post"), max_length=POST_LENGTH)
    starts_at = _moment(_("Starts at"))
    ends_at = _moment(_("Ends at"))


class ReasonForm(StyledForm):
    reason = _text(_("Reason"))


class OptionalReasonForm(StyledForm):
    reason = _text(_("Reason"), required=False)


class NoteForm(StyledForm):
    note = _text(_("Note (optional)"), required=False)


class RefuseForm(StyledForm):
    note = _text(_("Why not (required)"))


class SwapForm(StyledForm):
    colleague = PersonChoiceField(label=_("Colleague who takes the shift"), queryset=User.objects.none())
    counter_shift = ShiftChoiceField(
        label=_("In exchange for (optional)"),
        queryset=Shift.objects.none(),
        required=False,
        help_text=_("One of the colleague's shifts you take instead."),
    )
    reason = _text(_("Reason"))

    def __init__(self, *args: Any, shift: Shift, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        colleagues = _staff_of(Department.objects.filter(path__startswith=shift.department.path)).exclude(
            pk=shift.person_id
        )
        self.fields["colleague"].queryset = colleagues  # type: ignore[attr-defined]
        now = timezone.now()
        # The colleagues' shifts of the coming weeks (the service checks the one chosen is theirs).
        self.fields["counter_shift"].queryset = (  # type: ignore[attr-defined]
            Shift.objects.on_roster()
            .filter(
                department_id=shift.department_id,
                starts_at__gt=now,
                starts_at__lt=now + timedelta(days=COUNTER_DAYS),
            )
            .exclude(person_id=shift.person_id)
            .select_related("person")
            .order_by("starts_at")
        )


class HandItemForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=ItemKind.choices, initial=ItemKind.OTHER)
    text = forms.CharField(label=_("What"), max_length=ITEM_TEXT_LENGTH, required=False)
    count = forms.IntegerField(label=_("How many"), min_value=0, max_value=MAX_ITEM_COUNT, required=False)


HandItemFormSet = forms.formset_factory(
    HandItemForm, extra=2, max_num=MAX_HAND_ITEMS, absolute_max=MAX_HAND_ITEMS, validate_max=True
)


class HandoverForm(StyledForm):
    notes = _text(_("Notes"), limit=DESCRIPTION_LENGTH, required=False, rows=3)


class HandoverFilterForm(StyledForm):
    post = forms.CharField(label=_("Post"), max_length=POST_LENGTH, required=False)
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All")),
            ("unacknowledged", _("Not acknowledged")),
            ("late", _("Late")),
        ],
    )
