"""How CAPAs and their values are shown (loaded by the timeline app at start-up): the labels of
their actions and of every key the services write into their timeline, the problem categories of the
policy, and the sentences stored as text (notification titles, clock states)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fuwu.lib.display import system_texts
from fuwu.org.models import Role
from fuwu.policy.schema import PolicyDocument
from fuwu.timeline.display import Auto, Choice, Fields, Moment, Text, Value, YesNo, timeline_display

from .models import Capa, ClockKind, Disposition, Kind, Origin, RootCauseMethod, Status, VerificationResult

EVENT_LABELS = {
    "capa.raised": _("Raised"),
    "capa.record_linked": _("Affected record linked"),
    "capa.analysed": _("Root cause recorded"),
    "capa.disposition_decided": _("Decision on the nonconforming service"),
    "capa.extent_checked": _("Checked whether the problem exists elsewhere"),
    "capa.item_added": _("Action item added"),
    "capa.item_completed": _("Action item done"),
    "capa.implemented": _("Actions implemented"),
    "capa.verified": _("Effectiveness verified"),
    "capa.closed": _("Closed"),
    "capa.cancelled": _("Cancelled"),
    "capa.escalated": _("Escalated"),
}


def categories_of(policy: PolicyDocument) -> dict[str, str]:
    return {category.code: category.label for category in policy.capa.categories}


def category_label(policy: PolicyDocument, code: str) -> str:
    """The policy's label of a problem category; a code of the organisation's own reads as itself."""
    return categories_of(policy).get(code) or code


def _viewer_categories(context: Any) -> dict[str, str]:
    from fuwu.policy.selectors import active_policy

    organisation = getattr(context.viewer, "organisation", None)
    return categories_of(active_policy(organisation)) if organisation is not None else {}


def _capas(viewer: Any, ids: set[Any]) -> Any:
    from .visibility_rules import capas_for_user

    return capas_for_user(viewer).filter(pk__in=ids).only("pk", "number")


timeline_display.reference(
    Capa,
    visible=_capas,
    name=lambda capa: capa.number,
    url=lambda capa, viewer: reverse("capa:detail", args=[capa.pk]),
)

timeline_display.subject(
    Capa,
    actions=EVENT_LABELS,
    fields={
        "status": Value(format=Choice(Status)),
        "kind": Value(format=Choice(Kind)),
        "origin": Value(format=Choice(Origin)),
        "category": Value(format=Choice(_viewer_categories)),
        "department": Value(_("department"), Auto()),
        "affected": Value(_("affected records"), Auto()),
        "root_cause": Value(format=Text()),
        "root_cause_method": Value(format=Choice(RootCauseMethod)),
        "disposition": Value(format=Choice(Disposition)),
        "disposition_by": Value(_("decided by"), Auto()),
        "extent_scope": Value(format=Text()),
        "extent_found": Value(format=YesNo()),
        "item": Value(
            _("action item"),
            Fields(
                {
                    "description": Value(_("action"), Text()),
                    "owner": Value(_("owner"), Auto()),
                    "due_at": Value(_("due at"), Moment()),
                }
            ),
        ),
        "verify_from": Value(format=Moment()),
        "verification_result": Value(format=Choice(VerificationResult)),
        "failed_verifications": Value(format=Auto()),
        "confidentiality": Value(format=Auto()),
        **{f"clock.{kind.value}": Value(kind.label, Auto()) for kind in ClockKind},
        # Escalations (sweeps)
        "clock": Value(_("clock"), Choice(ClockKind)),
        "level": Value(_("level"), Auto()),
        "role": Value(_("role"), Choice(Role)),
        "notified": Value(_("notified"), Auto()),
    },
)

system_texts.register(
    _("%(number)s raised for your department: %(title)s"),
    _("%(number)s: an action is yours, due %(due)s"),
    _("%(number)s: verify the effectiveness from %(day)s"),
    _("%(number)s: verification — %(result)s"),
    _("effective"),
    _("not effective: back to the actions"),
)
system_texts.register(
    _("%(number)s: %(clock)s due at %(due)s"),
    _("%(number)s: %(clock)s deadline missed"),
    _("%(number)s: %(clock)s deadline missed (%(due)s) — level %(level)s"),
    clock=ClockKind,
)
system_texts.register_choices(
    Status, Kind, Origin, RootCauseMethod, Disposition, VerificationResult, ClockKind
)

__all__ = ["EVENT_LABELS", "categories_of", "category_label"]
