"""Pydantic validation errors as messages in the user's language, keyed by the exact field path."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _


def path_of(loc: Sequence[Any]) -> str:
    """``("visits", "sampling", 1, "ratio")`` → ``visits.sampling[1].ratio``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def message_for(error: Mapping[str, Any]) -> str:
    """The problem in the user's language, with the value given when the error carries it."""
    message = _problem(error)
    kind = error.get("type", "")
    if "input" in error and kind not in _NO_INPUT_ECHO:
        got = error["input"]
        shown = repr(got) if not isinstance(got, dict | list) else type(got).__name__
        return _("%(problem)s, got %(value)s") % {"problem": message, "value": shown}
    return message


# Errors where echoing the value adds nothing (it is absent, or the whole table).
_NO_INPUT_ECHO = {
    "missing",
    "extra_forbidden",
    "json_invalid",
    "value_error",
    "assertion_error",
    "string_too_short",
    "string_too_long",
    "too_short",
    "too_long",
}


def _problem(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    match kind:
        case "missing":
            return _("is required")
        case "extra_forbidden":
            return _("is not a known key")
        case "string_type":
            return _("must be text")
        case "string_too_short":
            return _("must have at least %(n)s characters") % {"n": ctx.get("min_length")}
        case "string_too_long":
            return _("must have at most %(n)s characters") % {"n": ctx.get("max_length")}
        case "string_pattern_mismatch":
            return _("has the wrong format")
        case "int_parsing" | "int_type" | "int_from_float":
            return _("must be a whole number")
        case "float_parsing" | "float_type" | "decimal_parsing" | "decimal_type":
            return _("must be a number")
        case "bool_parsing" | "bool_type":
            return _("must be true or false")
        case "greater_than":
            return _("must be greater than %(limit)s") % {"limit": ctx.get("gt")}
        case "greater_than_equal":
            return _("must be at least %(limit)s") % {"limit": ctx.get("ge")}
        case "less_than":
            return _("must be less than %(limit)s") % {"limit": ctx.get("lt")}
        case "less_than_equal":
            return _("must be at most %(limit)s") % {"limit": ctx.get("le")}
        case "date_parsing" | "date_type" | "date_from_datetime_parsing" | "date_from_datetime_inexact":
            return _("must be a date (YYYY-MM-DD)")
        case "datetime_parsing" | "datetime_type" | "datetime_from_date_parsing":
            return _("must be a date and time (ISO 8601)")
        case "time_parsing" | "time_type":
            return _("must be a time (HH:MM)")
        case "enum" | "literal_error":
            return _("must be one of %(choices)s") % {"choices": ctx.get("expected", "")}
        case "list_type" | "tuple_type":
            return _("must be a list")
        case "dict_type" | "model_type" | "model_attributes_type":
            return _("must be a table of keys")
        case "too_short":
            return _("must have at least %(n)s items") % {"n": ctx.get("min_length")}
        case "too_long":
            return _("must have at most %(n)s items") % {"n": ctx.get("max_length")}
        case "json_invalid":
            return _("is not valid JSON")
        case "value_error" | "assertion_error":
            return str(ctx.get("error", error.get("msg", "")))
    return str(error.get("msg", kind))


def field_errors(
    errors: Iterable[Mapping[str, Any]], *, skip_prefix: Sequence[str] = ()
) -> dict[str, list[str]]:
    """``{"field.path": ["message", …]}`` from pydantic's ``errors()`` list."""
    out: dict[str, list[str]] = {}
    for error in errors:
        loc = list(error.get("loc", ()))
        while loc and loc[0] in skip_prefix:
            loc.pop(0)
        out.setdefault(path_of(loc) or "__all__", []).append(message_for(error))
    return out
