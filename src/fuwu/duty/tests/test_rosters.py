"""Rosters: 24-hour shifts generated from the policy's pattern over a heating-season fortnight that
crosses 国庆 (a call centre is staffed on holidays too), three agents in turn; overlaps refused for a
person and for a post; who plans; a started shift is not changed; every change one timeline event."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone

from fuwu.duty import services
from fuwu.duty.models import Shift, SwapStatus
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.timeline.models import Event
from fuwu.workcal.selectors import work_calendar_for

from .conftest import PATTERN, PLANNED, POST, at


def events_of(record) -> list[str]:
    return list(Event.objects.for_subject(record).order_by("at", "id").values_list("action", flat=True))


def generate(centre, people, first, last, **extra):
    return services.roster_generate(
        organisation=centre.organisation,
        by=extra.pop("by", centre.head_service),
        department=extra.pop("department", centre.service),
        post=extra.pop("post", POST),
        pattern=extra.pop("pattern", PATTERN),
        first_day=first,
        last_day=last,
        people=people,
        now=extra.pop("now", at(2026, 9, 20, 10)),
    )


def test_24_hour_shifts_across_national_day_rotate_over_three_agents(centre):
    # given the statutory holidays of 2026: 国庆 from October 1
    calendar = work_calendar_for(centre.organisation)
    assert not calendar.is_working_day(date(2026, 10, 1)).is_working
    agents = [centre.agent, centre.agent2, centre.agent3]

    # when the head generates the call centre's 24-hour roster for 12 days from September 28
    shifts = generate(centre, agents, date(2026, 9, 28), date(2026, 10, 9))

    # then every day has its shift, holidays and weekends included, 08:00 → 08:00, in turn A B C A …
    assert len(shifts) == 12
    stored = list(Shift.objects.filter(post=POST).order_by("starts_at"))
    days = [timezone.localtime(s.starts_at).date() for s in stored]
    assert days == [date(2026, 9, 28) + timedelta(days=n) for n in range(12)]
    assert {d for d in days if not calendar.is_working_day(d).is_working} >= {
        date(2026, 10, n) for n in range(1, 8)
    }
    for shift in stored:
        local = timezone.localtime(shift.starts_at)
        assert (local.hour, local.minute) == (8, 0)
        assert shift.ends_at - shift.starts_at == timedelta(hours=24)
        assert shift.pattern == PATTERN
        assert shift.department == centre.service
    for before, after in itertools.pairwise(stored):
        assert before.ends_at == after.starts_at  # the post is never unstaffed, never doubly staffed
    assert [s.person for s in stored] == [agents[n % 3] for n in range(12)]
    # one timeline event per shift
    assert all(events_of(s) == ["duty.shift_created"] for s in stored)
    event = Event.objects.for_subject(stored[0]).get()
    assert event.actor == centre.head_service
    assert event.changes["person"]["after"]["label"] == "客服小张"


def test_a_roster_needs_a_policy_pattern_and_a_range_and_people(centre):
    with pytest.raises(ValidationFailed) as refused:
        generate(centre, [], date(2026, 10, 9), date(2026, 10, 1), pattern="早班")
    assert set(refused.value.fields) == {"pattern", "last_day", "person_ids"}
    with pytest.raises(ValidationFailed) as refused:
        generate(centre, [centre.agent, centre.agent], date(2026, 10, 1), date(2026, 10, 2))
    assert "person_ids" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:  # the cleaner is not on the call centre's staff
        generate(centre, [centre.cleaner], date(2026, 10, 1), date(2026, 10, 2))
    assert "person_ids" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:  # the first shift would begin in the past
        generate(centre, [centre.agent], date(2026, 9, 20), date(2026, 9, 22))
    assert "first_day" in refused.value.fields
    assert not Shift.objects.exists()


def test_overlaps_are_refused_for_a_person_and_for_a_post(centre, put_on):
    morning = put_on(centre.agent, at(2026, 11, 10, 8), hours=12)
    # the same person on another post at the same time
    with pytest.raises(ConflictError) as refused:
        put_on(centre.agent, at(2026, 11, 10, 12), hours=4, post="投诉专线")
    assert refused.value.extra["overlapping"] == [morning.pk]
    assert "客服小张" in str(refused.value.message)
    # another person on the same post at the same time: a post has one person at a time
    with pytest.raises(ConflictError):
        put_on(centre.agent2, at(2026, 11, 10, 19), hours=12)
    # back to back is no overlap
    evening = put_on(centre.agent2, at(2026, 11, 10, 20), hours=12)
    assert evening.starts_at == morning.ends_at
    # a roster overlapping one existing shift is refused whole
    with pytest.raises(ConflictError):
        generate(centre, [centre.agent3], date(2026, 11, 8), date(2026, 11, 12), now=PLANNED)
    assert Shift.objects.count() == 2


def test_who_plans_a_roster(centre, put_on):
    start = at(2026, 11, 10, 8)
    for outsider in (centre.agent, centre.head_repair, centre.quality):
        with pytest.raises(PermissionDeniedError):
            put_on(centre.agent, start, by=outsider)
    assert put_on(centre.agent, start, by=centre.director).created_by == centre.director
    # a head of a department above plans the rosters below it
    below = put_on(centre.plumber, start, by=centre.head_repair, department=centre.plumbing, post="水电值班")
    assert below.department == centre.plumbing
    # the person is on the department's staff; a post belongs to one department
    with pytest.raises(ValidationFailed) as refused:
        put_on(
            centre.tech, start + timedelta(days=1), by=centre.head_repair, department=centre.repair, post=POST
        )
    assert set(refused.value.fields) == {"post"}
    with pytest.raises(ValidationFailed) as refused:
        put_on(centre.cleaner, start + timedelta(days=1))
    assert set(refused.value.fields) == {"person_id"}


def test_a_shift_is_rescheduled_or_cancelled_only_before_it_starts(centre, put_on):
    shift = put_on(centre.agent, at(2026, 11, 10, 8))
    moved = services.shift_update(
        shift=shift,
        by=centre.head_service,
        starts_at=at(2026, 11, 10, 9),
        ends_at=at(2026, 11, 11, 9),
        now=PLANNED,
    )
    assert moved.starts_at == at(2026, 11, 10, 9)
    assert events_of(shift) == ["duty.shift_created", "duty.shift_rescheduled"]
    started = at(2026, 11, 10, 9, 0)
    with pytest.raises(ConflictError) as refused:
        services.shift_update(shift=shift, by=centre.head_service, ends_at=at(2026, 11, 11, 10), now=started)
    assert refused.value.extra["status"] == "under_way"
    with pytest.raises(ConflictError):
        services.shift_cancel(shift=shift, by=centre.head_service, reason="排错了", now=started)
    # the agent may not reschedule their own shift
    with pytest.raises(PermissionDeniedError):
        services.shift_update(shift=shift, by=centre.agent, ends_at=at(2026, 11, 11, 8), now=PLANNED)
    assert events_of(shift) == ["duty.shift_created", "duty.shift_rescheduled"]


def test_cancelling_a_shift_withdraws_its_swap_and_keeps_the_record(centre, put_on):
    from fuwu.approvals.models import Approval

    shift = put_on(centre.agent, at(2026, 11, 10, 8))
    swap = services.swap_request(
        shift=shift, by=centre.agent, colleague=centre.agent2, reason="家里有事", now=PLANNED
    )
    services.swap_agree(swap=swap, by=centre.agent2, now=PLANNED)
    services.shift_cancel(shift=shift, by=centre.head_service, reason="排班调整", now=PLANNED)
    shift.refresh_from_db()
    swap.refresh_from_db()
    assert shift.cancelled_at == PLANNED
    assert shift.cancel_reason == "排班调整"
    assert swap.status == SwapStatus.WITHDRAWN
    assert Approval.objects.get().status == "withdrawn"
    assert events_of(shift) == ["duty.shift_created", "duty.shift_cancelled"]
    assert not Shift.objects.on_roster().exists()
    # the cancelled shift's time is free again
    put_on(centre.agent2, at(2026, 11, 10, 8))
