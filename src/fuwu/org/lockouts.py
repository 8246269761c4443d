"""Sign-in lockouts (django-axes): which accounts and addresses are locked now, and unlocking them.

Axes keeps one ``AccessAttempt`` row per account, address and browser with its failures and the time
of the last one. An account (or an address) is locked while the failures of its rows whose last try
is within the cool-off add up to the limit — the same count axes makes at sign-in. An administrator
sees the accounts of their own organisation, and the addresses from which no account of another
organisation was tried (without the names tried from them).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from fuwu.timeline.services import record_event

from .models import Organisation, User


@dataclass(frozen=True)
class AccountLockout:
    person: User
    failures: int
    until: datetime


@dataclass(frozen=True)
class AddressLockout:
    address: str
    failures: int
    until: datetime


def _recent(now: datetime) -> Any:
    return AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)


def _locked(rows: Any, key: str, now: datetime) -> list[tuple[Any, int, datetime]]:
    grouped = (
        rows.exclude(**{f"{key}__isnull": True})
        .values(key)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )
    return [(row[key], row["failures"], row["last"] + settings.AXES_COOLOFF_TIME) for row in grouped]


def account_lockouts(organisation: Organisation, now: datetime | None = None) -> list[AccountLockout]:
    """Locked accounts of ``organisation``'s staff, most recent first."""
    now = now or timezone.now()
    locked = _locked(_recent(now), "username", now)
    people = {
        p.username: p
        for p in User.objects.filter(organisation=organisation, username__in=[name for name, _, _ in locked])
    }
    return [
        AccountLockout(people[name], failures, until) for name, failures, until in locked if name in people
    ]


def _foreign_addresses(addresses: list[str], viewer: User) -> set[str]:
    """Those of ``addresses`` from which an account of another organisation was tried: they are not
    the viewer's to see or unlock (a superuser, who runs the installation, sees every address)."""
    if viewer.is_superuser or not addresses:
        return set()
    tried = (
        AccessAttempt.objects.filter(ip_address__in=addresses)
        .values_list("ip_address", "username")
        .distinct()
    )
    names = {name for _, name in tried if name}
    foreign_names = set(
        User.objects.filter(username__in=names)
        .exclude(organisation=viewer.organisation_id)
        .values_list("username", flat=True)
    )
    return {address for address, name in tried if name in foreign_names}


def address_lockouts(viewer: User, now: datetime | None = None) -> list[AddressLockout]:
    """Locked client addresses, most recent first: those from which only the viewer's organisation's
    accounts (or names that are nobody's) were tried."""
    now = now or timezone.now()
    locked = _locked(_recent(now), "ip_address", now)
    foreign = _foreign_addresses([address for address, _, _ in locked], viewer)
    return [
        AddressLockout(address, failures, until)
        for address, failures, until in locked
        if address not in foreign
    ]


def account_lockout(person: User, now: datetime | None = None) -> AccountLockout | None:
    now = now or timezone.now()
    locked = _locked(_recent(now).filter(username=person.username), "username", now)
    return AccountLockout(person, locked[0][1], locked[0][2]) if locked else None


def _require_administrator(by: User, organisation_id: int | None) -> None:
    from fuwu import visibility

    if not visibility.can_manage_organisation(by) or by.organisation_id != organisation_id:
        raise PermissionDeniedError(_("Only an administrator of the organisation can unlock signing in."))


def sign_in_unlock_account(*, person: User, by: User) -> int:
    """Forget the failed sign-ins of ``person``'s account (from every address); returns rows removed."""
    _require_administrator(by, person.organisation_id)
    if not person.username:
        raise ValidationFailed.field("username", _("This account has no username."))
    with transaction.atomic():
        lockout = account_lockout(person)
        removed = reset(username=person.username)
        record_event(
            subject=person,
            action="staff.sign_in_unlocked",
            actor=by,
            organisation=person.organisation,
            changes={"failures": {"before": lockout.failures if lockout else 0, "after": 0}},
        )
    return removed


def sign_in_unlock_address(*, address: str, by: User) -> int:
    """Forget the failed sign-ins from ``address`` (for every account); returns rows removed."""
    _require_administrator(by, by.organisation_id)
    try:
        address = str(ipaddress.ip_address(address.strip()))
    except ValueError:
        raise ValidationFailed.field("address", _("Enter an IP address.")) from None
    if _foreign_addresses([address], by):
        raise NotFoundError(_("Not found."))
    with transaction.atomic():
        removed = reset(ip=address)
        organisation = by.organisation
        assert organisation is not None  # ``_require_administrator`` admits members of an organisation only
        record_event(
            subject=organisation,
            action="organisation.sign_in_address_unlocked",
            actor=by,
            organisation=organisation,
            changes={"address": {"after": address}},
        )
    return removed
