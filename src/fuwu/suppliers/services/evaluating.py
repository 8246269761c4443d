"""An evaluation by hand ("evaluate now"): besides the policy's periodic evaluation (its
``supplier`` schedules), the supplier is evaluated when it is needed — after a serious failure, at
the end of its contract. The evaluation is an inspection of the supplier with the organisation's
evaluation checklist (``fuwu.inspections``); submitting it sets the standing (``standing``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.inspections.models import OPEN_STATUSES, ChecklistTemplate, Inspection, Purpose
from fuwu.lib.errors import ConflictError, PermissionDeniedError
from fuwu.org.models import Organisation, User
from fuwu.workcal.selectors import work_calendar_for

from ..models import Supplier
from ..permissions import may_evaluate
from .context import event, locked, ref

# The code of the seed evaluation checklist (``demo.EVALUATION_CHECKLIST``) and of the policy's
# quarterly evaluation schedule; another active evaluation checklist serves when it is absent.
EVALUATION_CODE = "supplier_evaluation"


def evaluation_checklist(organisation: Organisation) -> ChecklistTemplate | None:
    """The organisation's evaluation checklist in use."""
    checklists = ChecklistTemplate.objects.filter(
        organisation=organisation, is_active=True, purpose=Purpose.EVALUATION
    )
    return checklists.filter(code=EVALUATION_CODE).first() or checklists.order_by("pk").first()


def open_evaluation(supplier: Supplier) -> Inspection | None:
    """An evaluation of the supplier not submitted yet (planned or by hand)."""
    return (
        Inspection.objects.filter(
            supplier=supplier,
            status__in=OPEN_STATUSES,
            template_version__template__purpose=Purpose.EVALUATION,
        )
        .order_by("due_at", "pk")
        .first()
    )


def default_due_on(organisation: Organisation, now: datetime) -> date:
    """Today when it is a working day before close of business, else the next working day."""
    calendar = work_calendar_for(organisation)
    day = calendar.working_day_on_or_after(timezone.localtime(now).date())
    if calendar.close_of_business(day) <= now:
        day = calendar.working_day_on_or_after(day + timedelta(days=1))
    return day


@transaction.atomic
def supplier_evaluate(
    *,
    supplier: Supplier,
    by: User,
    inspector: User | None = None,
    due_on: date | None = None,
    now: datetime | None = None,
) -> Inspection:
    """Plan an evaluation of ``supplier`` now, by ``inspector`` (``by`` when not given), due at
    close of business of ``due_on`` (by default today, or the next working day after hours).
    409 while another evaluation of the supplier is open, or when no evaluation checklist is in
    use; 403 for whoever may not plan inspections of the managing department."""
    from fuwu.inspections.services import inspection_create

    now = now or timezone.now()
    row = locked(supplier)
    if not row.is_active:
        raise ConflictError(
            _("%(supplier)s is no longer active.") % {"supplier": row.name},
            extra={"allowed_actions": [], "status": "inactive"},
        )
    if not may_evaluate(by, row):
        raise PermissionDeniedError(_("Your role does not allow evaluating this supplier."))
    checklist = evaluation_checklist(row.organisation)
    if checklist is None:
        raise ConflictError(
            _(
                "No evaluation checklist is in use: the quality department keeps one (purpose: supplier evaluation)."
            ),
            extra={"allowed_actions": [], "status": "no_checklist"},
        )
    pending = open_evaluation(row)
    if pending is not None:
        raise ConflictError(
            _("An evaluation of %(supplier)s is open already: %(number)s.")
            % {"supplier": row.name, "number": pending.number},
            extra={"allowed_actions": [], "status": "evaluation_open", "inspection_id": pending.pk},
        )
    inspection = inspection_create(
        organisation=row.organisation,
        by=by,
        template=checklist,
        department=None,
        inspector=inspector or by,
        due_on=due_on or default_due_on(row.organisation, now),
        now=now,
        supplier=row,
    )
    event(
        row,
        by,
        now,
        "supplier.evaluation_planned",
        {
            "evaluation": {"after": ref(inspection)},
            "inspector": {"after": ref(inspection.inspector)},
            "due_at": {"after": inspection.due_at},
        },
    )
    return inspection


__all__ = [
    "EVALUATION_CODE",
    "default_due_on",
    "evaluation_checklist",
    "open_evaluation",
    "supplier_evaluate",
]
