"""The survey by link (issue #9, "methods"): the visitor sends the customer a one-time link to the
public survey page by SMS, WeChat or e-mail, and the customer answers it there themselves.

- ``visit_send_survey``: one transaction, one event (``visit.survey_sent``). A new token of 256 bits
  (``secrets.token_urlsafe(32)``), of which only the SHA-256 is stored; earlier links of the visit
  are revoked. The SMS or e-mail leaves after commit (the token is in that message and nowhere
  else); a delivery that fails marks the link ``failed`` with the reason and writes
  ``visit.survey_not_delivered`` on the visit, so the visitor sees it and calls or sends again.
  For WeChat there is no API to a customer's chat: the link is given back to the visitor to paste.
- ``survey_answer``: the customer's answer through the link — the same ``record_answer`` as an
  answer taken on the phone (consequences, re-handling, the later answer counts, the charge flag),
  on behalf of the visit's visitor (their rights decide the consequences, as if they had recorded
  it), while the visit's event and attempt are the customer's. The link is used in the same
  transaction, under the visit's and the link's row locks: of two answers at once, one counts.
- ``usable_link``: the link of a token, if it may still be answered; ``None`` for a token that is
  malformed, unknown, used, revoked, expired, or whose visit ended — the caller answers all of
  them with the same neutral 404.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fuwu.clocks import deadlines
from fuwu.lib.errors import FieldErrors, NotFoundError, ValidationFailed
from fuwu.lib.inputs import has_control_characters
from fuwu.notify import channels, sms
from fuwu.notify.channels import DeliveryError, Message
from fuwu.notify.models import Channel, OutboxMessage
from fuwu.notify.services import usable_address
from fuwu.org.models import User
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from ..models import Status, SurveyDelivery, SurveyMethod, SurveyRevocation, Visit, VisitSurveyLink
from ..permissions import VisitAction, may
from .calls import _take, record_answer
from .context import Context, _begin, _event, lock, note_revoked, policy_of_subject, revoke_survey_links
from .scheduling import zone

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32  # 256 bits
# ``secrets.token_urlsafe(32)``: 43 characters of the URL-safe base64 alphabet.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{43}$")
TOKEN_LENGTH = 43
EMAIL_LENGTH = 254


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def survey_url(token: str) -> str:
    """The survey page's address as the customer opens it (``FUWU_BASE_URL``)."""
    return channels.absolute(reverse("public_visits:survey", args=[token]))


# --- what the customer reads -------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerTerms:
    """What the visit is about in the customer's words: never staff, departments or notes."""

    kind: str  # "work_order" or "complaint"
    number: str
    service: str  # the service type's name (work orders), empty for a complaint
    day: Any  # the local date of the work done (or the request), or of the complaint

    def sentence(self) -> str:
        day = self.day.strftime("%Y-%m-%d") if self.day else ""
        if self.kind == "complaint":
            return _("your complaint %(number)s of %(day)s") % {"number": self.number, "day": day}
        if self.service:
            return _("the service “%(service)s” of %(day)s (request %(number)s)") % {
                "service": self.service,
                "day": day,
                "number": self.number,
            }
        return _("your service request %(number)s of %(day)s") % {"number": self.number, "day": day}


def customer_terms(visit: Visit) -> CustomerTerms:
    work_order = visit.work_order
    if work_order is not None:
        moment = work_order.done_at or work_order.received_at
        service = work_order.service_type.name if work_order.service_type_id else ""
        return CustomerTerms(
            kind="work_order",
            number=work_order.number,
            service=service,
            day=moment.astimezone(zone()).date() if moment else None,
        )
    complaint = visit.complaint
    assert complaint is not None
    return CustomerTerms(
        kind="complaint",
        number=complaint.number,
        service="",
        day=complaint.received_at.astimezone(zone()).date(),
    )


def survey_message(visit: Visit, url: str, expires_at: datetime) -> Message:
    """The message to the customer, in the installation's language (Chinese by default, whatever
    the sender's own language): from the organisation, about the visit in the customer's terms."""
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "organisation": visit.organisation.name,
            "about": customer_terms(visit).sentence(),
            "until": expires_at.astimezone(zone()).strftime("%Y-%m-%d %H:%M"),
            "link": url,
        }
        title = _("%(organisation)s: how satisfied are you with our service?") % values
        body = (
            _(
                "%(organisation)s: please tell us how satisfied you are with %(about)s. The "
                "questions take a minute; the link can be answered once, until %(until)s."
            )
            % values
        )
    return Message(title=title, body=body, link=url)


# --- sending -----------------------------------------------------------------------------------


@dataclass
class SentSurvey:
    visit: Visit
    link: VisitSurveyLink
    # The survey page's address: given back only for WeChat (the visitor pastes it into the chat).
    url: str


def _checked_email(value: Any, method: str, errors: FieldErrors) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add("email", _("must be text"))
        return ""
    address = value.strip()
    if method != SurveyMethod.EMAIL:
        if address:
            errors.add("email", _("only for a survey sent by e-mail"))
        return ""
    if not address:
        errors.add("email", _("is required: the customer's e-mail address (none is on record)"))
    elif len(address) > EMAIL_LENGTH or has_control_characters(address):
        errors.add("email", _("is not a valid e-mail address"))
    else:
        try:
            validate_email(address)
        except DjangoValidationError:
            errors.add("email", _("is not a valid e-mail address"))
    return address


def _mobile(number: str) -> str:
    return number.replace(" ", "").replace("-", "").strip()


@transaction.atomic
def visit_send_survey(
    visit: Visit, *, by: User, method: Any, email: Any = "", now: datetime | None = None
) -> SentSurvey:
    """Send the customer a one-time link to the survey page: by SMS to the visit's contact phone,
    by e-mail to the address given (customers have none on record), or for WeChat give the link
    back to paste into the chat. A link sent before is revoked. Valid for the policy's
    ``visits.survey_link_valid``."""
    errors = FieldErrors()
    if method not in SurveyMethod.values:
        errors.add("method", _("must be one of %(choices)s") % {"choices": ", ".join(SurveyMethod.values)})
        method = ""
    address = _checked_email(email, str(method), errors)
    errors.raise_if_any()
    ctx = _begin(visit, VisitAction.SEND_SURVEY, by, now)
    visit = ctx.visit
    if method == SurveyMethod.SMS:
        address = _mobile(visit.contact_phone)
        if not usable_address(Channel.SMS, address):
            raise ValidationFailed.field(
                "contact_phone",
                _("the visit has no mobile number to send a text message to: call or send it another way"),
            )
    changes: dict[str, Any] = {"survey_method": {"after": method}}
    _take(ctx, changes)
    note_revoked(revoke_survey_links(visit, ctx.now, because=SurveyRevocation.NEWER_LINK), changes)
    valid = ctx.policy.visits.survey_link_valid
    expires_at = deadlines.due(ctx.calendar, ctx.now, valid.amount, valid.unit).due
    token = secrets.token_urlsafe(TOKEN_BYTES)
    handed_over = method == SurveyMethod.WECHAT
    link = VisitSurveyLink.objects.create(
        visit=visit,
        token_hash=hash_token(token),
        method=method,
        sent_to=address,
        sent_by=by,
        created_at=ctx.now,
        expires_at=expires_at,
        delivery=SurveyDelivery.HANDED_OVER if handed_over else SurveyDelivery.PENDING,
        delivered_at=ctx.now if handed_over else None,
    )
    changes["survey_link"] = {"after": link.pk}
    changes["survey_expires_at"] = {"after": expires_at.isoformat()}
    visit.save(update_fields=["visitor"])
    _event(ctx, "visit.survey_sent", changes)
    url = survey_url(token)
    if not handed_over:
        message = survey_message(visit, url, expires_at)
        transaction.on_commit(
            lambda: deliver_survey(link.pk, method=str(method), to=address, message=message)
        )
    return SentSurvey(visit=visit, link=link, url=url if handed_over else "")


def _send(method: str, to: str, message: Message, visit_id: int) -> None:
    if method == SurveyMethod.EMAIL:
        channels.send_email(to, message)
        return
    provider = sms.provider()
    text = f"{message.body} {message.link}"
    if provider.name == "outbox":
        # No gateway (development): the outbox is where customers' texts are read, as every other.
        visit = Visit.objects.select_related("organisation").get(pk=visit_id)
        OutboxMessage.objects.create(to=to, body=text, subject=visit, organisation=visit.organisation)
    provider.send(to, text)


def deliver_survey(
    link_id: int, *, method: str, to: str, message: Message, now: datetime | None = None
) -> bool:
    """Send a survey link's message (after the sending transaction committed). On failure the link
    stays as it is — answerable if the customer has it after all — and is marked ``failed`` with
    the reason, with an event on the visit. Returns whether it left."""
    link = VisitSurveyLink.objects.filter(pk=link_id).first()
    if link is None:
        return False
    try:
        _send(method, to, message, link.visit_id)
    except DeliveryError as error:
        reason = error.message
    except Exception as error:  # an unforeseen answer or a bug: recorded, never lost
        logger.exception("survey link %s (%s) could not be sent", link_id, method)
        reason = f"{error.__class__.__name__}: {error}"[:500]
    else:
        VisitSurveyLink.objects.filter(pk=link_id).update(
            delivery=SurveyDelivery.SENT, delivered_at=now or timezone.now(), delivery_error=""
        )
        return True
    logger.warning("survey link %s (%s) not delivered: %s", link_id, method, reason)
    survey_not_delivered(link_id, reason=reason, now=now)
    return False


@transaction.atomic
def survey_not_delivered(link_id: int, *, reason: str, now: datetime | None = None) -> None:
    """The message with the link could not be sent: the link says why, and so does the visit's
    timeline (by the system), for the visitor to call or send it again."""
    now = now or timezone.now()
    link = VisitSurveyLink.objects.select_related("visit").get(pk=link_id)
    visit = lock(link.visit_id)
    VisitSurveyLink.objects.filter(pk=link_id).update(
        delivery=SurveyDelivery.FAILED, delivery_error=reason[:500]
    )
    record_event(
        subject=visit,
        action="visit.survey_not_delivered",
        actor=None,
        changes={"survey_link": {"after": link_id}, "survey_method": {"after": link.method}},
        reason=reason[:500],
        at=now,
        organisation=visit.organisation,
    )


# --- answering ---------------------------------------------------------------------------------


def _acting_for(visit: Visit, link: VisitSurveyLink) -> User | None:
    """Whose rights the customer's answer acts with: the visitor (who may have changed since the
    link was sent), else the sender, if they may still record the visit's answer."""
    for person in (visit.visitor, link.sent_by):
        if person is not None and person.is_active and may(person, VisitAction.RECORD_ANSWER, visit):
            return person
    return None


def _link_of(token: Any) -> VisitSurveyLink | None:
    if not isinstance(token, str) or not TOKEN_PATTERN.match(token):
        return None  # not one of ours: no query
    return (
        VisitSurveyLink.objects.select_related(
            "sent_by",
            "visit__organisation",
            "visit__visitor",
            "visit__work_order__service_type",
            "visit__work_order__policy_version",
            "visit__complaint__policy_version",
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def usable_link(token: Any, now: datetime | None = None) -> VisitSurveyLink | None:
    """The link of ``token`` if the customer may answer it now, else None (whatever the reason)."""
    now = now or timezone.now()
    link = _link_of(token)
    if link is None or not link.is_usable(now) or link.visit.status != Status.DUE:
        return None
    if _acting_for(link.visit, link) is None:
        return None
    return link


def neutral_not_found() -> NotFoundError:
    return NotFoundError(_("This survey link is not valid."))


@transaction.atomic
def survey_answer(token: Any, *, answers: Any, now: datetime | None = None) -> Visit:
    """The customer's answer through the link: recorded as an answer taken on the phone would be,
    by the customer, once. A token that cannot be answered (any reason) raises the same 404; bad
    answers a 422 naming ``answers.<code>``, and the link stays unused."""
    now = now or timezone.now()
    found = _link_of(token)
    if found is None:
        raise neutral_not_found()
    # The visit's row first, then the link's: the order every writer of a visit takes.
    visit = lock(found.visit_id)
    link = VisitSurveyLink.objects.select_for_update().select_related("sent_by").get(pk=found.pk)
    acting = _acting_for(visit, link)
    if not link.is_usable(now) or visit.status != Status.DUE or acting is None:
        raise neutral_not_found()
    ctx = Context(
        visit=visit,
        by=acting,
        now=now,
        policy=policy_of_subject(visit.subject),
        calendar=work_calendar_for(visit.organisation),
        by_customer=True,
    )
    link.used_at = now
    link.save(update_fields=["used_at"])
    changes: dict[str, Any] = {"survey_link": {"after": link.pk}}
    note_revoked(revoke_survey_links(visit, now), changes)
    return record_answer(ctx, answers=answers, method=link.method, note="", changes=changes)


__all__ = [
    "CustomerTerms",
    "SentSurvey",
    "customer_terms",
    "deliver_survey",
    "hash_token",
    "survey_answer",
    "survey_message",
    "survey_not_delivered",
    "usable_link",
    "visit_send_survey",
]
