"""Staff pages of duty: my shifts, the roster of a post by week (heads add shifts and generate
rosters there), a shift, asking for a swap, a swap (the colleague's answer, the supervisor's
decision), writing the handover, a handover (acknowledging it) and the list of handovers.

Reads go through ``selectors`` (which start from the visibility rules: a record outside them
answers 404); every change goes through one service function. A page offers the actions the
services allow; a forged request for another gets the service's answer (409 for the state, 403 for
the role) as a message on the page, with that status.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fuwu import visibility
from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.lib.forms import add_service_errors
from fuwu.lib.inputs import has_control_characters, parse_id
from fuwu.lib.paging import page_rows
from fuwu.lib.worktime import HOLIDAY, WORKDAY
from fuwu.org.models import User
from fuwu.workcal.selectors import work_calendar_for

from . import forms as duty_forms
from . import selectors, services
from .models import OPEN_SWAP_STATUSES, Handover, ItemKind, Shift, ShiftState, SwapRequest, SwapStatus
from .permissions import plans_anything
from .rules import HandoverAction, ShiftAction, SwapAction

PAGE_SIZE = 25
STATE_COLOURS: dict[str, str] = {
    ShiftState.UPCOMING: "primary",
    ShiftState.UNDER_WAY: "success",
    ShiftState.OVER: "secondary",
    ShiftState.CANCELLED: "light",
}
SWAP_COLOURS: dict[str, str] = {
    SwapStatus.ASKED: "warning",
    SwapStatus.AGREED: "warning",
    SwapStatus.APPROVED: "success",
    SwapStatus.REFUSED: "danger",
    SwapStatus.DECLINED: "secondary",
    SwapStatus.WITHDRAWN: "light",
}


def seed_items() -> list[dict[str, Any]]:
    """What the page of a handover prefills when the shift received nothing by hand (003 值班经理:
    交接工作用具, 包括对讲机、备用金、各类钥匙、票据), in the writer's language."""
    return [
        # Translators: 对讲机 — handed over at the change of shift
        {"kind": ItemKind.EQUIPMENT, "text": _("Radios")},
        # Translators: 备用金
        {"kind": ItemKind.CASH, "text": _("Petty cash")},
        # Translators: 各类钥匙
        {"kind": ItemKind.KEY, "text": _("Keys")},
        # Translators: 票据
        {"kind": ItemKind.DOCUMENT, "text": _("Receipts")},
    ]


def staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not visibility.is_staff_member(user):
        raise Http404
    return user


def _renamed(error: BusinessError) -> BusinessError:
    fields: dict[str, list[str]] = {}
    for name, problems in error.fields.items():
        base = name.split(".")[0].split("[")[0]
        fields.setdefault(duty_forms.SERVICE_FIELD_NAMES.get(base, base), []).extend(problems)
    return type(error)(error.message, fields=fields, extra=error.extra)


def _refused(request: HttpRequest, error: BusinessError, page: Callable[[int], HttpResponse]) -> HttpResponse:
    """A 409 or 403 from a service: said on the page, with that status."""
    messages.error(request, str(error.message))
    return page(error.status)


def _week_start(text: str | None, today: date) -> date:
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = today
    if not date(1900, 1, 8) <= day <= date(2100, 12, 24):
        day = today
    return day - timedelta(days=day.weekday())


def _shift_row(shift: Shift, now: datetime) -> dict[str, Any]:
    state = shift.state(now)
    handover = getattr(shift, "handover", None)
    return {
        "shift": shift,
        "state": state,
        "colour": STATE_COLOURS.get(state, "secondary"),
        "handover": handover,
        "swap_under_way": bool(getattr(shift, "has_open_swap", False)),
        "may_swap": state == ShiftState.UPCOMING and not getattr(shift, "has_open_swap", False),
        "may_hand_over": state in (ShiftState.UNDER_WAY, ShiftState.OVER) and handover is None,
    }


# --- my shifts -------------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My shifts (the one under way, those to come, and those of the last day whose handover is to
    write), the swaps asked of me and mine under way, the handovers I am to acknowledge."""
    user = staff(request)
    now = timezone.now()
    shifts = selectors.shifts_list(user=user, person_id=user.pk, ends_after=now - timedelta(days=1))[:40]
    rows = [_shift_row(s, now) for s in shifts]
    rows = [r for r in rows if r["state"] != ShiftState.OVER or r["may_hand_over"]]
    asked = selectors.swaps_list(user=user, statuses=[SwapStatus.ASKED]).filter(colleague=user.pk)[:20]
    requested = selectors.swaps_list(user=user, statuses=list(OPEN_SWAP_STATUSES)).filter(requester=user.pk)[
        :20
    ]
    to_acknowledge = selectors.handovers_list(
        user=user, incoming_person_id=user.pk, unacknowledged=True, now=now
    )[:20]
    return render(
        request,
        "duty/mine.html",
        {
            "rows": rows,
            "asked": list(asked),
            "requested": list(requested),
            "to_acknowledge": [{"handover": h, "late": h.is_late(now)} for h in to_acknowledge],
            "plans": plans_anything(user),
            "now": now,
            "swap_colours": SWAP_COLOURS,
        },
    )


# --- the roster of a post --------------------------------------------------------------------


def _patterns(user: User) -> list[tuple[str, str]]:
    assert user.organisation is not None
    policy = services.policy_of(user.organisation)
    return [
        (
            p.name,
            _("%(name)s (from %(start)s, %(hours)s hours)")
            % {"name": p.name, "start": f"{p.start:%H:%M}", "hours": p.hours},
        )
        for p in policy.business_hours.shifts
    ]


def _roster_page(
    request: HttpRequest,
    *,
    shift_form: duty_forms.ShiftForm | None = None,
    roster_form: duty_forms.RosterForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = staff(request)
    now = timezone.now()
    assert user.organisation is not None
    posts = selectors.posts_for_user(user)
    post = (request.GET.get("post") or "").strip()[:100]
    if has_control_characters(post):
        post = ""
    if not post and posts:
        post = posts[0].name
    today = timezone.localtime(now).date()
    monday = _week_start(request.GET.get("week"), today)
    sunday = monday + timedelta(days=6)
    shifts = (
        list(
            selectors.shifts_list(
                user=user, post=post, starts_from=monday, starts_to=sunday, include_cancelled=True
            )
        )
        if post
        else []
    )
    calendar = work_calendar_for(user.organisation)
    days = []
    for n in range(7):
        day = monday + timedelta(days=n)
        status_of_day = calendar.day_status(day)
        days.append(
            {
                "day": day,
                "is_today": day == today,
                "is_holiday": status_of_day.kind == HOLIDAY,
                "holiday": status_of_day.name if status_of_day.kind == HOLIDAY else "",
                "make_up_day": status_of_day.kind == WORKDAY and day.weekday() >= 5,
                "rest_day": not status_of_day.is_working,
                "rows": [_shift_row(s, now) for s in shifts if timezone.localtime(s.starts_at).date() == day],
            }
        )
    department = next((p for p in posts if p.name == post), None)
    plans = plans_anything(user)
    initial = {"post": post, "department": department.department_id if department else None}
    if plans and shift_form is None:
        shift_form = duty_forms.ShiftForm(user=user, initial=initial, auto_id="id_shift_%s")
    if plans and roster_form is None:
        roster_form = duty_forms.RosterForm(
            user=user,
            patterns=_patterns(user),
            initial={**initial, "first_day": monday + timedelta(days=7)},
            auto_id="id_roster_%s",
        )
    return render(
        request,
        "duty/roster.html",
        {
            "posts": posts,
            "post": post,
            "department": department,
            "monday": monday,
            "sunday": sunday,
            "previous_week": (monday - timedelta(days=7)).isoformat(),
            "next_week": (monday + timedelta(days=7)).isoformat(),
            "this_week": today - timedelta(days=today.weekday()) != monday,
            "days": days,
            "plans": plans,
            "shift_form": shift_form,
            "roster_form": roster_form,
            "open_shift_form": status != 200 and shift_form is not None and shift_form.is_bound,
            "open_roster_form": status != 200 and roster_form is not None and roster_form.is_bound,
        },
        status=status,
    )


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    return _roster_page(request)


def _roster_url(post: str, day: date) -> str:
    from urllib.parse import urlencode

    return reverse("duty:roster") + "?" + urlencode({"post": post, "week": day.isoformat()})


@login_required
@require_POST
def shift_create(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    form = duty_forms.ShiftForm(request.POST, user=user, auto_id="id_shift_%s")
    if not plans_anything(user):
        raise PermissionDenied(_("Only a head of the department or a director changes its roster."))
    if form.is_valid():
        data = form.cleaned_data
        assert user.organisation is not None
        try:
            shift = services.shift_create(
                organisation=user.organisation,
                by=user,
                department=data["department"],
                post=data["post"],
                person=data["person"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
        except ValidationFailed as exc:
            add_service_errors(form, _renamed(exc))
        except ConflictError as exc:
            form.add_error(None, str(exc.message))
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Shift put on the roster."))
            return redirect(_roster_url(shift.post, timezone.localtime(shift.starts_at).date()))
    return _roster_page(request, shift_form=form, status=422)


@login_required
@require_POST
def roster_generate(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    if not plans_anything(user):
        raise PermissionDenied(_("Only a head of the department or a director changes its roster."))
    form = duty_forms.RosterForm(request.POST, user=user, patterns=_patterns(user), auto_id="id_roster_%s")
    if form.is_valid():
        data = form.cleaned_data
        assert user.organisation is not None
        try:
            shifts = services.roster_generate(
                organisation=user.organisation,
                by=user,
                department=data["department"],
                post=data["post"],
                pattern=data["pattern"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                people=form.people(),
            )
        except ValidationFailed as exc:
            add_service_errors(form, _renamed(exc))
        except ConflictError as exc:
            form.add_error(None, str(exc.message))
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        else:
            messages.success(request, _("Roster generated: %(n)s shifts.") % {"n": len(shifts)})
            return redirect(_roster_url(shifts[0].post, data["first_day"]))
    return _roster_page(request, roster_form=form, status=422)


# --- one shift -------------------------------------------------------------------------------


def _shift_page(
    request: HttpRequest, shift: Shift, *, bound: tuple[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = staff(request)
    now = timezone.now()
    allowed = services.allowed_shift_actions(user, shift, now)
    edit_form = None
    if ShiftAction.EDIT in allowed:
        edit_form = (
            bound[1]
            if bound and bound[0] == "edit"
            else duty_forms.EditShiftForm(
                initial={
                    "post": shift.post,
                    "starts_at": timezone.localtime(shift.starts_at),
                    "ends_at": timezone.localtime(shift.ends_at),
                },
                auto_id="id_edit_%s",
            )
        )
    cancel_form = None
    if ShiftAction.CANCEL in allowed:
        cancel_form = (
            bound[1] if bound and bound[0] == "cancel" else duty_forms.ReasonForm(auto_id="id_cancel_%s")
        )
    row = _shift_row(shift, now)
    return render(
        request,
        "duty/shift.html",
        {
            **row,
            "next_shift": selectors.next_shift(shift),
            "previous_shift": selectors.previous_shift(shift),
            "received": selectors.received_handover(shift),
            "swaps": list(selectors.swaps_list(user=user, shift_id=shift.pk)[:20]),
            "swap_colours": SWAP_COLOURS,
            "may_swap": ShiftAction.REQUEST_SWAP in allowed,
            "may_hand_over": ShiftAction.WRITE_HANDOVER in allowed,
            "edit_form": edit_form,
            "cancel_form": cancel_form,
            "open_form": bound[0] if bound else "",
            "events": list(selectors.timeline_of(shift)),
        },
        status=status,
    )


def _get_shift(request: HttpRequest, pk: int) -> Shift:
    return selectors.shift_get(user=staff(request), pk=pk)


@login_required
def shift_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _shift_page(request, _get_shift(request, pk))


@login_required
@require_POST
def shift_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    shift = _get_shift(request, pk)
    user = staff(request)
    if action == ShiftAction.EDIT:
        form: Any = duty_forms.EditShiftForm(request.POST, auto_id="id_edit_%s")
    elif action == ShiftAction.CANCEL:
        form = duty_forms.ReasonForm(request.POST, auto_id="id_cancel_%s")
    else:
        raise Http404
    if not form.is_valid():
        return _shift_page(request, shift, bound=(action, form), status=422)
    data = form.cleaned_data
    try:
        if action == ShiftAction.EDIT:
            services.shift_update(
                shift=shift, by=user, post=data["post"], starts_at=data["starts_at"], ends_at=data["ends_at"]
            )
            message = _("Shift rescheduled.")
        else:
            services.shift_cancel(shift=shift, by=user, reason=data["reason"])
            message = _("Shift cancelled.")
    except ValidationFailed as exc:
        add_service_errors(form, _renamed(exc))
        return _shift_page(request, shift, bound=(action, form), status=422)
    except (ConflictError, PermissionDeniedError) as exc:
        return _refused(
            request, exc, lambda status: _shift_page(request, _get_shift(request, pk), status=status)
        )
    messages.success(request, message)
    return redirect("duty:shift", pk=pk)


# --- asking for a swap -----------------------------------------------------------------------


@login_required
def swap_create(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    shift = _get_shift(request, pk)
    if shift.person_id != user.pk:
        raise PermissionDenied(_("Only the person on the shift does this."))
    status = 200
    if request.method == "POST":
        form = duty_forms.SwapForm(request.POST, shift=shift)
        if form.is_valid():
            data = form.cleaned_data
            try:
                swap = services.swap_request(
                    shift=shift,
                    by=user,
                    colleague=data["colleague"],
                    counter_shift=data["counter_shift"],
                    reason=data["reason"],
                )
            except ValidationFailed as exc:
                add_service_errors(form, _renamed(exc))
            except (ConflictError, PermissionDeniedError) as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
            else:
                messages.success(
                    request, _("Swap asked: your colleague answers, then the supervisor decides.")
                )
                return redirect("duty:swap", pk=swap.pk)
        status = status if status != 200 else 422
    else:
        form = duty_forms.SwapForm(shift=shift)
    return render(request, "duty/swap_create.html", {"shift": shift, "form": form}, status=status)


# --- one swap --------------------------------------------------------------------------------

SWAP_FORMS: dict[SwapAction, Any] = {
    SwapAction.AGREE: duty_forms.NoteForm,
    SwapAction.DECLINE: duty_forms.NoteForm,
    SwapAction.WITHDRAW: duty_forms.OptionalReasonForm,
    SwapAction.APPROVE: duty_forms.NoteForm,
    SwapAction.REFUSE: duty_forms.RefuseForm,
}


def _swap_page(
    request: HttpRequest, swap: SwapRequest, *, bound: tuple[SwapAction, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = staff(request)
    now = timezone.now()
    allowed = services.allowed_swap_actions(user, swap, now)
    action_forms = [
        {
            "action": action.value,
            "form": bound[1]
            if bound and bound[0] == action
            else SWAP_FORMS[action](auto_id=f"id_{action.value}_%s"),
            "open": bool(bound and bound[0] == action),
        }
        for action in allowed
    ]
    from fuwu.approvals.services import approvals_of

    approval = approvals_of(swap).filter(kind=services.APPROVAL_KIND).select_related("decided_by").last()
    return render(
        request,
        "duty/swap.html",
        {
            "swap": swap,
            "colour": SWAP_COLOURS.get(swap.status, "secondary"),
            "approval": approval,
            "action_forms": action_forms,
            "events": list(selectors.timeline_of(swap)),
        },
        status=status,
    )


def _get_swap(request: HttpRequest, pk: int) -> SwapRequest:
    return selectors.swap_get(user=staff(request), pk=pk)


@login_required
def swap_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _swap_page(request, _get_swap(request, pk))


SWAP_DONE = {
    SwapAction.AGREE: _("You agreed: the supervisor decides now."),
    SwapAction.DECLINE: _("You declined the swap."),
    SwapAction.WITHDRAW: _("Swap withdrawn."),
    SwapAction.APPROVE: _("Swap approved: the shifts are swapped."),
    SwapAction.REFUSE: _("Swap refused."),
}


@login_required
@require_POST
def swap_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    swap = _get_swap(request, pk)
    user = staff(request)
    try:
        verb = SwapAction(action)
    except ValueError as exc:
        raise Http404 from exc
    form = SWAP_FORMS[verb](request.POST, auto_id=f"id_{verb.value}_%s")
    if not form.is_valid():
        return _swap_page(request, swap, bound=(verb, form), status=422)
    data = form.cleaned_data
    try:
        match verb:
            case SwapAction.AGREE:
                services.swap_agree(swap=swap, by=user, note=data["note"])
            case SwapAction.DECLINE:
                services.swap_decline(swap=swap, by=user, note=data["note"])
            case SwapAction.WITHDRAW:
                services.swap_withdraw(swap=swap, by=user, reason=data["reason"])
            case SwapAction.APPROVE | SwapAction.REFUSE:
                services.swap_decide(
                    swap=swap, by=user, approved=verb == SwapAction.APPROVE, note=data["note"]
                )
    except ValidationFailed as exc:
        add_service_errors(form, _renamed(exc))
        return _swap_page(request, swap, bound=(verb, form), status=422)
    except (ConflictError, PermissionDeniedError) as exc:
        return _refused(
            request, exc, lambda status: _swap_page(request, _get_swap(request, pk), status=status)
        )
    messages.success(request, str(SWAP_DONE[verb]))
    return redirect("duty:swap", pk=pk)


# --- writing the handover --------------------------------------------------------------------


def _initial_items(shift: Shift) -> list[dict[str, Any]]:
    """What the shift received by hand is what it hands on (keys, petty cash, radios …); the seed's
    list when it received nothing."""
    received = selectors.received_handover(shift)
    if received is not None:
        items = [{"kind": i.kind, "text": i.text, "count": i.count} for i in received.items.all()]
        if items:
            return items
    return seed_items()


@login_required
def handover_write(request: HttpRequest, pk: int) -> HttpResponse:
    user = staff(request)
    shift = _get_shift(request, pk)
    handover = getattr(shift, "handover", None)
    if handover is not None:
        return redirect("duty:handover", pk=handover.pk)
    if shift.person_id != user.pk:
        raise PermissionDenied(_("Only the person on the shift does this."))
    now = timezone.now()
    status = 200
    if request.method == "POST":
        form = duty_forms.HandoverForm(request.POST)
        items = duty_forms.HandItemFormSet(request.POST, prefix="items")
        if form.is_valid() and items.is_valid():
            hand = [
                services.ItemInput(row["kind"], row["text"], row.get("count"))
                for row in items.cleaned_data
                if row and (row.get("text") or "").strip()
            ]
            try:
                written = services.handover_write(
                    shift=shift, by=user, items=hand, notes=form.cleaned_data["notes"]
                )
            except ValidationFailed as exc:
                add_service_errors(form, _renamed(exc))
            except (ConflictError, PermissionDeniedError) as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
            else:
                messages.success(request, _("Handed over: the incoming person acknowledges it."))
                return redirect("duty:handover", pk=written.pk)
        status = status if status != 200 else 422
    else:
        form = duty_forms.HandoverForm()
        items = duty_forms.HandItemFormSet(prefix="items", initial=_initial_items(shift))
    collected = selectors.collect_open_items(user, shift, now)
    state = shift.state(now)
    return render(
        request,
        "duty/handover_write.html",
        {
            "shift": shift,
            "state": state,
            "started": state in (ShiftState.UNDER_WAY, ShiftState.OVER),
            "incoming": selectors.next_shift(shift),
            "open_items": selectors.open_items_shown(collected.items, user),
            "not_listed": collected.not_listed,
            "form": form,
            "items": items,
        },
        status=status,
    )


# --- a handover ------------------------------------------------------------------------------


def _handover_page(
    request: HttpRequest, handover: Handover, *, form: Any = None, status: int = 200
) -> HttpResponse:
    user = staff(request)
    now = timezone.now()
    allowed = services.allowed_handover_actions(user, handover)
    if form is None and HandoverAction.ACKNOWLEDGE in allowed:
        form = duty_forms.NoteForm(auto_id="id_acknowledge_%s")
    arrive = services.policy_of(handover.organisation).duty.arrive_before_minutes
    return render(
        request,
        "duty/handover.html",
        {
            "handover": handover,
            "late": handover.is_late(now),
            "open_items": selectors.open_items_shown(list(handover.open_items or []), user),
            "items": list(handover.items.all()),
            "form": form if HandoverAction.ACKNOWLEDGE in allowed else None,
            "arrive_from": handover.incoming_shift.starts_at - timedelta(minutes=arrive),
            "events": list(selectors.timeline_of(handover)),
        },
        status=status,
    )


def _get_handover(request: HttpRequest, pk: int) -> Handover:
    return selectors.handover_get(user=staff(request), pk=pk)


@login_required
def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _handover_page(request, _get_handover(request, pk))


@login_required
@require_POST
def handover_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    handover = _get_handover(request, pk)
    user = staff(request)
    form = duty_forms.NoteForm(request.POST, auto_id="id_acknowledge_%s")
    if not form.is_valid():
        return _handover_page(request, handover, form=form, status=422)
    try:
        services.handover_acknowledge(handover=handover, by=user, note=form.cleaned_data["note"])
    except ValidationFailed as exc:
        add_service_errors(form, _renamed(exc))
        return _handover_page(request, handover, form=form, status=422)
    except (ConflictError, PermissionDeniedError) as exc:
        return _refused(
            request, exc, lambda status: _handover_page(request, _get_handover(request, pk), status=status)
        )
    messages.success(request, _("Handover acknowledged."))
    return redirect("duty:handover", pk=pk)


@login_required
def handover_list(request: HttpRequest) -> HttpResponse:
    user = staff(request)
    now = timezone.now()
    form = duty_forms.HandoverFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters["post"] = data["post"] or None
        if data["state"] == "unacknowledged":
            filters["unacknowledged"] = True
        elif data["state"] == "late":
            filters["late"] = True
    department = parse_id(request.GET.get("department"))
    if department is not None:
        filters["department_id"] = department
    try:
        page = max(1, min(int(request.GET.get("page", "1")), 4000))
    except ValueError:
        page = 1
    handovers = selectors.handovers_list(user=user, now=now, **filters)
    rows = page_rows(handovers, (page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "duty/handovers.html",
        {
            "form": form,
            "rows": [{"handover": h, "late": h.is_late(now)} for h in rows[:PAGE_SIZE]],
            "page": page,
            "has_next": len(rows) > PAGE_SIZE,
            "query": query.urlencode(),
        },
    )
