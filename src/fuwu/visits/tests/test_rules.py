"""The pure rules: "at least" rounds up, the volume bands' edges, reproducible draws, the
questionnaire's answers and what they mean, the call hours."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from fuwu.lib.errors import FieldErrors, ValidationFailed
from fuwu.policy.presets import preset_document
from fuwu.visits.rules import band_for, clean_answers, draw, sample_size, verdict, within_call_hours

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("population", "ratio", "expected"),
    [
        (0, 0.10, 0),
        (1, 0.05, 1),  # at least 5 % of one is one
        (19, 0.05, 1),
        (20, 0.05, 1),
        (21, 0.05, 2),
        (300, 0.10, 30),  # exact in decimal: not 31
        (301, 0.10, 31),
        (99, 0.30, 30),  # 29.7 → 30
        (100, 0.20, 20),
        (7, 1.0, 7),
    ],
)
def test_sample_size_is_at_least_the_share_rounded_up(population, ratio, expected):
    assert sample_size(population, ratio) == expected


@pytest.mark.parametrize(
    ("households", "ratio"),
    [(0, 0.30), (99, 0.30), (100, 0.20), (300, 0.20), (301, 0.10), (5000, 0.10)],
)
def test_the_volume_band_at_each_edge_of_seed_001(households, ratio):
    bands = preset_document("property").visits.sampling
    assert band_for(bands, households).ratio == ratio


def test_a_draw_is_reproducible_from_its_seed_and_stratum():
    population = [f"w{i}" for i in range(1, 200)]
    first = draw("seed-1", "L2:all", population, 20)
    assert first == draw("seed-1", "L2:all", population, 20)
    assert len(set(first)) == 20
    assert set(first) <= set(population)
    assert first != draw("seed-2", "L2:all", population, 20)
    assert first != draw("seed-1", "L2:other", population, 20)
    assert draw("s", "x", ["a", "b"], 5) in (["a", "b"], ["b", "a"])


def _clean(preset: str, raw):
    errors = FieldErrors()
    cleaned = clean_answers(preset_document(preset).visits.questionnaire, raw, errors)
    return cleaned, errors


def test_answers_are_checked_against_the_questionnaire_of_seed_004():
    cleaned, errors = _clean(
        "utility",
        {"solved": "yes", "attitude": "满意", "charged": False, "score": 9, "suggestions": " 很好 "},
    )
    errors.raise_if_any()
    assert cleaned == {
        "solved": "yes",
        "attitude": "满意",
        "charged": "no",
        "score": 9,
        "suggestions": "很好",
    }

    _, errors = _clean(
        "utility", {"solved": "maybe", "attitude": "还行", "score": 11, "unknown": 1, "suggestions": "a\x00b"}
    )
    with pytest.raises(ValidationFailed) as refused:
        errors.raise_if_any()
    fields = set(refused.value.fields)
    assert fields == {
        "answers.solved",
        "answers.attitude",
        "answers.charged",
        "answers.score",
        "answers.unknown",
        "answers.suggestions",
    }
    _, errors = _clean("utility", ["not", "an", "object"])
    with pytest.raises(ValidationFailed):
        errors.raise_if_any()


@pytest.mark.parametrize(
    ("answers", "satisfied", "by"),
    [
        ({"solved": "yes", "attitude": "满意", "charged": "no", "score": 6}, True, ()),
        ({"solved": "yes", "attitude": "一般", "charged": "yes", "score": 10}, True, ()),
        ({"solved": "no", "attitude": "满意", "charged": "no", "score": 8}, False, ("solved",)),
        ({"solved": "yes", "attitude": "不满意", "charged": "no", "score": 8}, False, ("attitude",)),
        ({"solved": "yes", "attitude": "满意", "charged": "no", "score": 5}, False, ("score",)),
    ],
)
def test_what_the_answers_mean(answers, satisfied, by):
    questionnaire = preset_document("utility").visits.questionnaire
    result = verdict(questionnaire, answers)
    assert result.satisfied is satisfied
    assert result.unsatisfied_by == by
    assert result.charged is (answers["charged"] == "yes")
    assert result.score == answers["score"]


def test_calls_are_made_within_the_call_hours():
    start, end = time(9), time(20)
    inside = datetime(2026, 11, 24, 19, 59, tzinfo=SHANGHAI)
    assert within_call_hours(inside, start, end, SHANGHAI) == inside
    assert within_call_hours(
        datetime(2026, 11, 24, 20, 0, tzinfo=SHANGHAI), start, end, SHANGHAI
    ) == datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)
    assert within_call_hours(
        datetime(2026, 11, 24, 7, 30, tzinfo=SHANGHAI), start, end, SHANGHAI
    ) == datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
    # across the year's end
    assert within_call_hours(
        datetime(2026, 12, 31, 21, 0, tzinfo=SHANGHAI), start, end, SHANGHAI
    ) == datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI)
