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
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    got = error.get("input")
    got_text = repr(got) if not isinstance(got, dict | list) else type(got).__name__
    match kind:
        case "missing":
            return _("is required")
        case "extra_forbidden":
            return _("is not a known key")
        case "string_type":
            return _("must be text, got %(got)s") % {"got": got_text}
        case "string_too_short":
            return _("must have at least %(n)s characters") % {"n": ctx.get("min_length")}
        case "string_too_long":
            return _("must have at most %(n)s characters") % {"n": ctx.get("max_length")}
        case "string_pattern_mismatch":
            return _("has the wrong format, got %(got)s") % {"got": got_text}
        case "int_parsing" | "int_type" | "int_from_float":
            return _("must be a whole number, got %(got)s") % {"got": got_text}
        case "float_parsing" | "float_type" | "decimal_parsing" | "decimal_type":
            return _("must be a number, got %(got)s") % {"got": got_text}
        case "bool_parsing" | "bool_type":
            return _("must be true or false, got %(got)s") % {"got": got_text}
        case "greater_than":
            return _("must be greater than %(limit)s, got %(got)s") % {"limit": ctx.get("gt"), "got": got_text}
        case "greater_than_equal":
            return _("must be at least %(limit)s, got %(got)s") % {"limit": ctx.get("ge"), "got": got_text}
        case "less_than":
            return _("must be less than %(limit)s, got %(got)s") % {"limit": ctx.get("lt"), "got": got_text}
        case "less_than_equal":
            return _("must be at most %(limit)s, got %(got)s") % {"limit": ctx.get("le"), "got": got_text}
        case "date_parsing" | "date_type" | "date_from_datetime_parsing" | "date_from_datetime_inexact":
            return _("must be a date (YYYY-MM-DD), got %(got)s") % {"got": got_text}
        case "datetime_parsing" | "datetime_type" | "datetime_from_date_parsing":
            return _("must be a date and time (ISO 8601), got %(got)s") % {"got": got_text}
        case "time_parsing" | "time_type":
            return _("must be a time (HH:MM), got %(got)s") % {"got": got_text}
        case "enum" | "literal_error":
            return _("must be one of %(choices)s, got %(got)s") % {
                "choices": ctx.get("expected", ""), "got": got_text,
            }
        case "list_type" | "tuple_type":
            return _("must be a list, got %(got)s") % {"got": got_text}
        case "dict_type" | "model_type" | "model_attributes_type":
            return _("must be a table of keys, got %(got)s") % {"got": got_text}
        case "too_short":
            return _("must have at least %(n)s items") % {"n": ctx.get("min_length")}
        case "too_long":
            return _("must have at most %(n)s items") % {"n": ctx.get("max_length")}
        case "json_invalid":
            return _("is not valid JSON")
        case "value_error" | "assertion_error":
            return str(ctx.get("error", error.get("msg", "")))
    return str(error.get("msg", kind))


def field_errors(errors: Iterable[Mapping[str, Any]], *, skip_prefix: Sequence[str] = ()) -> dict[str, list[str]]:
    """``{"field.path": ["message", …]}`` from pydantic's ``errors()`` list."""
    out: dict[str, list[str]] = {}
    for error in errors:
        loc = list(error.get("loc", ()))
        while loc and loc[0] in skip_prefix:
            loc.pop(0)
        out.setdefault(path_of(loc) or "__all__", []).append(message_for(error))
    return out
