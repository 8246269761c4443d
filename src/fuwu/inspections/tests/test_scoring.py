"""Checklist definitions and scores against hand-computed values (points possible 12 in the test
checklist: 2 + 3 + 1 + 4 + 2)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fuwu.inspections import definition
from fuwu.inspections.definition import Answer

from .conftest import DEFINITION

CHECKLIST = definition.parse(DEFINITION)


def answers(**given: Answer) -> dict[str, Answer]:
    base = {
        "uniform": Answer("pass"),
        "site_clean": Answer("pass"),
        "phrases": Answer("pass"),
        "records": Answer("pass", 10),
        "safety": Answer("pass"),
    }
    base.update(given)
    return base


@pytest.mark.parametrize(
    ("given", "points", "percent", "passed", "failed"),
    [
        ({}, "12.00", "100.0", True, ()),
        # 10 of 12 = 83.3 % ≥ 80: passes with one failed item
        ({"uniform": Answer("fail")}, "10.00", "83.3", True, ("uniform",)),
        # a score below pass_at fails the item: 4 × 5/10 = 2 → 10 of 12
        ({"records": Answer("fail", 5)}, "10.00", "83.3", True, ("records",)),
        # a score at pass_at conforms: 4 × 6/10 = 2.4 → 10.4 of 12 = 86.7 %
        ({"records": Answer("pass", 6)}, "10.40", "86.7", True, ()),
        # 3 + 1 + 4 × 7/10 + 2 = 8.8 of 12 = 73.3 %
        ({"uniform": Answer("fail"), "records": Answer("pass", 7)}, "8.80", "73.3", False, ("uniform",)),
        # not applicable counts neither way: 9 of 9
        ({"site_clean": Answer("na")}, "9.00", "100.0", True, ()),
        # a critical item failing fails the checklist whatever the score (10 of 12)
        ({"safety": Answer("fail")}, "10.00", "83.3", False, ("safety",)),
        # 7 of 9 = 77.78 → 77.8 (half up, one decimal)
        ({"site_clean": Answer("na"), "uniform": Answer("fail")}, "7.00", "77.8", False, ("uniform",)),
    ],
)
def test_score(given, points, percent, passed, failed):
    result = definition.score(CHECKLIST, answers(**given))
    assert result.points == Decimal(points)
    assert result.max_points == Decimal("12.00") - sum(
        (
            Decimal(item.weight)
            for _s, item in CHECKLIST.items()
            if answers(**given)[item.code].result == "na"
        ),
        Decimal(0),
    )
    assert result.percent == Decimal(percent)
    assert result.passed is passed
    assert result.failed == failed


def test_everything_not_applicable_has_no_score():
    result = definition.score(CHECKLIST, {code: Answer("na") for code in definition.codes(CHECKLIST)})
    assert (result.percent, result.passed) == (None, None)


def test_unanswered_items_are_listed():
    result = definition.score(CHECKLIST, {"uniform": Answer("pass")})
    assert result.unanswered == ("site_clean", "phrases", "records", "safety")


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda d: d["sections"][0]["items"][0].update(weight=0), "sections[0].items[0].weight"),
        (lambda d: d["sections"][1]["items"][1].update(pass_at=11), "sections[1].items[1]"),
        (lambda d: d["sections"][0]["items"][1].update(code="uniform"), "definition"),
        (lambda d: d.update(pass_mark=101), "pass_mark"),
        (lambda d: d.update(sampling={"method": "iso2859", "level": "II"}), "sampling"),
        (lambda d: d.update(sections=[]), "sections"),
        (lambda d: d["sections"][0]["items"][0].update(colour="red"), "sections[0].items[0].colour"),
    ],
)
def test_a_bad_definition_names_the_field(change, path):
    import copy

    data = copy.deepcopy(DEFINITION)
    change(data)
    problems = definition.problems(data)
    assert problems, "the definition should be refused"
    assert any(found == path or found.startswith(path) for found, _message in problems), problems


def test_sampling_by_iso_2859():
    data = {
        **DEFINITION,
        "sampling": {"method": "iso2859", "level": "II", "aql": "2.5", "unit": "份工单记录"},
    }
    plan = definition.parse(data).sampling.plan(1000)
    # lot 501–1200 at level II: J, 80 units; AQL 2.5 accepts 5, rejects 6
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("J", 80, 5, 6)
