"""Checklist templates and their versions (服务质量巡检表): created, republished as a new version,
retired. A version is never changed once published; inspections keep the one they were made with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import FieldErrors, PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import optional_text, required_text
from fuwu.org.models import Organisation, User

from .. import definition
from ..models import CODE_LENGTH, NAME_LENGTH, ChecklistTemplate, Purpose, TemplateVersion
from ..permissions import may_manage_templates
from .context import event


def _definition(data: Any, errors: FieldErrors) -> dict[str, Any]:
    problems = definition.problems(data)
    for path, message in problems:
        errors.add(f"definition.{path}" if path != "definition" else path, message)
    return definition.as_json(definition.parse(data)) if not problems else {}


@transaction.atomic
def template_create(
    *,
    organisation: Organisation,
    by: User,
    code: str,
    name: str,
    definition_data: Any,
    purpose: str = Purpose.INSPECTION,
    note: str = "",
    now: datetime | None = None,
) -> TemplateVersion:
    """A new checklist with its first version."""
    if not may_manage_templates(by) or by.organisation_id != organisation.pk:
        raise PermissionDeniedError(_("Your role does not allow keeping checklists."))
    now = now or timezone.now()
    errors = FieldErrors()
    code = required_text(code, "code", errors, CODE_LENGTH)
    if code and not definition.ItemCodePattern.match(code):
        errors.add("code", _("use lower-case letters, digits, - and _"))
    name = required_text(name, "name", errors, NAME_LENGTH)
    note = optional_text(note, "note", errors, 500)
    if purpose not in Purpose.values:
        errors.add("purpose", _("must be one of %(choices)s") % {"choices": ", ".join(Purpose.values)})
    data = _definition(definition_data, errors)
    if code and ChecklistTemplate.objects.filter(organisation=organisation, code=code).exists():
        errors.add("code", _("is used by another checklist"))
    errors.raise_if_any()
    template = ChecklistTemplate.objects.create(
        organisation=organisation, code=code, name=name, purpose=purpose, created_by=by, created_at=now
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, definition=data, note=note, published_by=by, published_at=now
    )
    event(
        template,
        by,
        now,
        "checklist.created",
        {"name": {"after": name}, "version": {"after": 1}},
        first=True,
    )
    return version


@transaction.atomic
def template_publish(
    *,
    template: ChecklistTemplate,
    by: User,
    definition_data: Any,
    note: str,
    name: str | None = None,
    now: datetime | None = None,
) -> TemplateVersion:
    """A new version of a checklist (what changed is said); inspections planned from now on use it."""
    if not may_manage_templates(by) or by.organisation_id != template.organisation_id:
        raise PermissionDeniedError(_("Your role does not allow keeping checklists."))
    now = now or timezone.now()
    errors = FieldErrors()
    note = required_text(note, "note", errors, 500)
    if name is not None:
        name = required_text(name, "name", errors, NAME_LENGTH)
    data = _definition(definition_data, errors)
    errors.raise_if_any()
    locked = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    number = (locked.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = TemplateVersion.objects.create(
        template=locked, number=number, definition=data, note=note, published_by=by, published_at=now
    )
    changes: dict[str, Any] = {"version": {"before": number - 1, "after": number}}
    if name is not None and name != locked.name:
        changes["name"] = {"before": locked.name, "after": name}
        locked.name = name
        locked.save(update_fields=["name"])
    event(locked, by, now, "checklist.published", changes, note)
    return version


@transaction.atomic
def template_set_active(
    *, template: ChecklistTemplate, by: User, active: bool, now: datetime | None = None
) -> ChecklistTemplate:
    if not may_manage_templates(by) or by.organisation_id != template.organisation_id:
        raise PermissionDeniedError(_("Your role does not allow keeping checklists."))
    if not isinstance(active, bool):
        raise ValidationFailed.field("active", _("is required"))
    now = now or timezone.now()
    locked = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if locked.is_active != active:
        event(
            locked,
            by,
            now,
            "checklist.activated" if active else "checklist.retired",
            {"is_active": {"before": locked.is_active, "after": active}},
        )
        locked.is_active = active
        locked.save(update_fields=["is_active"])
    return locked


def latest_version(template: ChecklistTemplate) -> TemplateVersion | None:
    return template.versions.order_by("-number").first()
