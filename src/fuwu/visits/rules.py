"""The pure rules of return visits: no ORM, no "now" (every instant is an argument).

- ``sample_size``: "at least" a share, rounded up (003: 抽查率不低于10%; 001 4.3 by households).
- ``band_for``: the share of the month's households from ``visits.sampling`` (001 4.3).
- ``draw``: a reproducible random choice from a stored seed.
- ``clean_answers`` / ``verdict``: the questionnaire's answers, checked against the policy, and
  what they mean (satisfied, solved, charged, score).
- ``within_call_hours``: the first moment at or after an instant when customers may be called.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors
from fuwu.lib.inputs import DESCRIPTION_LENGTH, has_control_characters
from fuwu.policy.schema import Question, SamplingBand

T = TypeVar("T")

YES, NO = "yes", "no"


def sample_size(population: int, ratio: float | Decimal) -> int:
    """At least ``ratio`` of ``population``, rounded up; never more than the population. Exact in
    decimal: 10 % of 300 is 30, not 31 (``0.1 * 300`` in floating point is 30.000000000000004)."""
    if population <= 0:
        return 0
    exact = (Decimal(str(ratio)) * population).to_integral_value(rounding=ROUND_CEILING)
    return min(population, int(exact))


def band_for(bands: Sequence[SamplingBand], households: int) -> SamplingBand:
    """The band of ``visits.sampling`` that holds ``households`` (the schema checks that the bands
    cover every volume without gaps or overlaps)."""
    for band in bands:
        if households >= band.min_volume and (band.max_volume is None or households <= band.max_volume):
            return band
    raise ValueError(f"no sampling band holds {households}")


def draw(seed: str, stratum: str, population: Sequence[T], size: int) -> list[T]:
    """``size`` items of ``population`` chosen at random from ``seed`` and the stratum's name: the
    same seed, stratum and population (in the same order) always give the same items."""
    digest = hashlib.sha256(f"{seed}:{stratum}".encode()).digest()
    rng = random.Random(int.from_bytes(digest[:16], "big"))
    return rng.sample(list(population), min(size, len(population)))


@dataclass(frozen=True)
class Verdict:
    satisfied: bool
    solved: bool | None
    charged: bool | None
    score: int | None
    # The questions whose answer made the visit unsatisfied.
    unsatisfied_by: tuple[str, ...]


def _yes_no(value: Any) -> bool | None:
    if value is True or value == YES:
        return True
    if value is False or value == NO:
        return False
    return None


def clean_answers(
    questionnaire: Sequence[Question],
    raw: Mapping[str, Any] | Any,
    errors: FieldErrors,
    *,
    field: str = "answers",
) -> dict[str, Any]:
    """The answers to keep: one per question of the policy's questionnaire, each checked against
    its kind (yes/no as ``"yes"``/``"no"`` or a boolean, a choice among the question's choices, a
    whole score within its range, bounded text without control characters). A required question
    left out, or a code the questionnaire does not have, is an error naming it."""
    if not isinstance(raw, Mapping):
        errors.add(field, _("must be an object of answers by question code"))
        return {}
    codes = {q.code for q in questionnaire}
    for code in raw:
        if code not in codes:
            errors.add(f"{field}.{code}", _("is not a question of the questionnaire"))
    cleaned: dict[str, Any] = {}
    for question in questionnaire:
        key = f"{field}.{question.code}"
        value = raw.get(question.code)
        if value is None or value == "":
            if question.required and question.kind != "text":
                errors.add(key, _("is required"))
            continue
        if question.kind == "yes_no":
            answer = _yes_no(value)
            if answer is None:
                errors.add(key, _("must be yes or no"))
                continue
            cleaned[question.code] = YES if answer else NO
        elif question.kind == "choice":
            if not isinstance(value, str) or value not in question.choices:
                errors.add(key, _("must be one of %(choices)s") % {"choices": ", ".join(question.choices)})
                continue
            cleaned[question.code] = value
        elif question.kind == "score":
            low, high = question.min_score or 0, question.max_score or 0
            if isinstance(value, str) and value.strip().isdigit():
                value = int(value.strip())
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors.add(
                    key, _("must be a whole number from %(min)s to %(max)s") % {"min": low, "max": high}
                )
                continue
            cleaned[question.code] = value
        else:
            if not isinstance(value, str):
                errors.add(key, _("must be text"))
                continue
            text = value.strip()
            if len(text) > DESCRIPTION_LENGTH:
                errors.add(key, _("must have at most %(n)s characters") % {"n": DESCRIPTION_LENGTH})
                continue
            if has_control_characters(text):
                errors.add(key, _("must not contain control characters"))
                continue
            if text:
                cleaned[question.code] = text
    return cleaned


def verdict(questionnaire: Sequence[Question], answers: Mapping[str, Any]) -> Verdict:
    """What clean answers mean: not solved, an unsatisfied choice or a score below the pass mark
    make the visit unsatisfied; "charged" is a fact to check, not a rating."""
    solved = charged = None
    score: int | None = None
    unsatisfied: list[str] = []
    for question in questionnaire:
        value = answers.get(question.code)
        if value is None:
            continue
        measure = question.measures
        if measure == "solved":
            solved = value == YES
            if not solved:
                unsatisfied.append(question.code)
        elif measure == "charged":
            charged = value == YES
        elif measure == "score":
            score = int(value)
            passing = question.pass_score
            if passing is not None and score < passing:
                unsatisfied.append(question.code)
        elif measure == "satisfaction" and value in question.unsatisfied:
            unsatisfied.append(question.code)
    return Verdict(
        satisfied=not unsatisfied,
        solved=solved,
        charged=charged,
        score=score,
        unsatisfied_by=tuple(unsatisfied),
    )


def within_call_hours(moment: datetime, start: time, end: time, zone: ZoneInfo) -> datetime:
    """``moment`` if customers may be called then, else the next start of the call hours."""
    local = moment.astimezone(zone)
    if start <= local.time() < end:
        return moment
    day = local.date() if local.time() < start else local.date() + timedelta(days=1)
    return datetime.combine(day, start, tzinfo=zone)


__all__ = [
    "NO",
    "YES",
    "Verdict",
    "band_for",
    "clean_answers",
    "draw",
    "sample_size",
    "verdict",
    "within_call_hours",
]
