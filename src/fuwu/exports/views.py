"""Export pages: start an Excel export of a list (the list's filters in the query string), "My
exports" with the progress of background jobs, and the download of a finished file — only by the
person who asked for it (anyone else gets 404)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from . import services
from .models import ExportStatus
from .registers import get_register

SHOWN = 30


@login_required
def export_xlsx(request: HttpRequest, kind: str) -> HttpResponse:
    register = get_register(kind)
    outcome = services.request_export(user=request.user, kind=kind, parameters=register.from_request(request))
    if outcome.export is None:
        assert outcome.content is not None
        return file_response(outcome.content, outcome.filename, services.XLSX_TYPE)
    messages.info(
        request,
        _(
            "The export has more than %(rows)s rows: it is being written in the background. Download it here when it is ready."
        )
        % {"rows": f"{settings.FUWU_EXPORT_SYNC_MAX_ROWS:,}"},
    )
    return redirect("exports:mine")


def file_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def my_exports(request: HttpRequest) -> HttpResponse:
    exports = list(services.exports_of(request.user)[:SHOWN])
    context = {
        "exports": exports,
        "keep_days": settings.FUWU_EXPORT_KEEP_DAYS,
        "polling": any(e.status in (ExportStatus.QUEUED, ExportStatus.RUNNING) for e in exports),
    }
    if request.headers.get("HX-Request"):
        return render(request, "exports/_exports.html", context)
    return render(request, "exports/mine.html", context)


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    export = services.export_for_download(user=request.user, pk=pk)
    response = FileResponse(
        export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=services.XLSX_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response
