"""Pages of the policy: the active policy, its history, differences, publishing (administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fuwu.lib.errors import BusinessError
from fuwu.visibility import can_manage_organisation, get_visible_or_404, is_staff_member

from .diff import diff_lines
from .display import number_kind_label
from .forms import PublishForm
from .loader import PolicyInvalid, parse_policy
from .presets import preset_text
from .schema import PolicyDocument
from .selectors import active_policy, policy_versions_for_user
from .services import policy_publish


def _staff(request: HttpRequest) -> Any:
    if not is_staff_member(request.user):
        raise Http404
    return request.user


def _number_examples(document: PolicyDocument) -> list[tuple[str, str, str, str]]:
    """(kind of record, format, example, when its serial restarts) for each numbered kind."""
    today = timezone.localdate()
    return [
        (
            number_kind_label(kind),
            number_format.format,
            number_format.render(on=today, seq=1),
            number_format.reset,
        )
        for kind, number_format in document.numbering.kinds.items()
    ]


@login_required
def active(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    version = policy_versions_for_user(user).filter(is_active=True).first()
    document = active_policy(user.organisation)
    text = version.text if version else preset_text(user.organisation.preset)
    return render(
        request,
        "policy/active.html",
        {
            "version": version,
            "document": document,
            "text": text,
            "preset": user.organisation.preset,
            "number_examples": _number_examples(document),
            "can_publish": can_manage_organisation(user),
        },
    )


@login_required
def history(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    versions = list(policy_versions_for_user(user).order_by("-number"))
    return render(
        request,
        "policy/history.html",
        {
            "versions": versions,
            "can_publish": can_manage_organisation(user),
        },
    )


@login_required
def version_detail(request: HttpRequest, number: int) -> HttpResponse:
    user = _staff(request)
    version = get_visible_or_404(policy_versions_for_user(user), number=number)
    return render(request, "policy/version.html", {"version": version})


@login_required
def diff(request: HttpRequest) -> HttpResponse:
    user = _staff(request)
    versions = list(policy_versions_for_user(user).select_related(None).order_by("-number").only("number"))
    numbers = [v.number for v in versions]

    def chosen(name: str, default: int | None) -> int | None:
        try:
            return int(request.GET[name])
        except (KeyError, ValueError):
            return default

    newer_number = chosen("to", numbers[0] if numbers else None)
    older_number = chosen("from", numbers[1] if len(numbers) > 1 else newer_number)
    lines, older, newer = [], None, None
    if newer_number is not None and older_number is not None:
        visible = policy_versions_for_user(user)
        older = get_visible_or_404(visible, number=older_number)
        newer = get_visible_or_404(visible, number=newer_number)
        lines = diff_lines(older, newer)
    return render(
        request,
        "policy/diff.html",
        {
            "versions": versions,
            "older": older,
            "newer": newer,
            "lines": lines,
        },
    )


def _publish_allowed(request: HttpRequest) -> Any:
    user = _staff(request)
    if not can_manage_organisation(user):
        raise PermissionDenied(_("Only an administrator of the organisation can publish its policy."))
    return user


@login_required
def publish(request: HttpRequest) -> HttpResponse:
    user = _publish_allowed(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                version = policy_publish(
                    organisation=user.organisation,
                    text=form.cleaned_data["text"],
                    reason=form.cleaned_data["reason"],
                    by=user,
                )
            except BusinessError as exc:
                errors = exc.fields or {"__all__": [str(exc.message)]}
                for field in ("text", "reason"):
                    for message in errors.pop(field, []):
                        form.add_error(field, message)
            else:
                messages.success(
                    request, _("Version %(number)s is now the active policy.") % {"number": version.number}
                )
                return redirect("policy:active")
    else:
        current = policy_versions_for_user(user).filter(is_active=True).first()
        form = PublishForm(
            initial={"text": current.text if current else preset_text(user.organisation.preset)}
        )
    failed = request.method == "POST" and bool(errors or form.errors)
    return render(
        request, "policy/publish.html", {"form": form, "errors": errors}, status=422 if failed else 200
    )


@login_required
@require_POST
def validate(request: HttpRequest) -> HttpResponse:
    """Live validation for the publish form (htmx): the problems, by key path, or a confirmation."""
    _publish_allowed(request)
    errors: dict[str, list[str]] = {}
    try:
        parse_policy(request.POST.get("text", ""))
    except PolicyInvalid as exc:
        errors = exc.fields
    return render(request, "policy/_validation.html", {"errors": errors, "checked": True})
