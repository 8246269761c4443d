"""Raising a CAPA (by hand, or from records it affects) and linking further affected records."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import DESCRIPTION_LENGTH
from fuwu.notify.models import NotificationKind
from fuwu.notify.services import notify
from fuwu.numbering.services import next_number, numbering_for
from fuwu.org.models import Department, Organisation, User
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import policy_and_calendar_for

from .. import sources
from ..models import CATEGORY_LENGTH, TITLE_LENGTH, AffectedRecord, Capa, Kind, Origin
from ..permissions import may_raise
from ..rules import Action
from .context import _begin, _event, _save, choice, required_text
from .people import heads_of

MAX_AFFECTED = 50
CATEGORY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def resolve_affected(user: User, references: Sequence[str], errors: FieldErrors) -> list[Model]:
    """The records ``references`` name, each visible to ``user`` and linkable; a field error for
    every other one that names nothing about it (absent and invisible read the same)."""
    if len(references) > MAX_AFFECTED:
        errors.add("affected", _("at most %(n)s records") % {"n": MAX_AFFECTED})
        return []
    found: list[Model] = []
    seen: set[tuple[str, int]] = set()
    for index, reference in enumerate(references):
        record = sources.resolve(user, reference) if isinstance(reference, str) else None
        if record is None:
            errors.add(f"affected[{index}]", _("no such record"))
            continue
        key = (record._meta.label_lower, record.pk)
        if key not in seen:
            seen.add(key)
            found.append(record)
    return found


def _category(value: str | None, errors: FieldErrors) -> str:
    code = (value or "").strip()
    if not code:
        errors.add("category", _("is required"))
    elif not CATEGORY.match(code):
        errors.add(
            "category",
            _("a category is a code of lowercase letters, digits and _ (at most %(n)s)")
            % {"n": CATEGORY_LENGTH},
        )
    return code


def _link_rows(capa: Capa, records: Sequence[Model], by: User, now: datetime) -> list[AffectedRecord]:
    rows = []
    for record in records:
        source = sources.source_of(record)
        label = source.label(record) if source else str(record)
        rows.append(
            AffectedRecord(
                capa=capa,
                content_type=ContentType.objects.get_for_model(record),
                object_id=record.pk,
                label=label[:60],
                linked_by=by,
                linked_at=now,
            )
        )
    return AffectedRecord.objects.bulk_create(rows)


@transaction.atomic
def capa_create(
    *,
    organisation: Organisation,
    by: User,
    kind: str,
    title: str,
    problem: str,
    category: str,
    department: Department | None,
    confidentiality: int = 0,
    affected: Sequence[str] = (),
    now: datetime | None = None,
) -> Capa:
    """Raise a CAPA. ``affected``: references of the records it deals with
    (``complaints.complaint:12``), each of which ``by`` must be able to see; none: raised by hand.
    The CAPA is at least as confidential as the most confidential of them."""
    if not may_raise(by) or by.organisation_id != organisation.pk:
        raise PermissionDeniedError(_("Your role does not allow raising corrective or preventive actions."))
    now = now or timezone.now()
    errors = FieldErrors()
    kind = choice(kind, Kind, "kind", errors)
    title = required_text(title, "title", errors, TITLE_LENGTH)
    problem = required_text(problem, "problem", errors, DESCRIPTION_LENGTH)
    category = _category(category, errors)
    if department is None:
        errors.add("department_id", _("is required"))
    elif department.organisation_id != organisation.pk or not department.is_active:
        errors.add("department_id", _("no such department"))
    if not isinstance(confidentiality, int) or not 0 <= confidentiality <= by.clearance:
        errors.add("confidentiality", _("must be at most %(limit)s") % {"limit": by.clearance})
    records = resolve_affected(by, list(affected), errors)
    errors.raise_if_any()
    assert department is not None
    version_id, policy, _calendar = policy_and_calendar_for(organisation)
    level = max([confidentiality, *(int(getattr(r, "confidentiality", 0)) for r in records)])
    origin = Origin.BY_HAND
    if records:
        source = sources.source_of(records[0])
        origin = Origin(source.origin) if source else Origin.BY_HAND
    capa = Capa.objects.create(
        organisation=organisation,
        number=next_number(
            organisation_id=organisation.pk,
            kind="capa",
            numbering=numbering_for(organisation, policy.numbering, "capa"),
            on=timezone.localtime(now).date(),
        ),
        policy_version_id=version_id,
        kind=kind,
        origin=origin,
        department=department,
        confidentiality=level,
        category=category,
        title=title,
        problem=problem,
        raised_by=by,
        raised_at=now,
    )
    rows = _link_rows(capa, records, by, now)
    record_event(
        subject=capa,
        action="capa.raised",
        actor=by,
        at=now,
        organisation=organisation,
        changes={
            "kind": {"after": kind},
            "category": {"after": category},
            "department": {"after": {"id": department.pk, "label": department.name}},
            "affected": {"after": [row.label for row in rows]},
        },
    )
    notify(
        heads_of(department),
        kind=NotificationKind.ASSIGNED,
        subject=capa,
        title=_("%(number)s raised for your department: %(title)s") % {"number": capa.number, "title": title},
    )
    return capa


@transaction.atomic
def capa_link_record(*, capa: Capa, by: User, reference: str, now: datetime | None = None) -> AffectedRecord:
    """Link one more record sharing the cause (a further complaint …)."""
    errors = FieldErrors()
    records = resolve_affected(by, [reference], errors)
    if errors:
        raise ValidationFailed.field("reference", _("no such record"))
    ctx = _begin(capa, Action.LINK_RECORD, by, now)
    record = records[0]
    content_type = ContentType.objects.get_for_model(record)
    if ctx.capa.affected.filter(content_type=content_type, object_id=record.pk).exists():
        raise ValidationFailed.field("reference", _("is linked already"))
    (row,) = _link_rows(ctx.capa, [record], by, ctx.now)
    changes: dict[str, Any] = {"affected": {"after": [row.label]}}
    level = int(getattr(record, "confidentiality", 0))
    if level > ctx.capa.confidentiality:
        changes["confidentiality"] = {"before": ctx.capa.confidentiality, "after": level}
        ctx.capa.confidentiality = level
        _save(ctx.capa, "confidentiality")
    _event(ctx, "capa.record_linked", changes)
    return row
