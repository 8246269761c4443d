"""A malformed policy is refused with the exact key path of each problem, in the user's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from fuwu.policy.loader import PolicyInvalid, parse_policy
from fuwu.policy.presets import preset_text

PROPERTY = preset_text("property")


def changed(old: str, new: str, text: str = PROPERTY) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def errors_of(text: str, language: str = "en") -> dict[str, list[str]]:
    with translation.override(language), pytest.raises(PolicyInvalid) as caught:
        parse_policy(text)
    return caught.value.fields


CASES = [
    pytest.param(
        changed(
            "{min_volume = 100, max_volume = 300, ratio = 0.20}",
            "{min_volume = 100, max_volume = 300, ratio = 1.5}",
        ),
        "visits.sampling[1].ratio",
        "must be between 0 and 1, got 1.5",
        id="ratio-above-1",
    ),
    pytest.param(
        changed(
            '{level = 3, role = "director", ratio = 0.05}', '{level = 3, role = "director", ratio = -0.05}'
        ),
        "visits.levels[2].ratio",
        "must be between 0 and 1, got -0.05",
        id="ratio-negative",
    ),
    pytest.param(
        changed("base_score = 100", 'base_score = "hundred"'),
        "assessment.base_score",
        "must be a whole number",
        id="wrong-type",
    ),
    pytest.param(
        changed("[kpi]\n", "[kpi]\nfirst_time_fix = 0.8\n"),
        "kpi.first_time_fix",
        "is not a known key",
        id="unknown-key",
    ),
    pytest.param(
        changed("[retention]\nrecords_years = 3", "[retention]\nrecords_years = 3\nrecords_months = 2"),
        "retention.records_months",
        "is not a known key",
        id="unknown-key-retention",
    ),
    pytest.param(
        changed("execution = {amount = 3,", "execution = {amount = -3,"),
        "complaints.execution.amount",
        "must be at least 0",
        id="negative-amount",
    ),
    pytest.param(
        changed('plan = {amount = 2, unit = "working_days"}', 'plan = {amount = 2, unit = "fortnights"}'),
        "complaints.plan.unit",
        "must be one of",
        id="bad-unit",
    ),
    pytest.param(
        changed('{start = "13:30", end = "17:30"}', '{start = "13:30", end = "13:00"}'),
        "business_hours.periods[1].end",
        "must be after start (13:30), got 13:00",
        id="end-before-start",
    ),
    pytest.param(
        changed('{start = "13:30", end = "17:30"}', '{start = "11:30", end = "17:30"}'),
        "business_hours.periods[1].start",
        "overlaps the previous period (until 12:00), got 11:30",
        id="overlapping-periods",
    ),
    pytest.param(
        changed(
            '{start = "08:30", end = "12:00"},\n    {start = "13:30", end = "17:30"}',
            '{start = "13:30", end = "17:30"},\n    {start = "08:30", end = "12:00"}',
        ),
        "business_hours.periods[1].start",
        "in order of time",
        id="unsorted-periods",
    ),
    pytest.param(
        changed("{min_volume = 100, max_volume = 300", "{min_volume = 120, max_volume = 300"),
        "visits.sampling[1].min_volume",
        "leaves a gap: expected 100, got 120",
        id="gap-in-sampling",
    ),
    pytest.param(
        changed("{min_volume = 301, ratio = 0.10}", "{min_volume = 301, max_volume = 5000, ratio = 0.10}"),
        "visits.sampling[2].max_volume",
        "the last band must have no limit",
        id="sampling-not-open-ended",
    ),
    pytest.param(
        changed('format = "GD{yy}{mm}-{seq:05d}"', 'format = "GD{yy}{month}-{seq:05d}"'),
        "numbering.work_order.format",
        "unknown placeholder {month}",
        id="bad-numbering-placeholder",
    ),
    pytest.param(
        changed('format = "{yy}{mm}-{seq:04d}"', 'format = "{yy}{mm}-0001"'),
        "numbering.complaint.format",
        "must contain {seq} exactly once",
        id="numbering-without-seq",
    ),
    pytest.param(
        changed('format = "{yy}{mm}-{seq:04d}"', 'format = "{yy}-{seq:04d}"'),
        "numbering.complaint.format",
        "must contain {mm}",
        id="monthly-numbering-without-month",
    ),
    pytest.param(
        changed('{after_minutes = 30, role = "director"}', '{after_minutes = 0, role = "director"}'),
        "escalation.chains.dispatch[1].after_minutes",
        "must be greater than the previous level (0), got 0",
        id="escalation-not-increasing",
    ),
    pytest.param(
        changed('role = "director"}]\narrival', 'role = "boss"}]\narrival'),
        "escalation.chains.dispatch[1].role",
        "must be one of",
        id="unknown-role",
    ),
    pytest.param(
        changed('default_class = "standard"', 'default_class = "gold"'),
        "sla.default_class",
        "names no class of sla.classes: gold",
        id="class-referenced-must-exist",
    ),
    pytest.param(
        changed('name = "物业服务管理制度"\n', ""), "meta.name", "is required", id="missing-required-key"
    ),
    pytest.param(changed("[kpi]\n", "[kpi_targets]\n"), "kpi", "is required", id="missing-section"),
    pytest.param(
        changed("penalty = {min = 30, max = 100}", "penalty = {min = 100, max = 30}"),
        "complaints.penalty.max",
        "must be at least min (100), got 30",
        id="range-reversed",
    ),
    pytest.param(
        changed("max_deferral_working_days = 20", "max_deferral_working_days = 0"),
        "approvals.max_deferral_working_days",
        "must be at least 1",
        id="deferral-bound-zero",
    ),
    pytest.param(
        changed("min_photos = 0", "min_photos = 13"),
        "service_report.min_photos",
        "must be at most 12",
        id="too-many-photos-required",
    ),
    pytest.param(
        changed("hours = 24", "hours = 25", preset_text("utility")),
        "business_hours.shifts[0].hours",
        "must be at most 24",
        id="shift-too-long",
    ),
    pytest.param(
        changed("{up_to_km = 1000, commitment", "{up_to_km = 200, commitment", preset_text("after_sales")),
        "sla.classes.micro_motor.distance_bands[1].up_to_km",
        "must be greater than the previous band (300), got 200",
        id="distance-bands-not-increasing",
    ),
    pytest.param(
        changed(
            'kind = "fine", amount = {min = 30, max = 100}, points = -5, approver = "department_head"},\n'
            '    {code = "lack_of_skill"',
            'kind = "fine", points = -5, approver = "department_head"},\n    {code = "lack_of_skill"',
        ),
        "rewards_penalties.catalogue[0].amount",
        "is required for a fine",
        id="fine-without-amount",
    ),
]


@pytest.mark.parametrize(("text", "path", "message"), CASES)
def test_malformed_document_reports_the_exact_key_path(text, path, message):
    # given a preset with one mistake / when
    errors = errors_of(text)

    # then
    assert path in errors, errors
    assert any(message in m for m in errors[path]), errors[path]


def test_toml_syntax_error_names_line_and_column():
    # given
    text = '[meta]\nname = "x"\ndescription = \n'

    # when
    errors = errors_of(text)

    # then
    assert list(errors) == ["__toml__"]
    assert errors["__toml__"][0].startswith("line 3, column 15:")


def test_ratio_error_is_exactly_as_the_issue_says():
    text = changed(
        "{min_volume = 100, max_volume = 300, ratio = 0.20}",
        "{min_volume = 100, max_volume = 300, ratio = 1.5}",
    )

    assert errors_of(text) == {"visits.sampling[1].ratio": ["must be between 0 and 1, got 1.5"]}


def test_messages_follow_the_language():
    # given
    text = changed("{min_volume = 100, max_volume = 300", "{min_volume = 120, max_volume = 300")

    # when
    english = errors_of(text, "en")
    chinese = errors_of(text, "zh-hans")

    # then
    assert english == {"visits.sampling[1].min_volume": ["leaves a gap: expected 100, got 120"]}
    assert chinese == {"visits.sampling[1].min_volume": ["存在空缺：应为 100，实为 120"]}


def test_toml_error_in_chinese():
    errors = errors_of("a = \n", "zh-hans")

    assert errors["__toml__"][0].startswith("第 1 行第 5 列：")


def test_several_problems_are_reported_together():
    text = changed("base_score = 100", "base_score = -1")
    text = changed("[kpi]\n", "[kpi]\nextra = 1\n", text)

    assert set(errors_of(text)) == {"assessment.base_score", "kpi.extra"}
