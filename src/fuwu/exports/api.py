"""``/api/v1/exports``: the caller's exports (background jobs): progress, and the file when done.

An export is started by the list it exports (``GET /api/v1/work-orders/export.xlsx?<filters>``):
small ones answer the file at once, big ones answer 202 with the job, to be polled here. Only the
person who asked sees a job or downloads its file: anyone else's answers 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from fuwu.lib.inputs import Id, Limit, Offset

from . import services
from .models import Export

router = Router(tags=["exports"])

XLSX_RESPONSE = {
    "description": "The Excel workbook (.xlsx).",
    "content": {services.XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}


class ExportOut(Schema):
    id: int
    kind: str
    title: str
    status: str
    status_label: str
    rows_done: int
    rows_total: int | None
    created_at: datetime
    finished_at: datetime | None
    url: str
    download_url: str | None


class ExportPage(Schema):
    items: list[ExportOut]
    count: int


class ExportFilters(Schema):
    limit: Limit = 50
    offset: Offset = 0


def export_out(export: Export) -> dict[str, Any]:
    return {
        "id": export.pk,
        "kind": export.kind,
        "title": export.title,
        "status": export.status,
        "status_label": export.get_status_display(),
        "rows_done": export.rows_done,
        "rows_total": export.rows_total,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
        "url": reverse("api:export_get", args=[export.pk]),
        "download_url": reverse("api:export_file", args=[export.pk]) if export.status == "done" else None,
    }


def _mine(request: HttpRequest, export_id: int) -> Export:
    from django.http import Http404

    export = services.exports_of(request.user).filter(pk=export_id).first()
    if export is None:
        raise Http404
    return export


@router.get("", response=ExportPage, summary="My exports, newest first")
def list_exports(request: HttpRequest, filters: Query[ExportFilters]) -> dict[str, Any]:
    mine = services.exports_of(request.user)
    page = mine[filters.offset : filters.offset + filters.limit]
    return {"items": [export_out(e) for e in page], "count": mine.count()}


@router.get(
    "/{export_id}", response=ExportOut, url_name="export_get", summary="One of my exports: its progress"
)
def get_export(request: HttpRequest, export_id: Id) -> dict[str, Any]:
    return export_out(_mine(request, export_id))


@router.get(
    "/{export_id}/file",
    response={200: None},
    url_name="export_file",
    summary="Download a finished export",
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def download_export(request: HttpRequest, export_id: Id) -> FileResponse:
    """404 unless the export is the caller's own and finished (its file not yet deleted)."""
    export = services.export_for_download(user=request.user, pk=export_id)
    response = FileResponse(
        export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=services.XLSX_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    return response
