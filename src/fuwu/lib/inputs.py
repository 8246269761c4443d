"""Bounded input types and base schemas for every API body, query and path parameter.

Nothing that a page cannot render may reach the database, so every value that comes in is bounded
at the schema: integers by their column and by sense, decimals by the field they land in, dates to
1900–2100, text by length and free of control characters (NUL breaks PostgreSQL, the others break
pages and exports), lists by a sensible number of items. ``tests/test_openapi_bounds.py`` walks the
OpenAPI document and fails on any request value left unbounded, so a new endpoint cannot forget it.

- ``InputSchema``: every body schema. Unknown keys are an error; text anywhere in it (lists and
  nested schemas included) refuses control characters other than tab, newline and carriage return.
- ``PatchSchema``: partial updates. A key that is absent is left as it is; ``null`` is refused with
  a field error unless the field is listed in ``nullable`` (where null means "clear it"), and the
  OpenAPI document says so.
- ``Id``, ``Count``, ``Offset``, ``Limit``, ``Money``, ``Quantity``, ``Day``, ``Moment``,
  ``Clearance``: bounded scalar types; ``Reason``, ``LongText``, ``Keywords``: text by what it is
  (other text and lists say ``Annotated[str, Field(max_length=…)]`` where they are declared).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

MAX_BIGINT = 2**63 - 1  # BigAutoField / BigIntegerField on SQLite and PostgreSQL
MAX_INT = 2**31 - 1  # IntegerField / PositiveIntegerField on every database
MAX_OFFSET = 100_000  # offset paging beyond this is nobody's use; narrow the filters instead
MAX_PAGE = 200
MAX_ITEMS = 100  # list inputs (materials, team members, parts…) unless a field says otherwise
# Free-text lengths by what the text is (the columns are TextField, unbounded by the database).
REASON_LENGTH = 2000  # reasons, notes, decision notes
DESCRIPTION_LENGTH = 4000  # descriptions, findings, work done, replies
MIN_DAY = date(1900, 1, 1)
MAX_DAY = date(2100, 12, 31)

# Control characters other than tab, newline and carriage return; also the two Unicode "non
# characters" that the JSON parser lets through and no database column should keep.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def refuse_bool(value: Any) -> Any:
    """``true`` is not a number (pydantic would read it as 1)."""
    if isinstance(value, bool):
        raise ValueError(_("must be a whole number"))
    return value


def day_in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not MIN_DAY <= day <= MAX_DAY:
        raise ValueError(_("must be between %(first)s and %(last)s") % {"first": MIN_DAY, "last": MAX_DAY})
    return value


def _moment_in_range(value: datetime) -> datetime:
    # Compared in UTC: an aware 2100-12-31T23:00-05:00 is already 2101 in Shanghai.
    moment = value if value.tzinfo is None else value.astimezone(UTC)
    day_in_range(moment.date())
    return value


Id = Annotated[int, Field(ge=1, le=MAX_BIGINT), BeforeValidator(refuse_bool)]
Count = Annotated[int, Field(ge=0, le=MAX_INT), BeforeValidator(refuse_bool)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET), BeforeValidator(refuse_bool)]
Limit = Annotated[int, Field(ge=1, le=MAX_PAGE), BeforeValidator(refuse_bool)]
# Money and quantities land in DecimalField(max_digits=10, decimal_places=2) columns.
MAX_DECIMAL = Decimal("99999999.99")
_DECIMAL_TEXT = {"type": "string", "pattern": r"^\d{1,8}(\.\d{1,2})?$", "maxLength": 11}
Money = Annotated[
    Decimal,
    Field(ge=0, le=MAX_DECIMAL, max_digits=10, decimal_places=2),
    WithJsonSchema({"anyOf": [{"type": "number", "minimum": 0, "maximum": 99999999.99}, _DECIMAL_TEXT]}),
]
Quantity = Annotated[
    Decimal,
    Field(gt=0, le=MAX_DECIMAL, max_digits=10, decimal_places=2),
    WithJsonSchema(
        {"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 99999999.99}, _DECIMAL_TEXT]}
    ),
]
Day = Annotated[date, AfterValidator(day_in_range)]
Moment = Annotated[datetime, AfterValidator(_moment_in_range)]


Reason = Annotated[str, Field(max_length=REASON_LENGTH)]
LongText = Annotated[str, Field(max_length=DESCRIPTION_LENGTH)]
Keywords = Annotated[str, Field(max_length=100)]  # search words in a query
# Products and visits, bounded by sense (the columns would take 2**31 - 1).
RunningHours = Annotated[int, Field(ge=0, le=1_000_000), BeforeValidator(refuse_bool)]  # 114 years
Kilometres = Annotated[int, Field(ge=0, le=10_000_000), BeforeValidator(refuse_bool)]  # odometers
DistanceKm = Annotated[int, Field(ge=0, le=20_000), BeforeValidator(refuse_bool)]  # half the Earth
Clearance = Annotated[int, Field(ge=0, le=3), BeforeValidator(refuse_bool)]  # 0 公开 … 3 绝密


def parse_id(text: str | None) -> int | None:
    """An id from a page's query string (``?department=3``): ``None`` unless it is plain digits
    within the id column, so a filter never sends the database a number it cannot hold."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_BIGINT else None


def decimal_fits(model: type[Any], field_name: str, value: Decimal) -> bool:
    """Whether ``value`` fits the DecimalField ``model.field_name`` (its max_digits and
    decimal_places): a service checks derived amounts with it before it writes them."""
    field = model._meta.get_field(field_name)
    if not value.is_finite():
        return False
    return abs(value) < Decimal(10) ** (field.max_digits - field.decimal_places)


def decimal_limit(model: type[Any], field_name: str) -> str:
    """The bound of a DecimalField for a message: ``100,000,000``."""
    field = model._meta.get_field(field_name)
    return f"{10 ** (field.max_digits - field.decimal_places):,}"


def _find_control_characters(value: Any) -> bool:
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, list | tuple | set):
        return any(_find_control_characters(item) for item in value)
    if isinstance(value, Mapping):
        return any(_find_control_characters(k) or _find_control_characters(v) for k, v in value.items())
    return False


class InputSchema(Schema):
    """Base of every request body: unknown keys refused, no control characters in any text."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if _find_control_characters(value):
            raise ValueError(_("must not contain control characters"))
        return value


def _strip_null(schema: dict[str, Any], model: type[Any]) -> None:
    """OpenAPI for a patch: a field that refuses null does not allow it in the document either."""
    nullable: frozenset[str] = getattr(model, "nullable", frozenset())
    for name, prop in (schema.get("properties") or {}).items():
        if name in nullable:
            continue
        options = prop.get("anyOf")
        if isinstance(options, list) and any(option.get("type") == "null" for option in options):
            kept = [option for option in options if option.get("type") != "null"]
            del prop["anyOf"]
            if len(kept) == 1:
                prop.update(kept[0])
            else:
                prop["anyOf"] = kept
        if prop.get("default", "") is None:
            del prop["default"]


class PatchSchema(InputSchema):
    """Partial update: absent keys are kept, ``null`` only for the fields in ``nullable``."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_strip_null)
    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError(_("must not be empty (null); leave the key out to keep the value"))
        return value


class QuerySchema(Schema):
    """Base of query-parameter schemas (filters). Control characters in queries are refused for
    every endpoint by the API's request check, before any schema runs."""


# --- text checked by a service (the page's forms and the API share the messages) -------------


def required_text(value: str | None, field: str, errors: Any, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        errors.add(field, _("is required"))
    elif len(text) > limit:
        errors.add(field, _("must have at most %(n)s characters") % {"n": limit})
    elif has_control_characters(text):
        errors.add(field, _("must not contain control characters"))
    return text


def optional_text(value: str | None, field: str, errors: Any, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        errors.add(field, _("must have at most %(n)s characters") % {"n": limit})
    elif has_control_characters(text):
        errors.add(field, _("must not contain control characters"))
    return text


def choice(value: str | None, choices: Any, field: str, errors: Any) -> str:
    if value not in choices.values:
        errors.add(field, _("must be one of %(choices)s") % {"choices": ", ".join(choices.values)})
        return ""
    return str(value)
