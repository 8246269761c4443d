"""A checklist version's content (服务质量巡检表) and how a filled-in checklist is scored.

A definition is JSON validated by ``ChecklistDefinition`` (pydantic, every number bounded, item codes
unique): sections of items, each with a weight (the points it is worth), pass/fail or a score from 0
to its ``max_score`` (failed below ``pass_at``), and whether a failed item needs a photo; the pass
mark of the whole checklist in percent; and how what is checked is sampled (``sampling``).

**Scoring** (``score``): a conforming pass/fail item earns its weight, a failed one nothing; a scored
item earns ``weight × score ÷ max_score``; items marked not applicable count neither way. The score
is the points earned over the points possible, in percent, rounded half up to one decimal; the
checklist passes when that reaches the pass mark and no item marked ``critical`` failed. Everything
is ``Decimal``: 7 of 9 points is 77.8, never 77.77777….
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from . import sampling as sampling_plans

CODE_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
ItemCodePattern = re.compile(CODE_PATTERN)
ItemCode = Annotated[str, Field(min_length=1, max_length=40, pattern=CODE_PATTERN)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
MAX_ITEMS = 200
MAX_SECTIONS = 30


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Item(_Strict):
    code: ItemCode
    text: Text
    weight: int = Field(default=1, ge=1, le=100)
    kind: Literal["pass_fail", "score"] = "pass_fail"
    # A scored item: 0 … max_score; below pass_at it fails (and becomes a rectification order).
    max_score: int = Field(default=1, ge=1, le=100)
    pass_at: int = Field(default=1, ge=0, le=100)
    photo_on_fail: bool = False
    # A critical item that fails fails the whole checklist, whatever the score.
    critical: bool = False
    guidance: str = Field(default="", max_length=1000)
    # A duty round's item: the time of the shift it is due at ("22:30"; a time before the shift's
    # start is the next day's).
    at: time | None = None

    @model_validator(mode="after")
    def _score_bounds(self) -> Item:
        if self.kind == "score" and self.pass_at > self.max_score:
            raise ValueError(_("the pass score must not exceed the highest score"))
        return self


class ChecklistSection(_Strict):
    title: Annotated[str, Field(min_length=1, max_length=100)]
    items: list[Item] = Field(min_length=1, max_length=MAX_ITEMS)


class Sampling(_Strict):
    """How the units checked are chosen (``sampling.plan``): all, a share, a fixed count, or ISO
    2859-1 at an inspection level and AQL. ``unit``: what a unit is, for people (份工单记录, 间客房)."""

    method: Literal["all", "ratio", "fixed", "iso2859"] = "all"
    ratio: Decimal | None = Field(default=None, gt=0, le=1, max_digits=4, decimal_places=3)
    count: int | None = Field(default=None, ge=1, le=10_000)
    level: Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"] | None = None
    aql: (
        Literal[
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
        ]
        | None
    ) = None
    unit: str = Field(default="", max_length=40)

    @model_validator(mode="after")
    def _parameters(self) -> Sampling:
        needed = {"ratio": ("ratio",), "fixed": ("count",), "iso2859": ("level", "aql")}.get(self.method, ())
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(_("this sampling method needs %(fields)s") % {"fields": ", ".join(missing)})
        return self

    def plan(self, population: int) -> sampling_plans.Plan:
        return sampling_plans.plan(
            self.method, population, ratio=self.ratio, count=self.count, level=self.level, aql=self.aql
        )


class ChecklistDefinition(_Strict):
    sections: list[ChecklistSection] = Field(min_length=1, max_length=MAX_SECTIONS)
    pass_mark: int = Field(default=80, ge=0, le=100)
    sampling: Sampling = Field(default_factory=Sampling)
    # A duty round: a timed item ticked more than this many minutes after its time is late.
    grace_minutes: int = Field(default=15, ge=0, le=240)

    @model_validator(mode="after")
    def _unique_codes(self) -> ChecklistDefinition:
        seen: set[str] = set()
        total = 0
        for section in self.sections:
            for item in section.items:
                total += 1
                if item.code in seen:
                    raise ValueError(_("item code %(code)s is used twice") % {"code": item.code})
                seen.add(item.code)
        if total > MAX_ITEMS:
            raise ValueError(_("at most %(n)s items") % {"n": MAX_ITEMS})
        return self

    def items(self) -> Iterator[tuple[ChecklistSection, Item]]:
        for section in self.sections:
            for item in section.items:
                yield section, item

    def item(self, code: str) -> Item | None:
        return next((item for _section, item in self.items() if item.code == code), None)


def parse(data: Any) -> ChecklistDefinition:
    """The definition, or ``ValidationError`` (the caller turns it into field errors)."""
    return ChecklistDefinition.model_validate(data)


def _message(detail: Any) -> str:
    """A pydantic error in the reader's language (its own messages are English)."""
    kind = str(detail.get("type", ""))
    context = detail.get("ctx") or {}
    if kind == "missing":
        return _("is required")
    if kind == "extra_forbidden":
        return _("is not a field of a checklist")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        bound = next((context[k] for k in ("ge", "gt", "le", "lt") if k in context), "")
        return {
            "greater_than_equal": _("must be at least %(n)s"),
            "greater_than": _("must be more than %(n)s"),
            "less_than_equal": _("must be at most %(n)s"),
            "less_than": _("must be less than %(n)s"),
        }[kind] % {"n": bound}
    if kind in ("string_too_long", "too_long"):
        return _("is too long")
    if kind in ("string_too_short", "too_short"):
        return _("is required")
    if kind == "string_pattern_mismatch":
        return _("use lower-case letters, digits, - and _")
    if kind == "value_error":
        return _("is not valid: %(reason)s") % {
            "reason": str(detail.get("msg", "")).removeprefix("Value error, ")
        }
    return _("is not valid")


def problems(data: Any) -> list[tuple[str, str]]:
    """(field path, message) for every problem of ``data`` as a definition; empty when it is valid.
    Paths read like the API's: ``sections[0].items[2].weight``."""
    try:
        parse(data)
    except ValidationError as error:
        found = []
        for detail in error.errors():
            path = ""
            for part in detail["loc"]:
                path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
            found.append((path or "definition", _message(detail)))
        return found
    return []


# --- scoring -------------------------------------------------------------------------------------

HUNDRED = Decimal(100)
ONE_DECIMAL = Decimal("0.1")
TWO_DECIMALS = Decimal("0.01")


@dataclass(frozen=True)
class Answer:
    """One item as filled in: ``result`` pass / fail / na; ``score`` for a scored item."""

    result: str
    score: int | None = None


def item_fails(item: Item, answer: Answer) -> bool:
    if answer.result == "na":
        return False
    if answer.result == "missed":
        return True
    if item.kind == "score":
        return answer.score is None or answer.score < item.pass_at
    return answer.result == "fail"


def result_of_score(item: Item, score: int) -> str:
    """The result a score stands for (below ``pass_at`` it does not conform)."""
    return "fail" if score < item.pass_at else "pass"


def points_of(item: Item, answer: Answer) -> tuple[Decimal, Decimal]:
    """(points earned, points possible) of one item; (0, 0) when not applicable."""
    weight = Decimal(item.weight)
    if answer.result == "na":
        return Decimal(0), Decimal(0)
    if answer.result == "missed":
        return Decimal(0), weight
    if item.kind == "score":
        return weight * Decimal(answer.score or 0) / Decimal(item.max_score), weight
    return (weight if answer.result == "pass" else Decimal(0)), weight


@dataclass(frozen=True)
class Score:
    points: Decimal  # two decimals
    max_points: Decimal
    percent: Decimal | None  # one decimal; None when every item was not applicable
    passed: bool | None
    failed: tuple[str, ...]  # codes of the failed items, in checklist order
    unanswered: tuple[str, ...]


def score(definition: ChecklistDefinition, answers: Mapping[str, Answer]) -> Score:
    points = Decimal(0)
    possible = Decimal(0)
    failed: list[str] = []
    unanswered: list[str] = []
    critical_failed = False
    for _section, item in definition.items():
        answer = answers.get(item.code)
        if answer is None:
            unanswered.append(item.code)
            continue
        earned, worth = points_of(item, answer)
        points += earned
        possible += worth
        if item_fails(item, answer):
            failed.append(item.code)
            critical_failed = critical_failed or item.critical
    percent = (points * HUNDRED / possible).quantize(ONE_DECIMAL, ROUND_HALF_UP) if possible else None
    passed = None if percent is None else (percent >= definition.pass_mark and not critical_failed)
    return Score(
        points=points.quantize(TWO_DECIMALS, ROUND_HALF_UP),
        max_points=possible.quantize(TWO_DECIMALS, ROUND_HALF_UP),
        percent=percent,
        passed=passed,
        failed=tuple(failed),
        unanswered=tuple(unanswered),
    )


def item_count(definition: ChecklistDefinition) -> int:
    return sum(len(section.items) for section in definition.sections)


def as_json(definition: ChecklistDefinition) -> dict[str, Any]:
    return definition.model_dump(mode="json")


def codes(definition: ChecklistDefinition) -> Sequence[str]:
    return [item.code for _section, item in definition.items()]
