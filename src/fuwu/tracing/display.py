"""How batches and their values are shown (loaded by the timeline app at start-up): the labels of
their actions and of every key the services write into their timeline, the statuses (the policy's
step labels), and the sentences stored as text (notification titles, clock states)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fuwu.lib.display import system_texts
from fuwu.org.models import Role
from fuwu.policy.schema import PolicyDocument
from fuwu.timeline.display import (
    Auto,
    Choice,
    Day,
    Fields,
    ListOf,
    Moment,
    Text,
    Value,
    YesNo,
    timeline_display,
)

from .models import REGISTERED, Batch, ClockKind, Entry, Method

EVENT_LABELS = {
    "batch.registered": _("Batch registered"),
    "batch.step_signed": _("Step signed"),
    "batch.step_confirmed": _("Double check confirmed"),
    "batch.step_corrected": _("Step counts corrected"),
    "batch.items_returned": _("Items returned as nonconforming"),
    "batch.feedback_written": _("Written feedback sent"),
    "batch.escalated": _("Escalated"),
}


def statuses_of(policy: PolicyDocument) -> dict[str, str]:
    """A batch's statuses: registered, then each step of the policy once completed."""
    return {REGISTERED: gettext("Registered"), **{step.code: step.label for step in policy.tracing.steps}}


def status_shown(batch: Batch) -> str:
    """The batch's status for people: the label of the last step completed (as its policy said it)."""
    if batch.status == REGISTERED:
        return gettext("Registered")
    return batch.status_label or batch.status


def counts_text(packages: Any, pieces: Any) -> str:
    """``3 包 / 12 件`` / ``3 packages / 12 pieces``."""
    return gettext("%(packages)s packages / %(pieces)s pieces") % {"packages": packages, "pieces": pieces}


def _viewer_statuses(context: Any) -> dict[str, str]:
    from fuwu.policy.selectors import active_policy

    organisation = getattr(context.viewer, "organisation", None)
    return statuses_of(active_policy(organisation)) if organisation is not None else {}


def _batches(viewer: Any, ids: set[Any]) -> Any:
    from .visibility_rules import batches_for_user

    return batches_for_user(viewer).filter(pk__in=ids).only("pk", "number")


COUNT = Fields(
    {
        "item": Value(_("item"), Text()),
        "packages": Value(_("packages"), Auto()),
        "pieces": Value(_("pieces"), Auto()),
    }
)
DIFFERENCE = Fields(
    {
        "item": Value(_("item"), Text()),
        "expected_packages": Value(_("packages expected"), Auto()),
        "expected_pieces": Value(_("pieces expected"), Auto()),
        "packages": Value(_("packages counted"), Auto()),
        "pieces": Value(_("pieces counted"), Auto()),
    }
)

timeline_display.reference(
    Batch,
    visible=_batches,
    name=lambda batch: batch.number,
    url=lambda batch, viewer: reverse("tracing:detail", args=[batch.pk]),
)

timeline_display.subject(
    Batch,
    actions=EVENT_LABELS,
    fields={
        "unit": Value(_("unit"), Text()),
        "received_on": Value(format=Day()),
        "items": Value(_("items"), ListOf(COUNT)),
        "method": Value(format=Choice(Method)),
        "method_other": Value(format=Text()),
        "destination": Value(format=Text()),
        "department": Value(_("department"), Auto()),
        "step": Value(_("step"), Text()),
        "counts": Value(_("counts"), ListOf(COUNT)),
        "discrepancy": Value(_("count discrepancy"), ListOf(DIFFERENCE)),
        "awaiting_check": Value(_("awaiting the second signature"), YesNo()),
        "status": Value(_("status"), Choice(_viewer_statuses)),
        "closed_at": Value(format=Moment()),
        "retain_until": Value(format=Day()),
        "signed_by": Value(_("signed by"), Auto()),
        "second_signature": Value(_("second signature"), Auto()),
        "returned": Value(
            _("returned as nonconforming"),
            Fields(
                {
                    "step": Value(_("during"), Text()),
                    "lines": Value(_("items"), ListOf(COUNT)),
                    "problem": Value(_("problem"), Text()),
                }
            ),
        ),
        "feedback": Value(
            _("written feedback"),
            Fields(
                {
                    "step": Value(_("returned during"), Text()),
                    "feedback": Value(_("written feedback"), Text()),
                    "suggestion": Value(_("rectification advice"), Text()),
                    "recipient": Value(_("sent to"), Text()),
                    "late": Value(_("late"), YesNo()),
                }
            ),
        ),
        **{f"clock.{kind.value}": Value(kind.label, Auto()) for kind in ClockKind},
        # Escalations (sweeps)
        "clock": Value(_("clock"), Choice(ClockKind)),
        "level": Value(_("level"), Auto()),
        "role": Value(_("role"), Choice(Role)),
        "notified": Value(_("notified"), Auto()),
    },
)

system_texts.register(
    _("%(number)s: items returned as nonconforming, written feedback to %(unit)s due %(due)s"),
)
system_texts.register(
    _("%(number)s: %(clock)s due at %(due)s"),
    _("%(number)s: %(clock)s deadline missed"),
    _("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s"),
    clock=ClockKind,
)
system_texts.register_choices(Method, ClockKind, Entry)

__all__ = ["EVENT_LABELS", "counts_text", "status_shown", "statuses_of"]
