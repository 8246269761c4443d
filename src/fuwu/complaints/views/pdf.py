"""The complaint handling form (客户意见处理表) as a PDF: one complaint with its whole history, with
the Chinese font embedded (``fuwu.exports.pdf``). A complaint the viewer may not see is 404."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from .. import selectors
from ..exports import complaint_pdf as build_complaint_pdf
from .common import staff


@login_required
def complaint_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    complaint = selectors.complaint_detail(user, pk)
    now = timezone.now()
    response = HttpResponse(build_complaint_pdf(complaint, user, now=now), content_type="application/pdf")
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        content_disposition_header(not request.GET.get("inline"), f"complaint-{complaint.number}-{stamp}.pdf")
        or "attachment"
    )
    response["Cache-Control"] = "private, no-store"
    return response
