"""A/B duties (AB角): who handles a duty or a person's work at time t, and why."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from fuwu.org.models import AbsenceKind
from fuwu.org.selectors import HandlerReason, duty_handler, duty_handlers, person_handler
from fuwu.org.services import absence_record, duty_create

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def repair_duty(cast):
    return duty_create(
        department=cast.repair, name="报修受理", primary=cast.tech, backup=cast.tech2, by=cast.admin
    )


def test_a_handles_while_present(cast, repair_duty):
    handler = duty_handler(repair_duty, at(23))
    assert handler.person == cast.tech
    assert handler.reason == HandlerReason.PRIMARY
    assert handler.role_letter == "A"


def test_b_handles_while_a_is_absent_and_says_why_and_until_when(cast, repair_duty):
    # given tech is on leave from the 23rd 08:00 to the 25th 17:30
    absence_record(
        person=cast.tech, kind=AbsenceKind.LEAVE, starts_at=at(23, 8), ends_at=at(25, 17, 30), by=cast.admin
    )

    # when / then: just before the leave A, during it B, at its end A again
    assert duty_handler(repair_duty, at(23, 7, 59)).person == cast.tech
    during = duty_handler(repair_duty, at(24, 9))
    assert during.person == cast.tech2
    assert during.reason == HandlerReason.BACKUP
    assert during.absent[0].person == cast.tech
    assert "2026-11-25 17:30" in during.explanation()
    assert cast.tech.display_name in during.explanation()
    back = duty_handler(repair_duty, at(25, 17, 30))
    assert back.person == cast.tech
    assert back.reason == HandlerReason.PRIMARY


def test_head_then_director_when_a_and_b_are_both_absent(cast, repair_duty):
    absence_record(
        person=cast.tech, kind=AbsenceKind.LEAVE, starts_at=at(23, 8), ends_at=at(26, 8), by=cast.admin
    )
    absence_record(
        person=cast.tech2,
        kind=AbsenceKind.BUSINESS_TRIP,
        starts_at=at(23, 8),
        ends_at=at(24, 18),
        by=cast.admin,
    )

    handler = duty_handler(repair_duty, at(23, 9))
    assert handler.person == cast.head_repair
    assert handler.reason == HandlerReason.DEPARTMENT_HEAD
    assert {a.person for a in handler.absent} == {cast.tech, cast.tech2}

    absence_record(
        person=cast.head_repair,
        kind=AbsenceKind.OFF_SHIFT,
        starts_at=at(23, 8),
        ends_at=at(23, 20),
        by=cast.admin,
    )
    assert duty_handler(repair_duty, at(23, 9)).person == cast.director
    # the trip ends: B is back while A is still away
    assert duty_handler(repair_duty, at(25, 9)).person == cast.tech2


def test_person_handler_follows_the_persons_duties(cast, repair_duty):
    absence_record(
        person=cast.tech, kind=AbsenceKind.LEAVE, starts_at=at(23, 8), ends_at=at(24, 8), by=cast.admin
    )

    handler = person_handler(cast.tech, at(23, 12))
    assert handler.person == cast.tech2
    assert handler.duty == repair_duty
    assert person_handler(cast.tech, at(24, 8)).person == cast.tech


def test_person_without_duty_falls_back_to_nearest_head(cast):
    # the plumber (水电班 under 工程维修部) has no duty of his own: the 工程维修部 head takes his work
    absence_record(
        person=cast.plumber, kind=AbsenceKind.LEAVE, starts_at=at(23, 8), ends_at=at(24, 8), by=cast.admin
    )
    handler = person_handler(cast.plumber, at(23, 12))
    assert handler.person == cast.head_repair
    assert handler.reason == HandlerReason.DEPARTMENT_HEAD


def test_many_duties_resolve_in_a_fixed_number_of_queries(cast, django_assert_max_num_queries):
    duties = [
        duty_create(
            department=cast.repair, name=f"值班{i}", primary=cast.tech, backup=cast.tech2, by=cast.admin
        )
        for i in range(30)
    ]
    for duty in duties:
        duty.primary, duty.backup, duty.department  # noqa: B018 (loaded like the selectors do)
    with django_assert_max_num_queries(2):
        handlers = duty_handlers(duties, at(23))
    assert len(handlers) == 30


def test_backup_must_differ_and_overlapping_absences_are_refused(cast):
    from fuwu.lib.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        duty_create(department=cast.repair, name="x", primary=cast.tech, backup=cast.tech, by=cast.admin)
    assert "backup" in error.value.fields

    absence_record(
        person=cast.tech, kind=AbsenceKind.LEAVE, starts_at=at(23, 8), ends_at=at(24, 8), by=cast.admin
    )
    with pytest.raises(ValidationFailed) as error:
        absence_record(
            person=cast.tech, kind=AbsenceKind.LEAVE, starts_at=at(23, 20), ends_at=at(25, 8), by=cast.admin
        )
    assert "starts_at" in error.value.fields
