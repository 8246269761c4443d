"""Errors that services raise and every interface (page, API, command) turns into a clear message.

A service never returns a half-done result: it raises one of these before writing anything, or the
surrounding transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from django.utils.functional import Promise


class ErrorCode(StrEnum):
    INVALID = "invalid"  # 422: a field is missing or wrong
    BAD_REQUEST = "bad_request"  # 400: the request itself cannot be read
    NOT_AUTHENTICATED = "not_authenticated"  # 401
    PERMISSION_DENIED = "permission_denied"  # 403: allowed to see, not to do
    NOT_FOUND = "not_found"  # 404: absent or outside the user's visibility
    CONFLICT = "conflict"  # 409: not allowed in the record's current state
    CALENDAR_UNCONFIRMED = "calendar_unconfirmed"
    THROTTLED = "throttled"  # 429: too many failed tries; the Retry-After header says when to come back
    TOO_LARGE = "too_large"  # 413: the body or an upload is too large


Message = str | Promise


class BusinessError(Exception):
    """Base class: a rule of the business refused the action."""

    code: ErrorCode = ErrorCode.BAD_REQUEST
    status: int = 400

    def __init__(
        self,
        message: Message,
        *,
        fields: Mapping[str, Sequence[Message]] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields = {name: [str(m) for m in messages] for name, messages in (fields or {}).items()}
        self.extra = dict(extra or {})
        self.headers: dict[str, str] = {}  # HTTP headers the API adds to its error answer


class ValidationFailed(BusinessError):
    code = ErrorCode.INVALID
    status = 422

    @classmethod
    def field(cls, name: str, message: Message) -> ValidationFailed:
        return cls(message, fields={name: [message]})


class PermissionDeniedError(BusinessError):
    code = ErrorCode.PERMISSION_DENIED
    status = 403


class NotFoundError(BusinessError):
    code = ErrorCode.NOT_FOUND
    status = 404


class ConflictError(BusinessError):
    code = ErrorCode.CONFLICT
    status = 409


class ThrottledError(BusinessError):
    """Too many failed tries from one client: refused until ``retry_after`` seconds have passed."""

    code = ErrorCode.THROTTLED
    status = 429

    def __init__(self, message: Message, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.headers["Retry-After"] = str(retry_after)


class FieldErrors:
    """Collects every wrong field of an input, then raises them together (never one at a time)."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: Message) -> None:
        self.fields.setdefault(field, []).append(str(message))

    def __bool__(self) -> bool:
        return bool(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            from django.utils.translation import gettext

            raise ValidationFailed(gettext("Some fields are missing or wrong."), fields=self.fields)
