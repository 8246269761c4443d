"""Business actions on policies: publishing a version, creating an organisation from a preset."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.org.models import Organisation
from fuwu.timeline.services import record_event
from fuwu.visibility import can_manage_organisation

from .loader import parse_policy
from .models import PolicyVersion
from .presets import PRESET_NAMES, UnknownPreset, preset_text
from .selectors import forget_active_version


def _publish(*, organisation: Organisation, text: str, reason: str, by: Any) -> PolicyVersion:
    document = parse_policy(text)
    # Lock the organisation row so that two publishes never take the same number.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    versions = PolicyVersion.objects.filter(organisation=organisation)
    previous = versions.filter(is_active=True).first()
    if previous is not None and previous.text == text:
        raise ValidationFailed.field(
            "text", _("is the same as the active version %(number)s") % {"number": previous.number}
        )
    number = (versions.aggregate(last=Max("number"))["last"] or 0) + 1
    now = timezone.now()
    versions.filter(is_active=True).update(is_active=False)
    version = PolicyVersion.objects.create(
        organisation=organisation,
        number=number,
        text=text,
        document=document.model_dump(mode="json"),
        author=by if getattr(by, "pk", None) else None,
        created_at=now,
        published_at=now,
        reason=reason,
        is_active=True,
    )
    record_event(
        subject=version,
        action="policy.published",
        actor=by,
        reason=reason,
        at=now,
        changes={"version": {"before": previous.number if previous else None, "after": number}},
    )
    forget_active_version(organisation.pk)
    transaction.on_commit(lambda: forget_active_version(organisation.pk))
    return version


@transaction.atomic
def policy_publish(*, organisation: Organisation, text: str, reason: str, by: Any) -> PolicyVersion:
    """Validate ``text`` and make it the organisation's next, active policy version."""
    if not can_manage_organisation(by) or by.organisation_id != organisation.pk:
        raise PermissionDeniedError(_("Only an administrator of the organisation can publish its policy."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.field("reason", _("is required"))
    return _publish(organisation=organisation, text=text, reason=reason, by=by)


@transaction.atomic
def organisation_create(*, name: str, preset: str, short_name: str = "") -> Organisation:
    """A new organisation whose policy version 1 is the preset ``preset``."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed.field("name", _("is required"))
    if preset not in PRESET_NAMES:
        raise ValidationFailed.field(
            "preset",
            _("unknown preset %(preset)s; choose one of %(known)s")
            % {"preset": preset, "known": ", ".join(PRESET_NAMES)},
        )
    if Organisation.objects.filter(name=name).exists():
        raise ValidationFailed.field("name", _("an organisation with this name already exists"))
    organisation = Organisation.objects.create(
        name=name, short_name=(short_name or "").strip(), preset=preset
    )
    record_event(
        subject=organisation,
        action="organisation.created",
        organisation=organisation,
        changes={"name": {"after": name}, "preset": {"after": preset}},
    )
    try:
        text = preset_text(preset)
    except UnknownPreset as exc:  # pragma: no cover - checked above
        raise ValidationFailed.field("preset", str(exc)) from exc
    _publish(organisation=organisation, text=text, reason=f"initialised from preset {preset}", by=None)
    return organisation
