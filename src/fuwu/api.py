"""The REST API root: ``/api/v1/``. Each app adds its router in ``ROUTERS`` below."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth

from fuwu.lib.errors import BusinessError, ErrorCode, PermissionDeniedError
from fuwu.lib.validation import field_errors
from fuwu.org import throttle
from fuwu.org.models import ApiToken


class BearerTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        throttle.refuse_if_throttled(request)  # too many invalid tokens from this address: 429
        found = (
            ApiToken.objects.select_related("user", "user__department", "user__organisation")
            .filter(key_hash=ApiToken.hash_key(token), user__is_active=True)
            .first()
        )
        if found is None:
            throttle.record_bad_token(request)
            return None
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 300:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return _member_of_an_organisation(found.user)


class StaffSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return _member_of_an_organisation(user) if user is not None and user.is_active else None


def _member_of_an_organisation(user: Any) -> Any:
    if getattr(user, "organisation_id", None) is None:
        raise PermissionDeniedError(
            _("This account does not belong to an organisation; ask an administrator.")
        )
    return user


logger = logging.getLogger(__name__)


class JsonBodyParser(Parser):
    """Bodies are JSON, sent as JSON: a ``text/plain`` body is not read as JSON, and the JavaScript
    constants ``NaN`` and ``Infinity`` that Python's parser would accept are refused."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ValueError("not a JSON content type")
        return json.loads(request.body, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Error answers every operation can give (each with the error body); writes can also conflict with
# the record's state (409) or be too large (413).
_ERROR_STATUSES: dict[int, str] = {
    400: "The request cannot be read (body not JSON, broken multipart).",
    401: "Not signed in, or the token is not valid.",
    403: "Allowed to see, not to do this.",
    404: "Absent, or outside the caller's visibility.",
    422: "A field is missing or wrong: `fields` names each one.",
    429: "Too many requests or failed attempts: wait (see Retry-After).",
}
_WRITE_ERROR_STATUSES: dict[int, str] = {
    409: "Not possible in the record's current state: the body carries `allowed_actions` and `status`.",
    413: "The body or an upload is too large.",
}
_ERROR_SCHEMA = {
    "ErrorDetail": {
        "type": "object",
        "title": "ErrorDetail",
        "required": ["code", "message", "fields"],
        "properties": {
            "code": {"type": "string", "title": "Code"},
            "message": {"type": "string", "title": "Message"},
            "fields": {
                "type": "object",
                "title": "Fields",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        "additionalProperties": True,
    },
    "ErrorResponse": {
        "type": "object",
        "title": "ErrorResponse",
        "required": ["error"],
        "properties": {"error": {"$ref": "#/components/schemas/ErrorDetail"}},
    },
}


class FuwuAPI(NinjaAPI):
    """Documents the error answers of every operation in the OpenAPI document."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {}).update(_ERROR_SCHEMA)
        error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}}
        for methods in schema.get("paths", {}).values():
            for method, operation in methods.items():
                statuses = dict(_ERROR_STATUSES)
                if method in {"post", "put", "patch", "delete"}:
                    statuses.update(_WRITE_ERROR_STATUSES)
                responses = operation.setdefault("responses", {})
                for status, description in sorted(statuses.items()):
                    responses.setdefault(str(status), {"description": description, **error})
                # Answered by the web server (gunicorn, or the reverse proxy) before Django sees the
                # request, in its own format.
                responses.setdefault(
                    "414",
                    {
                        "description": "The address is too long (at most about 4 KB of path and query).",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                )
        return schema


api = FuwuAPI(
    title="fuwu API",
    version="1",
    description="服务工作管理系统 REST API. Authenticate with `Authorization: Bearer <token>` "
    "(`fuwu token USERNAME`) or a browser session. Errors: "
    '`{"error": {"code", "message", "fields"}}`; messages follow Accept-Language (zh-Hans, en).',
    auth=[BearerTokenAuth(), StaffSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=JsonBodyParser(),
)


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    body.update(extra or {})
    return api.create_response(request, {"error": body}, status=status)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    fields = field_errors(
        exc.errors, skip_prefix=("body", "query", "path", "form", "file", "payload", "filters", "params")
    )
    return error_response(
        request,
        status=422,
        code=ErrorCode.INVALID,
        message=_("Some fields are missing or wrong."),
        fields=fields,
    )


@api.exception_handler(BusinessError)
def on_business_error(request: HttpRequest, exc: BusinessError) -> HttpResponse:
    response = error_response(
        request,
        status=exc.status,
        code=exc.code,
        message=str(exc.message),
        fields=exc.fields,
        extra=exc.extra,
    )
    for name, value in exc.headers.items():  # e.g. Retry-After of a ThrottledError
        response[name] = value
    return response


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(
        request,
        status=401,
        code=ErrorCode.NOT_AUTHENTICATED,
        message=_("Sign in or send a valid token: Authorization: Bearer <token>."),
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, status=404, code=ErrorCode.NOT_FOUND, message=_("Not found."))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(
        request,
        status=403,
        code=ErrorCode.PERMISSION_DENIED,
        message=str(exc) or _("You are not allowed to do this."),
    )


@api.exception_handler(IntegrityError)
def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    """A uniqueness rule the service's own check could not see coming (two requests at the same
    moment): the transaction rolled back, nothing was written."""
    logger.warning("integrity error answered 409: %s", exc)
    return error_response(
        request,
        status=409,
        code=ErrorCode.CONFLICT,
        message=_(
            "This conflicts with a record that exists already (or was just saved); reload and try again."
        ),
    )


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return error_response(
        request, status=413, code=ErrorCode.TOO_LARGE, message=_("The request is too large.")
    )


@api.exception_handler(MultiPartParserError)
def on_broken_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return error_response(
        request, status=400, code=ErrorCode.BAD_REQUEST, message=_("The uploaded form data cannot be read.")
    )


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    return error_response(
        request, status=400, code=ErrorCode.BAD_REQUEST, message=_("The request cannot be read.")
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error_response(
            request,
            status=400,
            code=ErrorCode.BAD_REQUEST,
            message=_("The body must be JSON, sent with Content-Type: application/json."),
        )
    codes = {
        400: ErrorCode.BAD_REQUEST,
        401: ErrorCode.NOT_AUTHENTICATED,
        403: ErrorCode.PERMISSION_DENIED,
        404: ErrorCode.NOT_FOUND,
        409: ErrorCode.CONFLICT,
        422: ErrorCode.INVALID,
    }
    return error_response(
        request,
        status=exc.status_code,
        code=codes.get(exc.status_code, ErrorCode.BAD_REQUEST),
        message=str(exc),
    )


def _register_routers() -> None:
    # Imported here so that an app's api module can import from this one.
    from fuwu.approvals.api import router as approvals_router
    from fuwu.capa.api import router as capa_router
    from fuwu.catalogue.api import router as catalogue_router
    from fuwu.complaints.api import penalty_router as complaint_penalties_router
    from fuwu.complaints.api import router as complaints_router
    from fuwu.complaints.api import work_order_router as work_order_complaints_router
    from fuwu.customers.api import router as customers_router
    from fuwu.exports.api import router as exports_router
    from fuwu.inspections.api import checklist_router
    from fuwu.inspections.api import rectification_router as rectifications_router
    from fuwu.inspections.api import router as inspections_router
    from fuwu.inspections.export_api import rectification_router as rectification_export_router
    from fuwu.inspections.export_api import router as inspection_export_router
    from fuwu.notify.api import router as notify_router
    from fuwu.notify.settings_api import router as notify_settings_router
    from fuwu.org.api import router as org_router
    from fuwu.policy.api import router as policy_router
    from fuwu.reports.api import router as reports_router
    from fuwu.visits.api import router as visits_router
    from fuwu.visits.api import sample_router as visit_samples_router
    from fuwu.visits.campaign_api import router as visit_campaigns_router
    from fuwu.visits.export_api import router as visit_export_router
    from fuwu.visits.public_api import router as public_visits_router
    from fuwu.workcal.api import router as calendar_router
    from fuwu.workorders.api import router as workorders_router

    api.add_router("/", org_router)
    api.add_router("/customers", customers_router)
    api.add_router("/service-types", catalogue_router)
    api.add_router("/policy", policy_router)
    api.add_router("/calendar", calendar_router)
    api.add_router("/work-orders", workorders_router)
    api.add_router("/notifications", notify_router)
    api.add_router("/", notify_settings_router)
    api.add_router("/exports", exports_router)
    api.add_router("/approvals", approvals_router)
    api.add_router("/capa", capa_router)
    api.add_router("/duty", "fuwu.duty.api.router")
    api.add_router("/batches", "fuwu.tracing.api.router")
    api.add_router("/checklists", checklist_router)
    # the exports first: their literal paths (/export.xlsx) before /{rectification_id}
    api.add_router("/inspections", inspection_export_router)
    api.add_router("/rectifications", rectification_export_router)
    api.add_router("/inspections", inspections_router)
    api.add_router("/rectifications", rectifications_router)
    api.add_router("/suppliers", "fuwu.suppliers.api.router")
    api.add_router("/complaints", complaints_router)
    api.add_router("/work-orders", work_order_complaints_router)
    api.add_router("/complaint-penalties", complaint_penalties_router)
    api.add_router("/visits", visit_export_router)  # before ``/visits/{visit_id}``
    api.add_router("/visits", visits_router)
    api.add_router("/visit-samples", visit_samples_router)
    api.add_router("/reports", reports_router)
    api.add_router("/public", public_visits_router)  # no authentication: the survey's one-time token
    api.add_router("/visit-campaigns", visit_campaigns_router)


_register_routers()
