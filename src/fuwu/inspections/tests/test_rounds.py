"""Duty rounds (003 夜场值班经理): a timed checklist for every shift of a roster post — items due at
given times of the night (after midnight on the next day), ticked on a phone; an item ticked later
than the checklist's grace is late, one not done by the round's submission is missed (and counts
nothing); the round is due when the shift ends and escalates like any clock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from fuwu.clocks.sweep import sweep
from fuwu.duty.models import Shift
from fuwu.inspections import services
from fuwu.inspections.models import InspectionEscalation, Purpose, Result

from .conftest import at

ROUND: dict = {
    "pass_mark": 90,
    "grace_minutes": 15,
    "sections": [
        {
            "title": "夜间巡查",
            "items": [
                {"code": "handover", "text": "20:00 值班经理交接, 双方签字", "at": "20:00"},
                {"code": "cash", "text": "22:00 督促前台将大额备用金锁入保险箱", "at": "22:00", "weight": 2},
                {"code": "patrol", "text": "23:00 巡视楼顶、重要设备区", "at": "23:00", "weight": 2},
                {"code": "audit", "text": "01:30 夜审前核对房态与帐务", "at": "01:30"},
            ],
        }
    ],
}
POST = "夜班值班经理"


@pytest.fixture
def night(cast):
    services.template_create(
        organisation=cast.organisation,
        by=cast.quality,
        code="night_round",
        name="夜场值班经理巡查表",
        definition_data=ROUND,
        purpose=Purpose.ROUND,
        now=at(2026, 9, 1, 9),
    )
    # 1 Oct 2026 is a holiday: a night shift runs all the same
    return Shift.objects.create(
        organisation=cast.organisation,
        department=cast.service,
        post=POST,
        pattern="夜班",
        person=cast.head_service,
        starts_at=at(2026, 10, 1, 20),
        ends_at=at(2026, 10, 2, 8),
        created_by=cast.director,
        created_at=at(2026, 9, 20, 9),
    )


def test_a_round_is_planned_for_each_shift_of_the_post_due_when_it_ends(cast, night):
    created = services.plan_period(cast.organisation, at(2026, 10, 1, 6))
    assert created == 1
    (round_,) = night.rounds.all()
    assert round_.inspector == cast.head_service
    assert round_.due_at == at(2026, 10, 2, 8)
    assert round_.department == cast.service
    # the next morning's planner: the shift is planned already
    assert services.plan_period(cast.organisation, at(2026, 10, 1, 6, 5)) == 0


def test_late_and_missed_items(cast, night):
    services.plan_period(cast.organisation, at(2026, 10, 1, 6))
    (round_,) = night.rounds.all()
    by = cast.head_service
    # 20:10 within the grace; 22:16 one minute past it; the patrol and the audit after midnight
    services.inspection_record(
        inspection=round_, by=by, answers=[services.AnswerIn("handover", "pass")], now=at(2026, 10, 1, 20, 10)
    )
    services.inspection_record(
        inspection=round_, by=by, answers=[services.AnswerIn("cash", "pass")], now=at(2026, 10, 1, 22, 16)
    )
    services.inspection_record(
        inspection=round_,
        by=by,
        answers=[services.AnswerIn("audit", "fail", note="房态与帐务不符")],
        now=at(2026, 10, 2, 1, 40),
    )
    round_ = services.inspection_submit(inspection=round_, by=by, now=at(2026, 10, 2, 7, 50))
    findings = {f.item_code: f for f in round_.findings.all()}
    assert findings["handover"].due_at == at(2026, 10, 1, 20)
    assert findings["handover"].late is False
    assert findings["cash"].late is True
    assert findings["audit"].due_at == at(2026, 10, 2, 1, 30)  # after midnight: the next day
    assert findings["audit"].late is False
    assert findings["patrol"].result == Result.MISSED
    assert findings["patrol"].due_at == at(2026, 10, 1, 23)
    # points: handover 1 + cash 2 + patrol 0 (missed) + audit 0 (failed) = 3 of 6 = 50.0 %
    assert round_.score == Decimal("50.0")
    assert round_.passed is False
    # the failed item is a rectification order; the missed one is the duty manager's, not the department's
    assert [r.finding.item_code for r in round_.rectifications.all()] == ["audit"]


def test_a_missed_item_cannot_be_given_as_an_answer(cast, night):
    from fuwu.lib.errors import ValidationFailed

    services.plan_period(cast.organisation, at(2026, 10, 1, 6))
    (round_,) = night.rounds.all()
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_record(
            inspection=round_,
            by=cast.head_service,
            answers=[services.AnswerIn("cash", "missed")],
            now=at(2026, 10, 1, 22),
        )
    assert "answers[0].result" in refused.value.fields


def test_a_round_not_submitted_by_the_end_of_the_shift_escalates(cast, night):
    services.plan_period(cast.organisation, at(2026, 10, 1, 6))
    end = at(2026, 10, 2, 8)
    sweep(end - timedelta(minutes=1))
    assert not InspectionEscalation.objects.exists()
    sweep(end + timedelta(minutes=1))
    assert InspectionEscalation.objects.filter(level=1, role="department_head").count() == 1


def test_a_night_shift_starting_before_the_next_morning_is_planned_a_day_ahead(cast, night):
    # the planner of 30 Sep already gives the 1 Oct night its round (period: the shift's day)
    assert services.plan_period(cast.organisation, at(2026, 9, 30, 6)) == 1
    (round_,) = night.rounds.all()
    assert round_.period_start == night.starts_at.date() == at(2026, 10, 1).date()
    assert services.plan_period(cast.organisation, at(2026, 10, 1, 6)) == 0
