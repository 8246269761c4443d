"""What the public pages of every process share (customers, no login, mounted at /service/): which
organisation they serve, their rate limits, the page decorator, and the forms' honeypot, input
normalisation and status look-up by number and the phone's last four digits."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from fuwu.customers.services import phone_problem
from fuwu.org.models import Organisation

# --- which organisation ---------------------------------------------------------------------


class NoPublicOrganisation(Exception):
    """The installation cannot tell which organisation its public pages serve."""


def public_organisation() -> Organisation:
    """``settings.FUWU_DEFAULT_ORGANISATION`` (env ``FUWU_ORGANISATION``) by name, else the only one."""
    name = settings.FUWU_DEFAULT_ORGANISATION
    if name:
        organisation = Organisation.objects.filter(name=name).first()
        if organisation is None:
            raise NoPublicOrganisation(
                _("The organisation “%(name)s” named by FUWU_ORGANISATION does not exist.") % {"name": name}
            )
        return organisation
    organisations = list(Organisation.objects.order_by("pk")[:2])
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise NoPublicOrganisation(_("No organisation has been set up yet."))
    raise NoPublicOrganisation(
        _(
            "This installation serves several organisations: set FUWU_ORGANISATION to the one whose "
            "public pages these are."
        )
    )


# --- rate limits ----------------------------------------------------------------------------


def submit_rate(group: str, request: HttpRequest) -> str:
    return settings.FUWU_PUBLIC_SUBMIT_RATE


def status_rate(group: str, request: HttpRequest) -> str:
    return settings.FUWU_PUBLIC_STATUS_RATE


UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_period_seconds(rate: str) -> int:
    """The window of a rate such as ``5/10m`` in seconds (600)."""
    period = rate.split("/", 1)[1]
    return int(period[:-1] or 1) * UNIT_SECONDS[period[-1]]


def public_page(
    *,
    group: str,
    rate: Callable[[str, HttpRequest], str] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Resolve the organisation (404 with an explanation if there is none) and apply the rate limit
    (counted on POST, per client IP; 429 with a friendly page once exceeded). Pages are never cached."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                organisation = public_organisation()
            except NoPublicOrganisation as problem:
                return render(
                    request,
                    "public/unavailable.html",
                    {"organisation": None, "message": str(problem)},
                    status=404,
                )
            if getattr(request, "limited", False) and rate is not None:
                response = render(
                    request, "public/rate_limited.html", {"organisation": organisation}, status=429
                )
                response["Retry-After"] = str(rate_period_seconds(rate(group, request)))
                return response
            return view(request, organisation, *args, **kwargs)

        if rate is not None:
            wrapped = ratelimit(group=group, key="ip", rate=rate, method="POST", block=False)(wrapped)
        return never_cache(wrapped)

    return decorator


# --- forms ----------------------------------------------------------------------------------

# The honeypot: a field people never see (hidden with CSS, skipped by the keyboard) that bots fill in.
HONEYPOT_FIELD = "website"


def normalise(value: str) -> str:
    """Full-width digits, letters and dashes (typed with a Chinese input method) as plain ASCII."""
    return unicodedata.normalize("NFKC", value or "").strip()


def normalise_phone(value: str) -> str:
    phone = "".join(normalise(value).split())
    if phone.startswith("+86"):
        phone = phone[3:]
    return phone


class PublicFormMixin:
    """A public form with the honeypot (``website``) and a caller's name and phone."""

    data: Any
    cleaned_data: dict[str, Any]

    @property
    def is_bot(self) -> bool:
        """The honeypot was filled in: people do not see it, so a program did."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    def clean_caller_name(self) -> str:
        return normalise(self.cleaned_data["caller_name"])

    def clean_caller_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["caller_phone"])
        if problem := phone_problem(phone):
            raise forms.ValidationError(problem)
        return phone

    def visible_fields_except_honeypot(self) -> list[forms.BoundField]:
        return [field for field in self.visible_fields() if field.name != HONEYPOT_FIELD]  # type: ignore[attr-defined]


class StatusLookupMixin:
    """A status look-up's ``number`` (spaces dropped, upper case) and ``phone_last_four``."""

    cleaned_data: dict[str, Any]

    def clean_number(self) -> str:
        return "".join(normalise(self.cleaned_data["number"]).split()).upper()

    def clean_phone_last_four(self) -> str:
        digits = normalise(self.cleaned_data["phone_last_four"])
        if len(digits) != 4 or not (digits.isascii() and digits.isdigit()):
            raise forms.ValidationError(gettext_lazy("Enter exactly four digits."))
        return digits
