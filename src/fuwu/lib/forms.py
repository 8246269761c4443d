"""Carrying a service's field errors back onto a Django form."""

from __future__ import annotations

from django import forms

from fuwu.lib.errors import BusinessError


def add_service_errors(form: forms.Form, error: BusinessError) -> None:
    """Put each field error of ``error`` on the form field of that name (or on the form)."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for name, messages in error.fields.items():
        field = name.split(".")[0].split("[")[0]
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
