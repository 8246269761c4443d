"""The shipped presets load and carry the numbers of REQUIREMENTS.md; the schema matches the org roles."""

from __future__ import annotations

import re
import typing
from datetime import date, time

import pytest

from fuwu.org.models import Role
from fuwu.policy.loader import parse_policy
from fuwu.policy.presets import PRESET_NAMES, preset_document, preset_text
from fuwu.policy.schema import Duration, RoleCode

SEEDS = {
    "000_1a906e930e34a0c7.txt",
    "001_256ef8f12ce0332c.txt",
    "002_7f8c33833a9dfe83.txt",
    "003_9e3918e2d7e96ac0.txt",
    "004_69823ae01613d798.txt",
}


def test_role_codes_of_the_schema_are_the_roles_of_the_organisation():
    assert set(typing.get_args(RoleCode)) == set(Role.values)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_each_preset_is_a_valid_complete_document(name):
    # given / when
    document = parse_policy(preset_text(name))

    # then
    assert document.meta.name
    assert document.sla.default_class in document.sla.classes
    assert {"standard"} <= set(document.sla.classes)


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_number_line_of_a_preset_names_its_seed_or_says_product_default(name):
    # given
    text = preset_text(name)
    cited = set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", text))

    # then
    assert cited, "a preset cites the seeds it comes from"
    assert cited <= SEEDS, f"unknown seed cited: {cited - SEEDS}"


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_shared_numbers_of_every_preset(name):
    document = preset_document(name)

    # return visits (003): 100 % / ≥ 10 % / ≥ 5 %
    assert [(v.level, v.role, v.ratio) for v in document.visits.levels] == [
        (1, "agent", 1.0),
        (2, "department_head", 0.10),
        (3, "director", 0.05),
    ]
    # sampling by volume (001): < 100 → 30 %, 100–300 → 20 %, > 300 → 10 %
    assert [(b.min_volume, b.max_volume, b.ratio) for b in document.visits.sampling] == [
        (0, 99, 0.30),
        (100, 300, 0.20),
        (301, None, 0.10),
    ]
    # complaints: investigation within 1 working day (004), return visit within a week (003), 30–100 yuan (004)
    assert document.complaints.investigation_start == Duration(amount=1, unit="working_days")
    assert document.complaints.return_visit == Duration(amount=168, unit="calendar_hours")
    assert (document.complaints.penalty.min, document.complaints.penalty.max) == (30, 100)
    # complaint number 2611-0007 (004), monthly reset
    assert document.numbering.render("complaint", on=date(2026, 11, 5), seq=7) == "2611-0007"
    assert document.numbering.complaint.reset == "month"
    # inspections (002): by the 5th, the 10th, the 15th of the quarter's first month
    assert document.inspections.monthly_tables_collected_by == 5
    assert document.inspections.monthly_report_due == 10
    assert document.inspections.quality_quarter_summary_due.model_dump() == {"month_of_quarter": 1, "day": 15}
    assert [(s.inspector_role, s.frequency) for s in document.inspections.schedules][:2] == [
        ("quality_inspector", "monthly"),
        ("department_head", "weekly"),
    ]
    # targets (002 客车)
    assert (
        document.kpi.timeliness_at_least,
        document.kpi.satisfaction_at_least,
        document.kpi.complaint_rate_below,
    ) == (0.90, 0.85, 0.03)
    # plans (001): weekly Monday 11:00 / 15:00, monthly last day / 3rd 15:00
    assert (document.plans.weekly_due.weekday, document.plans.weekly_due.time) == ("monday", time(11))
    assert document.plans.weekly_compiled.time == time(15)
    assert document.plans.monthly_due.day == 31  # "last": the last day of each month
    assert (
        document.plans.monthly_compiled.day,
        document.plans.monthly_compiled.time,
        document.plans.monthly_compiled.next_month,
    ) == (3, time(15), True)
    # assessment (003) and retention (000)
    assert document.assessment.base_score == 100
    assert document.retention.traceable_items_years >= 1


def test_property_preset_numbers():
    document = preset_document("property")

    assert not document.business_hours.always_open
    assert [(p.start, p.end) for p in document.business_hours.periods] == [
        (time(8, 30), time(12)),
        (time(13, 30), time(17, 30)),
    ]
    assert document.numbering.render("work_order", on=date(2026, 11, 1), seq=1) == "GD2611-00001"
    # 004: dispatch within 5 minutes of the report
    assert document.sla.classes["standard"].normal.dispatch == Duration(amount=5, unit="calendar_minutes")
    assert {"standard", "urgent", "emergency"} == set(document.sla.classes)
    # 001: complaints answered in 1–3 days
    assert document.complaints.reply == Duration(amount=3, unit="working_days")
    assert len(document.visits.on_site_required_for) == 3


def test_after_sales_preset_numbers():
    document = preset_document("after_sales")

    # 002: plan within 4 working days, executed within 3 more; reply within 2 working days (004)
    assert document.complaints.plan == Duration(amount=4, unit="working_days")
    assert document.complaints.execution == Duration(amount=3, unit="working_days")
    assert document.complaints.reply == Duration(amount=2, unit="working_days")
    assert document.approvals.extension == "director"
    # 002 客车: ≤ 100 km on site within 24 h, beyond a written reply within 12 h
    coach = document.sla.classes["coach"].distance_bands
    assert [(b.up_to_km, b.commitment, b.within.amount, b.within.unit) for b in coach] == [
        (100, "arrival", 24, "calendar_hours"),
        (None, "written_reply", 12, "calendar_hours"),
    ]
    # 002 微电机: 300 km → 24 h, 1000 km → 48 h, beyond → 72 h
    motor = document.sla.classes["micro_motor"].distance_bands
    assert [(b.up_to_km, b.within.amount) for b in motor] == [(300, 24), (1000, 48), (None, 72)]


def test_utility_preset_is_open_around_the_clock():
    document = preset_document("utility")

    assert document.business_hours.always_open  # 004: 24-hour shifts in the heating season
    assert document.business_hours.shifts[0].hours == 24
    assert document.approvals.cannot_do_now == "director"  # 000 6.3 分管负责人
    assert [q.code for q in document.visits.questionnaire] == [
        "solved",
        "attitude",
        "charged",
        "score",
        "suggestions",
    ]


def test_it_ops_preset_counts_business_time():
    document = preset_document("it_ops")

    assert document.sla.classes["standard"].normal.response.unit == "business_hours"
    assert document.complaints.plan == Duration(amount=4, unit="working_days")


def test_a_priority_the_class_does_not_set_uses_normal():
    sla_class = preset_document("property").sla.classes["urgent"]

    assert sla_class.targets_for("high") == sla_class.normal
    assert sla_class.targets_for("no-such-priority") == sla_class.normal


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_every_preset_bounds_deferrals_pauses_their_clocks_and_says_how_many_photos(name):
    document = preset_document(name)

    # 000 6.3 暂时不能办理: approved, explained, and the clocks wait with the customer
    assert document.approvals.max_deferral_working_days == 20
    assert document.approvals.deferral_pauses_clocks is True
    # 002: three photos or more of each damaged spot (after-sales); elsewhere photos are welcome
    assert document.service_report.min_photos == (3 if name == "after_sales" else 0)


def test_a_version_written_before_the_deferral_and_photo_keys_still_loads():
    # given a document as stored before the keys existed
    document = preset_document("property").model_dump(mode="json")
    del document["approvals"]["max_deferral_working_days"]
    del document["approvals"]["deferral_pauses_clocks"]
    del document["service_report"]

    # when it is read again
    from fuwu.policy.schema import PolicyDocument

    loaded = PolicyDocument.model_validate(document)

    # then deferrals are bounded, pause the clocks, and no photo is required
    assert (loaded.approvals.max_deferral_working_days, loaded.approvals.deferral_pauses_clocks) == (20, True)
    assert loaded.service_report.min_photos == 0
