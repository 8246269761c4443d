"""The "awaiting my approval" page: every pending approval the user may decide, of every process,
decided from a phone in two taps (Approve → Confirm; Deny asks for a note where the process needs one).
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fuwu import visibility
from fuwu.lib.errors import BusinessError, PermissionDeniedError
from fuwu.lib.inputs import REASON_LENGTH
from fuwu.org.models import User

from . import selectors, services

PAGE_SIZE = 30


def _staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_staff_member(user):
        raise Http404
    return user


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    page = Paginator(selectors.inbox(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "approvals/inbox.html",
        {"page": page, "rows": selectors.rows(user, page.object_list), "note_length": REASON_LENGTH},
    )


def _report(request: HttpRequest, error: BusinessError) -> None:
    if isinstance(error, PermissionDeniedError):
        raise PermissionDenied(str(error.message)) from error
    details = [
        f"{name}: {message}" if name != "__all__" else message
        for name, field_messages in error.fields.items()
        for message in field_messages
    ]
    messages.error(request, " ".join([str(error.message), *[d for d in details if d != str(error.message)]]))


def _decide(request: HttpRequest, pk: int, approved: bool) -> HttpResponse:
    user = _staff(request)
    approval = selectors.approval_for_user_or_404(user, pk)
    note = request.POST.get("note", "")
    if len(note) > REASON_LENGTH:
        messages.error(request, _("note: at most %(n)s characters") % {"n": REASON_LENGTH})
        return redirect("approvals:inbox")
    label = approval.get_kind_display()
    try:
        if approved:
            services.approve(approval, by=user, note=note)
        else:
            services.deny(approval, by=user, note=note)
    except BusinessError as error:
        _report(request, error)
        return redirect("approvals:inbox")
    if approved:
        messages.success(request, _("Approved: %(kind)s.") % {"kind": label})
    else:
        messages.success(request, _("Denied: %(kind)s.") % {"kind": label})
    return redirect("approvals:inbox")


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approved=True)


@login_required
@require_POST
def deny(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approved=False)
