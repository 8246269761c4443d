"""Reading policies. ``active_policy`` is called often (visibility, calendar, deadlines), so:

- a version's document is immutable, so it is parsed once per process and kept by version id and
  creation time (an id alone could come back after a rolled-back transaction);
- which version is active is asked with one tiny query per call, except inside a web request, where
  the answer is remembered until the request ends (``begin_request_scope`` / ``end_request_scope``
  are connected to Django's request signals in ``apps.py``) or until a publish in the same request.
Outside requests (workers, commands, tests) every call asks the database, so a publish is seen at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from fuwu.org.models import Organisation, Role
from fuwu.visibility import scoped

from .models import PolicyVersion
from .presets import preset_document
from .schema import PolicyDocument

_DOCUMENTS_KEPT = 256
VersionKey = tuple[int, datetime]
_documents: OrderedDict[VersionKey, PolicyDocument] = OrderedDict()
_documents_lock = threading.Lock()
_request = threading.local()


def begin_request_scope(**kwargs: Any) -> None:
    _request.active_versions = {}


def end_request_scope(**kwargs: Any) -> None:
    _request.active_versions = None


def forget_active_version(organisation_id: int) -> None:
    """Called when a version is published: the next ``active_policy`` call asks the database again."""
    remembered = getattr(_request, "active_versions", None)
    if remembered is not None:
        remembered.pop(organisation_id, None)


def _active_version_key(organisation_id: int) -> VersionKey | None:
    remembered: dict[int, VersionKey | None] | None = getattr(_request, "active_versions", None)
    if remembered is not None and organisation_id in remembered:
        return remembered[organisation_id]
    key = (
        PolicyVersion.objects.filter(organisation_id=organisation_id, is_active=True)
        .values_list("pk", "created_at")
        .first()
    )
    if remembered is not None:
        remembered[organisation_id] = key
    return key


def _document_for(key: VersionKey, document: dict[str, Any] | None = None) -> PolicyDocument:
    with _documents_lock:
        found = _documents.get(key)
        if found is not None:
            _documents.move_to_end(key)
            return found
    if document is None:
        document = PolicyVersion.objects.values_list("document", flat=True).get(pk=key[0])
    parsed = PolicyDocument.model_validate(document)
    with _documents_lock:
        _documents[key] = parsed
        while len(_documents) > _DOCUMENTS_KEPT:
            _documents.popitem(last=False)
    return parsed


def policy_document_for_version(version: PolicyVersion) -> PolicyDocument:
    """The document of ``version`` — what governed the records that point to it."""
    return _document_for((version.pk, version.created_at), version.document)


def active_policy(organisation: Organisation) -> PolicyDocument:
    """The organisation's active policy document (the preset's defaults until one is published)."""
    key = _active_version_key(organisation.pk)
    if key is None:  # nothing published yet
        return preset_document(organisation.preset)
    return _document_for(key)


def active_version_id(organisation: Organisation) -> int | None:
    """The id of the active version (what a new record pins), without loading its document."""
    key = _active_version_key(organisation.pk)
    return key[0] if key else None


def active_policy_with(
    organisation: Organisation, **columns: Any
) -> tuple[int | None, PolicyDocument, dict[str, Any]]:
    """The active version's id and document plus ``columns`` (subqueries) read in the same query: one
    round trip for what a new record pins, e.g. the policy version and the calendar's fingerprint."""
    versions = PolicyVersion.objects.filter(organisation_id=OuterRef("pk"), is_active=True).order_by("pk")
    row: dict[str, Any] = dict(
        Organisation.objects.filter(pk=organisation.pk)
        .values(
            version_id=Subquery(versions.values("pk")[:1]),
            version_created_at=Subquery(versions.values("created_at")[:1]),
            **columns,
        )
        .get()
    )
    version_id, created_at = row.pop("version_id"), row.pop("version_created_at")
    key = (version_id, created_at) if version_id is not None else None
    remembered: dict[int, VersionKey | None] | None = getattr(_request, "active_versions", None)
    if remembered is not None:
        remembered[organisation.pk] = key
    document = _document_for(key) if key is not None else preset_document(organisation.preset)
    return version_id, document, row


def active_version(organisation: Organisation) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.select_related("author")
        .filter(organisation=organisation, is_active=True)
        .first()
    )


def sla_class_names(organisation: Organisation) -> set[str]:
    """Names of the SLA classes the organisation's active policy defines (service types refer to one)."""
    return set(active_policy(organisation).sla.classes)


def policy_versions_for_user(user: Any) -> QuerySet[PolicyVersion]:
    """Every member of staff of an organisation may read its policy and its history."""
    return scoped(
        PolicyVersion.objects.select_related("author"),
        user,
        department_field=None,
        organisation_wide_roles=Role.values,
    )
