"""``/api/v1/notification-channels`` (departments' group robots, administrators only) and
``/api/v1/me/notification-preferences`` (which events reach me by e-mail and SMS, my quiet hours).

A robot's secret and the credentials in its webhook URL are never answered back whole: they come
masked (``SEC1••••9f0e``). Robots of another organisation do not exist here (404); anyone but an
administrator gets 403.
"""

from __future__ import annotations

from datetime import time
from typing import Annotated, Any, cast

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from fuwu import visibility
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.lib.inputs import Id, InputSchema, PatchSchema
from fuwu.org.models import Department, User

from . import events, services
from .models import RobotChannel, RobotKind

router = Router(tags=["notifications"])

EventKey = Annotated[str, Field(min_length=1, max_length=events.KEY_LENGTH)]
EventKeys = Annotated[list[EventKey], Field(max_length=50)]
Url = Annotated[str, Field(min_length=1, max_length=services.URL_LENGTH, pattern=r"^https?://")]
Secret = Annotated[str, Field(max_length=services.SECRET_LENGTH)]


class NotificationEventOut(Schema):
    key: str
    label: str
    urgent: bool


class RobotOut(Schema):
    id: int
    kind: str
    kind_label: str
    url: str = Field(description="The webhook address with its credentials masked.")
    secret: str = Field(description="Masked; empty when none is set.")
    secret_set: bool
    department_id: int
    department: str
    events: list[str]
    event_labels: list[str]
    enabled: bool


class RobotIn(InputSchema):
    kind: RobotKind
    url: Url
    secret: Secret = ""
    department_id: Id
    events: EventKeys = []
    enabled: bool = True


class RobotPatch(PatchSchema):
    kind: RobotKind | None = None
    url: Url | None = None
    secret: Secret | None = None
    department_id: Id | None = None
    events: EventKeys | None = None
    enabled: bool | None = None


class ChannelPreferenceOut(Schema):
    channel: str
    label: str
    available: bool = Field(description="false: the account lacks the e-mail address or mobile number.")
    always_on: bool
    events: list[str]


class PreferencesOut(Schema):
    channels: list[ChannelPreferenceOut]
    quiet_start: time | None
    quiet_end: time | None
    events: list[NotificationEventOut]


class PreferencesIn(InputSchema):
    email: EventKeys = []
    sms: EventKeys = []
    quiet_start: time | None = None
    quiet_end: time | None = None


def _administrator(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_administrator(user):
        raise PermissionDeniedError(_("Only an administrator may configure the group robots."))
    return user


def _robots(user: User) -> Any:
    if user.organisation_id is None:
        return RobotChannel.objects.none()
    return RobotChannel.objects.filter(organisation_id=user.organisation_id).select_related("department")


def _department(user: User, department_id: int) -> Department:
    department = visibility.departments_for_user(user).filter(pk=department_id).first()
    if department is None:
        raise ValidationFailed.field("department_id", _("no such department"))
    return department


def robot_out(robot: RobotChannel) -> dict[str, Any]:
    return {
        "id": robot.pk,
        "kind": robot.kind,
        "kind_label": robot.get_kind_display(),
        "url": services.mask_url(robot.url),
        "secret": services.mask_secret(robot.secret),
        "secret_set": bool(robot.secret),
        "department_id": robot.department_id,
        "department": robot.department.name,
        "events": list(robot.events),
        "event_labels": [events.label(key) for key in robot.events],
        "enabled": robot.enabled,
    }


@router.get("/notification-channels", response=list[RobotOut], summary="Group robots (administrators)")
def list_robots(request: HttpRequest) -> list[dict[str, Any]]:
    user = _administrator(request)
    return [robot_out(robot) for robot in _robots(user)[:500]]


@router.get("/notification-channels/{robot_id}", response=RobotOut, summary="One group robot")
def get_robot(request: HttpRequest, robot_id: Id) -> dict[str, Any]:
    user = _administrator(request)
    return robot_out(visibility.get_visible_or_404(_robots(user), pk=robot_id))


@router.post("/notification-channels", response={201: RobotOut}, summary="Add a group robot")
def create_robot(request: HttpRequest, payload: RobotIn) -> Status[dict[str, Any]]:
    user = _administrator(request)
    assert user.organisation_id is not None
    robot = services.robot_create(
        organisation_id=user.organisation_id,
        values=services.RobotValues(
            kind=payload.kind,
            url=payload.url,
            secret=payload.secret,
            events=list(payload.events),
            department=_department(user, payload.department_id),
            enabled=payload.enabled,
        ),
        by=user,
    )
    return Status(201, robot_out(robot))


@router.patch("/notification-channels/{robot_id}", response=RobotOut, summary="Change a group robot")
def update_robot(request: HttpRequest, robot_id: Id, payload: RobotPatch) -> dict[str, Any]:
    user = _administrator(request)
    robot = visibility.get_visible_or_404(_robots(user), pk=robot_id)
    changes = payload.dict(exclude_unset=True)
    if "department_id" in changes:
        changes["department"] = _department(user, changes.pop("department_id"))
    return robot_out(services.robot_update(robot=robot, by=user, **changes))


@router.delete("/notification-channels/{robot_id}", response={204: None}, summary="Remove a group robot")
def delete_robot(request: HttpRequest, robot_id: Id) -> Status[None]:
    user = _administrator(request)
    services.robot_delete(robot=visibility.get_visible_or_404(_robots(user), pk=robot_id), by=user)
    return Status(204, None)


def preferences_out(user: User) -> dict[str, Any]:
    preference = services.preference_of(user)
    return {
        "channels": [
            {
                "channel": "in_app",
                "label": _("In the app"),
                "available": True,
                "always_on": True,
                "events": events.keys(),
            },
            {
                "channel": "email",
                "label": _("E-mail"),
                "available": services.usable_address("email", user.email),
                "always_on": False,
                "events": list(preference.email_events),
            },
            {
                "channel": "sms",
                "label": _("SMS"),
                "available": services.usable_address("sms", user.phone),
                "always_on": False,
                "events": list(preference.sms_events),
            },
        ],
        "quiet_start": preference.quiet_start,
        "quiet_end": preference.quiet_end,
        "events": [
            {"key": event.key, "label": str(event.label), "urgent": event.urgent}
            for event in events.all_events()
        ],
    }


@router.get("/me/notification-preferences", response=PreferencesOut, summary="My notification preferences")
def get_preferences(request: HttpRequest) -> dict[str, Any]:
    return preferences_out(cast(User, request.user))


@router.put(
    "/me/notification-preferences", response=PreferencesOut, summary="Choose my notification channels"
)
def put_preferences(request: HttpRequest, payload: PreferencesIn) -> dict[str, Any]:
    user = cast(User, request.user)
    services.preferences_save(
        user=user,
        email_events=list(payload.email),
        sms_events=list(payload.sms),
        quiet_start=payload.quiet_start,
        quiet_end=payload.quiet_end,
    )
    return preferences_out(user)
