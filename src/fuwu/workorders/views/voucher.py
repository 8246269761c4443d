"""The printable service voucher (服务凭证)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fuwu.visibility import PhoneShown

from .common import staff
from .detail import _get


@login_required
def voucher(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    work_order = _get(request, pk)
    shown = PhoneShown(user)
    fees = list(work_order.fees.all())
    return render(
        request,
        "workorders/voucher.html",
        {
            "wo": work_order,
            "phone": shown(work_order.caller_phone),
            "team": list(work_order.team.all()),
            "materials": list(work_order.materials.all()),
            "reports": list(work_order.reports.all()),
            "confirmations": list(work_order.confirmations.all()),
            "fees": fees,
            "fee_total": sum((f.amount for f in fees), start=Decimal(0)),
            "clocks": [c for c in work_order.clocks.all() if c.is_active],
            "printed_at": timezone.now(),
            "size": "a5" if request.GET.get("size") == "a5" else "a4",
        },
    )
