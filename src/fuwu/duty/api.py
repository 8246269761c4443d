"""``/api/v1/duty``: rosters (shifts), swaps of shifts and the handover at each change of shift.

Every endpoint on one record first looks it up through the caller's visibility: one outside it
answers 404 whatever else is wrong with the request. Then, as everywhere:

- 422 ``invalid``: a field is missing or wrong (``fields`` names each one); nothing is written. A
  person, a department or a shift the caller may not see is a field error that does not name it.
- 409 ``conflict``: not possible in the record's current state (the shift has started, a swap is
  under way, the handover is acknowledged already, two shifts would overlap …); the body carries
  ``allowed_actions`` and ``status`` where there are.
- 403 ``permission_denied``: the state allows the action, the caller's role does not (someone other
  than the person on the shift asking for a swap, the outgoing person acknowledging their own
  handover, one of the two swapping deciding the swap …).

A swap is decided by the supervisor through the approvals engine: ``POST /api/v1/approvals/{id}/
approve`` or ``/deny``, the id being the swap's ``approval.id``. Who works a shift changes only then.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status as HttpStatus
from pydantic import AfterValidator

from fuwu import visibility
from fuwu.approvals.models import Approval
from fuwu.lib.endpoints import PathId, caller, found, ref, visible
from fuwu.lib.errors import FieldErrors, PermissionDeniedError
from fuwu.lib.paging import page_count, page_rows
from fuwu.org.models import Department, Role, User

from . import selectors, services
from .models import OPEN_SWAP_STATUSES, Handover, ItemKind, Shift, SwapRequest, SwapStatus
from .rules import HandoverAction, ShiftAction, SwapAction
from .schemas import (
    DutyNoteIn,
    DutyOpenItemsOut,
    DutyOptionalReasonIn,
    DutyPostOut,
    DutyReasonIn,
    HandoverIn,
    HandoverOut,
    HandoverPage,
    HandoverQuery,
    RosterIn,
    RosterOut,
    ShiftIn,
    ShiftOut,
    ShiftPage,
    ShiftPatchIn,
    ShiftQuery,
    SwapIn,
    SwapOut,
    SwapPage,
    SwapQuery,
)
from .visibility_rules import shifts_for_user

router = Router(tags=["duty"])


def _shift(user: User, pk: int) -> Shift:
    return selectors.shift_get(user=user, pk=pk)


def _swap(user: User, pk: int) -> SwapRequest:
    return selectors.swap_get(user=user, pk=pk)


def _handover(user: User, pk: int) -> Handover:
    return selectors.handover_get(user=user, pk=pk)


# The record named in the path must be visible to the caller, else 404 — before the body is read.
VisibleShiftId = Annotated[PathId, AfterValidator(visible("shift", _shift))]
VisibleSwapId = Annotated[PathId, AfterValidator(visible("swap", _swap))]
VisibleHandoverId = Annotated[PathId, AfterValidator(visible("handover", _handover))]


def _action(
    prefix: str, parameter: str, kind: str, response: Any
) -> Callable[[Any, str], Callable[[Callable[..., Any]], Callable[..., Any]]]:
    """``POST /<prefix>/{<parameter>}/<verb>``, operation id ``<kind>_<verb>``."""

    def action(verb: Any, summary: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        return router.post(
            f"/{prefix}/{{{parameter}}}/{verb.value}",
            response=response,
            summary=summary,
            operation_id=f"{kind}_{verb.value.replace('-', '_')}",
        )

    return action


# --- what the answers show -------------------------------------------------------------------


def shift_brief(shift: Shift | None) -> dict[str, Any] | None:
    if shift is None:
        return None
    return {
        "id": shift.pk,
        "post": shift.post,
        "person": ref(shift.person),
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
    }


def shift_row(shift: Shift, now: datetime) -> dict[str, Any]:
    state = shift.state(now)
    handover = getattr(shift, "handover", None)
    return {
        **(shift_brief(shift) or {}),
        "pattern": shift.pattern,
        "department": ref(shift.department),
        "state": state.value,
        "state_label": str(state.label),
        "cancelled_at": shift.cancelled_at,
        "swap_under_way": bool(getattr(shift, "has_open_swap", False)),
        "handover_id": handover.pk if handover is not None else None,
    }


def _events(record: Any, user: User) -> list[dict[str, Any]]:
    shown = visibility.PhoneShown(user)
    return [
        {
            "at": e.at,
            "action": e.action,
            "actor": e.actor_label,
            "changes": shown.in_value(e.changes or {}),
            "reason": e.reason,
        }
        for e in selectors.timeline_of(record)
    ]


def shift_detail(shift: Shift, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    received = selectors.received_handover(shift)
    return {
        **shift_row(shift, now),
        "created_by": ref(shift.created_by),
        "created_at": shift.created_at,
        "cancelled_by": ref(shift.cancelled_by),
        "cancel_reason": shift.cancel_reason,
        "next_shift": shift_brief(selectors.next_shift(shift)),
        "received_handover_id": received.pk if received is not None else None,
        "events": _events(shift, user),
        "allowed_actions": [a.value for a in services.allowed_shift_actions(user, shift, now)],
    }


def _shift_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = caller(request)
    return shift_detail(selectors.shift_get(user=user, pk=pk), user)


def swap_row(swap: SwapRequest) -> dict[str, Any]:
    return {
        "id": swap.pk,
        "status": swap.status,
        "status_label": swap.get_status_display(),
        "department": ref(swap.department),
        "shift": shift_brief(swap.shift),
        "counter_shift": shift_brief(swap.counter_shift),
        "requester": ref(swap.requester),
        "colleague": ref(swap.colleague),
        "reason": swap.reason,
        "requested_at": swap.requested_at,
    }


def _approval_of(swap: SwapRequest) -> Approval | None:
    from fuwu.approvals.services import approvals_of

    return approvals_of(swap).filter(kind=services.APPROVAL_KIND).order_by("-requested_at", "-id").first()


def swap_detail(swap: SwapRequest, user: User, now: datetime | None = None) -> dict[str, Any]:
    approval = _approval_of(swap)
    roles = dict(Role.choices)
    return {
        **swap_row(swap),
        "answered_at": swap.answered_at,
        "answer_note": swap.answer_note,
        "decided_by": ref(swap.decided_by),
        "decided_at": swap.decided_at,
        "decision_note": swap.decision_note,
        "withdrawn_at": swap.withdrawn_at,
        "approval": {
            "id": approval.pk,
            "status": approval.status,
            "status_label": approval.get_status_display(),
            "approver_role": approval.approver_role,
            "approver_role_label": str(roles.get(approval.approver_role, approval.approver_role)),
        }
        if approval is not None
        else None,
        "events": _events(swap, user),
        "allowed_actions": [a.value for a in services.allowed_swap_actions(user, swap, now)],
    }


def _swap_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = caller(request)
    return swap_detail(selectors.swap_get(user=user, pk=pk), user)


def handover_row(handover: Handover, now: datetime) -> dict[str, Any]:
    return {
        "id": handover.pk,
        "post": handover.post,
        "department": ref(handover.department),
        "shift": shift_brief(handover.shift),
        "incoming_shift": shift_brief(handover.incoming_shift),
        "written_by": ref(handover.written_by),
        "written_at": handover.written_at,
        "due_at": handover.due_at,
        "acknowledged_by": ref(handover.acknowledged_by),
        "acknowledged_at": handover.acknowledged_at,
        "late": handover.is_late(now),
        "open_item_count": len(handover.open_items or []) + handover.open_items_not_listed,
    }


def _open_items(items: list[dict[str, Any]], user: User) -> list[dict[str, Any]]:
    return [
        {
            "kind": item.kind,
            "kind_label": item.kind_label,
            "id": item.id,
            "number": item.number,
            "title": item.title,
            "status": item.status,
            "status_label": item.status_label,
            "url": item.url,
            "visible": item.visible,
        }
        for item in selectors.open_items_shown(items, user)
    ]


def handover_detail(handover: Handover, user: User, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    kinds = dict(ItemKind.choices)
    return {
        **handover_row(handover, now),
        "notes": handover.notes,
        "open_items": _open_items(list(handover.open_items or []), user),
        "open_items_not_listed": handover.open_items_not_listed,
        "items": [
            {"kind": i.kind, "kind_label": str(kinds.get(i.kind, i.kind)), "text": i.text, "count": i.count}
            for i in handover.items.all()
        ],
        "acknowledge_note": handover.acknowledge_note,
        "events": _events(handover, user),
        "allowed_actions": [a.value for a in services.allowed_handover_actions(user, handover)],
    }


def _handover_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = caller(request)
    return handover_detail(selectors.handover_get(user=user, pk=pk), user)


# --- looking up what a body names ------------------------------------------------------------


def _department(user: User, pk: int, errors: FieldErrors, field: str = "department_id") -> Department | None:
    department = visibility.departments_for_user(user).filter(pk=pk, is_active=True).first()
    if department is None:
        errors.add(field, _("no such department"))
    return department


def _person(user: User, pk: int | None, errors: FieldErrors, field: str) -> User | None:
    if pk is None:
        return None
    person = visibility.staff_for_user(user).filter(pk=pk).first()
    if person is None:
        errors.add(field, _("no such member of staff"))
    return person


def _visible_shift(user: User, pk: int | None, errors: FieldErrors, field: str) -> Shift | None:
    if pk is None:
        return None
    shift = shifts_for_user(user).select_related("organisation", "department", "person").filter(pk=pk).first()
    if shift is None:
        errors.add(field, _("no such shift"))
    return shift


# --- shifts ----------------------------------------------------------------------------------


@router.get("/posts", response=list[DutyPostOut], summary="The posts on the rosters you see")
def list_posts(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"name": p.name, "department": {"id": p.department_id, "name": p.department_name}}
        for p in selectors.posts_for_user(caller(request))
    ]


@router.get("/shifts", response=ShiftPage, summary="List shifts (by post, person, department, days)")
def list_shifts(request: HttpRequest, filters: Query[ShiftQuery]) -> dict[str, Any]:
    """By start. ``count`` is exact up to 1,000 (or to the end of the page asked for)."""
    user = caller(request)
    if filters.starts_from and filters.starts_to and filters.starts_to < filters.starts_from:
        errors = FieldErrors()
        errors.add("starts_to", _("must not be before starts_from"))
        errors.raise_if_any()
    shifts = selectors.shifts_list(
        user=user,
        post=filters.post,
        person_id=filters.person,
        department_id=filters.department,
        starts_from=filters.starts_from,
        starts_to=filters.starts_to,
        include_cancelled=filters.include_cancelled,
    )
    page = page_rows(shifts, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(shifts, offset=filters.offset, limit=filters.limit)
    now = timezone.now()
    return {"items": [shift_row(s, now) for s in page], "count": count, "count_exact": exact}


@router.post("/shifts", response={201: ShiftOut}, summary="Put one shift on a post's roster (heads)")
def create_shift(request: HttpRequest, payload: ShiftIn) -> HttpStatus[dict[str, Any]]:
    user = caller(request)
    errors = FieldErrors()
    department = _department(user, payload.department_id, errors)
    person = _person(user, payload.person_id, errors, "person_id")
    errors.raise_if_any()
    assert user.organisation is not None
    shift = services.shift_create(
        organisation=user.organisation,
        by=user,
        department=department,
        post=payload.post,
        person=person,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )
    return HttpStatus(201, _shift_detail(request, shift.pk))


@router.post(
    "/shifts/generate",
    response={201: RosterOut},
    summary="Generate a roster from a policy shift pattern, people in turn (heads)",
)
def generate_roster(request: HttpRequest, payload: RosterIn) -> HttpStatus[dict[str, Any]]:
    """One shift a day from ``first_day`` to ``last_day``, holidays included (a post on a roster is
    staffed every day); all or nothing: one overlap refuses the whole roster (409)."""
    user = caller(request)
    errors = FieldErrors()
    department = _department(user, payload.department_id, errors)
    people: list[User | None] = []
    for pk in payload.person_ids:
        person = _person(user, pk, errors, "person_ids")
        people.append(person)
    errors.raise_if_any()
    assert user.organisation is not None
    shifts = services.roster_generate(
        organisation=user.organisation,
        by=user,
        department=department,
        post=payload.post,
        pattern=payload.pattern,
        first_day=payload.first_day,
        last_day=payload.last_day,
        people=people,
    )
    now = timezone.now()
    listed = selectors.with_row_related(Shift.objects.filter(pk__in=[s.pk for s in shifts])).order_by(
        "starts_at"
    )
    return HttpStatus(201, {"items": [shift_row(s, now) for s in listed], "count": len(shifts)})


def _visible_shift_of(request: HttpRequest, shift_id: int) -> tuple[User, Shift]:
    return found(request, "shift", shift_id, _shift)


@router.get("/shifts/{shift_id}", response=ShiftOut, summary="One shift with its timeline and actions")
def get_shift(request: HttpRequest, shift_id: VisibleShiftId) -> dict[str, Any]:
    user, shift = _visible_shift_of(request, shift_id)
    return shift_detail(shift, user)


@router.patch(
    "/shifts/{shift_id}",
    response=ShiftOut,
    summary="Reschedule a shift before it starts (heads; never who works it)",
)
def update_shift(request: HttpRequest, shift_id: VisibleShiftId, payload: ShiftPatchIn) -> dict[str, Any]:
    user, shift = _visible_shift_of(request, shift_id)
    given = payload.model_fields_set
    services.shift_update(
        shift=shift,
        by=user,
        **{name: getattr(payload, name) for name in ("starts_at", "ends_at", "post") if name in given},
    )
    return _shift_detail(request, shift_id)


shift_action = _action("shifts", "shift_id", "shift", ShiftOut)


@shift_action(ShiftAction.CANCEL, "Cancel a shift before it starts, with a reason (heads)")
def cancel_shift(request: HttpRequest, shift_id: VisibleShiftId, payload: DutyReasonIn) -> dict[str, Any]:
    user, shift = _visible_shift_of(request, shift_id)
    services.shift_cancel(shift=shift, by=user, reason=payload.reason)
    return _shift_detail(request, shift_id)


@router.get(
    "/shifts/{shift_id}/open-items",
    response=DutyOpenItemsOut,
    summary="What the handover of this shift would list now (the person on it)",
)
def preview_open_items(request: HttpRequest, shift_id: VisibleShiftId) -> dict[str, Any]:
    user, shift = _visible_shift_of(request, shift_id)
    if user.pk != shift.person_id:
        raise PermissionDeniedError(_("Only the person on the shift does this."))
    collected = selectors.collect_open_items(user, shift, timezone.now())
    return {"items": _open_items(collected.items, user), "not_listed": collected.not_listed}


@router.post(
    "/shifts/{shift_id}/handover",
    response={201: HandoverOut},
    summary="Write the handover of a shift to the next one (the outgoing person)",
    operation_id="shift_handover",
)
def write_handover(
    request: HttpRequest, shift_id: VisibleShiftId, payload: HandoverIn
) -> HttpStatus[dict[str, Any]]:
    """The open items are collected now, as the outgoing person sees them."""
    user, shift = _visible_shift_of(request, shift_id)
    handover = services.handover_write(
        shift=shift,
        by=user,
        items=[services.ItemInput(i.kind, i.text, i.count) for i in payload.items],
        notes=payload.notes,
    )
    return HttpStatus(201, _handover_detail(request, handover.pk))


# --- swaps -----------------------------------------------------------------------------------


@router.get("/swaps", response=SwapPage, summary="List swaps of shifts")
def list_swaps(request: HttpRequest, filters: Query[SwapQuery]) -> dict[str, Any]:
    user = caller(request)
    statuses: list[str] | None = [filters.status] if filters.status else None
    if filters.open is not None:
        chosen = (
            list(OPEN_SWAP_STATUSES)
            if filters.open
            else [s for s in SwapStatus.values if s not in OPEN_SWAP_STATUSES]
        )
        statuses = [s for s in chosen if statuses is None or s in statuses]
        if not statuses:
            return {"items": [], "count": 0, "count_exact": True}
    swaps = selectors.swaps_list(
        user=user,
        statuses=statuses,
        person_id=filters.person,
        shift_id=filters.shift,
        department_id=filters.department,
    )
    page = page_rows(swaps, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(swaps, offset=filters.offset, limit=filters.limit)
    return {"items": [swap_row(s) for s in page], "count": count, "count_exact": exact}


@router.post("/swaps", response={201: SwapOut}, summary="Ask a colleague to take your shift")
def create_swap(request: HttpRequest, payload: SwapIn) -> HttpStatus[dict[str, Any]]:
    user = caller(request)
    errors = FieldErrors()
    shift = _visible_shift(user, payload.shift_id, errors, "shift_id")
    colleague = _person(user, payload.colleague_id, errors, "colleague_id")
    counter = _visible_shift(user, payload.counter_shift_id, errors, "counter_shift_id")
    errors.raise_if_any()
    assert shift is not None
    swap = services.swap_request(
        shift=shift, by=user, colleague=colleague, counter_shift=counter, reason=payload.reason
    )
    return HttpStatus(201, _swap_detail(request, swap.pk))


def _visible_swap_of(request: HttpRequest, swap_id: int) -> tuple[User, SwapRequest]:
    return found(request, "swap", swap_id, _swap)


@router.get("/swaps/{swap_id}", response=SwapOut, summary="One swap with its approval and timeline")
def get_swap(request: HttpRequest, swap_id: VisibleSwapId) -> dict[str, Any]:
    user, swap = _visible_swap_of(request, swap_id)
    return swap_detail(swap, user)


swap_action = _action("swaps", "swap_id", "swap", SwapOut)


@swap_action(SwapAction.AGREE, "The colleague agrees: the supervisor is asked (approvals)")
def agree_swap(request: HttpRequest, swap_id: VisibleSwapId, payload: DutyNoteIn) -> dict[str, Any]:
    user, swap = _visible_swap_of(request, swap_id)
    services.swap_agree(swap=swap, by=user, note=payload.note)
    return _swap_detail(request, swap_id)


@swap_action(SwapAction.DECLINE, "The colleague declines")
def decline_swap(request: HttpRequest, swap_id: VisibleSwapId, payload: DutyNoteIn) -> dict[str, Any]:
    user, swap = _visible_swap_of(request, swap_id)
    services.swap_decline(swap=swap, by=user, note=payload.note)
    return _swap_detail(request, swap_id)


@swap_action(SwapAction.WITHDRAW, "The requester withdraws the swap (before the decision)")
def withdraw_swap(
    request: HttpRequest, swap_id: VisibleSwapId, payload: DutyOptionalReasonIn
) -> dict[str, Any]:
    user, swap = _visible_swap_of(request, swap_id)
    services.swap_withdraw(swap=swap, by=user, reason=payload.reason)
    return _swap_detail(request, swap_id)


# --- handovers -------------------------------------------------------------------------------


@router.get("/handovers", response=HandoverPage, summary="List handovers (late ones flagged)")
def list_handovers(request: HttpRequest, filters: Query[HandoverQuery]) -> dict[str, Any]:
    user = caller(request)
    now = timezone.now()
    handovers = selectors.handovers_list(
        user=user,
        post=filters.post,
        department_id=filters.department,
        unacknowledged=filters.unacknowledged,
        late=filters.late,
        incoming_person_id=filters.incoming,
        written_from=filters.written_from,
        written_to=filters.written_to,
        now=now,
    )
    page = page_rows(handovers, filters.offset, filters.offset + filters.limit)
    count, exact = page_count(handovers, offset=filters.offset, limit=filters.limit)
    return {"items": [handover_row(h, now) for h in page], "count": count, "count_exact": exact}


def _visible_handover_of(request: HttpRequest, handover_id: int) -> tuple[User, Handover]:
    return found(request, "handover", handover_id, _handover)


@router.get(
    "/handovers/{handover_id}", response=HandoverOut, summary="One handover with its items and timeline"
)
def get_handover(request: HttpRequest, handover_id: VisibleHandoverId) -> dict[str, Any]:
    user, handover = _visible_handover_of(request, handover_id)
    return handover_detail(handover, user)


handover_action = _action("handovers", "handover_id", "handover", HandoverOut)


@handover_action(HandoverAction.ACKNOWLEDGE, "Acknowledge (sign) a handover (the incoming person)")
def acknowledge_handover(
    request: HttpRequest, handover_id: VisibleHandoverId, payload: DutyNoteIn
) -> dict[str, Any]:
    user, handover = _visible_handover_of(request, handover_id)
    services.handover_acknowledge(handover=handover, by=user, note=payload.note)
    return _handover_detail(request, handover_id)


__all__ = ["router"]
