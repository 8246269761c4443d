"""The service voucher (服务凭证) as a PDF to download, file or send: the printed voucher's content
with the Chinese font embedded (``fuwu.exports.pdf``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from .. import selectors
from ..exports import voucher_pdf as build_voucher_pdf
from .common import staff


@login_required
def voucher_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    work_order = selectors.work_order_get(user=user, pk=pk)
    now = timezone.now()
    response = HttpResponse(build_voucher_pdf(work_order, user, now=now), content_type="application/pdf")
    stamp = timezone.localtime(now).strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        content_disposition_header(not request.GET.get("inline"), f"voucher-{work_order.number}-{stamp}.pdf")
        or "attachment"
    )
    response["Cache-Control"] = "private, no-store"
    return response
