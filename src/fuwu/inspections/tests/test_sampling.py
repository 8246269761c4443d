"""Sampling plans (全数 / 按比例 / 固定数量 / ISO 2859-1 计数抽样), drawing the sample, and verdicts.

Pure functions: no database. The ISO 2859-1 values were checked by hand against Table 1 and Table 2-A
of ISO 2859-1:1999 (GB/T 2828.1-2012).
"""

from __future__ import annotations

import ast
import hashlib
import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from fuwu.inspections import sampling
from fuwu.inspections.sampling import (
    AQLS,
    LEVELS,
    MAX_POPULATION,
    METHOD_CHOICES,
    METHOD_LABELS,
    Method,
    Plan,
    code_letter,
    draw,
    plan,
    verdict,
)

# ---------------------------------------------------------------------------------------------------
# Table 1: sample-size code letters.
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "population", "letter"),
    [
        # General level II (the usual one).
        ("II", 2, "A"),
        ("II", 8, "A"),
        ("II", 9, "B"),
        ("II", 15, "B"),
        ("II", 16, "C"),
        ("II", 280, "G"),
        ("II", 281, "H"),
        ("II", 500, "H"),
        ("II", 501, "J"),
        ("II", 1200, "J"),
        ("II", 1201, "K"),
        ("II", 10000, "L"),
        ("II", 10001, "M"),
        ("II", 500000, "P"),
        ("II", 500001, "Q"),
        ("II", MAX_POPULATION, "Q"),
        # General level I.
        ("I", 8, "A"),
        ("I", 9, "A"),
        ("I", 16, "B"),
        ("I", 1200, "G"),
        ("I", 1201, "H"),
        ("I", 500000, "M"),
        ("I", 500001, "N"),
        # General level III.
        ("III", 8, "B"),
        ("III", 9, "C"),
        ("III", 1200, "K"),
        ("III", 1201, "L"),
        ("III", 500000, "Q"),
        ("III", 500001, "R"),
        # Special level S-2.
        ("S-2", 8, "A"),
        ("S-2", 9, "A"),
        ("S-2", 25, "A"),
        ("S-2", 26, "B"),
        ("S-2", 150, "B"),
        ("S-2", 151, "C"),
        ("S-2", 1200, "C"),
        ("S-2", 1201, "D"),
        ("S-2", 35000, "D"),
        ("S-2", 35001, "E"),
        ("S-2", 500001, "E"),
        # The other special levels at the largest lots.
        ("S-1", 500001, "D"),
        ("S-3", 500001, "H"),
        ("S-4", 500001, "K"),
        ("S-4", 35001, "J"),
    ],
)
def test_code_letter_at_range_boundaries(level: str, population: int, letter: str) -> None:
    assert code_letter(population, level) == letter


def test_a_lot_of_one_takes_the_first_row() -> None:
    assert code_letter(1, "II") == "A"
    assert code_letter(1, "III") == "B"


def test_code_letters_grow_with_the_lot_and_the_level() -> None:
    letters = "ABCDEFGHJKLMNPQR"
    bounds = [2, 8, 9, 15, 16, 25, 26, 50, 51, 90, 91, 150, 151, 280, 281, 500, 501, 1200, 1201, 3200]
    bounds += [3201, 10000, 10001, 35000, 35001, 150000, 150001, 500000, 500001, MAX_POPULATION]
    for level in LEVELS:
        found = [letters.index(code_letter(lot, level)) for lot in bounds]
        assert found == sorted(found), level
    for lot in bounds:
        general = [letters.index(code_letter(lot, level)) for level in ("I", "II", "III")]
        special = [letters.index(code_letter(lot, level)) for level in ("S-1", "S-2", "S-3", "S-4")]
        assert general == sorted(general)
        assert special == sorted(special)
        assert special[-1] <= general[0]


def test_level_is_read_leniently() -> None:
    assert code_letter(1000, " ii ") == "J"
    assert code_letter(1000, "s-2") == "C"


# ---------------------------------------------------------------------------------------------------
# Table 2-A: single sampling plans, normal inspection.
# ---------------------------------------------------------------------------------------------------

# Populations that give each code letter at level II (III for R), large enough not to cap the sample.
LOT = {"A": 8, "C": 25, "D": 50, "G": 280, "H": 500, "J": 1000, "K": 3000, "L": 10000, "N": 150000}


@pytest.mark.parametrize(
    ("letter", "aql", "n", "ac", "re"),
    [
        # The calibration cells.
        ("J", "0.15", 80, 0, 1),
        ("J", "0.65", 80, 1, 2),
        ("J", "1.0", 80, 2, 3),
        ("J", "1.5", 80, 3, 4),
        ("J", "2.5", 80, 5, 6),
        ("J", "4.0", 80, 7, 8),
        ("J", "6.5", 80, 10, 11),
        ("J", "10", 80, 14, 15),
        ("K", "0.10", 125, 0, 1),
        ("K", "1.0", 125, 3, 4),
        ("K", "2.5", 125, 7, 8),
        ("A", "6.5", 2, 0, 1),
        # More cells of the printed table.
        ("C", "10", 5, 1, 2),
        ("D", "10", 8, 2, 3),
        ("H", "2.5", 50, 3, 4),
        ("H", "4.0", 50, 5, 6),
        ("H", "10", 50, 10, 11),
        ("K", "10", 125, 21, 22),
        ("L", "0.065", 200, 0, 1),
        ("L", "1.0", 200, 5, 6),
        ("L", "2.5", 200, 10, 11),
        ("L", "6.5", 200, 21, 22),
        ("N", "0.025", 500, 0, 1),
    ],
)
def test_table_2a_cells(letter: str, aql: str, n: int, ac: int, re: int) -> None:
    result = plan("iso2859", LOT[letter], level="II", aql=aql)
    assert code_letter(LOT[letter], "II") == letter
    assert (result.code_letter, result.sample_size, result.accept, result.reject) == (letter, n, ac, re)
    assert result.whole_lot is False


def test_the_last_row() -> None:
    result = plan("iso2859", 500001, level="III", aql="0.65")
    assert (result.code_letter, result.sample_size, result.accept, result.reject) == ("R", 2000, 21, 22)
    result = plan("iso2859", 500001, level="III", aql="0.025")
    assert (result.code_letter, result.sample_size, result.accept, result.reject) == ("R", 2000, 1, 2)


@pytest.mark.parametrize(
    ("level", "population", "aql", "letter", "n", "ac", "re"),
    [
        # A (S-1, lot 50) at AQL 1.0: "↓" down the 1.0 column to the first plan, E (n = 13) 0/1.
        ("S-1", 50, "1.0", "E", 13, 0, 1),
        # G at 1.0: "↓" to H (n = 50) 1/2.
        ("II", 280, "1.0", "H", 50, 1, 2),
        # J at 0.25: "↑" to H (n = 50) 0/1; J at 0.40: "↓" to K (n = 125) 1/2.
        ("II", 1000, "0.25", "H", 50, 0, 1),
        ("II", 1000, "0.40", "K", 125, 1, 2),
        # L at 10: "↑" to K (n = 125) 21/22; R at 1.0: "↑" to Q (n = 1250) 21/22.
        ("II", 10000, "10", "K", 125, 21, 22),
        ("III", 500001, "1.0", "Q", 1250, 21, 22),
        # R at 0.010: "↑" to Q (n = 1250) 0/1.
        ("III", 500001, "0.010", "Q", 1250, 0, 1),
        # A at 10: "↑" with no row above, so down instead: B is "↓", C (n = 5) is 1/2.
        ("S-1", 50, "10", "C", 5, 1, 2),
        # R at 0.015: "↓" with no row below, so up instead: Q is "↑", P (n = 800) is 0/1.
        ("III", 500001, "0.015", "P", 800, 0, 1),
    ],
)
def test_arrows_lead_to_the_plan_used(
    level: str, population: int, aql: str, letter: str, n: int, ac: int, re: int
) -> None:
    result = plan("iso2859", population, level=level, aql=aql)
    assert (result.code_letter, result.sample_size, result.accept, result.reject) == (letter, n, ac, re)
    assert result.whole_lot is False


def test_a_sample_of_the_lot_or_more_inspects_the_whole_lot() -> None:
    # Lot 8 at level II is A; AQL 1.0 leads down to E (n = 13 > 8): all 8, with E's Ac/Re.
    result = plan("iso2859", 8, level="II", aql="1.0")
    assert result == Plan(Method.ISO2859, 8, 8, 0, 1, "E", True)
    # Lot 1000 (J) at AQL 0.010 leads down to Q (n = 1250).
    result = plan("iso2859", 1000, level="II", aql="0.010")
    assert (result.sample_size, result.whole_lot, result.code_letter, result.accept) == (1000, True, "Q", 0)
    # Exactly the plan's sample size: also the whole lot.
    result = plan("iso2859", 13, level="S-1", aql="1.0")
    assert (result.sample_size, result.whole_lot, result.code_letter) == (13, True, "E")


def test_a_lot_of_one() -> None:
    result = plan("iso2859", 1, level="II", aql="1.0")
    assert (result.sample_size, result.whole_lot, result.accept, result.reject) == (1, True, 0, 1)


def test_every_iso_plan_is_consistent() -> None:
    lots = [1, 2, 8, 9, 15, 16, 25, 26, 50, 51, 90, 91, 150, 151, 280, 281, 500, 501, 1200, 1201, 3200]
    lots += [3201, 10000, 10001, 35000, 35001, 150000, 150001, 500000, 500001, MAX_POPULATION]
    sizes = dict(
        zip(
            "ABCDEFGHJKLMNPQR",
            (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000),
            strict=True,
        )
    )
    for level in LEVELS:
        for lot in lots:
            for aql in AQLS:
                result = plan("iso2859", lot, level=level, aql=aql)
                assert result.accept is not None
                assert result.reject == result.accept + 1
                assert result.code_letter is not None
                assert result.sample_size == min(sizes[result.code_letter], lot)
                assert result.whole_lot is (result.sample_size == lot)


def test_aql_is_matched_by_value() -> None:
    assert plan("iso2859", 1000, level="II", aql="1") == plan("iso2859", 1000, level="II", aql="1.0")
    assert plan("iso2859", 1000, level="II", aql="0.1") == plan("iso2859", 1000, level="II", aql="0.10")


# ---------------------------------------------------------------------------------------------------
# The other methods.
# ---------------------------------------------------------------------------------------------------


def test_all_checks_every_unit() -> None:
    assert plan("all", 340) == Plan(Method.ALL, 340, 340, None, None, None, True)
    assert plan(Method.ALL, 1).sample_size == 1


@pytest.mark.parametrize(
    ("ratio", "population", "sample_size"),
    [
        ("0.1", 45, 5),  # 4.5 rounds up
        (Decimal("0.1"), 45, 5),
        ("0.2", 45, 9),  # exact: no rounding
        ("0.05", 340, 17),
        ("0.001", 45, 1),  # at least 1
        ("0.000001", 1, 1),
        ("1", 45, 45),
        ("0.1000000000000000000000000000000001", 45, 5),
        ("0.2000000000000000000000000000000000001", 45, 10),  # 9.000…0045 rounds up
        ("1E-999999999", MAX_POPULATION, 1),
    ],
)
def test_ratio_rounds_up(ratio: str | Decimal, population: int, sample_size: int) -> None:
    result = plan("ratio", population, ratio=ratio)
    assert (result.sample_size, result.accept, result.reject, result.code_letter) == (
        sample_size,
        None,
        None,
        None,
    )
    assert result.whole_lot is (sample_size == population)


def test_fixed_is_capped_at_the_population() -> None:
    assert plan("fixed", 340, count=20) == Plan(Method.FIXED, 340, 20, None, None, None, False)
    assert plan("fixed", 340, count=500) == Plan(Method.FIXED, 340, 340, None, None, None, True)
    assert plan("fixed", 340, count=340).whole_lot is True


def test_unused_parameters_are_ignored() -> None:
    assert plan("fixed", 340, count=20, ratio="0.5", level="II", aql="1.0").sample_size == 20
    assert plan("all", 340, count=20).sample_size == 340


@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "sometimes", "population": 10},
        {"method": "all", "population": 0},
        {"method": "all", "population": -5},
        {"method": "all", "population": MAX_POPULATION + 1},
        {"method": "all", "population": True},
        {"method": "all", "population": 10.0},
        {"method": "ratio", "population": 10},
        {"method": "ratio", "population": 10, "ratio": "0"},
        {"method": "ratio", "population": 10, "ratio": "-0.1"},
        {"method": "ratio", "population": 10, "ratio": "1.01"},
        {"method": "ratio", "population": 10, "ratio": "10%"},
        {"method": "ratio", "population": 10, "ratio": ""},
        {"method": "ratio", "population": 10, "ratio": "NaN"},
        {"method": "ratio", "population": 10, "ratio": "Infinity"},
        {"method": "ratio", "population": 10, "ratio": Decimal("sNaN")},
        {"method": "fixed", "population": 10},
        {"method": "fixed", "population": 10, "count": 0},
        {"method": "fixed", "population": 10, "count": -1},
        {"method": "fixed", "population": 10, "count": True},
        {"method": "fixed", "population": 10, "count": 2.5},
        {"method": "iso2859", "population": 10, "aql": "1.0"},
        {"method": "iso2859", "population": 10, "level": "II"},
        {"method": "iso2859", "population": 10, "level": "IV", "aql": "1.0"},
        {"method": "iso2859", "population": 10, "level": "G-2", "aql": "1.0"},
        {"method": "iso2859", "population": 10, "level": "II", "aql": "2.0"},
        {"method": "iso2859", "population": 10, "level": "II", "aql": "15"},
        {"method": "iso2859", "population": 10, "level": "II", "aql": "one"},
        {"method": "iso2859", "population": 0, "level": "II", "aql": "1.0"},
    ],
)
def test_bad_arguments_raise_value_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        plan(**kwargs)  # type: ignore[arg-type]


def test_the_largest_population_is_allowed() -> None:
    assert plan("all", MAX_POPULATION).sample_size == MAX_POPULATION
    assert plan("iso2859", MAX_POPULATION, level="II", aql="1.0").sample_size == 1250


# ---------------------------------------------------------------------------------------------------
# Storing the plan.
# ---------------------------------------------------------------------------------------------------


def test_as_dict_is_json_safe_and_reads_back() -> None:
    for stored in (
        plan("iso2859", 1000, level="II", aql="2.5"),
        plan("ratio", 45, ratio="0.1"),
        plan("all", 3),
    ):
        data = json.loads(json.dumps(stored.as_dict()))
        assert Plan.from_dict(data) == stored
    assert plan("iso2859", 1000, level="II", aql="2.5").as_dict() == {
        "method": "iso2859",
        "population": 1000,
        "sample_size": 80,
        "accept": 5,
        "reject": 6,
        "code_letter": "J",
        "whole_lot": False,
    }


@pytest.mark.parametrize(
    "changes",
    [
        {"method": "maybe"},
        {"sample_size": 0},
        {"sample_size": 1001},
        {"sample_size": "80"},
        {"whole_lot": True},
        {"accept": None},
        {"accept": 6},
        {"accept": True},
        {"code_letter": "I"},
        {"code_letter": "JK"},
        {"code_letter": ""},
        {"method": "fixed"},  # Ac/Re on a plan that is not ISO 2859
    ],
)
def test_inconsistent_stored_plans_are_refused(changes: dict[str, object]) -> None:
    data: dict[str, object] = {**plan("iso2859", 1000, level="II", aql="2.5").as_dict(), **changes}
    with pytest.raises(ValueError, match=r"\w"):
        Plan.from_dict(data)


def test_a_stored_plan_without_a_field_is_refused() -> None:
    data = plan("all", 3).as_dict()
    del data["whole_lot"]
    with pytest.raises(ValueError, match="whole_lot"):
        Plan.from_dict(data)


# ---------------------------------------------------------------------------------------------------
# Drawing the units to check.
# ---------------------------------------------------------------------------------------------------


def test_draw_is_reproducible() -> None:
    assert draw(340, 20, "INS-2024-0001") == draw(340, 20, "INS-2024-0001")
    assert draw(340, 20, "INS-2024-0001") != draw(340, 20, "INS-2024-0002")
    assert draw(340, 20, "INS-2024-0001") != draw(341, 20, "INS-2024-0001")


def test_draw_is_pinned() -> None:
    # Computed once; a change here means stored inspections would no longer re-draw identically.
    assert draw(20, 5, "INS-2024-0001") == [6, 14, 16, 19, 20]


def test_draw_follows_the_documented_recipe() -> None:
    digest = hashlib.sha256(b"seed-x:1000:30").digest()
    expected = sorted(random.Random(int.from_bytes(digest, "big")).sample(range(1, 1001), 30))
    assert draw(1000, 30, "seed-x") == expected


@pytest.mark.parametrize(
    ("population", "sample_size"), [(1, 1), (2, 1), (340, 20), (1000, 999), (MAX_POPULATION, 1250)]
)
def test_draw_gives_sorted_unique_units_in_range(population: int, sample_size: int) -> None:
    units = draw(population, sample_size, "巡检-2024-03")
    assert len(units) == sample_size
    assert units == sorted(set(units))
    assert all(1 <= unit <= population for unit in units)


def test_draw_does_not_touch_the_global_generator() -> None:
    random.seed(12345)
    expected = random.random()
    random.seed(12345)
    draw(340, 20, "x")
    assert random.random() == expected


def test_a_sample_of_the_population_or_more_is_every_unit() -> None:
    assert draw(5, 5, "s") == [1, 2, 3, 4, 5]
    assert draw(5, 13, "s") == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("population", "sample_size", "seed"),
    [(0, 1, "s"), (MAX_POPULATION + 1, 1, "s"), (10, 0, "s"), (10, -1, "s"), (10, 2, ""), (True, 1, "s")],
)
def test_draw_refuses_bad_arguments(population: int, sample_size: int, seed: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        draw(population, sample_size, seed)


# ---------------------------------------------------------------------------------------------------
# Verdicts.
# ---------------------------------------------------------------------------------------------------


def test_verdict_at_ac_and_at_re() -> None:
    iso = plan("iso2859", 1000, level="II", aql="2.5")  # n = 80, Ac 5, Re 6
    assert verdict(iso, 0) == "accept"
    assert verdict(iso, 5) == "accept"
    assert verdict(iso, 6) == "reject"
    assert verdict(iso, 80) == "reject"
    zero = plan("iso2859", 1000, level="II", aql="0.15")  # n = 80, Ac 0, Re 1
    assert verdict(zero, 0) == "accept"
    assert verdict(zero, 1) == "reject"


def test_verdict_on_a_whole_lot_keeps_the_plan_numbers() -> None:
    tiny = plan("iso2859", 1, level="II", aql="10")  # C's 1/2 applied to a lot of 1
    assert verdict(tiny, 1) == "accept"


def test_no_verdict_for_other_methods() -> None:
    assert verdict(plan("all", 10), 3) is None
    assert verdict(plan("fixed", 10, count=4), 4) is None


@pytest.mark.parametrize("nonconforming", [-1, 81, True])
def test_verdict_refuses_impossible_counts(nonconforming: int) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        verdict(plan("iso2859", 1000, level="II", aql="2.5"), nonconforming)
    with pytest.raises(ValueError, match=r"\w"):
        verdict(plan("fixed", 1000, count=80), nonconforming)


# ---------------------------------------------------------------------------------------------------
# The module itself.
# ---------------------------------------------------------------------------------------------------


def test_the_module_imports_only_lazy_translation_from_django() -> None:
    tree = ast.parse(Path(sampling.__file__).read_text(encoding="utf-8"))
    imports: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imports += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imports += [f"{node.module}.{alias.name}" for alias in node.names]
    assert [name for name in imports if name.startswith("django")] == [
        "django.utils.translation.gettext_lazy"
    ]
    assert not any(name.startswith("fuwu") for name in imports)


def test_every_method_has_a_label() -> None:
    assert set(METHOD_LABELS) == set(Method)
    assert [value for value, _label in METHOD_CHOICES] == ["all", "ratio", "fixed", "iso2859"]
    assert all(str(label) for label in METHOD_LABELS.values())
