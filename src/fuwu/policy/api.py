"""REST API of the policy: ``/api/v1/policy/…``. Every member of staff reads; administrators publish."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, cast

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from fuwu.lib.inputs import MAX_INT, REASON_LENGTH, InputSchema
from fuwu.org.models import User
from fuwu.visibility import get_visible_or_404, is_staff_member

from .diff import unified_diff
from .loader import parse_policy
from .models import PolicyVersion
from .presets import PRESET_NAMES, preset_document, preset_text
from .selectors import policy_versions_for_user
from .services import policy_publish

# A policy document is a few kilobytes; 200,000 characters leave room for comments.
PolicyText = Annotated[str, Field(max_length=200_000)]
VersionNumber = Annotated[int, Field(ge=1, le=MAX_INT)]

router = Router(tags=["policy"])


class VersionOut(Schema):
    number: int
    author: str | None
    created_at: str
    published_at: str | None
    reason: str
    is_active: bool


class VersionDetailOut(VersionOut):
    text: str
    document: dict[str, Any]


class ActiveOut(Schema):
    number: int | None
    author: str | None
    created_at: str | None
    published_at: str | None
    reason: str
    preset: str
    text: str
    document: dict[str, Any]


class DiffOut(Schema):
    number: int
    against: int
    diff: str


class TextIn(InputSchema):
    text: PolicyText


class PublishIn(InputSchema):
    text: PolicyText
    reason: Annotated[str, Field(min_length=1, max_length=REASON_LENGTH)]


class ValidOut(Schema):
    valid: bool


class PresetOut(Schema):
    name: str
    title: str
    description: str


def _time(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def version_json(version: PolicyVersion, *, detail: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "number": version.number,
        "author": version.author.display_name if version.author else None,
        "created_at": _time(version.created_at),
        "published_at": _time(version.published_at),
        "reason": version.reason,
        "is_active": version.is_active,
    }
    if detail:
        data.update(text=version.text, document=version.document)
    return data


def _caller(request: HttpRequest) -> User:
    """The authenticated caller (the API's authenticators set it as both ``request.auth`` and
    ``request.user``)."""
    return cast(User, request.user)


def _version(request: HttpRequest, number: int) -> PolicyVersion:
    return get_visible_or_404(policy_versions_for_user(_caller(request)), number=number)


@router.get("/active", response=ActiveOut, summary="The active policy")
def active(request: HttpRequest) -> dict[str, Any]:
    user = _caller(request)
    if not is_staff_member(user) or user.organisation is None:
        raise Http404
    version = policy_versions_for_user(user).filter(is_active=True).first()
    preset = user.organisation.preset
    if version is None:  # nothing published yet: the preset's defaults govern
        return {
            "number": None,
            "author": None,
            "created_at": None,
            "published_at": None,
            "reason": "",
            "preset": preset,
            "text": preset_text(preset),
            "document": preset_document(preset).model_dump(mode="json"),
        }
    data = version_json(version, detail=True)
    data.pop("is_active")
    data["preset"] = preset
    return data


@router.get("/versions", response=list[VersionOut], summary="History of the policy, newest first")
def versions(request: HttpRequest) -> list[dict[str, Any]]:
    return [version_json(v) for v in policy_versions_for_user(_caller(request)).order_by("-number")]


@router.get("/versions/{number}", response=VersionDetailOut, summary="One version with its text and document")
def version(request: HttpRequest, number: VersionNumber) -> dict[str, Any]:
    return version_json(_version(request, number), detail=True)


@router.get(
    "/versions/{number}/diff",
    response=DiffOut,
    summary="Unified diff from version `against` (default: the previous one)",
)
def diff(request: HttpRequest, number: VersionNumber, against: VersionNumber | None = None) -> dict[str, Any]:
    newer = _version(request, number)
    older = _version(request, against if against is not None else number - 1)
    return {"number": newer.number, "against": older.number, "diff": unified_diff(older, newer)}


@router.post("/validate", response=ValidOut, summary="Check a policy text without publishing it")
def validate(request: HttpRequest, payload: TextIn) -> dict[str, Any]:
    if not is_staff_member(_caller(request)):
        raise Http404
    parse_policy(payload.text)
    return {"valid": True}


@router.post("/publish", response={201: VersionDetailOut}, summary="Publish a new version (administrators)")
def publish(request: HttpRequest, payload: PublishIn) -> Status:
    user = _caller(request)
    if not is_staff_member(user) or user.organisation is None:
        raise Http404
    created = policy_publish(
        organisation=user.organisation, text=payload.text, reason=payload.reason, by=user
    )
    return Status(201, version_json(created, detail=True))


@router.get("/presets", response=list[PresetOut], summary="The shipped presets")
def presets(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "title": preset_document(name).meta.name,
            "description": preset_document(name).meta.description,
        }
        for name in PRESET_NAMES
    ]
