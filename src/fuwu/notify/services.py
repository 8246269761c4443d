"""Writing notifications and sending their deliveries.

``notify()`` runs inside the business action's transaction: it writes one in-app ``Notification``
per recipient who may see the record, and a ``Delivery`` row for every further channel (the
recipient's e-mail and SMS choices, the department robots subscribed to the event). Sending starts
after commit (``transaction.on_commit`` → huey task ``send_deliveries``); a failed delivery that may
pass is retried with exponential back-off, and a periodic task sends whatever is due, so nothing is
lost when the worker or a gateway was down.

What a message carries, per recipient:
- people: only records they may see (``visibility.who_may_see``); phone numbers masked unless the
  policy's ``privacy.unmasked_roles`` names one of their roles.
- group robots (whoever is in the chat group): the event, the record's kind and title (a work
  order's number) and its link, always; the message itself only when the record is not confidential
  (level 0, 公开), and even then with every phone number masked. Robots of the record's department
  and of the departments above it hear about it (those departments' people see the records below
  them), when they are subscribed to the event.

Quiet hours (a person's, in the site's time zone ``TIME_ZONE``, Asia/Shanghai): e-mail and SMS of
non-urgent events are held and sent when the quiet hours end; urgent events (``events.is_urgent``:
a deadline missed, an escalation) go through. In-app notifications are never held.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fuwu import visibility
from fuwu.lib.errors import FieldErrors

from . import channels, events, sms, subjects
from .channels import DeliveryError, Message
from .models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationPreference,
    OutboxMessage,
    RobotChannel,
    RobotKind,
)

logger = logging.getLogger(__name__)

MOBILE = re.compile(r"^\+?(86)?1[3-9]\d{9}$")
PERSONAL_CHANNELS = (Channel.EMAIL, Channel.SMS)
# A claimed delivery is not claimed again for this long (longer than any send may take).
CLAIM_SECONDS = 300
DUE_BATCH = 200


# --- writing ------------------------------------------------------------------------------------


class _Phones:
    """Whether each recipient sees phone numbers whole: the policy's ``privacy.unmasked_roles``,
    read once per notification (not once per recipient)."""

    def __init__(self, organisation_id: int | None) -> None:
        self.organisation_id = organisation_id
        self._roles: tuple[str, ...] | None = None

    def roles(self) -> tuple[str, ...]:
        if self._roles is None:
            from fuwu.org.models import Organisation
            from fuwu.policy.selectors import active_policy

            organisation = (
                Organisation.objects.filter(pk=self.organisation_id).first() if self.organisation_id else None
            )
            self._roles = tuple(active_policy(organisation).privacy.unmasked_roles) if organisation else ()
        return self._roles

    def shown(self, person: Any, text: str) -> str:
        if not text or not visibility._PHONE_IN_TEXT.search(text):
            return text
        if person is not None and person.has_role(*self.roles()):
            return text
        return visibility.mask_phones_in(text)


def quiet_until(preference: NotificationPreference | None, now: datetime) -> datetime | None:
    """When ``now`` falls in the person's quiet hours, their end; else ``None``. The hours are a
    half-open interval [start, end) in the site's time zone, possibly over midnight (22:00–08:00)."""
    if preference is None or preference.quiet_start is None or preference.quiet_end is None:
        return None
    start, end = preference.quiet_start, preference.quiet_end
    if start == end:
        return None
    zone = ZoneInfo(settings.TIME_ZONE)
    local = now.astimezone(zone)
    moment = local.time().replace(tzinfo=None)
    if start < end:
        inside, day = start <= moment < end, local.date()
    else:
        inside = moment >= start or moment < end
        day = local.date() if moment < end else local.date() + timedelta(days=1)
    if not inside:
        return None
    return datetime.combine(day, end, tzinfo=zone)


def _ancestor_ids(department: Any) -> set[int]:
    return {int(part) for part in department.path.strip("/").split("/") if part.isdigit()}


def robots_for(subject: subjects.Subject, kind: str) -> list[RobotChannel]:
    """The enabled robots of the record's department and the departments above it that are
    subscribed to the event ``kind``."""
    if subject.department is None or subject.organisation_id is None:
        return []
    robots = RobotChannel.objects.filter(
        organisation_id=subject.organisation_id,
        enabled=True,
        department_id__in=_ancestor_ids(subject.department),
    )
    return [robot for robot in robots if kind in (robot.events or [])]


def _subject_kind_label(record: Model) -> str:
    return str(record._meta.verbose_name)


def robot_message(subject: subjects.Subject, kind: str, title: str, body: str) -> tuple[str, str]:
    """The headline and details a group robot may post (module docstring: what a group may read)."""
    from fuwu.lib.display import system_text

    with translation.override(settings.LANGUAGE_CODE):
        headline = f"{events.label(kind)} · {_subject_kind_label(subject.record)} {subject.title}"
        if subject.confidentiality > 0:
            return headline[:200], _(
                "Confidential: the details are on its page, for those cleared to read them."
            )
        details = "\n".join(
            visibility.mask_phones_in(str(system_text(text))) for text in (title, body) if text
        )
    return headline[:200], details[:2000]


def notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    title: str,
    body: str = "",
    subject: Model | None = None,
    urgent: bool | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Tell ``recipients`` about event ``kind`` (an ``events`` key) of ``subject`` (any record with a
    visibility rule; ``None``: a message about no one record). Returns the in-app notifications
    written: one per distinct recipient who may see ``subject``."""
    if events.get(kind) is None:
        raise ValueError(f"unknown notification event {kind!r}: register it in fuwu.notify.events")
    now = now or timezone.now()
    people = [p for p in dict.fromkeys(p for p in recipients if p is not None)]
    described = None
    subject_fields: dict[str, Any] = {}
    if subject is not None:
        people = visibility.who_may_see(people, subject)
        described = subjects.describe(subject)
        subject_fields = {
            "subject_type": ContentType.objects.get_for_model(subject),
            "subject_id": subject.pk,
            "subject_title": described.title,
            "link": described.link,
        }
    organisation_id = described.organisation_id if described else None
    phones = _Phones(organisation_id or (people[0].organisation_id if people else None))
    rows = [
        Notification(
            recipient=person,
            kind=kind,
            organisation_id=organisation_id or person.organisation_id,
            title=phones.shown(person, title)[:200],
            body=phones.shown(person, body),
            **subject_fields,
        )
        for person in people
    ]
    created = Notification.objects.bulk_create(rows) if rows else []
    is_urgent = events.is_urgent(kind) if urgent is None else urgent
    deliveries = _personal_deliveries(created, kind, is_urgent, now)
    if described is not None:
        for robot in robots_for(described, kind):
            headline, details = robot_message(described, kind, title, body)
            deliveries.append(
                Delivery(
                    organisation_id=organisation_id,
                    channel=robot.kind,
                    robot=robot,
                    kind=kind,
                    title=headline,
                    body=details,
                    link=described.link,
                    urgent=is_urgent,
                )
            )
    _write(deliveries)
    return created


def _personal_deliveries(
    created: Sequence[Notification], kind: str, urgent: bool, now: datetime
) -> list[Delivery]:
    if not created:
        return []
    preferences = {
        p.user_id: p
        for p in NotificationPreference.objects.filter(user_id__in=[n.recipient_id for n in created])
    }
    deliveries = []
    for notification in created:
        preference = preferences.get(notification.recipient_id)
        if preference is None:
            continue
        person = notification.recipient
        held_until = None if urgent else quiet_until(preference, now)
        for channel in PERSONAL_CHANNELS:
            address = person.email if channel == Channel.EMAIL else person.phone
            if kind not in preference.events_for(channel) or not usable_address(channel, address):
                continue
            deliveries.append(
                Delivery(
                    organisation_id=notification.organisation_id,
                    channel=channel,
                    notification=notification,
                    kind=kind,
                    to=address.strip(),
                    title=notification.title,
                    body=notification.body,
                    link=notification.link,
                    urgent=urgent,
                    status=DeliveryStatus.HELD if held_until else DeliveryStatus.PENDING,
                    next_attempt_at=held_until,
                )
            )
    return deliveries


def usable_address(channel: str, address: str) -> bool:
    address = (address or "").strip()
    if channel == Channel.EMAIL:
        return "@" in address
    return bool(MOBILE.match(address.replace(" ", "").replace("-", "")))


def _write(deliveries: list[Delivery]) -> None:
    if not deliveries:
        return
    written = Delivery.objects.bulk_create(deliveries)
    due = [d.pk for d in written if d.status == DeliveryStatus.PENDING]
    if due:
        transaction.on_commit(lambda: _enqueue(due))


def _enqueue(ids: list[int]) -> None:
    from .tasks import send_deliveries

    try:
        send_deliveries(ids)
    except Exception:  # the queue is down: the periodic task sends them when it is back
        logger.exception("could not queue deliveries %s", ids)


def send_sms(
    *,
    to: str,
    body: str,
    subject: Model | None = None,
    organisation: Any = None,
) -> OutboxMessage:
    """A text message to a customer (a confirmation code, a one-time notice): written to the outbox,
    and sent through the SMS provider after commit when one is configured."""
    fields: dict[str, Any] = {}
    organisation_id = getattr(organisation, "pk", organisation)
    if subject is not None:
        described = subjects.describe(subject)
        organisation_id = organisation_id or described.organisation_id
        fields = {
            "subject_type": ContentType.objects.get_for_model(subject),
            "subject_id": subject.pk,
            "subject_title": described.title,
            "link": described.link,
        }
    message = OutboxMessage.objects.create(to=to, body=body, organisation_id=organisation_id, **fields)
    if sms.configured():
        _write(
            [
                Delivery(
                    organisation_id=organisation_id,
                    channel=Channel.SMS,
                    outbox_message=message,
                    to=to,
                    title=message.subject_title or to,
                    body=body,
                    urgent=True,  # codes and notices are asked for now: no quiet hours for customers
                )
            ]
        )
    return message


# --- sending ------------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failed try: 60 s, 120 s, 240 s … at most the configured maximum."""
    seconds = settings.FUWU_NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.FUWU_NOTIFY_RETRY_MAX_SECONDS))


def _claim(pk: int, now: datetime) -> bool:
    """Take the delivery for one try (a sweep and a queued task never both send it)."""
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        Delivery.objects.filter(due, pk=pk, status=DeliveryStatus.PENDING).update(
            next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS)
        )
    )


def _send(delivery: Delivery) -> None:
    message = Message(title=delivery.title, body=delivery.body, link=channels.absolute(delivery.link))
    if delivery.channel == Channel.EMAIL:
        channels.send_email(delivery.to, message)
    elif delivery.channel == Channel.SMS:
        provider = sms.provider()
        text = delivery.body if delivery.outbox_message_id else message.text()
        if provider.name == "outbox" and delivery.outbox_message_id is None:
            # A member of staff's SMS in development: into the outbox, where it can be read.
            OutboxMessage.objects.create(to=delivery.to, body=text, organisation_id=delivery.organisation_id)
        provider.send(delivery.to, text)
    elif delivery.robot is not None:
        channels.send_robot(delivery.robot.kind, delivery.robot.url, delivery.robot.secret, message)
    else:
        raise DeliveryError(f"no sender for channel {delivery.channel!r}", retry=False)


def deliver(pk: int, *, now: datetime | None = None) -> Delivery | None:
    """One try of one delivery if it is due; ``None`` when it was not (sent, failed, held, not yet
    due, or being sent by someone else)."""
    now = now or timezone.now()
    if not _claim(pk, now):
        return None
    delivery = Delivery.objects.select_related("robot").get(pk=pk)
    delivery.attempts += 1
    try:
        _send(delivery)
    except DeliveryError as error:
        delivery.last_error = error.message
        if error.retry and delivery.attempts < settings.FUWU_NOTIFY_MAX_ATTEMPTS:
            delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        else:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        logger.warning("delivery %s (%s) failed: %s", pk, delivery.channel, error.message)
    except Exception as error:  # a bug or an unforeseen answer: recorded, tried again later
        logger.exception("delivery %s (%s) failed", pk, delivery.channel)
        delivery.last_error = f"{error.__class__.__name__}: {error}"[:500]
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
        if delivery.attempts >= settings.FUWU_NOTIFY_MAX_ATTEMPTS:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.status, delivery.sent_at, delivery.next_attempt_at = DeliveryStatus.SENT, now, None
        delivery.last_error = ""
        if delivery.outbox_message_id:
            OutboxMessage.objects.filter(pk=delivery.outbox_message_id).update(sent_at=now)
    delivery.save(update_fields=["attempts", "status", "last_error", "next_attempt_at", "sent_at"])
    return delivery


def send_due(now: datetime | None = None) -> int:
    """Release held deliveries whose quiet hours are over and try every delivery that is due (first
    tries the queue lost, retries whose back-off has passed). Returns how many were tried."""
    now = now or timezone.now()
    Delivery.objects.filter(status=DeliveryStatus.HELD, next_attempt_at__lte=now).update(
        status=DeliveryStatus.PENDING, next_attempt_at=None
    )
    tried = 0
    while True:
        due = list(
            Delivery.objects.filter(
                Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), status=DeliveryStatus.PENDING
            )
            .order_by("id")
            .values_list("pk", flat=True)[:DUE_BATCH]
        )
        sent_any = False
        for pk in due:
            if deliver(pk, now=now) is not None:
                tried += 1
                sent_any = True
        if len(due) < DUE_BATCH or not sent_any:
            return tried


# --- reading ------------------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, now: Any = None) -> Notification:
    """Mark one notification read (once: the first reading time is kept)."""
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def notifications_mark_all_read(*, recipient: Any, now: Any = None) -> int:
    """Mark every unread notification of ``recipient`` read; returns how many were unread."""
    return Notification.objects.filter(recipient=recipient, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


def open_link(notification: Notification) -> str:
    """Where opening ``notification`` leads: its record's page (at the decision for an approval
    asked for), or the inbox when the record is gone."""
    record = notification.subject if notification.subject_type_id else None
    if record is None:
        return ""
    return (
        subjects.open_link(record, notification.kind) or notification.link or subjects.describe(record).link
    )


# --- robots (administrators) --------------------------------------------------------------------


def mask_secret(secret: str) -> str:
    """``SEC1a2b…9f0e`` → ``SEC1••••9f0e``: enough to recognise it, never enough to use it."""
    if not secret:
        return ""
    if len(secret) <= 8:
        return "•" * len(secret)
    return f"{secret[:4]}••••{secret[-4:]}"


def mask_url(url: str) -> str:
    """A webhook URL with its credentials masked (WeCom's ``key``, DingTalk's ``access_token``,
    Feishu's hook id in the path)."""
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    query = "&".join(
        f"{name}={mask_secret(value)}"
        for name, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    )
    segments = parts.path.split("/")
    if "hook" in segments and segments[-1] and segments[-1] != "hook":
        segments[-1] = mask_secret(segments[-1])
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/".join(segments), query, ""))


URL_LENGTH = 500
SECRET_LENGTH = 200


def _clean_robot(
    *, kind: str, url: str, secret: str, events_: list[str], department: Any, organisation_id: int
) -> None:
    import urllib.parse

    errors = FieldErrors()
    if kind not in RobotKind.values:
        errors.add("kind", _("choose WeCom, DingTalk or Feishu"))
    parts = urllib.parse.urlsplit(url)
    if len(url) > URL_LENGTH or parts.scheme not in ("http", "https") or not parts.netloc:
        errors.add("url", _("enter the robot's webhook address, starting with https://"))
    if len(secret) > SECRET_LENGTH:
        errors.add("secret", _("at most %(count)s characters") % {"count": SECRET_LENGTH})
    unknown = [key for key in events_ if events.get(key) is None]
    if unknown:
        errors.add("events", _("unknown events: %(keys)s") % {"keys": ", ".join(unknown)})
    if department is None or department.organisation_id != organisation_id:
        errors.add("department_id", _("no such department"))
    errors.raise_if_any()


@dataclass
class RobotValues:
    kind: str
    url: str
    secret: str
    events: list[str]
    department: Any
    enabled: bool = True


def robot_create(*, organisation_id: int, values: RobotValues, by: Any) -> RobotChannel:
    events_ = list(dict.fromkeys(values.events))
    _clean_robot(
        kind=values.kind,
        url=values.url,
        secret=values.secret,
        events_=events_,
        department=values.department,
        organisation_id=organisation_id,
    )
    return RobotChannel.objects.create(
        organisation_id=organisation_id,
        department=values.department,
        kind=values.kind,
        url=values.url,
        secret=values.secret,
        events=events_,
        enabled=values.enabled,
    )


def robot_update(*, robot: RobotChannel, by: Any, **changes: Any) -> RobotChannel:
    """Change the given fields (``kind``, ``url``, ``secret``, ``events``, ``department``,
    ``enabled``); an empty ``url`` or ``secret`` from a form means "keep it"."""
    if changes.get("url") in ("", None):
        changes.pop("url", None)
    if "events" in changes:
        changes["events"] = list(dict.fromkeys(changes["events"]))
    merged = {
        "kind": changes.get("kind", robot.kind),
        "url": changes.get("url", robot.url),
        "secret": changes.get("secret", robot.secret) or "",
        "events_": changes.get("events", robot.events),
        "department": changes.get("department", robot.department),
        "organisation_id": robot.organisation_id,
    }
    _clean_robot(**merged)
    for name, value in changes.items():
        setattr(robot, name, value if value is not None else "")
    robot.save()
    return robot


def robot_delete(*, robot: RobotChannel, by: Any) -> None:
    robot.delete()


def robot_send_test(*, robot: RobotChannel, by: Any) -> str:
    """Post a test message now (not queued), so the administrator sees the answer; raises
    ``DeliveryError`` with the vendor's error."""
    with translation.override(settings.LANGUAGE_CODE):
        message = Message(
            title=_("Test message from fuwu"),
            body=_("The group robot of %(department)s works. Sent by %(name)s.")
            % {"department": robot.department.name, "name": by.display_name},
            link=channels.absolute("/"),
        )
    channels.send_robot(robot.kind, robot.url, robot.secret, message)
    return str(message.title)


# --- preferences --------------------------------------------------------------------------------


def preference_of(user: Any) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def preferences_save(
    *,
    user: Any,
    email_events: list[str],
    sms_events: list[str],
    quiet_start: time | None,
    quiet_end: time | None,
) -> NotificationPreference:
    errors = FieldErrors()
    for field, chosen in (("email", email_events), ("sms", sms_events)):
        unknown = [key for key in chosen if events.get(key) is None]
        if unknown:
            errors.add(field, _("unknown events: %(keys)s") % {"keys": ", ".join(unknown)})
    if email_events and not usable_address(Channel.EMAIL, user.email):
        errors.add("email", _("your account has no e-mail address: ask an administrator to add it"))
    if sms_events and not usable_address(Channel.SMS, user.phone):
        errors.add("sms", _("your account has no mobile number: ask an administrator to add it"))
    if (quiet_start is None) != (quiet_end is None):
        errors.add("quiet_hours", _("give both the start and the end of the quiet hours, or neither"))
    elif quiet_start is not None and quiet_start == quiet_end:
        errors.add("quiet_hours", _("the quiet hours must not start and end at the same time"))
    errors.raise_if_any()
    preference = preference_of(user)
    preference.email_events = list(dict.fromkeys(email_events))
    preference.sms_events = list(dict.fromkeys(sms_events))
    preference.quiet_start, preference.quiet_end = quiet_start, quiet_end
    preference.save()
    return preference
