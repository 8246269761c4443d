"""What the REST endpoints of every process share: the caller, a record named in the path looked
up through visibility before the body is read, references, and the route of a record's actions.

A process declares its path parameter once::

    VisibleComplaintId = Annotated[PathId, AfterValidator(visible("complaint", complaint_get))]

and each endpoint takes ``complaint_id: VisibleComplaintId``; ``found(request, "complaint", pk,
complaint_get)`` then hands the endpoint the record the check found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from django.http import HttpRequest
from ninja import Router
from pydantic import BeforeValidator, Field, ValidationInfo

from fuwu.lib.inputs import MAX_BIGINT, refuse_bool
from fuwu.org.models import User

R = TypeVar("R")

# A record id in a path: a positive bigint, never a JSON true/false.
PathId = Annotated[int, Field(ge=1, le=MAX_BIGINT), BeforeValidator(refuse_bool)]

ActionView = Callable[..., dict[str, Any]]


def caller(request: HttpRequest) -> User:
    """The authenticated member of staff (API authentication admits nobody else)."""
    return cast(User, request.user)


def ref(obj: Any) -> dict[str, Any] | None:
    """``{id, name}`` of a person (their display name), a department or a catalogue entry."""
    if obj is None:
        return None
    name = obj.display_name if isinstance(obj, User) else obj.name
    return {"id": obj.pk, "name": name}


def visible(attribute: str, get: Callable[[User, int], Any]) -> Callable[[int, ValidationInfo], int]:
    """A path parameter's check: ``get(user, pk)`` answers the record the caller may see or raises
    Http404 — before the body is read, so that nothing about a record outside visibility (not even
    a 422) comes back. The record found is kept on the request as ``attribute``."""

    def look_up(value: int, info: ValidationInfo) -> int:
        request = (info.context or {})["request"]
        setattr(request, attribute, get(caller(request), value))
        return value

    return look_up


def found(request: HttpRequest, attribute: str, pk: int, get: Callable[[User, int], R]) -> tuple[User, R]:
    """The caller and the record the path named, as its check found it (looked up again only when
    the request does not carry it)."""
    record = getattr(request, attribute, None)
    if record is None or record.pk != pk:
        record = get(caller(request), pk)
    return caller(request), cast(R, record)


def action_route(
    router: Router, *, kind: str, parameter: str, response: Any
) -> Callable[[Any, str], Callable[[ActionView], ActionView]]:
    """The decorator of a record's actions: ``POST /{<parameter>}/<verb>``, operation id
    ``<kind>_<verb>``, answering the record after the change."""

    def action(verb: Any, summary: str) -> Callable[[ActionView], ActionView]:
        return router.post(
            f"/{{{parameter}}}/{verb.value}",
            response=response,
            summary=summary,
            operation_id=f"{kind}_{verb.value.replace('-', '_')}",
        )

    return action
