"""Registers: what a process exports as a spreadsheet, described once, written by the engine.

A process describes a register in its own ``exports`` module (loaded at start-up by this app):
its columns (a translated header, a width, the kind of value, and a function giving the cell's
value for one record, already as people read it: labels, names, masked phones — never a code), the
records (a function of the requester and the filters that starts from the visibility rules), and
the filters line shown above the table. ``fuwu.exports.xlsx`` writes it; ``fuwu.exports.services``
decides whether that happens during the request or in the background.

Cell values: text (``str`` or a lazy translation), a number (``int``, ``Decimal``), a date or an
aware datetime (written as a real Excel date in local time), ``True``/``False`` (written as
是/否 or yes/no) or ``None`` (an empty cell).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.functional import Promise

# The filters of an export, as JSON (stored with a background job): the keyword arguments of the
# process's list selector, validated by the page's filter form or the API's query schema.
Parameters = Mapping[str, Any]


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    header: str | Promise
    value: Callable[[Any, Any], Any]  # (record, the register's context for this export) → cell value
    width: int = 14
    kind: Kind = Kind.TEXT


@dataclass(frozen=True)
class Register:
    """One spreadsheet a process offers.

    ``records(user, parameters)`` is the queryset of the rows (visible to ``user``, filtered, in
    order, with what the columns read selected or prefetched so that a chunk of rows costs a fixed
    number of queries). ``context(user)`` is computed once per export and handed to every column
    (a ``PhoneShown``, labels). ``filters(user, parameters)`` are the (label, value) pairs of the
    filters in use, for the line above the table. ``may_export(user)`` says who may ask at all.
    """

    kind: str  # a slug: /exports/xlsx/<kind>/
    title: str | Promise
    filename: str  # ASCII base of the file name: work-orders → work-orders-20261123-1005.xlsx
    columns: Sequence[Column]
    records: Callable[[Any, Parameters], QuerySet[Any]]
    context: Callable[[Any], Any] = lambda user: None
    filters: Callable[[Any, Parameters], list[tuple[Any, Any]]] = lambda user, parameters: []
    may_export: Callable[[Any], bool] = lambda user: True
    # The parameters of a page request (the list page's query string, read by the list's own code).
    from_request: Callable[[Any], dict[str, Any]] = lambda request: {}
    list_url: str = ""  # the URL name of the list page (the way back)
    sheet: str | Promise | None = None  # the sheet's name (default: the title)
    extra: dict[str, Any] = field(default_factory=dict)
    # Columns that depend on the requester's organisation (a visit register's questionnaire, one
    # column per question of its policy), appended after ``columns``.
    more_columns: Callable[[Any], Sequence[Column]] = lambda user: ()

    def columns_for(self, user: Any) -> list[Column]:
        return [*self.columns, *self.more_columns(user)]


REGISTERS: dict[str, Register] = {}


def register(definition: Register) -> Register:
    REGISTERS[definition.kind] = definition
    return definition


def get_register(kind: str) -> Register:
    try:
        return REGISTERS[kind]
    except KeyError:
        raise Http404 from None
