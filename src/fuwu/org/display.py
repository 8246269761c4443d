"""How the organisation's records and values are shown (loaded by the timeline app at start-up)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu import visibility
from fuwu.lib.display import system_texts
from fuwu.timeline.display import Auto, Choice, Code, Fields, Value, timeline_display

from .models import Absence, AbsenceKind, Department, Duty, DutyKind, Organisation, Role, User


def _colleagues(viewer: Any, ids: set[Any]) -> Any:
    # Colleagues' names are known organisation-wide (visibility.staff_for_user), former ones too:
    # a timeline keeps the name of whoever acted then.
    if not visibility.is_staff_member(viewer):
        return User.objects.none()
    return User.objects.filter(organisation_id=viewer.organisation_id, pk__in=ids)


def _staff_page(person: User, viewer: Any) -> str | None:
    return reverse("org:staff_detail", args=[person.pk]) if person.is_active else None


def _departments(viewer: Any, ids: set[Any]) -> Any:
    return visibility.departments_for_user(viewer).filter(pk__in=ids)


timeline_display.reference(
    User, visible=_colleagues, name=lambda person: person.display_name, url=_staff_page
)
timeline_display.reference(Department, visible=_departments, name=lambda department: department.name)

ABSENCE = Fields(
    {name: Value.of(Absence, name) for name in ("kind", "starts_at", "ends_at", "note")}, model=Absence
)

timeline_display.subject(
    User,
    actions={
        "staff.created": _("Staff member added"),
        "staff.updated": _("Staff member changed"),
        "absence.recorded": _("Absence recorded"),
        "absence.cancelled": _("Absence cancelled"),
        "staff.sign_in_unlocked": _("Signing in unlocked"),
    },
    fields={
        "username": Value.of(User, "username", format=Code()),
        "failures": Value(_("wrong passwords"), Auto()),
        "roles": Value(_("roles"), Choice(Role)),
        "absence": Value(_("absence"), ABSENCE),
    },
)

# Sign-in lockouts (fuwu.org.lockouts): an address unlocked is recorded on the organisation.
timeline_display.subject(
    Organisation,
    actions={
        "organisation.sign_in_address_unlocked": _("Signing in from a network address unlocked"),
    },
    fields={"address": Value(_("network address"), Auto())},
)

timeline_display.subject(
    Department,
    actions={
        "department.created": _("Department added"),
        "department.updated": _("Department changed"),
    },
)

timeline_display.subject(
    Duty,
    actions={
        "duty.created": _("Duty added"),
        "duty.updated": _("Duty changed"),
    },
)

# Who handles a person's work and why (org.selectors.Handler.explanation), stored as the reason of
# an A/B hand-over and of a dispatch to B.
system_texts.register(
    _("A: %(name)s is at work"),
    _("B: %(name)s, because %(why)s"),
    _("Department head %(name)s, because %(why)s"),
    _("Director %(name)s, because %(why)s"),
)
system_texts.register(_("%(name)s is absent (%(kind)s) until %(until)s"), kind=AbsenceKind)
system_texts.register_choices(AbsenceKind, DutyKind, Role)
