"""Return visits and satisfaction (回访, REQUIREMENTS §6; seeds 001, 003, 004; hotline practice §19).

A ``Visit`` is one call (or message, or call at the door) to a customer about a finished work order
or an answered complaint: who makes it (its level, 003: agent, department head, director), when it
is due, its attempts, the customer's answers to the policy's questionnaire and what followed from
them. Rows change only through ``fuwu.visits.services`` (one function per business verb, one
transaction, one timeline event).

- Level 1 visits are created by the subject's own action (a work order done or confirmed, a
  complaint replied to) — ``services.scheduling``.
- Level 2 and 3 visits are drawn each month as a ``VisitSample`` (random, reproducible from its
  stored seed, auditable: every sampled visit says why it is in the sample) — ``services.sampling``.
- An unsatisfied answer (or "not solved") sends the subject back for re-handling (重办) and, once
  it is done again, the customer is visited again: the later answer is the one that counts
  (``counts``: exactly one answered visit per subject counts in every figure).
- A customer never reached after the policy's last attempt is ``unreachable``: counted apart,
  never as satisfied.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fuwu.clocks.models import BaseClock, BaseEscalation, clock_indexes
from fuwu.org.models import Confidentiality


class Status(models.TextChoices):
    DUE = "due", pgettext_lazy("visit", "Due")
    DONE = "done", pgettext_lazy("visit", "Done")
    # Translators: the customer could not be reached after the last attempt the policy allows.
    UNREACHABLE = "unreachable", _("Not reached")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = (Status.DUE,)


class Reason(models.TextChoices):
    """Why the visit exists."""

    WORK_ORDER_FINISHED = "work_order_finished", _("Work order finished")
    COMPLAINT_REPLIED = "complaint_replied", _("Complaint replied to")
    # Translators: drawn in the month's random sample (二级/三级回访 抽查).
    SAMPLED = "sampled", _("Sampled")
    # Translators: the customer is visited again after the work was handled again (重办).
    REHANDLED = "rehandled", _("Visited again after re-handling")
    PLANNED = "planned", _("Planned by hand")
    # Translators: 首次回访 — the day after a service agreement takes effect (003).
    AGREEMENT_STARTED = "agreement_started", _("First visit after a new agreement")
    # Translators: 技术回访 — a reminder of a product's maintenance (003).
    MAINTENANCE = "maintenance", _("Maintenance reminder")
    # Translators: 节日回访 — holiday greetings to customers (003).
    HOLIDAY_GREETING = "holiday_greeting", _("Holiday greeting")
    # Translators: 问卷回访 — a questionnaire campaign to chosen customers (003).
    CAMPAIGN = "campaign", _("Questionnaire campaign")


# Visits about a customer rather than a work order or a complaint (003 一级回访): planned by the
# daily task or a campaign; they rate nobody and lead to no re-handling.
PLANNED_REASONS = (
    Reason.AGREEMENT_STARTED,
    Reason.MAINTENANCE,
    Reason.HOLIDAY_GREETING,
    Reason.CAMPAIGN,
)


class Method(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS with a link")
    WECHAT = "wechat", _("WeChat with a link")
    EMAIL = "email", _("E-mail")
    ON_SITE = "on_site", _("On site")
    SURVEY = "survey", _("Survey page")


class AttemptOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered")
    UNREACHABLE = "unreachable", _("Not reachable")
    # Translators: 不方便, 预约回访时间 — the customer asked to be called at another time (004).
    CALL_LATER = "call_later", _("Call me later")


class Consequence(models.TextChoices):
    NONE = "", _("None")
    # Translators: 重办 — the work order or complaint is handled again.
    REHANDLING = "rehandling", _("Handled again")
    COMPLAINT = "complaint", _("Complaint raised")


class Visit(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(_("level"))
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    # The subject: exactly one of these two.
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("work order"),
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("complaint"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("customer"),
    )
    # A planned visit (``PLANNED_REASONS``) is about the customer, for one occasion: the agreement
    # that started, the product due for maintenance, the campaign; ``occasion`` says which (the
    # agreement, the maintenance date or hours, the holiday) so that it is planned once.
    agreement = models.ForeignKey(
        "customers.ServiceAgreement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service agreement"),
    )
    product = models.ForeignKey(
        "customers.Product",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
    )
    campaign = models.ForeignKey(
        "VisitCampaign",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("campaign"),
    )
    occasion = models.CharField(_("occasion"), max_length=60, blank=True)
    # Whom to call (copied from the subject: a visit is made to the person who asked).
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)
    contact_phone = models.CharField(_("phone"), max_length=30, blank=True)
    # The subject's handling department and confidentiality: the visibility rules and the reports.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    confidentiality = models.IntegerField(
        _("confidentiality"), choices=Confidentiality.choices, default=Confidentiality.NONE
    )
    # The people the answer rates (the work order's technicians, the complaint's responsible
    # people): never the visitor (a rater must not be pressed by the person rated, §19).
    rated_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="rated_in_visits", verbose_name=_("rated")
    )
    visitor_role = models.CharField(_("visited by role"), max_length=30)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits_to_make",
        verbose_name=_("visitor"),
    )
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.PHONE)
    # 001 4.5: some visits must be made on site; the rules that require it (policy codes).
    on_site_reasons = models.JSONField(_("on site because"), default=list, blank=True)
    # The subject's re-handling round when the visit was created.
    round = models.PositiveIntegerField(_("round"), default=0)
    sample = models.ForeignKey(
        "VisitSample",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name=_("sample"),
    )
    # Why the sample holds this visit (the stratum and the draw), for the audit.
    sample_note = models.CharField(_("why sampled"), max_length=300, blank=True)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DUE)
    due_at = models.DateTimeField(_("due at"))
    # When the next attempt may be made: due_at at first, later the policy's retry or the time the
    # customer asked for. The agent's day is ordered by it.
    next_attempt_at = models.DateTimeField(_("next attempt"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)

    # The customer's answer.
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)
    solved = models.BooleanField(_("problem solved"), null=True, blank=True)
    charged = models.BooleanField(_("charged"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    # The later answer counts: false once a later visit of the same subject was answered.
    counts = models.BooleanField(_("counts"), default=True)
    consequence = models.CharField(
        _("consequence"), max_length=12, choices=Consequence.choices, default=Consequence.NONE, blank=True
    )
    raised_complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="raised_by_visits",
        verbose_name=_("complaint raised"),
    )
    # "Charged" on a free or warranty service: flagged to the quality role (possible private
    # collection, seeds 000/002).
    charge_flagged = models.BooleanField(_("charge flagged"), default=False)
    note = models.TextField(_("note"), blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        ordering = ["next_attempt_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(work_order__isnull=False, complaint__isnull=True)
                | Q(work_order__isnull=True, complaint__isnull=False)
                | Q(
                    work_order__isnull=True,
                    complaint__isnull=True,
                    customer__isnull=False,
                    reason__in=PLANNED_REASONS,
                ),
                name="visit_one_subject",
            ),
            models.UniqueConstraint(
                fields=["organisation", "reason", "customer", "occasion"],
                condition=Q(reason__in=PLANNED_REASONS),
                name="visit_planned_once",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=3), name="visit_level_1_3"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=100), name="visit_score_bounded"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "next_attempt_at"], name="visit_due"),
            models.Index(fields=["visitor", "status", "next_attempt_at"], name="visit_visitor_due"),
            models.Index(fields=["organisation", "department", "status"], name="visit_department"),
            models.Index(fields=["organisation", "answered_at"], name="visit_answered"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} L{self.level}"

    @property
    def subject(self) -> models.Model:
        """What the visit is about: its work order or complaint; a planned visit's customer."""
        subject = self.work_order if self.work_order_id else self.complaint or self.customer
        assert subject is not None
        return subject

    @property
    def is_planned(self) -> bool:
        return self.reason in PLANNED_REASONS

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class VisitAttempt(models.Model):
    """One try to reach the customer, answered or not."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField(_("attempt"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=AttemptOutcome.choices)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The next attempt this one scheduled (none after an answer or the last attempt).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("visit attempt")
        verbose_name_plural = _("visit attempts")
        ordering = ["visit", "number"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "number"], name="visit_attempt_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.visit} #{self.number}"


class Selection(models.TextChoices):
    """How a level's visits are chosen (the policy's ``visits.levels[].select``)."""

    EVERY = "every", _("Every item")
    RATIO = "ratio", _("A random share")
    # Translators: 001 居家服务回访 4.3 — the share depends on the month's number of households.
    VOLUME = "volume", _("A share by the month's households")
    COUNT = "count", _("A fixed number")


class VisitSample(models.Model):
    """One month's draw for one level (and department, for a level drawn per department): what the
    population was, which rule applied, how many were drawn and from which seed. The draw is made
    once (a second draw of the month is refused) and can be re-computed from ``seed``."""

    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(_("month"))  # the first day of the month
    level = models.PositiveSmallIntegerField(_("level"))
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    selection = models.CharField(_("rule"), max_length=10, choices=Selection.choices)
    # Items (work orders and complaints) or households in the population, and the share applied.
    population = models.PositiveIntegerField(_("population"))
    households = models.PositiveIntegerField(_("households"), null=True, blank=True)
    ratio = models.DecimalField(_("share"), max_digits=5, decimal_places=4, null=True, blank=True)
    size = models.PositiveIntegerField(_("sample size"))
    rule_note = models.CharField(_("rule applied"), max_length=300)
    seed = models.CharField(_("seed"), max_length=64)
    # Each stratum's name, population (item or household keys in draw order), size and choice; for
    # a draw of households, the item each chosen household is visited about.
    strata = models.JSONField(_("strata"), default=list)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("drawn by"),
    )
    drawn_at = models.DateTimeField(_("drawn at"))

    class Meta:
        verbose_name = _("visit sample")
        verbose_name_plural = _("visit samples")
        ordering = ["-month", "level", "department_id"]
        constraints = [
            # One draw per month, level and department (or whole organisation): NULLs are distinct
            # in a plain unique constraint, so the organisation-wide draw has its own.
            models.UniqueConstraint(
                fields=["organisation", "month", "level", "department"],
                condition=Q(department__isnull=False),
                name="visit_sample_unique",
            ),
            models.UniqueConstraint(
                fields=["organisation", "month", "level"],
                condition=Q(department__isnull=True),
                name="visit_sample_unique_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} L{self.level}"


class SurveyMethod(models.TextChoices):
    """How a survey link reaches the customer."""

    SMS = Method.SMS.value, Method.SMS.label
    # Translators: there is no API to the customer's WeChat: the agent pastes the link into the chat.
    WECHAT = Method.WECHAT.value, Method.WECHAT.label
    EMAIL = Method.EMAIL.value, Method.EMAIL.label


class SurveyDelivery(models.TextChoices):
    PENDING = "pending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")
    # Translators: the link was shown to the agent to paste into the customer's WeChat chat.
    HANDED_OVER = "handed_over", _("Given to the agent to paste")


class SurveyRevocation(models.TextChoices):
    NONE = "", _("None")
    NEWER_LINK = "newer_link", _("A newer link was sent")
    VISIT_ENDED = "visit_ended", _("The visit ended otherwise")


class VisitSurveyLink(models.Model):
    """A one-time link to the public survey page of one visit, sent to the customer by SMS, WeChat
    or e-mail. Only the SHA-256 of the token is kept (like a password-reset token): the token
    itself exists in the message sent and nowhere else. A link answers once, until ``expires_at``
    (the policy's ``visits.survey_link_valid``), unless revoked: by a newer link of the same visit
    or by the visit ending another way (answered by phone, cancelled, not reached)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="survey_links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    method = models.CharField(_("sent by"), max_length=10, choices=SurveyMethod.choices)
    # The phone number or e-mail address it went to (empty for WeChat: pasted by the agent).
    sent_to = models.CharField(_("sent to"), max_length=254, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_because = models.CharField(
        _("revoked because"),
        max_length=12,
        choices=SurveyRevocation.choices,
        default=SurveyRevocation.NONE,
        blank=True,
    )
    delivery = models.CharField(
        _("delivery"), max_length=12, choices=SurveyDelivery.choices, default=SurveyDelivery.PENDING
    )
    delivery_error = models.CharField(_("delivery error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey link")
        verbose_name_plural = _("survey links")
        ordering = ["visit", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="survey_link_expires"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="survey_link_used_or_revoked",
            ),
        ]
        indexes = [
            models.Index(
                fields=["visit"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="survey_link_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit} {self.method} {self.created_at:%Y-%m-%d %H:%M}"

    def is_usable(self, now: Any) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


class VisitCampaign(models.Model):
    """A questionnaire campaign (003 问卷回访): its own questions (in the policy's question format)
    to the customers the filters chose when it started — one visit each, all due at ``due_at``."""

    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    questionnaire = models.JSONField(_("questionnaire"), default=list)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    due_at = models.DateTimeField(_("due at"))
    # The filters that chose the customers, kept to say who was reached and why.
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("department"),
    )
    with_agreement = models.BooleanField(_("customers with an agreement only"), default=False)
    served_from = models.DateField(_("served from"), null=True, blank=True)
    served_to = models.DateField(_("served until"), null=True, blank=True)
    size = models.PositiveIntegerField(_("customers"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("questionnaire campaign")
        verbose_name_plural = _("questionnaire campaigns")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "created_at"], name="visit_campaign_created")]

    def __str__(self) -> str:
        return self.name

    @property
    def confidentiality(self) -> int:
        return 0


class ClockKind(models.TextChoices):
    # Translators: the clocks engine's deadline of a return visit (回访期限).
    VISIT = "visit", _("Return visit due")


class VisitClock(BaseClock):
    """A visit's deadline in the clocks engine: it warns the visitor and escalates along the
    policy's ``escalation.chains.visit`` when the visit is not made in time. A complaint's visit
    has none: the complaint's own return-visit clock keeps its deadline."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices, default=ClockKind.VISIT)

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("visitclock", record_field="visit")

    def __str__(self) -> str:
        return f"{self.visit} {self.due_at:%Y-%m-%d %H:%M}"


class VisitEscalation(BaseEscalation):
    clock = models.ForeignKey(VisitClock, on_delete=models.CASCADE, related_name="escalations")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="visit_escalation_once")]

    def __str__(self) -> str:
        return f"{self.visit} L{self.level}"
