"""Rosters: a head (of the department or above) or a director puts shifts on a post's roster — one
by hand, or a roster from a policy pattern (``business_hours.shifts``) over a range of days with
people in turn — reschedules one before it starts, or cancels it. One person at a time on a post,
one shift at a time for a person. Every change is one timeline event on the shift.

Who works a shift is set when it is created. Afterwards it changes only through an approved swap
(``swaps``): ``shift_update`` refuses a change of person.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import ConflictError, FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import REASON_LENGTH, required_text
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.org.models import Department, Organisation, User

from .. import rules
from ..models import POST_LENGTH, Shift
from ..permissions import in_department, may_plan
from ..rules import ShiftAction
from .context import begin_shift, event, local_text, open_swaps_of, policy_of, user_ref, zone_of

MAX_SHIFT_HOURS = 48  # the longest shift by hand (a pattern has at most 24 hours)

# Passed for "not given" (``None`` is a value the API may send).
UNCHANGED: Any = object()


def aware(value: datetime | None, organisation: Organisation) -> datetime | None:
    """A moment given without a time zone is in the organisation's."""
    if value is None or timezone.is_aware(value):
        return value
    return timezone.make_aware(value, zone_of(organisation))


def _post(value: str | None, errors: FieldErrors) -> str:
    return required_text(value, "post", errors, POST_LENGTH)


def _post_department(
    organisation: Organisation, post: str, department: Department, errors: FieldErrors
) -> None:
    """A post is on one department's roster."""
    if not post:
        return
    other = (
        Shift.objects.on_roster()
        .filter(organisation_id=organisation.pk, post=post)
        .exclude(department_id=department.pk)
        .select_related("department")
        .first()
    )
    if other is not None:
        errors.add(
            "post",
            _("is on the roster of %(department)s: a post belongs to one department")
            % {"department": other.department.name},
        )


def _person(
    person: User | None, department: Department, errors: FieldErrors, field: str = "person_id"
) -> None:
    if person is None:
        errors.add(field, _("is required"))
    elif person.organisation_id != department.organisation_id or not person.is_active:
        errors.add(field, _("no such member of staff"))
    elif not in_department(person, department):
        errors.add(field, _("is not on the staff of %(department)s") % {"department": department.name})


def _period(starts_at: datetime | None, ends_at: datetime | None, now: datetime, errors: FieldErrors) -> None:
    if starts_at is None:
        errors.add("starts_at", _("is required"))
    if ends_at is None:
        errors.add("ends_at", _("is required"))
    if starts_at is None or ends_at is None:
        return
    if starts_at <= now:
        errors.add("starts_at", _("must be in the future"))
    if ends_at <= starts_at:
        errors.add("ends_at", _("must be after the start"))
    elif ends_at - starts_at > timedelta(hours=MAX_SHIFT_HOURS):
        errors.add("ends_at", _("a shift lasts at most %(n)s hours") % {"n": MAX_SHIFT_HOURS})


def _department(organisation: Organisation, department: Department | None, errors: FieldErrors) -> None:
    if department is None:
        errors.add("department_id", _("is required"))
    elif department.organisation_id != organisation.pk or not department.is_active:
        errors.add("department_id", _("no such department"))


@dataclass(frozen=True)
class Planned:
    starts_at: datetime
    ends_at: datetime
    person: User


def lock_rosters(department: Department, people: Sequence[User]) -> None:
    """Serialise changes of a department's rosters and of these people's shifts (PostgreSQL; SQLite's
    immediate transactions already serialise every writer)."""
    list(Department.objects.select_for_update().filter(pk=department.pk).values_list("pk", flat=True))
    ids = sorted({p.pk for p in people})
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _span(shift: Any) -> str:
    return _("from %(start)s to %(end)s") % {
        "start": local_text(shift.starts_at),
        "end": local_text(shift.ends_at),
    }


def check_overlaps(
    organisation_id: int, post: str, planned: Sequence[Planned], exclude: Sequence[int] = ()
) -> None:
    """409 when a planned shift overlaps another of the same person, or of the same post (one
    person at a time), on the roster or among ``planned`` (one query)."""
    if not planned:
        return
    first = min(p.starts_at for p in planned)
    last = max(p.ends_at for p in planned)
    people = {p.person.pk for p in planned}
    existing = list(
        Shift.objects.on_roster()
        .filter(organisation_id=organisation_id, starts_at__lt=last, ends_at__gt=first)
        .filter(Q(post=post) | Q(person_id__in=people))
        .exclude(pk__in=list(exclude))
        .select_related("person")
    )
    for new in planned:
        for old in existing:
            if not rules.overlaps(new.starts_at, new.ends_at, old.starts_at, old.ends_at):
                continue
            if old.person_id == new.person.pk:
                message = _("%(name)s is on duty at %(post)s %(span)s then") % {
                    "name": new.person.display_name,
                    "post": old.post,
                    "span": _span(old),
                }
            else:
                message = _(
                    "%(post)s is staffed by %(name)s %(span)s then: a post has one person at a time"
                ) % {
                    "post": old.post,
                    "name": old.person.display_name,
                    "span": _span(old),
                }
            raise ConflictError(
                _("The shift overlaps another: %(problem)s.") % {"problem": message},
                extra={"overlapping": [old.pk]},
            )
    ordered = sorted(planned, key=lambda p: p.starts_at)
    for before, after in itertools.pairwise(ordered):
        if rules.overlaps(before.starts_at, before.ends_at, after.starts_at, after.ends_at):
            raise ConflictError(
                _("The shift overlaps another: %(problem)s.")
                % {"problem": _("the shifts asked for overlap each other")},
                extra={"overlapping": []},
            )


def _created_changes(shift: Shift) -> dict[str, Any]:
    return {
        "post": {"after": shift.post},
        "department": {"after": {"id": shift.department.pk, "label": shift.department.name}},
        "person": {"after": user_ref(shift.person)},
        "starts_at": {"after": shift.starts_at},
        "ends_at": {"after": shift.ends_at},
        **({"pattern": {"after": shift.pattern}} if shift.pattern else {}),
    }


def _tell_rostered(shifts: Sequence[Shift], now: datetime) -> None:
    by_person: dict[int, list[Shift]] = {}
    for shift in shifts:
        by_person.setdefault(shift.person_id, []).append(shift)
    for person_shifts in by_person.values():
        first = person_shifts[0]
        if len(person_shifts) == 1:
            title = _("%(post)s: you are on duty from %(start)s") % {
                "post": first.post,
                "start": local_text(first.starts_at),
            }
        else:
            title = _("%(post)s: you are on the roster for %(n)s shifts from %(start)s") % {
                "post": first.post,
                "n": len(person_shifts),
                "start": local_text(first.starts_at),
            }
        notify([first.person], kind=NotificationKind.ASSIGNED, subject=first, title=title, now=now)


def _may_plan_or_403(by: User, department: Department) -> None:
    if not may_plan(by, department):
        raise PermissionDeniedError(_("Only a head of the department or a director changes its roster."))


@transaction.atomic
def shift_create(
    *,
    organisation: Organisation,
    by: User,
    department: Department | None,
    post: str,
    person: User | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    now: datetime | None = None,
) -> Shift:
    """Put one shift on a post's roster by hand."""
    now = now or timezone.now()
    errors = FieldErrors()
    _department(organisation, department, errors)
    errors.raise_if_any()
    assert department is not None
    _may_plan_or_403(by, department)
    post = _post(post, errors)
    starts_at, ends_at = aware(starts_at, organisation), aware(ends_at, organisation)
    _period(starts_at, ends_at, now, errors)
    _person(person, department, errors)
    _post_department(organisation, post, department, errors)
    errors.raise_if_any()
    assert person is not None
    assert starts_at is not None
    assert ends_at is not None
    lock_rosters(department, [person])
    check_overlaps(organisation.pk, post, [Planned(starts_at, ends_at, person)])
    shift = Shift.objects.create(
        organisation=organisation,
        department=department,
        post=post,
        person=person,
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=by,
        created_at=now,
    )
    event(shift, "duty.shift_created", by, now, _created_changes(shift), first=True)
    _tell_rostered([shift], now)
    return shift


@transaction.atomic
def roster_generate(
    *,
    organisation: Organisation,
    by: User,
    department: Department | None,
    post: str,
    pattern: str,
    first_day: date | None,
    last_day: date | None,
    people: Sequence[User | None],
    now: datetime | None = None,
) -> list[Shift]:
    """A shift a day from ``first_day`` to ``last_day`` (both included) following the policy's shift
    pattern ``pattern`` (``business_hours.shifts[].name``: its start time and hours), the ``people``
    taking it in turn (倒班: A, B, C, A …). Every day is staffed, rest days and holidays included. All
    or nothing: one overlap refuses the whole roster."""
    now = now or timezone.now()
    errors = FieldErrors()
    _department(organisation, department, errors)
    errors.raise_if_any()
    assert department is not None
    _may_plan_or_403(by, department)
    post = _post(post, errors)
    policy = policy_of(organisation)
    found = next((p for p in policy.business_hours.shifts if p.name == pattern), None)
    if found is None:
        names = [p.name for p in policy.business_hours.shifts]
        errors.add(
            "pattern",
            _("must be one of the policy's shift patterns: %(names)s") % {"names": "、".join(names)}
            if names
            else _("the policy has no shift patterns (business_hours.shifts)"),
        )
    if first_day is None:
        errors.add("first_day", _("is required"))
    if last_day is None:
        errors.add("last_day", _("is required"))
    if first_day is not None and last_day is not None:
        if last_day < first_day:
            errors.add("last_day", _("must not be before the first day"))
        elif (last_day - first_day).days + 1 > rules.MAX_ROSTER_DAYS:
            errors.add("last_day", _("a roster covers at most %(n)s days") % {"n": rules.MAX_ROSTER_DAYS})
    if not people:
        errors.add("person_ids", _("name at least one person"))
    elif len(people) > rules.MAX_ROTATION:
        errors.add("person_ids", _("at most %(n)s people take turns") % {"n": rules.MAX_ROTATION})
    elif len({p.pk for p in people if p is not None}) != len(people):
        errors.add("person_ids", _("name each person once"))
    for person in people:
        _person(person, department, errors, "person_ids")
    _post_department(organisation, post, department, errors)
    errors.raise_if_any()
    assert found is not None
    assert first_day is not None
    assert last_day is not None
    slots = rules.roster_slots(found.start, found.hours, first_day, last_day, zone_of(organisation))
    if slots[0].starts_at <= now:
        raise ValidationFailed.field(
            "first_day",
            _("the first shift would begin at %(start)s, which is past")
            % {"start": local_text(slots[0].starts_at)},
        )
    turns = rules.in_turn([p for p in people if p is not None], len(slots))
    planned = [
        Planned(slot.starts_at, slot.ends_at, person) for slot, person in zip(slots, turns, strict=True)
    ]
    lock_rosters(department, turns)
    check_overlaps(organisation.pk, post, planned)
    shifts = Shift.objects.bulk_create(
        [
            Shift(
                organisation=organisation,
                department=department,
                post=post,
                pattern=found.name,
                person=p.person,
                starts_at=p.starts_at,
                ends_at=p.ends_at,
                created_by=by,
                created_at=now,
            )
            for p in planned
        ]
    )
    for shift in shifts:
        event(shift, "duty.shift_created", by, now, _created_changes(shift), first=True)
    _tell_rostered(shifts, now)
    return shifts


@transaction.atomic
def shift_update(
    *,
    shift: Shift,
    by: User,
    starts_at: Any = UNCHANGED,
    ends_at: Any = UNCHANGED,
    post: Any = UNCHANGED,
    person: Any = UNCHANGED,
    now: datetime | None = None,
) -> Shift:
    """Reschedule a shift before it starts (its times, its post). ``person`` is refused (422): who
    works a shift changes only through a swap approved by the supervisor (004 三.3)."""
    errors = FieldErrors()
    if person is not UNCHANGED and getattr(person, "pk", person) != shift.person_id:
        raise ValidationFailed.field(
            "person_id",
            _("who works a shift changes only through a swap approved by the supervisor"),
        )
    locked, now = begin_shift(shift, ShiftAction.EDIT, by, now)
    organisation = locked.organisation
    new_start = locked.starts_at if starts_at is UNCHANGED else aware(starts_at, organisation)
    new_end = locked.ends_at if ends_at is UNCHANGED else aware(ends_at, organisation)
    new_post = locked.post if post is UNCHANGED else _post(post, errors)
    _period(new_start, new_end, now, errors)
    if new_post != locked.post:
        _post_department(organisation, new_post, locked.department, errors)
    errors.raise_if_any()
    assert new_start is not None
    assert new_end is not None
    changes: dict[str, Any] = {}
    for name, before, after in (
        ("starts_at", locked.starts_at, new_start),
        ("ends_at", locked.ends_at, new_end),
        ("post", locked.post, new_post),
    ):
        if before != after:
            changes[name] = {"before": before, "after": after}
    if not changes:
        return locked
    lock_rosters(locked.department, [locked.person])
    check_overlaps(
        organisation.pk, new_post, [Planned(new_start, new_end, locked.person)], exclude=[locked.pk]
    )
    locked.starts_at, locked.ends_at, locked.post = new_start, new_end, new_post
    locked.save(update_fields=["starts_at", "ends_at", "post"])
    event(locked, "duty.shift_rescheduled", by, now, changes)
    notify(
        [locked.person],
        kind=NotificationKind.ASSIGNED,
        subject=locked,
        title=_("%(post)s: your shift is moved to %(start)s")
        % {"post": locked.post, "start": local_text(new_start)},
        now=now,
    )
    return locked


@transaction.atomic
def shift_cancel(*, shift: Shift, by: User, reason: str, now: datetime | None = None) -> Shift:
    """Take a shift off the roster before it starts, with a reason. A swap under way of it is
    withdrawn (its approval too). The shift stays, marked cancelled, with its timeline."""
    from .swaps import withdraw_for_cancelled_shift

    errors = FieldErrors()
    reason = required_text(reason, "reason", errors, REASON_LENGTH)
    errors.raise_if_any()
    locked, now = begin_shift(shift, ShiftAction.CANCEL, by, now)
    for swap in open_swaps_of(locked).select_related("organisation"):
        withdraw_for_cancelled_shift(swap, by=by, now=now, reason=reason)
    locked.cancelled_at, locked.cancelled_by, locked.cancel_reason = now, by, reason
    locked.save(update_fields=["cancelled_at", "cancelled_by", "cancel_reason"])
    event(locked, "duty.shift_cancelled", by, now, {"cancelled_at": {"after": now}}, reason)
    notify(
        [locked.person],
        kind=NotificationKind.ASSIGNED,
        subject=locked,
        title=_("%(post)s: your shift from %(start)s is cancelled")
        % {"post": locked.post, "start": local_text(locked.starts_at)},
        now=now,
    )
    return locked


__all__ = [
    "MAX_SHIFT_HOURS",
    "UNCHANGED",
    "Planned",
    "check_overlaps",
    "lock_rosters",
    "roster_generate",
    "shift_cancel",
    "shift_create",
    "shift_update",
]
