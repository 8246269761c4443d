"""Forms of the work-order pages. They only shape input; the rules live in ``services.py``.

Field names follow the services' error names where they differ only by ``_id`` (see
``SERVICE_FIELD_NAMES``), so a service's field errors land on the field that caused them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu import visibility
from fuwu.catalogue.models import FeeItem, ServiceType
from fuwu.customers.models import Customer, Product
from fuwu.lib.forms import DateInput, StyledForm
from fuwu.org.models import Department, User

from .models import Channel, ClockKind, ConfirmationMethod, Priority, WarrantyStatus

# Service field name → form field name.
SERVICE_FIELD_NAMES = {
    "service_type_id": "service_type",
    "department_id": "department",
    "customer_id": "customer",
    "product_id": "product",
    "first_contact_owner_id": "first_contact_owner",
    "technician_id": "technician",
    "team_ids": "team",
    "fee_item_id": "fee_item",
    "fee_line_id": "fee_line",
}

# Channels an employee records a request from (the web form and the API have their own ways in).
STAFF_CHANNELS = [
    (value, label) for value, label in Channel.choices if value not in (Channel.WEB, Channel.API)
]

UNIT_CHOICES = [
    ("working_days", _("working days")),
    ("business_hours", _("business hours")),
    ("business_minutes", _("business minutes")),
    ("calendar_hours", _("calendar hours")),
    ("calendar_minutes", _("calendar minutes")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; type and size are checked by the service."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class IntakeForm(StyledForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS, initial=Channel.PHONE)
    caller_phone = forms.CharField(label=_("Caller's phone"), max_length=30, required=False)
    customer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput
    )
    caller_name = forms.CharField(label=_("Caller"), max_length=100, required=False)
    building = forms.CharField(label=_("Building"), max_length=50, required=False)
    unit = forms.CharField(label=pgettext_lazy("address", "Unit"), max_length=50, required=False)
    room = forms.CharField(label=_("Room"), max_length=50, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    product: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False
    )
    service_type: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Service type"), queryset=ServiceType.objects.none()
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Preset from the service type; change it if needed."),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.NORMAL)
    description = forms.CharField(
        label=_("Description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    distance_km = forms.IntegerField(label=_("Distance (km)"), min_value=0, required=False)
    photos = MultipleFileField(label=_("Photos"), required=False)
    first_contact_owner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(  # gatekeepers only
        label=_("Received by"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fuwu.customers.selectors import products_for_user

        self._set_queryset("customer", visibility.customers_for_user(user))
        self._set_queryset("product", products_for_user(user))
        self._set_queryset(
            "service_type", visibility.service_types_for_user(user).filter(is_active=True).order_by("code")
        )
        self._set_queryset("department", visibility.departments_for_user(user).filter(is_active=True))
        self._set_queryset("first_contact_owner", visibility.staff_for_user(user).filter(is_gatekeeper=False))
        if not getattr(user, "is_gatekeeper", False):
            del self.fields["first_contact_owner"]
        phone = self.fields["caller_phone"].widget
        phone.attrs.update({"autofocus": True, "inputmode": "tel", "autocomplete": "off"})
        self.fields["distance_km"].widget.attrs["inputmode"] = "numeric"

    def _set_queryset(self, name: str, queryset: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset


class ReasonForm(StyledForm):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(StyledForm):
    pass


class RouteForm(StyledForm):
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = visibility.departments_for_user(user).filter(is_active=True)


class DispatchForm(StyledForm):
    """Technician choices come from the dispatch suggestions (available first, then least load)."""

    technician = forms.TypedChoiceField(label=_("Technician (leader)"), coerce=int, choices=())
    team = forms.TypedMultipleChoiceField(
        label=_("Further team members"),
        coerce=int,
        choices=(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args: Any, suggestions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(s.person.pk, s.label) for s in suggestions]
        technician = self.fields["technician"]
        team = self.fields["team"]
        assert isinstance(technician, forms.ChoiceField)
        assert isinstance(team, forms.ChoiceField)
        technician.choices = choices
        team.choices = [(s.person.pk, s.person.display_name) for s in suggestions]
        self.suggestions = suggestions


class ReplyForm(StyledForm):
    text = forms.CharField(
        label=_("Written reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoticeForm(StyledForm):
    # The checklist's materials already in hand (not the work order's status "received", 已受理).
    received = forms.MultipleChoiceField(
        label=_("Materials received"), required=False, widget=forms.CheckboxSelectMultiple
    )
    extra_items = forms.CharField(
        label=_("Materials not on the checklist"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)

    def __init__(self, *args: Any, materials: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["received"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(m.name, m.name) for m in materials if not m.is_received]

    def extra_list(self) -> list[str]:
        return [
            line.strip() for line in self.cleaned_data.get("extra_items", "").splitlines() if line.strip()
        ]


class MaterialsReceivedForm(StyledForm):
    received = forms.MultipleChoiceField(
        label=_("Materials that arrived"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, materials: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["received"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(m.name, m.name) for m in materials if not m.is_received]


class RejectionRequestForm(StyledForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("rejection", _("Refusal (red light)")),
            ("cannot_do_now", _("Cannot be done now (red light)")),
        ],
    )
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    answer = forms.CharField(
        label=_("Answer to the customer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Sent only once the head approves."),
    )
    deferred_until = forms.DateField(
        label=_("Can be done from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, latest_deferral: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["deferred_until"]
        if latest_deferral is not None:
            field.widget.attrs["max"] = latest_deferral.isoformat()
            field.help_text = _(
                "Only for “cannot be done now”: the day from which the work can be done, "
                "at the latest %(day)s. The request stays open until then."
            ) % {"day": latest_deferral.isoformat()}


class ApproveRejectionForm(StyledForm):
    """The head's decision on a refusal, or on a deferral (where another day may be named)."""

    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    deferred_until = forms.DateField(
        label=_("Can be done from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, requested_day: Any = None, is_deferral: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not is_deferral:
            del self.fields["deferred_until"]
        elif requested_day is not None:
            self.fields["deferred_until"].help_text = _(
                "Asked for: %(day)s. Leave empty to approve that day, or name another."
            ) % {"day": requested_day.isoformat()}


class RecordWarrantyForm(StyledForm):
    warranty_status = forms.ChoiceField(label=_("Warranty finding"), choices=WarrantyStatus.choices)
    note = forms.CharField(
        label=_("What you found"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Out of warranty or misuse: the work is paid; where the policy asks, the "
            "department head is asked to approve at once."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["warranty_status"].widget.attrs["class"] = "form-select form-select-lg"


class ExtensionRequestForm(StyledForm):
    clock = forms.ChoiceField(label=_("Clock"), choices=ClockKind.choices)
    amount = forms.IntegerField(label=_("Extend by"), min_value=1)
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, initial="working_days")
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, clock_kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["clock"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(value, label) for value, label in ClockKind.choices if value in clock_kinds]


class CompleteForm(StyledForm):
    """The service report. Readings the work needs only (``readings``: running hours and mileage where
    the service type or the product has them, signs of disassembly for a product); photos as the
    policy asks (``min_photos``)."""

    findings = forms.CharField(label=_("Findings"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    work_done = forms.CharField(
        label=pgettext_lazy("report field", "Work done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    warranty_status = forms.ChoiceField(label=_("Warranty"), choices=WarrantyStatus.choices)
    minutes_spent = forms.IntegerField(
        label=_("Time spent (minutes)"), min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    disassembly_signs = forms.BooleanField(label=_("Signs of disassembly"), required=False)
    running_hours = forms.IntegerField(
        label=_("Running hours"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    mileage_km = forms.IntegerField(
        label=_("Mileage (km)"),
        min_value=0,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    parts = forms.CharField(
        label=_("Parts used"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line: name, model, quantity (e.g. 角阀, DN15, 1)."),
    )
    photos = MultipleFileField(label=_("Photos"), required=False)

    def __init__(
        self,
        *args: Any,
        readings: Any = ("disassembly_signs", "running_hours", "mileage_km"),
        min_photos: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("disassembly_signs", "running_hours", "mileage_km"):
            if name not in readings:
                del self.fields[name]
        photos = self.fields["photos"]
        if min_photos:
            photos.help_text = _(
                "The policy asks for at least %(n)s photos: the spot, from several angles, and the work done."
            ) % {"n": min_photos}
        else:
            photos.help_text = _("Optional: photos of the spot and of the work done.")


class ConfirmForm(StyledForm):
    method = forms.ChoiceField(
        label=_("How the customer confirms"),
        choices=ConfirmationMethod.choices,
        initial=ConfirmationMethod.SIGNATURE,
        widget=forms.RadioSelect,
    )
    confirmed_by_name = forms.CharField(label=_("Confirmed by"), max_length=100)
    signature = forms.CharField(required=False, widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("SMS code"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    voucher = forms.FileField(
        label=_("Signed paper voucher"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )
    satisfied = forms.NullBooleanField(
        label=_("Satisfied?"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("Not asked")), ("true", _("Satisfied")), ("false", _("Not satisfied"))]
        ),
    )
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)


class RefuseConfirmationForm(StyledForm):
    reason = forms.CharField(
        label=_("Why the customer will not confirm"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RecordFeeForm(StyledForm):
    fee_item: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Fee item"),
        queryset=FeeItem.objects.none(),
        required=False,
        empty_label=_("— other (describe) —"),
    )
    description = forms.CharField(label=_("Item"), max_length=200, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, decimal_places=2, initial=1)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        min_value=0,
        decimal_places=2,
        required=False,
        help_text=_("Empty: the price of the fee schedule."),
    )
    receipt_number = forms.CharField(
        label=_("Invoice/receipt number"),
        max_length=60,
        required=False,
        help_text=_("Only with a receipt number is the fee collected."),
    )

    def __init__(self, *args: Any, fee_items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["fee_item"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = fee_items


class CollectFeeForm(StyledForm):
    fee_line = forms.TypedChoiceField(label=_("Fee"), coerce=int, choices=())
    receipt_number = forms.CharField(label=_("Invoice/receipt number"), max_length=60, required=False)

    def __init__(self, *args: Any, fee_lines: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["fee_line"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (line.pk, f"{line.description} ¥{line.amount}") for line in fee_lines if not line.is_collected
        ]


class ListFilterForm(StyledForm):
    """The list's filters (GET). Invalid values are ignored rather than refused."""

    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    service_type = forms.TypedChoiceField(
        label=_("Service type"), coerce=int, required=False, empty_value=None
    )
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    # ``<input type=date>`` takes and shows an ISO date (2026-11-23) whatever the language's format.
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    received_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput())
    mine = forms.ChoiceField(
        label=_("Only mine"),
        required=False,
        choices=[
            ("", _("No")),
            ("first_received", _("First received by me")),
            ("assigned", _("Assigned to me")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("", _("As the list has it")),
            ("received", _("Newest first")),
            ("due", _("Most urgent first")),
        ],
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from .models import Status

        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        choices: dict[str, Any] = {
            "status": everything + list(Status.choices),
            "priority": everything + list(Priority.choices),
            "channel": everything + list(Channel.choices),
            "service_type": everything
            + [
                (st.pk, st.name)
                for st in visibility.service_types_for_user(user).only("pk", "name").order_by("code")
            ],
            "department": everything
            + [(d.pk, d.name) for d in visibility.departments_for_user(user).only("pk", "name", "path")],
        }
        for name, values in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = values
            field.widget.attrs["class"] = "form-select form-select-sm"
        for name in ("mine", "sort"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("q", "received_from", "received_to"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
