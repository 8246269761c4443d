"""Forms of the complaint pages. They only shape input; the rules live in ``services``.

Field names follow the services' error names where they differ only by ``_id`` (see
``SERVICE_FIELD_NAMES``), so a service's field errors land on the field that caused them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.catalogue.models import ServiceType
from fuwu.customers.models import Customer, Product
from fuwu.lib.forms import DateInput, DateTimeLocalInput, StyledForm, limit_choices
from fuwu.org.models import Confidentiality, Department, User

from .models import (
    MAX_AMOUNT,
    REGISTERED_LATER,
    AnswerOutcome,
    CauseType,
    Channel,
    ClockKind,
    ComplaintObject,
    CostKind,
    ReplyMethod,
    Status,
    Validity,
)
from .rules import EXTENDABLE_CLOCKS

# Service field name → form field name.
SERVICE_FIELD_NAMES = {
    "customer_id": "customer",
    "work_order_id": "work_order",
    "service_type_id": "service_type",
    "product_id": "product",
    "department_id": "department",
    "person_ids": "persons",
    "handler_id": "handler",
    "cost_id": "cost",
    "into": "into",
    "into_id": "into",
}

# Channels an employee records a complaint from (the public page and the API have their own ways in;
# a complaint from a work order is raised on the work order's page).
STAFF_CHANNELS = [
    (value, label)
    for value, label in Channel.choices
    if value not in (Channel.WEB, Channel.API, Channel.WORK_ORDER)
]

UNIT_CHOICES = [
    ("working_days", _("working days")),
    ("business_hours", _("business hours")),
    ("calendar_hours", _("calendar hours")),
]

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def severity_choices(policy: Any) -> list[tuple[str, str]]:
    """The policy's complaint severity levels, as the page names them."""
    levels = getattr(getattr(policy, "complaints", None), "severity_levels", None) or []
    return [(level.code, level.label) for level in levels]


def _set_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    limit_choices(form, name, queryset)


class IntakeForm(StyledForm):
    """A complaint taken by a hotline agent, or registered from a letter or the suggestion box."""

    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS, initial=Channel.PHONE)
    received_at = forms.DateTimeField(
        label=_("Received at"),
        required=False,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        help_text=_(
            "Letters, faxes, e-mails and suggestion-box notes: when it arrived. The deadlines count from it."
        ),
    )
    caller_phone = forms.CharField(label=_("Complainant's phone"), max_length=30, required=False)
    customer: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=Customer.objects.none(), required=False, widget=forms.HiddenInput
    )
    caller_name = forms.CharField(label=_("Complainant"), max_length=100, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    identity_protected = forms.BooleanField(
        label=_("Protect the complainant's identity"),
        required=False,
        help_text=_("Name and phone are then shown only to agents and the quality role."),
    )
    work_order = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**62)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    object = forms.ChoiceField(
        label=_("Complaint about"), choices=ComplaintObject.choices, initial=ComplaintObject.OTHER
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    description = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    demand = forms.CharField(
        label=_("Customer's demand"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    service_type: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Service type"),
        queryset=ServiceType.objects.none(),
        required=False,
        empty_label=_("— not about a service —"),
    )
    product: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), required=False, empty_label=_("— no product —")
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Handling department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("— by the rule below —"),
        help_text=_("Empty: the work order's department, else the customer's."),
    )
    confidentiality = forms.TypedChoiceField(
        label=_("Confidentiality"), coerce=int, choices=(), initial=Confidentiality.NONE
    )

    def __init__(self, *args: Any, user: Any, policy: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fuwu.customers.selectors import products_for_user

        _set_queryset(self, "customer", visibility.customers_for_user(user))
        _set_queryset(self, "product", products_for_user(user))
        _set_queryset(
            self,
            "service_type",
            visibility.service_types_for_user(user).filter(is_active=True).order_by("code"),
        )
        _set_queryset(self, "department", visibility.departments_for_user(user).filter(is_active=True))
        severity = self.fields["severity"]
        assert isinstance(severity, forms.ChoiceField)
        severity.choices = [("", _("As the policy presets it")), *severity_choices(policy)]
        confidentiality = self.fields["confidentiality"]
        assert isinstance(confidentiality, forms.ChoiceField)
        clearance = getattr(user, "clearance", 0) or 0
        confidentiality.choices = [(v, label) for v, label in Confidentiality.choices if v <= clearance]
        phone = self.fields["caller_phone"].widget
        phone.attrs.update({"autofocus": True, "inputmode": "tel", "autocomplete": "off"})

    def clean_received_at(self) -> Any:
        moment = self.cleaned_data.get("received_at")
        if moment is not None and moment > timezone.now():
            raise forms.ValidationError(_("Cannot be in the future."))
        return moment

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        channel = data.get("channel")
        if data.get("received_at") is not None and channel and channel not in REGISTERED_LATER:
            self.add_error(
                "received_at",
                _("Only a letter, fax, e-mail or suggestion-box note is registered later than it arrived."),
            )
        return data


class FromWorkOrderForm(StyledForm):
    """A complaint raised from a work order: the customer, caller, product, service type, department
    and the people who worked on it come from the work order."""

    work_order = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(Channel.WORK_ORDER.value, Channel.WORK_ORDER.label), *STAFF_CHANNELS],
        initial=Channel.WORK_ORDER,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    object = forms.ChoiceField(
        label=_("Complaint about"), choices=ComplaintObject.choices, initial=ComplaintObject.OTHER
    )
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    description = forms.CharField(
        label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    demand = forms.CharField(
        label=_("Customer's demand"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, policy: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        severity = self.fields["severity"]
        assert isinstance(severity, forms.ChoiceField)
        severity.choices = [("", _("As the policy presets it")), *severity_choices(policy)]
        self.fields["subject"].widget.attrs["autofocus"] = True


class NoteForm(StyledForm):
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RequiredNoteForm(StyledForm):
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(StyledForm):
    pass


class AssessForm(StyledForm):
    validity = forms.ChoiceField(
        label=_("Validity"),
        choices=[(v, label) for v, label in Validity.choices if v != Validity.PENDING],
        help_text=_("Invalid: the customer misunderstood. It is still answered and explained."),
    )
    object = forms.ChoiceField(label=_("Complaint about"), choices=ComplaintObject.choices)
    cause_type = forms.ChoiceField(label=_("Cause"), choices=[("", "—"), *CauseType.choices], required=False)
    severity = forms.ChoiceField(label=_("Severity"))
    note = forms.CharField(label=_("Assessment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, policy: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        severity = self.fields["severity"]
        assert isinstance(severity, forms.ChoiceField)
        severity.choices = severity_choices(policy)


class ResponsibilityForm(StyledForm):
    cause = forms.CharField(label=_("Cause found"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Responsible department"), queryset=Department.objects.none(), empty_label=_("— choose —")
    )
    persons: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Responsible people"),
        queryset=User.objects.none(),
        required=False,
        help_text=_(
            "A valid complaint attributed to a person proposes a penalty for the approver to decide."
        ),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "department", visibility.departments_for_user(user).filter(is_active=True))
        _set_queryset(
            self, "persons", visibility.staff_for_user(user).filter(is_active=True).order_by("full_name")
        )
        self.fields["persons"].widget.attrs["size"] = "5"


class PlanForm(StyledForm):
    plan = forms.CharField(
        label=_("Handling plan"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ExtensionRequestForm(StyledForm):
    clock = forms.ChoiceField(label=_("Deadline"), choices=())
    amount = forms.IntegerField(label=_("Extend by"), min_value=1, max_value=1000)
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, initial="working_days")
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, clock_kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["clock"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (value, label)
            for value, label in ClockKind.choices
            if value in clock_kinds and value in EXTENDABLE_CLOCKS
        ]
        self.fields["amount"].widget.attrs["inputmode"] = "numeric"


class ExecuteForm(StyledForm):
    note = forms.CharField(
        label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReplyForm(StyledForm):
    text = forms.CharField(
        label=_("Reply to the customer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    method = forms.ChoiceField(label=_("Replied by"), choices=ReplyMethod.choices, initial=ReplyMethod.PHONE)


class AnswerForm(StyledForm):
    outcome = forms.ChoiceField(label=_("The customer's answer"), choices=AnswerOutcome.choices)
    method = forms.ChoiceField(label=_("Asked by"), choices=ReplyMethod.choices, initial=ReplyMethod.PHONE)
    comment = forms.CharField(
        label=_("Customer's words"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ClassifyAnswerForm(StyledForm):
    reasonable = forms.ChoiceField(
        label=_("Is the dissatisfaction reasonable?"), choices=YES_NO, widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReassignForm(StyledForm):
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Handling department"), queryset=Department.objects.none(), empty_label=_("— choose —")
    )
    handler: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Handler"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— the department decides —"),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "department", visibility.departments_for_user(user).filter(is_active=True))
        _set_queryset(
            self, "handler", visibility.staff_for_user(user).filter(is_active=True).order_by("full_name")
        )


class MergeForm(StyledForm):
    into = forms.CharField(
        label=_("Merge into complaint number"),
        max_length=40,
        help_text=_("The complaint about the same event that stays open; every caller is kept and answered."),
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_into(self) -> str:
        return "".join(self.cleaned_data["into"].split()).upper()


class AddCostForm(StyledForm):
    kind = forms.ChoiceField(label=_("Cost"), choices=CostKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (¥)"), min_value=0.01, max_value=MAX_AMOUNT, decimal_places=2, max_digits=12
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Allocated to"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("— the responsible department —"),
        help_text=_("Empty: the responsible department, else the handling department."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "department", visibility.departments_for_user(user).filter(is_active=True))
        self.fields["amount"].widget.attrs["inputmode"] = "decimal"


class VerifyCostForm(StyledForm):
    cost = forms.TypedChoiceField(label=_("Cost"), coerce=int, choices=())
    approved = forms.ChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Verified")), ("no", _("Rejected"))],
        widget=forms.RadioSelect,
        initial="yes",
    )
    department: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Allocated to"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("— keep it —"),
        help_text=_("Empty: keep the department it is allocated to."),
    )
    note = forms.CharField(
        label=_("Finance note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, costs: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fuwu.lib.display import money

        _set_queryset(self, "department", visibility.departments_for_user(user).filter(is_active=True))
        field = self.fields["cost"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (
                cost.pk,
                f"{cost.get_kind_display()} {money(cost.amount)}"
                + (f" · {cost.description}" if cost.description else ""),
            )
            for cost in costs
        ]


# --- penalties ------------------------------------------------------------------------------


class PenaltyDecisionForm(StyledForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm")), ("change", _("Change the amount")), ("waive", _("Waive"))],
        widget=forms.RadioSelect,
        initial="confirm",
    )
    amount = forms.DecimalField(
        label=_("Amount (¥)"),
        min_value=0,
        max_value=MAX_AMOUNT,
        decimal_places=2,
        max_digits=12,
        required=False,
        help_text=_("Only when changing the amount."),
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "change" and data.get("amount") is None:
            self.add_error("amount", _("Give the changed amount."))
        return data


class PenaltyAppealForm(StyledForm):
    text = forms.CharField(label=_("Your appeal"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class AppealDecisionForm(StyledForm):
    upheld = forms.ChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Uphold the appeal (lift the penalty)")), ("no", _("Reject the appeal"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


# --- the lists' filters ---------------------------------------------------------------------


class ListFilterForm(StyledForm):
    """The list's filters (GET). Invalid values are ignored rather than refused."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    object = forms.ChoiceField(label=_("Complaint about"), required=False)
    validity = forms.ChoiceField(label=_("Validity"), required=False)
    department = forms.TypedChoiceField(label=_("Department"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Received until"), required=False, widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        choices: dict[str, Any] = {
            "status": everything + list(Status.choices),
            "object": everything + list(ComplaintObject.choices),
            "validity": everything + list(Validity.choices),
            "department": everything
            + [(d.pk, d.name) for d in visibility.departments_for_user(user).only("pk", "name", "path")],
        }
        for name, values in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = values
            field.widget.attrs["class"] = "form-select form-select-sm"
        for name in ("q", "date_from", "date_to"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
