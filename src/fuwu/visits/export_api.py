"""``GET /api/v1/visits/export.xlsx``: the visit register 居家服务回访记录表 (``visits.exports``)
with its filters in the query string. Up to the exports engine's limit the answer is the file
(200); beyond, 202 with a background export to poll at ``/api/v1/exports/{id}``."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router
from ninja.responses import Status as HttpStatus

from fuwu.exports import services as export_services
from fuwu.exports.api import XLSX_RESPONSE, ExportOut, export_out
from fuwu.exports.views import file_response
from fuwu.lib.endpoints import caller
from fuwu.lib.inputs import Day, Id, QuerySchema

from .exports import VISIT_REGISTER, as_parameters

router = Router(tags=["visits"])

Month = Annotated[str, Field(pattern=r"^(20\d\d|2100)-(0[1-9]|1[0-2])$", max_length=7)]


class VisitRegisterQuery(QuerySchema):
    month: Month | None = None
    date_from: Day | None = None
    date_to: Day | None = None
    level: Annotated[int, Field(ge=1, le=3)] | None = None
    department_id: Id | None = None
    status: Literal["due", "done", "unreachable", "cancelled"] | None = None


@router.get(
    "/export.xlsx",
    response={200: None, 202: ExportOut},
    summary="Export the visit register to Excel (month or days due, level, department, status)",
    openapi_extra={"responses": {200: XLSX_RESPONSE}},
)
def export_visits(request: HttpRequest, filters: Query[VisitRegisterQuery]) -> Any:
    user = caller(request)
    parameters = as_parameters(filters.dict())
    outcome = export_services.request_export(user=user, kind=VISIT_REGISTER.kind, parameters=parameters)
    if outcome.export is not None:
        return HttpStatus(202, export_out(outcome.export))
    assert outcome.content is not None
    return file_response(outcome.content, outcome.filename, export_services.XLSX_TYPE)
