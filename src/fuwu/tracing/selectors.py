"""Reading batches. Everything starts from ``visibility_rules.batches_for_user``: a batch outside it
does not exist for the caller (``batch_get`` raises Http404).

- ``batches_list(user=..., <filters>)``: the visible batches, filtered, newest first, with what a
  row shows joined, annotated or prefetched: the number of queries does not depend on the rows.
- ``batch_get(user=..., pk=...)``: one visible batch with everything its page shows prefetched.
- ``trace(user=..., q=...)``: the batches a number, an item's name or a unit names, each item
  through every step end to end (who signed what and when, the counts, returns and feedback), in a
  fixed number of queries for at most ``limit`` batches.
- ``steps_shown(state)`` / ``items_traced(state)``: a batch's steps and its items' way through
  them, from its prefetched rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from fuwu import visibility
from fuwu.clocks import annotations as clock_annotations
from fuwu.timeline.models import Event
from fuwu.timeline.selectors import events_for

from .models import Batch, BatchClock, BatchItem, ItemReturn, ReturnLine, StepCount, StepSignature
from .rules import Step
from .services.context import BatchState, policy_of, with_state
from .visibility_rules import batches_for_user

LIST_RELATED = ("department", "registered_by")
TRACE_LIMIT = 20
MAX_TRACE_LIMIT = 50
MAX_WORDS = 10


def _matching(queryset: QuerySet[Batch], q: str) -> QuerySet[Batch]:
    """Every word in the number, the unit's name or one of the items' names."""
    for word in q.split()[:MAX_WORDS]:
        named = BatchItem.objects.filter(batch_id=OuterRef("pk"), name__icontains=word)
        queryset = queryset.filter(
            Q(number__icontains=word) | Q(unit_name__icontains=word) | Q(Exists(named))
        )
    return queryset


def batches_list(
    *,
    user: Any,
    is_open: bool | None = None,
    step: str | None = None,
    department_id: int | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    now: datetime | None = None,
) -> QuerySet[Batch]:
    """Visible batches matching every filter given, newest first. ``step``: the step to sign next;
    ``department_id``: that department and those below it; ``overdue``: written feedback past its
    deadline."""
    now = now or timezone.now()
    queryset = batches_for_user(user)
    if is_open is not None:
        queryset = queryset.filter(closed_at__isnull=is_open)
    if step:
        queryset = queryset.filter(next_step=step, closed_at__isnull=True)
    if department_id is not None:
        department = visibility.departments_for_user(user).filter(pk=department_id).first()
        if department is None:
            return queryset.none()
        queryset = queryset.filter(department__path__startswith=department.path)
    if received_from is not None:
        queryset = queryset.filter(received_on__gte=received_from)
    if received_to is not None:
        queryset = queryset.filter(received_on__lte=received_to)
    if overdue is not None:
        exists = clock_annotations.overdue_exists(BatchClock, now)
        queryset = queryset.filter(exists) if overdue else queryset.exclude(exists)
    if q:
        queryset = _matching(queryset, q)
    return (
        queryset.select_related(*LIST_RELATED)
        .prefetch_related(Prefetch("items", queryset=BatchItem.objects.order_by("position", "id")))
        .annotate(
            is_overdue=clock_annotations.is_overdue(BatchClock, now),
            next_due_at=clock_annotations.next_due(BatchClock),
        )
        .order_by("-received_on", "-id")
    )


def with_detail_related(queryset: QuerySet[Batch]) -> QuerySet[Batch]:
    return with_state(queryset).select_related("registered_by", "customer").prefetch_related("clocks")


def batch_get(*, user: Any, pk: Any) -> Batch:
    """One visible batch with its items, signatures and counts, returns and clocks; Http404 when
    absent or not visible."""
    return visibility.get_visible_or_404(with_detail_related(batches_for_user(user)), pk=pk)


def timeline_of(batch: Batch) -> QuerySet[Event]:
    return events_for(batch)


# --- a batch's steps and its items' way through them --------------------------------------------


@dataclass
class StepShown:
    """One step of the batch's policy as it stands: signed (and by whom), awaiting the second
    signature, the next one, or still ahead; its counts per item and its corrections."""

    step: Step
    signature: StepSignature | None
    corrections: list[StepSignature]
    counts: dict[int, StepCount]  # item id → the count that holds (the latest correction's)
    is_next: bool

    @property
    def state(self) -> str:
        if self.signature is None:
            return "next" if self.is_next else "ahead"
        return "done" if self.signature.is_complete else "awaiting_check"

    @property
    def has_discrepancy(self) -> bool:
        return any(c.differs for c in self.counts.values())


def steps_shown(state: BatchState) -> list[StepShown]:
    following = state.next_step if not state.batch.is_closed else None
    shown = []
    for step in state.steps:
        signature = state.originals.get(step.code)
        corrections = state.corrections_of(signature) if signature is not None else []
        entry = state.effective(signature) if signature is not None else None
        counts = {c.item_id: c for c in entry.counts.all()} if entry is not None else {}
        shown.append(
            StepShown(
                step=step,
                signature=signature,
                corrections=corrections,
                counts=counts,
                is_next=following is not None and following.code == step.code and signature is None,
            )
        )
    return shown


@dataclass
class ItemStep:
    step: StepShown
    count: StepCount | None  # None: not counted at that step (not signed yet, or wholly returned)
    first_count: StepCount | None  # the signed count, when a correction replaced it


@dataclass
class ItemReturned:
    item_return: ItemReturn
    line: ReturnLine


@dataclass
class ItemTrace:
    item: BatchItem
    steps: list[ItemStep] = field(default_factory=list)
    returns: list[ItemReturned] = field(default_factory=list)


def items_traced(state: BatchState, shown: list[StepShown] | None = None) -> list[ItemTrace]:
    """Each item through every step of the batch: the count that holds at each, the count first
    signed when a correction replaced it, and the returns it was part of."""
    shown = shown if shown is not None else steps_shown(state)
    traced = []
    for item in state.items:
        steps = []
        for step in shown:
            count = step.counts.get(item.pk)
            first = None
            if step.corrections and step.signature is not None:
                first = next((c for c in step.signature.counts.all() if c.item_id == item.pk), None)
            steps.append(ItemStep(step=step, count=count, first_count=first))
        returns = [
            ItemReturned(item_return=r, line=line)
            for r in state.returns
            for line in r.lines.all()
            if line.item_id == item.pk
        ]
        traced.append(ItemTrace(item=item, steps=steps, returns=returns))
    return traced


# --- trace --------------------------------------------------------------------------------------


@dataclass
class TracedBatch:
    batch: Batch
    state: BatchState
    steps: list[StepShown]
    items: list[ItemTrace]


@dataclass
class TraceResult:
    q: str
    batches: list[TracedBatch]
    more: bool  # more batches match than were read: narrow the search


def trace(
    *,
    user: Any,
    q: str,
    limit: int = TRACE_LIMIT,
    received_from: date | None = None,
    received_to: date | None = None,
) -> TraceResult:
    """Visible batches whose number, unit or an item's name contains every word of ``q``, newest
    first, at most ``limit`` of them (``more``: there are others)."""
    q = " ".join(q.split())
    if not q:
        return TraceResult(q="", batches=[], more=False)
    limit = max(1, min(limit, MAX_TRACE_LIMIT))
    queryset = _matching(batches_for_user(user), q)
    if received_from is not None:
        queryset = queryset.filter(received_on__gte=received_from)
    if received_to is not None:
        queryset = queryset.filter(received_on__lte=received_to)
    ids = list(queryset.order_by("-received_on", "-id").values_list("pk", flat=True)[: limit + 1])
    more = len(ids) > limit
    ids = ids[:limit]
    rows = {b.pk: b for b in with_detail_related(Batch.objects.filter(pk__in=ids))}
    policies: dict[Any, Any] = {}  # one document per policy version, not one look-up per batch
    batches = []
    for pk in ids:
        batch = rows[pk]
        key = (batch.organisation_id, batch.policy_version_id)
        if key not in policies:
            policies[key] = policy_of(batch)
        state = BatchState.of(batch, policies[key])
        shown = steps_shown(state)
        batches.append(TracedBatch(batch=batch, state=state, steps=shown, items=items_traced(state, shown)))
    return TraceResult(q=q, batches=batches, more=more)


__all__ = [
    "ItemTrace",
    "StepShown",
    "TraceResult",
    "batch_get",
    "batches_list",
    "items_traced",
    "steps_shown",
    "timeline_of",
    "trace",
]
