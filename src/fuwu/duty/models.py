"""Shifts, swaps and handover (值班 / 交接班, REQUIREMENTS §14; seeds 004 and 003).

- A **shift** is one person's turn at a post (呼叫中心坐席, 夜场值班经理 …) from ``starts_at`` to
  ``ends_at`` — the roster is the shifts of a post — following one of the policy's shift patterns
  (``business_hours.shifts``: e.g. 24-hour shifts in the heating season, 004 三.1).
- Nobody swaps a shift on their own (004 三.3: 任何员工不得自行换班 … 必须经主管批准): a **swap
  request** is approved or refused by a supervisor through the approvals engine, and only an
  approved one changes who works the shift.
- At each change of shift the outgoing person writes a **handover** (交接班记录) listing the open
  items — work orders, complaints, incidents, keys and cash (003 值班经理: 交接工作用具 … 双方在交接本上
  签字) — and the incoming person acknowledges it.

Decisions:

- A post (岗位) is one seat, staffed by one person at a time: the shifts of a post never overlap,
  so "the next shift of the post" (who the handover goes to) is always one shift. Several seats are
  several posts (坐席1, 坐席2). A post's shifts all belong to one department.
- There is no draft roster: a shift is on the roster once it exists. Its ``person`` is set when it
  is created and never edited afterwards, by anyone: the only way to change who works a shift is a
  swap approved by the supervisor (``SwapRequest``). Editing a shift (its times, before it starts)
  refuses a change of person. A head who made a mistake cancels the shift before it starts (it
  stays, marked cancelled, with its timeline) and creates the right one.
- A shift that has started is not changed any more (nor cancelled, nor swapped).

Rows change only through ``fuwu.duty.services``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fuwu.clocks.models import BaseClock, BaseEscalation, clock_indexes

POST_LENGTH = 100
REASON_LENGTH = 2000
ITEM_TEXT_LENGTH = 200
MAX_ITEM_COUNT = 1_000_000


class ShiftState(models.TextChoices):
    """Where a shift stands at a moment (not stored: from its times and ``cancelled_at``)."""

    UPCOMING = "upcoming", _("To come")
    UNDER_WAY = "under_way", _("Under way")
    OVER = "over", _("Over")
    CANCELLED = "cancelled", _("Cancelled")


class ShiftQuerySet(models.QuerySet["Shift"]):
    def on_roster(self) -> ShiftQuerySet:
        """The shifts that stand (a cancelled shift stays for the record, off the roster)."""
        return self.filter(cancelled_at__isnull=True)


class Shift(models.Model):
    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="shifts")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="shifts", verbose_name=_("department")
    )
    post = models.CharField(_("post"), max_length=POST_LENGTH)
    # The policy's shift pattern it follows (``business_hours.shifts[].name``), blank when by hand.
    pattern = models.CharField(_("shift pattern"), max_length=100, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("on duty")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    # Taken off the roster before it started (by a head, with a reason); the row stays for the record.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["organisation", "post", "starts_at"], name="shift_post"),
            models.Index(fields=["person", "starts_at"], name="shift_person"),
            models.Index(fields=["organisation", "department", "starts_at"], name="shift_department"),
        ]

    def __str__(self) -> str:
        return f"{self.post} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    def state(self, now: datetime) -> ShiftState:
        if self.cancelled_at is not None:
            return ShiftState.CANCELLED
        if now >= self.ends_at:
            return ShiftState.OVER
        if now >= self.starts_at:
            return ShiftState.UNDER_WAY
        return ShiftState.UPCOMING


# --- swaps ------------------------------------------------------------------------------------


class SwapStatus(models.TextChoices):
    ASKED = "asked", _("Asked of the colleague")
    AGREED = "agreed", _("Agreed by the colleague: awaiting approval")
    APPROVED = "approved", _("Approved: shifts swapped")
    REFUSED = "refused", _("Refused by the supervisor")
    DECLINED = "declined", _("Declined by the colleague")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_SWAP_STATUSES = (SwapStatus.ASKED, SwapStatus.AGREED)


class SwapRequest(models.Model):
    """The person on a shift asks a colleague of the department to take it (in exchange for one of
    the colleague's shifts, or not); the colleague agrees; the supervisor decides through the
    approvals engine. Only an approved swap changes who works the shift(s)."""

    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    # The shift's department (whose head decides).
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="swaps", verbose_name=_("shift"))
    # The colleague's shift the requester takes in exchange (none: the colleague just takes ``shift``).
    counter_shift = models.ForeignKey(
        Shift,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counter_swaps",
        verbose_name=_("shift in exchange"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("asked by")
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("colleague")
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=SwapStatus.choices, default=SwapStatus.ASKED
    )
    requested_at = models.DateTimeField(_("asked at"))
    answered_at = models.DateTimeField(_("answered by the colleague at"), null=True, blank=True)
    answer_note = models.TextField(_("colleague's note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status__in=["asked", "agreed"]), name="swap_one_open_per_shift"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "requested_at"], name="swap_status"),
            models.Index(fields=["requester", "status"], name="swap_requester"),
            models.Index(fields=["colleague", "status"], name="swap_colleague"),
        ]

    def __str__(self) -> str:
        return f"{self.shift} → {self.colleague_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_SWAP_STATUSES


# --- handover ---------------------------------------------------------------------------------


class Handover(models.Model):
    """The handover log (交接班记录) of one change of shift: written by the outgoing person, with the
    open items collected at that moment and what they hand over by hand (keys, cash, equipment,
    incidents); acknowledged (signed) by the incoming person by the start of their shift."""

    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("department")
    )
    post = models.CharField(_("post"), max_length=POST_LENGTH)
    # The policy version active when it was written (its escalation chain follows a late one).
    policy_version = models.ForeignKey(
        "policy.PolicyVersion", on_delete=models.PROTECT, null=True, related_name="+"
    )
    shift = models.OneToOneField(
        Shift, on_delete=models.PROTECT, related_name="handover", verbose_name=_("outgoing shift")
    )
    incoming_shift = models.ForeignKey(
        Shift, on_delete=models.PROTECT, related_name="incoming_handovers", verbose_name=_("incoming shift")
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("handed over by")
    )
    written_at = models.DateTimeField(_("handed over at"))
    # To be acknowledged by then: the incoming shift's start when the handover was written.
    due_at = models.DateTimeField(_("to be acknowledged by"))
    notes = models.TextField(_("notes"), blank=True)
    # The open items at ``written_at``, as the outgoing person saw them: a list of
    # ``{kind, id, number, title, status, status_label}`` (``selectors.OPEN_ITEM_KINDS``).
    open_items = models.JSONField(default=list, blank=True)
    # Open items of a kind beyond the number kept (``services.MAX_COLLECTED``), counted only.
    open_items_not_listed = models.PositiveIntegerField(default=0)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledge_note = models.TextField(_("remark on acknowledging"), blank=True)

    class Meta:
        verbose_name = _("shift handover")
        verbose_name_plural = _("shift handovers")
        ordering = ["-written_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "post", "written_at"], name="handover_post"),
            models.Index(fields=["organisation", "department", "written_at"], name="handover_department"),
            models.Index(
                fields=["organisation", "due_at"],
                name="handover_unacknowledged",
                condition=Q(acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} {timezone.localtime(self.written_at):%Y-%m-%d %H:%M}"

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def is_late(self, now: datetime) -> bool:
        """Not acknowledged by the start of the incoming shift (acknowledged after it, or not yet
        and it has begun)."""
        if self.acknowledged_at is not None:
            return self.acknowledged_at > self.due_at
        return now > self.due_at


class ItemKind(models.TextChoices):
    """What is handed over by hand (003 值班经理: 交接工作用具, 包括对讲机、备用金、各类钥匙、票据)."""

    # Translators: 事件 / 未完事项 — something that happened on the shift or is still to be done
    INCIDENT = "incident", _("Incident or matter to follow up")
    # Translators: 钥匙
    KEY = "key", _("Keys")
    # Translators: 备用金
    CASH = "cash", _("Petty cash")
    # Translators: 对讲机等工作用具
    EQUIPMENT = "equipment", _("Equipment (radios …)")
    # Translators: 票据
    DOCUMENT = "document", _("Receipts and documents")
    OTHER = "other", _("Other")


class HandoverItem(models.Model):
    """One thing handed over by hand: what it is, and how many (keys, yuan of petty cash, radios)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    text = models.CharField(_("what"), max_length=ITEM_TEXT_LENGTH)
    count = models.PositiveIntegerField(_("how many"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text if self.count is None else f"{self.text} × {self.count}"

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "count": self.count}


class ClockKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Handover acknowledgement")


class HandoverClock(BaseClock):
    """The handover's acknowledgement, due at the incoming shift's start (the clocks engine)."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(_("clock"), max_length=20, choices=ClockKind.choices)

    class Meta(BaseClock.Meta):
        indexes = clock_indexes("dutyhandclk", record_field="handover")

    def __str__(self) -> str:
        return f"{self.handover} {self.kind} {self.due_at:%Y-%m-%d %H:%M}"


class HandoverEscalation(BaseEscalation):
    clock = models.ForeignKey(HandoverClock, on_delete=models.CASCADE, related_name="escalations")
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="escalations")

    class Meta(BaseEscalation.Meta):
        constraints = [models.UniqueConstraint(fields=["clock", "level"], name="handover_escalation_once")]

    def __str__(self) -> str:
        return f"{self.handover} L{self.level}"
