"""Carrying out an inspection: the sample drawn and stored so that it can be audited and drawn again
identically, who may fill the table in (the inspector, whoever handles their work while they are
away, the quality role), corrections before submission, reassigning and cancelling."""

from __future__ import annotations

import pytest

from fuwu.inspections import definition, sampling, services
from fuwu.inspections.models import Finding, InspectionClock, Status
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.org.models import Absence, Duty
from fuwu.timeline.models import Event

from .conftest import ALL_PASS, DEFINITION, at

NOW = at(2026, 9, 15, 10)


@pytest.fixture
def sampled_checklist(cast):
    data = {
        **DEFINITION,
        "sampling": {"method": "iso2859", "level": "II", "aql": "2.5", "unit": "份工单记录"},
    }
    return services.template_create(
        organisation=cast.organisation,
        by=cast.quality,
        code="records_check",
        name="服务记录抽查表",
        definition_data=data,
        now=at(2026, 9, 1, 9),
    ).template


def test_the_sample_is_stored_and_draws_again_identically(cast, plan_inspection, sampled_checklist):
    inspection = plan_inspection(template=sampled_checklist)
    services.inspection_record(inspection=inspection, by=cast.quality, answers=ALL_PASS, now=NOW)
    with pytest.raises(ConflictError):  # a sampling checklist needs the population before submitting
        services.inspection_submit(inspection=inspection, by=cast.quality, now=NOW)
    inspection = services.inspection_start(inspection=inspection, by=cast.quality, population=340, now=NOW)
    stored = inspection.sampling
    # lot 281–500 at level II: H, 50 units; AQL 2.5: accept 3, reject 4
    assert (stored["code_letter"], stored["sample_size"], stored["accept"], stored["reject"]) == (
        "H",
        50,
        3,
        4,
    )
    assert stored["unit"] == "份工单记录"
    assert stored["units"] == sampling.draw(340, 50, stored["seed"])
    assert len(stored["units"]) == 50
    # the same inspection started again draws the same units
    again = services.inspection_start(inspection=inspection, by=cast.quality, population=340, now=NOW)
    assert again.sampling["units"] == stored["units"]
    # four nonconforming records reject the lot
    services.inspection_record(inspection=inspection, by=cast.quality, answers=ALL_PASS, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_submit(inspection=inspection, by=cast.quality, nonconforming_units=51, now=NOW)
    assert "nonconforming_units" in refused.value.fields
    done = services.inspection_submit(inspection=inspection, by=cast.quality, nonconforming_units=4, now=NOW)
    assert done.sampling["verdict"] == "reject"
    assert done.nonconforming_units == 4


@pytest.mark.parametrize("population", [0, -1, 1_000_001, True])
def test_an_impossible_population_is_refused(cast, plan_inspection, sampled_checklist, population):
    inspection = plan_inspection(template=sampled_checklist)
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_start(inspection=inspection, by=cast.quality, population=population, now=NOW)
    assert list(refused.value.fields) == ["population"]


def test_answers_are_checked_item_by_item(cast, plan_inspection):
    inspection = plan_inspection()
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_record(
            inspection=inspection,
            by=cast.quality,
            answers=[
                services.AnswerIn("nosuch", "pass"),
                services.AnswerIn("records", score=11),
                services.AnswerIn("uniform", "fail"),
                services.AnswerIn("phrases", "pass", score=1),
                services.AnswerIn("safety", "maybe"),
            ],
            now=NOW,
        )
    assert set(refused.value.fields) == {
        "answers[0].item_code",
        "answers[1].score",
        "answers[2].note",
        "answers[3].score",
        "answers[4].result",
    }
    assert not Finding.objects.exists()
    assert not Event.objects.filter(action="inspection.recorded").exists()


def test_a_finding_can_be_corrected_until_the_table_is_submitted(cast, plan_inspection):
    inspection = plan_inspection()
    services.inspection_record(
        inspection=inspection,
        by=cast.quality,
        answers=[services.AnswerIn("uniform", "fail", note="未戴工牌")],
        now=NOW,
    )
    services.inspection_record(inspection=inspection, by=cast.quality, answers=ALL_PASS, now=NOW)
    assert Finding.objects.get(item_code="uniform").result == "pass"
    assert inspection.findings.count() == 5
    submitted = services.inspection_submit(inspection=inspection, by=cast.quality, now=NOW)
    assert submitted.score is not None
    assert submitted.rectifications.count() == 0
    assert list(
        Event.objects.filter(subject_id=inspection.pk, subject_type__model="inspection").values_list(
            "action", flat=True
        )
    ) == [
        "inspection.planned",
        "inspection.recorded",
        "inspection.recorded",
        "inspection.submitted",
    ]


def test_who_may_fill_the_table_in(cast, plan_inspection):
    inspection = plan_inspection(inspector=cast.head_repair, by=cast.head_repair)
    with pytest.raises(PermissionDeniedError):
        services.inspection_record(inspection=inspection, by=cast.tech, answers=ALL_PASS, now=NOW)
    # while the head is away, whoever handles their work (their duty's B) fills it in
    Duty.objects.create(
        organisation=cast.organisation,
        department=cast.repair,
        name="部门巡检",
        primary=cast.head_repair,
        backup=cast.tech,
    )
    Absence.objects.create(
        person=cast.head_repair, kind="leave", starts_at=at(2026, 9, 14), ends_at=at(2026, 9, 17)
    )
    services.inspection_record(inspection=inspection, by=cast.tech, answers=ALL_PASS, now=NOW)
    assert inspection.findings.get(item_code="uniform").recorded_by == cast.tech
    # the quality role may always
    services.inspection_submit(inspection=inspection, by=cast.quality, now=NOW)


def test_a_head_plans_only_their_own_department(cast, checklist):
    from datetime import date

    with pytest.raises(ValidationFailed) as refused:
        services.inspection_create(
            organisation=cast.organisation,
            by=cast.head_repair,
            template=checklist,
            department=cast.cleaning,
            inspector=cast.head_repair,
            due_on=date(2026, 9, 18),
            now=NOW,
        )
    assert list(refused.value.fields) == ["department_id"]
    # a day in a holiday moves to the next working day: 1 Oct 2026 → Thursday 8 Oct
    inspection = services.inspection_create(
        organisation=cast.organisation,
        by=cast.head_repair,
        template=checklist,
        department=cast.plumbing,
        inspector=cast.head_repair,
        due_on=date(2026, 10, 1),
        now=NOW,
    )
    assert inspection.due_at == at(2026, 10, 8, 17, 30)


def test_reassigning_and_cancelling(cast, plan_inspection):
    inspection = plan_inspection()
    with pytest.raises(PermissionDeniedError):
        services.inspection_reassign(
            inspection=inspection, by=cast.head_repair, inspector=cast.head_repair, reason="忙", now=NOW
        )
    moved = services.inspection_reassign(
        inspection=inspection, by=cast.director, inspector=cast.head_repair, reason="品质李出差", now=NOW
    )
    assert moved.inspector == cast.head_repair
    cancelled = services.inspection_cancel(inspection=inspection, by=cast.quality, reason="部门撤并", now=NOW)
    assert cancelled.status == Status.CANCELLED
    assert not InspectionClock.objects.filter(inspection=inspection, is_active=True).exists()
    with pytest.raises(ConflictError):
        services.inspection_cancel(inspection=inspection, by=cast.quality, reason="again", now=NOW)


def test_the_definition_of_the_conftest_has_twelve_points():
    assert sum(item.weight for _s, item in definition.parse(DEFINITION).items()) == 12
