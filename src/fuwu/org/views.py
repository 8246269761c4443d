"""Pages for departments, staff, absences and A/B duties."""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fuwu import visibility
from fuwu.lib.errors import BusinessError, NotFoundError
from fuwu.lib.forms import add_service_errors
from fuwu.lib.inputs import parse_id
from fuwu.timeline.selectors import events_for

from . import lockouts, services
from .forms import AbsenceForm, DepartmentForm, DutyForm, HandlerAtForm, StaffForm
from .models import Organisation, Role, User
from .selectors import absences_at, duty_handlers, person_handler


def _user(request: HttpRequest) -> User:
    """The signed-in member of staff (every page here is behind ``login_required``)."""
    return cast(User, request.user)


def _organisation(administrator: User) -> Organisation:
    """The organisation of a user ``can_manage_organisation`` admitted (staff of one only)."""
    assert administrator.organisation is not None
    return administrator.organisation


@login_required
def departments(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    tree = list(visibility.departments_for_user(user))
    staff = visibility.staff_for_user(user)
    by_department: dict[int | None, list[User]] = {}
    for person in staff:
        by_department.setdefault(person.department_id, []).append(person)
    can_manage = visibility.can_manage_organisation(user)
    form = DepartmentForm(request.POST or None, departments=visibility.departments_for_user(user))
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.department_create(
                    organisation=_organisation(user),
                    name=form.cleaned_data["name"],
                    code=form.cleaned_data["code"],
                    parent=form.cleaned_data["parent"],
                    by=user,
                )
            except BusinessError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Department added."))
                return redirect("org:departments")
    rows = [{"department": d, "indent": d.depth, "staff": by_department.get(d.pk, [])} for d in tree]
    return render(request, "org/departments.html", {"rows": rows, "form": form, "can_manage": can_manage})


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    people = visibility.staff_for_user(user)
    department_id = parse_id(request.GET.get("department"))
    role = request.GET.get("role") or ""
    if department_id is not None:
        people = people.filter(department_id=department_id)
    if role in Role.values:
        people = people.filter(User.role_q(role))
    listed = list(people[:500])
    now = timezone.now()
    absent = absences_at(listed, now)
    shown = visibility.PhoneShown(user)
    rows = [
        {"person": p, "phone": shown(p.phone, whole=p.pk == user.pk), "absence": absent.get(p.pk)}
        for p in listed
    ]
    can_manage = visibility.can_manage_organisation(user)
    form = StaffForm(request.POST or None, departments=visibility.departments_for_user(user))
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.staff_create(
                    organisation=_organisation(user),
                    username=data["username"],
                    full_name=data["full_name"],
                    department=data["department"],
                    roles=data["roles"],
                    post=data["post"],
                    phone=data["phone"],
                    password=data["password"] or None,
                    by=user,
                )
            except BusinessError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Staff member added."))
                return redirect("org:staff_detail", person.pk)
    return render(
        request,
        "org/staff_list.html",
        {
            "rows": rows,
            "form": form,
            "can_manage": can_manage,
            "roles": Role.choices,
            "departments": visibility.departments_for_user(user),
            "selected_department": department_id,
            "selected_role": role,
        },
    )


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    person = visibility.get_visible_or_404(visibility.staff_for_user(user), pk=pk)
    now = timezone.now()
    absences = visibility.absences_for_user(user).filter(person=person)
    return render(
        request,
        "org/staff_detail.html",
        {
            "person": person,
            "phone": visibility.PhoneShown(user)(person.phone, whole=person.pk == user.pk),
            "handler": person_handler(person, now),
            "primary_duties": person.primary_duties.select_related("department", "backup"),
            "backup_duties": person.backup_duties.select_related("department", "primary"),
            "absences": absences[:50],
            "events": events_for(person)
            if visibility.can_manage_organisation(user) or person.pk == user.pk
            else [],
            "sign_in_lockout": lockouts.account_lockout(person, now)
            if visibility.can_manage_organisation(user)
            else None,
        },
    )


@login_required
def sign_in_lockouts(request: HttpRequest) -> HttpResponse:
    """Accounts of the organisation and addresses locked out of signing in now (administrators)."""
    user = _user(request)
    if not visibility.can_manage_organisation(user):
        raise PermissionDenied
    now = timezone.now()
    return render(
        request,
        "org/sign_in_lockouts.html",
        {
            "accounts": lockouts.account_lockouts(_organisation(user), now),
            "addresses": lockouts.address_lockouts(user, now),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@login_required
@require_POST
def sign_in_unlock_account(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not visibility.can_manage_organisation(user):
        raise PermissionDenied
    person = visibility.get_visible_or_404(visibility.staff_for_user(user), pk=pk)
    lockouts.sign_in_unlock_account(person=person, by=user)
    messages.success(request, _("%(name)s can sign in again.") % {"name": person.display_name})
    if request.POST.get("back") == "lockouts":
        return redirect("org:lockouts")
    return redirect("org:staff_detail", person.pk)


@login_required
@require_POST
def sign_in_unlock_address(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not visibility.can_manage_organisation(user):
        raise PermissionDenied
    try:
        lockouts.sign_in_unlock_address(address=request.POST.get("address", ""), by=user)
    except NotFoundError as error:
        raise Http404 from error
    except BusinessError as error:
        messages.error(request, str(error.fields.get("address", [error.message])[0]))
    else:
        messages.success(
            request,
            _("Signing in from %(address)s is possible again.")
            % {"address": request.POST.get("address", "").strip()},
        )
    return redirect("org:lockouts")


@login_required
def absence_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    people = visibility.staff_for_user(user)
    allowed_people = [p for p in people if visibility.can_record_absence_for(user, p)]
    form = AbsenceForm(
        request.POST or None,
        people=people.filter(pk__in=[p.pk for p in allowed_people]),
        initial={"person": user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.absence_record(
                person=data["person"],
                kind=data["kind"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                note=data["note"],
                by=user,
            )
        except BusinessError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Absence recorded."))
            return redirect("org:absences")
    now = timezone.now()
    absences = visibility.absences_for_user(user).filter(ends_at__gt=now - timedelta(days=30))[:200]
    return render(request, "org/absences.html", {"absences": absences, "form": form, "now": now})


@login_required
@require_POST
def absence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    absence = visibility.get_visible_or_404(visibility.absences_for_user(user), pk=pk)
    if not visibility.can_record_absence_for(user, absence.person):
        raise PermissionDenied
    services.absence_cancel(absence=absence, by=user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Absence cancelled."))
    return redirect("org:absences")


@login_required
def duty_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    at_form = HandlerAtForm(request.GET or None)
    at = timezone.now()
    if at_form.is_valid() and at_form.cleaned_data.get("at"):
        at = at_form.cleaned_data["at"]
    duties = list(visibility.duties_for_user(user))
    handlers = duty_handlers(duties, at)
    rows = [{"duty": duty, "handler": handlers[duty.pk]} for duty in duties]
    can_manage = visibility.can_manage_organisation(user)
    form = DutyForm(
        request.POST or None,
        departments=visibility.departments_for_user(user),
        people=visibility.staff_for_user(user),
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.duty_create(
                    department=data["department"],
                    name=data["name"],
                    kind=data["kind"],
                    primary=data["primary"],
                    backup=data["backup"],
                    description=data["description"],
                    is_intake=data["is_intake"],
                    by=user,
                )
            except BusinessError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Duty added."))
                return redirect("org:duties")
    return render(
        request,
        "org/duties.html",
        {
            "rows": rows,
            "form": form,
            "at_form": at_form,
            "at": at,
            "can_manage": can_manage,
        },
    )
