"""The inspections' downloads over the API (``exports``):

- ``GET /api/v1/inspections/{id}/table.xlsx`` and ``/table.pdf``: the 《服务质量巡检表》 of one
  inspection; 404 for one outside the caller's visibility (``router``);
- ``GET /api/v1/rectifications/export.xlsx``: the rectification register 整改记录 with its filters in
  the query string (month or days issued, department, status); up to the exports engine's limit the
  answer is the file (200), beyond it 202 with a background export to poll at
  ``/api/v1/exports/{id}`` (``rectification_router``, mounted before the rectifications router: its
  ``/{rectification_id}`` would take ``export.xlsx`` for an id).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router
from ninja.responses import Status as HttpStatus

from fuwu.exports import services as export_services
from fuwu.exports.api import XLSX_RESPONSE, ExportOut, export_out
from fuwu.exports.views import file_response
from fuwu.lib.endpoints import PathId, caller
from fuwu.lib.inputs import Day, Id, QuerySchema

from .exports import RECTIFICATION_REGISTER, as_parameters, table_download

router = Router(tags=["Inspections"])
rectification_router = Router(tags=["Rectifications"])

Month = Annotated[str, Field(pattern=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$", max_length=7)]
PDF_RESPONSE = {
    "description": "The printable table (A4 PDF).",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}


@router.get(
    "/{inspection_id}/table.xlsx",
    response={200: None},
    url_name="inspection_table_xlsx",
    summary="Download the inspection table (服务质量巡检表) as Excel",
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def inspection_table_xlsx(request: HttpRequest, inspection_id: PathId) -> HttpResponse:
    return table_download(caller(request), inspection_id, "xlsx")


@router.get(
    "/{inspection_id}/table.pdf",
    response={200: None},
    url_name="inspection_table_pdf",
    summary="Download the inspection table (服务质量巡检表) as a printable PDF",
    openapi_extra={"responses": {200: PDF_RESPONSE}},
)
def inspection_table_pdf(request: HttpRequest, inspection_id: PathId) -> HttpResponse:
    return table_download(caller(request), inspection_id, "pdf")


class RectificationRegisterQuery(QuerySchema):
    month: Month | None = None
    date_from: Day | None = None
    date_to: Day | None = None
    department_id: Id | None = None
    status: Literal["issued", "in_rectification", "awaiting_verification", "verified", "cancelled"] | None = (
        None
    )


@rectification_router.get(
    "/export.xlsx",
    response={200: None, 202: ExportOut},
    url_name="rectification_register_xlsx",
    summary="Export the rectification register (整改记录) to Excel (month or days issued, department, status)",
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def export_rectifications(request: HttpRequest, filters: Query[RectificationRegisterQuery]) -> Any:
    user = caller(request)
    parameters = as_parameters(filters.dict())
    outcome = export_services.request_export(
        user=user, kind=RECTIFICATION_REGISTER.kind, parameters=parameters
    )
    if outcome.export is not None:
        return HttpStatus(202, export_out(outcome.export))
    assert outcome.content is not None
    return file_response(outcome.content, outcome.filename, export_services.XLSX_TYPE)
