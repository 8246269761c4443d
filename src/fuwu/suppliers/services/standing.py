"""A supplier's standing (合格 / 观察 / 取消资格) from its periodic evaluations (000: 定期对供应商的服务
质量、信誉、合作态度等进行评价).

An evaluation is an inspection of the supplier with a checklist whose purpose is ``evaluation``
(quality, reputation, cooperation, price: ``demo.EVALUATION_CHECKLIST``). When it is submitted,
its score sets the standing against the policy's ``[suppliers]`` section of the version that
governed the evaluation: at least ``qualified_at`` qualified, at least ``probation_at`` on
probation, below that disqualified. The change is on the supplier's timeline (who: the
evaluator; why: the evaluation's number and score); a fall is told to the quality role and to the
managing department's head. Inspections of the supplier with other checklists (the monthly
checks) do not change its standing: their failed items become rectification orders as for any
department.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fuwu.inspections.models import Inspection, Purpose, Status
from fuwu.notify.services import notify
from fuwu.org.models import Role, User
from fuwu.org.selectors import heads_of, with_stand_ins
from fuwu.policy.schema import PolicyDocument, Suppliers
from fuwu.policy.selectors import active_policy, policy_document_for_version

from ..models import STANDING_RANK, Standing, Supplier
from ..notifying import STANDING_FELL
from .context import event, locked, ref


def standing_for(score: Decimal | int | float, thresholds: Suppliers) -> Standing:
    """The standing an evaluation's score (percent) earns."""
    if score >= thresholds.qualified_at:
        return Standing.QUALIFIED
    if score >= thresholds.probation_at:
        return Standing.PROBATION
    return Standing.DISQUALIFIED


def is_evaluation(inspection: Inspection) -> bool:
    return inspection.template_version.template.purpose == Purpose.EVALUATION


def _policy(inspection: Inspection) -> PolicyDocument:
    if inspection.policy_version is not None:
        return policy_document_for_version(inspection.policy_version)
    return active_policy(inspection.organisation)


def reason_text(number: str, score: Decimal) -> str:
    """Why the supplier stands where it stands, as a system sentence (``display``)."""
    return _("Evaluation %(number)s scored %(score)s") % {"number": number, "score": score}


def _told_of_fall(supplier: Supplier, now: datetime) -> list[User]:
    quality = list(
        User.objects.filter(organisation_id=supplier.organisation_id, is_active=True)
        .filter(User.role_q(Role.QUALITY_INSPECTOR))
        .select_related("department")
        .order_by("pk")
    )
    return with_stand_ins([*quality, *heads_of(supplier.department)], now, lambda person: True)


@transaction.atomic
def record_evaluation(*, inspection: Inspection, now: datetime, by: User | None = None) -> Supplier | None:
    """Set the supplier's standing from ``inspection`` once it is submitted — when it is an
    evaluation (its checklist's purpose) of a supplier with a score; otherwise nothing (None).
    Idempotent: an evaluation already counted is not counted again. ``by``: who submitted it (the
    evaluator; the inspector when not given)."""
    if inspection.supplier_id is None or inspection.status != Status.SUBMITTED or inspection.score is None:
        return None
    if not is_evaluation(inspection):
        return None
    supplier = locked(Supplier(pk=inspection.supplier_id))
    if supplier.standing_evaluation_id == inspection.pk:
        return supplier
    evaluator = by or inspection.inspector
    score = Decimal(inspection.score)
    thresholds = _policy(inspection).suppliers
    after = standing_for(score, thresholds)
    before = Standing(supplier.standing)
    reason = reason_text(inspection.number, score)
    changes: dict[str, Any] = {
        "evaluation": {"after": ref(inspection)},
        "score": {"before": supplier.standing_score, "after": score},
    }
    if after != before:
        changes["standing"] = {"before": before.value, "after": after.value}
        supplier.standing, supplier.standing_since = after, now
    supplier.standing_evaluation = inspection
    supplier.standing_score = score
    supplier.standing_reason = reason
    supplier.evaluated_at = inspection.submitted_at or now
    supplier.save(
        update_fields=[
            "standing",
            "standing_since",
            "standing_evaluation",
            "standing_score",
            "standing_reason",
            "evaluated_at",
        ]
    )
    event(supplier, evaluator, now, "supplier.evaluated", changes, reason)
    if STANDING_RANK[after] < STANDING_RANK[before]:
        notify(
            _told_of_fall(supplier, now),
            kind=STANDING_FELL,
            subject=supplier,
            title=_("%(supplier)s: standing fell to %(standing)s (%(reason)s)")
            % {"supplier": supplier.name, "standing": after.label, "reason": reason},
            now=now,
        )
    return supplier


__all__ = ["is_evaluation", "reason_text", "record_evaluation", "standing_for"]
