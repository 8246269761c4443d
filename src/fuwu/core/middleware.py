"""Language selection: Simplified Chinese unless the user chose otherwise.

Pages follow the user's choice (a cookie set by the language switch), never the browser's
Accept-Language, so a Chinese office with English-language browsers still gets Chinese. The API
follows Accept-Language (zh-Hans default, en), as API clients expect.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def language_for(self, request: HttpRequest) -> str:
        if request.path.startswith("/api/"):
            header = request.headers.get("Accept-Language", "")
            for part in header.split(","):
                code = part.split(";")[0].strip().lower()
                if not code:
                    continue
                if code.startswith("zh"):
                    return "zh-hans"
                if code.startswith("en"):
                    return "en"
            return settings.LANGUAGE_CODE
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        return chosen if chosen in self.supported else settings.LANGUAGE_CODE

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = self.language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class OrganisationRequiredMiddleware:
    """Signed-in accounts without an organisation (e.g. a bare ``createsuperuser``) see an explanation
    instead of pages that would have nothing to show; the Django admin stays reachable for them."""

    OPEN_PREFIXES = ("/login/", "/logout/", "/i18n/", "/static/", "/media/", "/admin/", "/api/", "/health/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "organisation_id", None) is None
            and not request.path.startswith(self.OPEN_PREFIXES)
        ):
            from django.shortcuts import render

            return render(request, "core/no_organisation.html", status=403)
        return self.get_response(request)


class ControlCharacterMiddleware:
    """Refuses control characters (NUL and the like) in the path and the query string of every
    request, before any view or schema sees them: PostgreSQL cannot store NUL, and no page or
    export should show the others. The API answers its 422 error body naming the parameter; pages
    answer 400."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from fuwu.lib.inputs import has_control_characters

        wrong = ["path"] if has_control_characters(request.path) else []
        wrong += sorted(
            {
                key
                for key, values in request.GET.lists()
                if has_control_characters(key) or any(has_control_characters(value) for value in values)
            }
        )
        if not wrong:
            return self.get_response(request)
        from django.utils.translation import gettext

        message = gettext("must not contain control characters")
        if request.path.startswith("/api/"):
            from django.http import JsonResponse

            return JsonResponse(
                {
                    "error": {
                        "code": "invalid",
                        "message": gettext("Some fields are missing or wrong."),
                        "fields": {name: [message] for name in wrong},
                    }
                },
                status=422,
            )
        from django.http import HttpResponseBadRequest

        return HttpResponseBadRequest(gettext("The address contains characters that are not allowed."))
