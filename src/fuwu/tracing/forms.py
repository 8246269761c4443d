"""Forms of the batch pages. They only shape input; the rules live in ``services``. The counts of a
step are one pair of fields per item (``packages_<item id>``, ``pieces_<item id>``), prefilled with
what the step is expected to count, so that a difference is something the person types."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.customers.models import CustomerKind
from fuwu.lib.forms import DateInput, StyledForm
from fuwu.lib.inputs import DESCRIPTION_LENGTH, MAX_DAY, MIN_DAY, REASON_LENGTH
from fuwu.org.models import User

from .models import (
    DESTINATION_LENGTH,
    ITEM_NAME_LENGTH,
    MAX_PACKAGES,
    MAX_PIECES,
    METHOD_OTHER_LENGTH,
    RECIPIENT_LENGTH,
    STEP_LENGTH,
    UNIT_LENGTH,
    BatchItem,
    Method,
)
from .rules import Counts

# Customer units offered in the new batch form (a centre serves a few dozen units; more are typed).
MAX_CUSTOMER_CHOICES = 300


def _text(
    label: Any, limit: int = DESCRIPTION_LENGTH, required: bool = True, rows: int = 2
) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=limit, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


def _day(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(attrs={"min": MIN_DAY.isoformat(), "max": MAX_DAY.isoformat()}),
    )


def _number(label: Any, minimum: int, maximum: int, required: bool = True) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        required=required,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": minimum, "max": maximum}),
    )


class BatchForm(StyledForm):
    customer = forms.TypedChoiceField(label=_("Customer unit"), coerce=int, required=False, empty_value=None)
    unit_name = forms.CharField(
        label=_("Unit name"),
        max_length=UNIT_LENGTH,
        required=False,
        help_text=_("When the unit is not in the list; otherwise the customer's name."),
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(label=_("Department"), queryset=None)
    received_on = _day(_("Received on"), required=True)
    method = forms.ChoiceField(label=_("Sterilisation method"), choices=Method.choices)
    method_other = forms.CharField(label=_("Other method"), max_length=METHOD_OTHER_LENGTH, required=False)
    destination = forms.CharField(label=_("Delivery place"), max_length=DESTINATION_LENGTH)
    note = _text(_("Note"), REASON_LENGTH, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        customers = (
            visibility.customers_for_user(user)
            .filter(kind=CustomerKind.ORGANISATION)
            .order_by("name", "pk")
            .values_list("pk", "name")[:MAX_CUSTOMER_CHOICES]
        )
        customer = self.fields["customer"]
        assert isinstance(customer, forms.ChoiceField)
        customer.choices = [("", "—"), *customers]
        department = self.fields["department"]
        assert isinstance(department, forms.ModelChoiceField)
        own = user.department
        department.queryset = (
            visibility.departments_for_user(user)
            .filter(is_active=True, path__startswith=own.path if own is not None else "-")
            .order_by("path")
        )


class ItemForm(StyledForm):
    name = forms.CharField(label=_("Item"), max_length=ITEM_NAME_LENGTH, required=False)
    packages = _number(_("Packages"), 0, MAX_PACKAGES, required=False)
    pieces = _number(_("Pieces"), 1, MAX_PIECES, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("name") and data.get("pieces") is None:
            self.add_error("pieces", _("How many pieces?"))
        if not data.get("name") and (data.get("pieces") is not None or data.get("packages")):
            self.add_error("name", _("Which item?"))
        return data

    @property
    def is_filled(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("name"))


ItemFormSet = forms.formset_factory(ItemForm, extra=3, max_num=100, absolute_max=100, validate_max=True)


@dataclass
class CountRow:
    item: BatchItem
    packages: forms.BoundField
    pieces: forms.BoundField
    expected: Counts


class CountsMixin:
    """One pair of count fields per item, prefilled with ``expected``."""

    fields: dict[str, forms.Field]

    def add_counts(
        self, items: Sequence[BatchItem], expected: Mapping[int, Counts], *, pieces_from: int = 0
    ) -> None:
        self.count_items = list(items)
        self.expected = dict(expected)
        initial: dict[str, Any] = self.initial  # type: ignore[attr-defined]
        for item in self.count_items:
            packages, pieces = self.expected.get(item.pk, (0, 0))
            self.fields[f"packages_{item.pk}"] = _number(_("Packages"), 0, MAX_PACKAGES)
            self.fields[f"pieces_{item.pk}"] = _number(_("Pieces"), pieces_from, MAX_PIECES)
            initial.setdefault(f"packages_{item.pk}", packages)
            initial.setdefault(f"pieces_{item.pk}", pieces)
            for name in (f"packages_{item.pk}", f"pieces_{item.pk}"):
                self.fields[name].widget.attrs.setdefault("class", "form-control form-control-sm")

    def count_rows(self) -> list[CountRow]:
        form: Any = self
        return [
            CountRow(
                item=item,
                packages=form[f"packages_{item.pk}"],
                pieces=form[f"pieces_{item.pk}"],
                expected=self.expected.get(item.pk, (0, 0)),
            )
            for item in self.count_items
        ]

    def other_fields(self) -> list[forms.BoundField]:
        """The form's visible fields besides the counts (the note, the reason, the problem)."""
        form: Any = self
        names = {f"{kind}_{item.pk}" for item in self.count_items for kind in ("packages", "pieces")}
        return [form[name] for name in self.fields if name not in names and not form[name].is_hidden]

    def counts(self) -> dict[int, Counts]:
        data: Any = getattr(self, "cleaned_data", {})
        return {
            item.pk: (data[f"packages_{item.pk}"], data[f"pieces_{item.pk}"])
            for item in self.count_items
            if data.get(f"packages_{item.pk}") is not None and data.get(f"pieces_{item.pk}") is not None
        }


class SignForm(CountsMixin, StyledForm):
    step = forms.CharField(max_length=STEP_LENGTH, widget=forms.HiddenInput)
    note = _text(_("Note (why, when a count differs)"), REASON_LENGTH, required=False)

    def __init__(self, *args: Any, items: Sequence[BatchItem], expected: Mapping[int, Counts], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.add_counts(items, expected)


class ConfirmForm(StyledForm):
    step = forms.CharField(max_length=STEP_LENGTH, widget=forms.HiddenInput)
    note = _text(_("Note"), REASON_LENGTH, required=False)


class CorrectForm(CountsMixin, StyledForm):
    step = forms.CharField(max_length=STEP_LENGTH, widget=forms.HiddenInput)
    reason = _text(_("Reason for the correction"), REASON_LENGTH)

    def __init__(self, *args: Any, items: Sequence[BatchItem], counts: Mapping[int, Counts], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.add_counts(items, counts)


class ReturnForm(CountsMixin, StyledForm):
    problem = _text(_("Problem found"), rows=3)

    def __init__(self, *args: Any, items: Sequence[BatchItem], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.add_counts(items, {item.pk: (0, 0) for item in items})


class FeedbackForm(StyledForm):
    return_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    feedback = _text(_("Written feedback"), rows=3)
    suggestion = _text(_("Rectification advice"), rows=3)
    recipient = forms.CharField(label=_("Sent to (at the unit)"), max_length=RECIPIENT_LENGTH, required=False)


VIEWS = (("open", _("Open")), ("today", _("Received today")), ("closed", _("Closed")), ("all", _("All")))


class ListFilterForm(StyledForm):
    view = forms.ChoiceField(label=_("Show"), choices=VIEWS, required=False)
    step = forms.CharField(required=False, max_length=STEP_LENGTH, widget=forms.HiddenInput)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    received_from = _day(_("Received from day"))
    received_to = _day(_("Received until day"))
    overdue = forms.BooleanField(label=_("Feedback overdue"), required=False)


class TraceForm(StyledForm):
    q = forms.CharField(
        label=_("Batch number, item or unit"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autofocus": True}),
    )
    received_from = _day(_("Received from day"))
    received_to = _day(_("Received until day"))
