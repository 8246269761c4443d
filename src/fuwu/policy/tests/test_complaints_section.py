"""The ``[complaints]`` section: the seeds' numbers in every preset, and its cross-checks."""

from __future__ import annotations

import pytest
from django.utils import translation

from fuwu.complaints.models import ComplaintObject
from fuwu.policy.loader import PolicyInvalid, parse_policy
from fuwu.policy.presets import PRESET_NAMES, preset_document, preset_text
from fuwu.policy.schema import COMPLAINT_OBJECTS, Duration


def test_the_schema_knows_exactly_the_complaint_objects_of_the_model():
    assert set(COMPLAINT_OBJECTS) == set(ComplaintObject.values)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_each_preset_carries_the_complaint_steps_of_the_seeds(name):
    complaints = preset_document(name).complaints

    assert complaints.investigation_start == Duration(amount=1, unit="working_days")  # 004
    assert complaints.execution == Duration(amount=3, unit="working_days")  # 002
    assert complaints.return_visit == Duration(amount=168, unit="calendar_hours")  # 003: one week
    assert (complaints.penalty.min, complaints.penalty.max) == (30, 100)  # 004
    assert complaints.responsibility_role == "quality_inspector"  # 003 6: 质检科判定责任
    assert complaints.cost_verifier_role == "finance"  # 003 6: 财务部审核费用
    assert complaints.max_returns == 2  # 12345 practice
    assert complaints.penalties["service_attitude"] == "bad_attitude"
    approvers = {level.code: level.plan_approver for level in complaints.severity_levels}
    assert approvers == {"minor": None, "general": "department_head", "serious": "director"}


def test_after_sales_plans_within_four_working_days_and_replies_within_two():
    complaints = preset_document("after_sales").complaints

    assert complaints.plan == Duration(amount=4, unit="working_days")  # 002
    assert complaints.reply == Duration(amount=2, unit="working_days")  # 004


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_complaint_clock_has_an_escalation_chain(name):
    escalation = preset_document(name).escalation
    for kind in ("acknowledge", "investigation", "plan", "execution", "reply", "return_visit"):
        assert escalation.chain(f"complaint_{kind}"), kind


def _errors_of(text: str) -> dict[str, list[str]]:
    with translation.override("en"), pytest.raises(PolicyInvalid) as caught:
        parse_policy(text)
    return caught.value.fields


def _with(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


def test_a_penalty_naming_an_unknown_catalogue_entry_is_refused_with_its_path():
    text = _with(
        preset_text("property"), 'service_attitude = "bad_attitude"', 'service_attitude = "no_such_entry"'
    )

    errors = _errors_of(text)

    assert "no_such_entry" in " ".join(errors["complaints.penalties.service_attitude"])


def test_a_penalty_for_an_unknown_complaint_object_is_refused():
    text = _with(preset_text("property"), 'service_attitude = "bad_attitude"', 'weather = "bad_attitude"')

    assert "complaints.penalties.weather" in _errors_of(text)


def test_returns_are_bounded():
    text = _with(preset_text("property"), "max_returns = 2", "max_returns = 99")

    assert "complaints.max_returns" in _errors_of(text)
