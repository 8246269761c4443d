"""How an inspector samples what to check during a service-quality inspection, without Django models.

"Check 20 of this month's 340 service records": :func:`plan` turns a sampling method and the size of
the population (the lot) into a :class:`Plan`, which is stored on the inspection (``Plan.as_dict``)
so that it can be audited later; :func:`draw` then picks *which* units to check, reproducibly from a
seed stored with it, so the same list can be drawn again on any machine; :func:`verdict` turns the
number of nonconforming units found into "accept" or "reject" for ISO 2859 plans.

Methods:

* ``all`` (全数检查): every unit.
* ``ratio`` (按比例抽样): a share of the units, rounded up, at least 1.
* ``fixed`` (固定数量): a fixed count, capped at the population.
* ``iso2859`` (计数抽样): single sampling, normal inspection, by ISO 2859-1:1999 (identical to
  GB/T 2828.1-2012): the lot size and the inspection level give a sample-size code letter (Table 1);
  the code letter and the AQL give the plan (Table 2-A), following the table's arrows to the plan
  actually used. When that plan's sample is at least the lot, the whole lot is inspected (footnote
  to Table 2-A: "if sample size equals or exceeds lot size, carry out 100 % inspection") and the
  plan's acceptance and rejection numbers still apply.

Nothing here uses the global random generator: :func:`draw` seeds its own ``random.Random`` from a
SHA-256 digest of its arguments.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Context, Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeGuard

from django.utils.translation import gettext_lazy as _

__all__ = [
    "AQLS",
    "LEVELS",
    "MAX_POPULATION",
    "METHOD_CHOICES",
    "METHOD_LABELS",
    "Method",
    "Plan",
    "code_letter",
    "draw",
    "plan",
    "verdict",
]


class Method(StrEnum):
    ALL = "all"  # every unit (全数检查)
    RATIO = "ratio"  # a share of the units, rounded up, at least 1 (按比例抽样)
    FIXED = "fixed"  # a fixed count, capped at the population (固定数量)
    ISO2859 = "iso2859"  # ISO 2859-1 / GB/T 2828.1 single sampling, normal inspection (计数抽样)


# Lazy: nothing is translated when the module is imported.
METHOD_LABELS = {
    Method.ALL: _("Every unit"),
    Method.RATIO: _("A share of the units"),
    Method.FIXED: _("A fixed number of units"),
    Method.ISO2859: _("Attribute sampling (ISO 2859-1 / GB/T 2828.1)"),
}
METHOD_CHOICES = tuple((method.value, label) for method, label in METHOD_LABELS.items())

# Inspection levels: the special levels S-1 to S-4, then the general levels I, II (the usual one), III.
LEVELS: tuple[str, ...] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
# Acceptance quality limits in percent nonconforming, as the columns of Table 2-A print them (up to 10;
# the larger columns count nonconformities per 100 units and do not apply to "units checked").
AQLS: tuple[str, ...] = (
    "0.010",
    "0.015",
    "0.025",
    "0.040",
    "0.065",
    "0.10",
    "0.15",
    "0.25",
    "0.40",
    "0.65",
    "1.0",
    "1.5",
    "2.5",
    "4.0",
    "6.5",
    "10",
)
MAX_POPULATION = 1_000_000

ACCEPT = "accept"
REJECT = "reject"

# ---------------------------------------------------------------------------------------------------
# ISO 2859-1:1999 (GB/T 2828.1-2012) tables.
# ---------------------------------------------------------------------------------------------------

# Sample-size code letters (I and O are not used), with their sample sizes (Table 2-A, second column).
_LETTERS: tuple[str, ...] = tuple("ABCDEFGHJKLMNPQR")
_SAMPLE_SIZES: tuple[int, ...] = (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000)

# Table 1 — Sample size code letters. One row per lot-size range: (largest lot size of the range, or
# None for "500 001 and over", then the code letters for S-1, S-2, S-3, S-4, I, II, III as in LEVELS).
# A lot of 1 unit (not in the table, which starts at 2) takes the first row; its sample is the lot.
_TABLE_1: tuple[tuple[int | None, tuple[str, str, str, str, str, str, str]], ...] = (
    (8, ("A", "A", "A", "A", "A", "A", "B")),  # 2 to 8
    (15, ("A", "A", "A", "A", "A", "B", "C")),  # 9 to 15
    (25, ("A", "A", "B", "B", "B", "C", "D")),  # 16 to 25
    (50, ("A", "B", "B", "C", "C", "D", "E")),  # 26 to 50
    (90, ("B", "B", "C", "C", "C", "E", "F")),  # 51 to 90
    (150, ("B", "B", "C", "D", "D", "F", "G")),  # 91 to 150
    (280, ("B", "C", "D", "E", "E", "G", "H")),  # 151 to 280
    (500, ("B", "C", "D", "E", "F", "H", "J")),  # 281 to 500
    (1200, ("C", "C", "E", "F", "G", "J", "K")),  # 501 to 1 200
    (3200, ("C", "D", "E", "G", "H", "K", "L")),  # 1 201 to 3 200
    (10000, ("C", "D", "F", "G", "J", "L", "M")),  # 3 201 to 10 000
    (35000, ("C", "D", "F", "H", "K", "M", "N")),  # 10 001 to 35 000
    (150000, ("D", "E", "G", "J", "L", "N", "P")),  # 35 001 to 150 000
    (500000, ("D", "E", "G", "J", "M", "P", "Q")),  # 150 001 to 500 000
    (None, ("D", "E", "H", "K", "N", "Q", "R")),  # 500 001 and over
)

# Table 2-A — Single sampling plans for normal inspection (master table), columns 0.010 to 10.
# The table is constant along its diagonals: a row further down (sample about 1.6 times larger) and a
# column further left (AQL about 1.6 times smaller) hold the same cell. So the cell of code letter
# index i (A = 0 … R = 15) and AQL index j (0.010 = 0 … 10 = 15) is _DIAGONALS[i + j]:
# "↓" (_DOWN): use the first sampling plan below the arrow; "↑" (_UP): the first plan above it;
# otherwise (Ac, Re). Calibrated on the printed table: J (n = 80) at AQL 0.15 is 0/1, 0.65 is 1/2,
# 1.0 is 2/3, … 10 is 14/15; A (n = 2) at 6.5 is 0/1; K (n = 125) at 0.10 is 0/1 and 2.5 is 7/8.
_DOWN = "down"
_UP = "up"
_Cell = tuple[int, int] | str
_DIAGONALS: tuple[_Cell, ...] = (
    *((_DOWN,) * 14),  # i + j = 0 … 13
    (0, 1),  # 14
    _UP,  # 15
    _DOWN,  # 16
    (1, 2),  # 17
    (2, 3),  # 18
    (3, 4),  # 19
    (5, 6),  # 20
    (7, 8),  # 21
    (10, 11),  # 22
    (14, 15),  # 23
    (21, 22),  # 24
    *((_UP,) * 6),  # 25 … 30
)
assert len(_DIAGONALS) == len(_LETTERS) + len(AQLS) - 1

_AQL_VALUES: tuple[Decimal, ...] = tuple(Decimal(aql) for aql in AQLS)


def code_letter(population: int, level: str) -> str:
    """The sample-size code letter of ISO 2859-1 Table 1 for a lot of ``population`` units."""
    _check_population(population)
    column = _level_index(level)
    for largest, letters in _TABLE_1:
        if largest is None or population <= largest:
            return letters[column]
    raise AssertionError("the last row of Table 1 has no upper bound")  # pragma: no cover


def _follow_arrows(letter_index: int, aql_index: int) -> tuple[int, int, int]:
    """(code letter index, Ac, Re) of the plan Table 2-A uses for this cell, following its arrows.

    An arrow points to the first plan in its direction in the same column; an "↑" in the first row or
    a "↓" in the last row (there is nothing that way) is followed the other way instead.
    """
    cell = _DIAGONALS[letter_index + aql_index]
    if not isinstance(cell, str):
        return letter_index, cell[0], cell[1]
    step = 1 if cell == _DOWN else -1
    for direction in (step, -step):
        row = letter_index + direction
        while 0 <= row < len(_LETTERS):
            found = _DIAGONALS[row + aql_index]
            if not isinstance(found, str):
                return row, found[0], found[1]
            row += direction
    raise AssertionError("every column of Table 2-A holds a plan")  # pragma: no cover


# ---------------------------------------------------------------------------------------------------
# Plans.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How many units of the population to check, and for ISO 2859 plans when to accept or reject."""

    method: Method
    population: int
    sample_size: int  # never above population, at least 1 when population >= 1
    accept: int | None  # Ac (ISO 2859 only), else None
    reject: int | None  # Re (ISO 2859 only), else None
    code_letter: str | None  # ISO 2859 sample-size code letter of the plan used, else None
    whole_lot: bool  # True when every unit is checked (ALL, or the sample reached the population)

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", _method(self.method))
        _check_population(self.population)
        if not _is_int(self.sample_size) or not 1 <= self.sample_size <= self.population:
            raise ValueError("sample_size must be between 1 and the population")
        if self.whole_lot is not (self.sample_size == self.population):
            raise ValueError("whole_lot must be true exactly when the sample is the whole population")
        if self.method is Method.ISO2859:
            if not (_is_int(self.accept) and _is_int(self.reject)):
                raise ValueError("an ISO 2859 plan needs accept and reject numbers")
            if not 0 <= self.accept < self.reject:
                raise ValueError("accept and reject must satisfy 0 <= accept < reject")
            if self.code_letter is None or self.code_letter not in _LETTERS:
                raise ValueError("an ISO 2859 plan needs a code letter")
        elif self.accept is not None or self.reject is not None or self.code_letter is not None:
            raise ValueError("accept, reject and code_letter belong to ISO 2859 plans only")

    def as_dict(self) -> dict[str, str | int | bool | None]:
        """JSON-safe, for storing on the inspection; :meth:`from_dict` reads it back."""
        return {
            "method": self.method.value,
            "population": self.population,
            "sample_size": self.sample_size,
            "accept": self.accept,
            "reject": self.reject,
            "code_letter": self.code_letter,
            "whole_lot": self.whole_lot,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Plan:
        """The plan :meth:`as_dict` stored; ValueError when the data is not a consistent plan."""
        try:
            method = data["method"]
            population = data["population"]
            sample_size = data["sample_size"]
            whole_lot = data["whole_lot"]
        except KeyError as missing:
            raise ValueError(f"stored plan lacks {missing.args[0]!r}") from None
        letter = data.get("code_letter")
        if not isinstance(method, str):
            raise ValueError("stored plan has no valid method")
        if not (_is_int(population) and _is_int(sample_size) and isinstance(whole_lot, bool)):
            raise ValueError("stored plan has invalid numbers")
        if letter is not None and not isinstance(letter, str):
            raise ValueError("stored plan has an invalid code letter")
        return cls(
            method=_method(method),
            population=population,
            sample_size=sample_size,
            accept=_optional_int(data.get("accept"), "accept"),
            reject=_optional_int(data.get("reject"), "reject"),
            code_letter=letter,
            whole_lot=whole_lot,
        )


def _optional_int(value: object, name: str) -> int | None:
    if value is None:
        return None
    if not _is_int(value):
        raise ValueError(f"stored plan has an invalid {name} number")
    return value


def plan(
    method: str,
    population: int,
    *,
    ratio: Decimal | str | None = None,
    count: int | None = None,
    level: str | None = None,
    aql: str | None = None,
) -> Plan:
    """The sampling plan for a population of ``population`` units (numbered 1 to ``population``).

    ``ratio`` (for ``ratio``) is a share in (0, 1], e.g. ``"0.1"`` for 10 %; ``count`` (for ``fixed``)
    a number of units; ``level`` and ``aql`` (for ``iso2859``) one of :data:`LEVELS` and
    :data:`AQLS`. Parameters the method does not use are ignored. ValueError for bad arguments.
    """
    chosen = _method(method)
    _check_population(population)
    if chosen is Method.ALL:
        return _simple(chosen, population, population)
    if chosen is Method.RATIO:
        if ratio is None:
            raise ValueError("the ratio method needs a ratio")
        return _simple(chosen, population, _ratio_sample(_ratio(ratio), population))
    if chosen is Method.FIXED:
        if count is None:
            raise ValueError("the fixed method needs a count")
        if not _is_int(count) or count < 1:
            raise ValueError("count must be a whole number of at least 1")
        return _simple(chosen, population, min(count, population))
    if level is None or aql is None:
        raise ValueError("the iso2859 method needs a level and an AQL")
    letter = code_letter(population, level)
    used, accept, reject = _follow_arrows(_LETTERS.index(letter), _aql_index(aql))
    sample_size = min(_SAMPLE_SIZES[used], population)
    return Plan(
        method=chosen,
        population=population,
        sample_size=sample_size,
        accept=accept,
        reject=reject,
        code_letter=_LETTERS[used],
        whole_lot=sample_size == population,
    )


def _simple(method: Method, population: int, sample_size: int) -> Plan:
    return Plan(
        method=method,
        population=population,
        sample_size=sample_size,
        accept=None,
        reject=None,
        code_letter=None,
        whole_lot=sample_size == population,
    )


# Rounding the product up to 28 digits and then up to a whole number gives exactly the ceiling of the
# true product (which is at most MAX_POPULATION, so representable): no rounding ever crosses it.
_CEILING = Context(prec=28, rounding=ROUND_CEILING)


def _ratio_sample(ratio: Decimal, population: int) -> int:
    product = _CEILING.multiply(ratio, Decimal(population))
    return max(1, int(product.to_integral_value(rounding=ROUND_CEILING)))


def _ratio(ratio: object) -> Decimal:
    if isinstance(ratio, Decimal):
        value = ratio
    elif isinstance(ratio, str | int | float) and not isinstance(ratio, bool):
        try:
            value = Decimal(str(ratio).strip())
        except InvalidOperation:
            raise ValueError(f"ratio must be a decimal number, got {ratio!r}") from None
    else:
        raise ValueError(f"ratio must be a decimal number, got {ratio!r}")
    if not value.is_finite() or not 0 < value <= 1:
        raise ValueError("ratio must be more than 0 and at most 1")
    return value


def _method(method: object) -> Method:
    if isinstance(method, Method):
        return method
    try:
        return Method(str(method))
    except ValueError:
        raise ValueError(f"unknown sampling method {method!r}") from None


def _level_index(level: object) -> int:
    key = level.strip().upper() if isinstance(level, str) else level
    if key not in LEVELS:
        raise ValueError(f"unknown inspection level {level!r}")
    return LEVELS.index(key)


def _aql_index(aql: object) -> int:
    """Index in AQLS of the AQL, matched by value ("1" and "1.00" are "1.0")."""
    try:
        value = Decimal(aql.strip()) if isinstance(aql, str) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value not in _AQL_VALUES:
        raise ValueError(f"unknown AQL {aql!r}")
    return _AQL_VALUES.index(value)


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_population(population: object) -> None:
    if not _is_int(population) or not 1 <= population <= MAX_POPULATION:
        raise ValueError(f"population must be a whole number from 1 to {MAX_POPULATION}")


# ---------------------------------------------------------------------------------------------------
# Drawing the sample and judging the lot.
# ---------------------------------------------------------------------------------------------------


def draw(population: int, sample_size: int, seed: str) -> list[int]:
    """The unit numbers (1 to ``population``) to check, sorted ascending.

    The same arguments always give the same list, on any machine and Python version: the generator is
    a private ``random.Random`` seeded with the SHA-256 digest (big-endian integer) of
    ``f"{seed}:{population}:{sample_size}"``. A sample of at least the population is every unit.
    """
    _check_population(population)
    if not _is_int(sample_size) or sample_size < 1:
        raise ValueError("sample_size must be a whole number of at least 1")
    if not isinstance(seed, str) or not seed:
        raise ValueError("seed must be a non-empty string")
    if sample_size >= population:
        return list(range(1, population + 1))
    digest = hashlib.sha256(f"{seed}:{population}:{sample_size}".encode()).digest()
    generator = random.Random(int.from_bytes(digest, "big"))
    return sorted(generator.sample(range(1, population + 1), sample_size))


def verdict(plan: Plan, nonconforming: int) -> str | None:
    """The verdict on the lot for ``nonconforming`` units found in the sample.

    ISO 2859 plans: "accept" for at most Ac nonconforming units, "reject" for Re or more. None for the
    other methods. ValueError when ``nonconforming`` is below 0 or above the sample size.
    """
    if not _is_int(nonconforming) or not 0 <= nonconforming <= plan.sample_size:
        raise ValueError("nonconforming must be a whole number from 0 to the sample size")
    if plan.method is not Method.ISO2859 or plan.accept is None or plan.reject is None:
        return None
    if nonconforming <= plan.accept:
        return ACCEPT
    if nonconforming >= plan.reject:
        return REJECT
    raise AssertionError("single sampling plans have Re = Ac + 1")  # pragma: no cover
