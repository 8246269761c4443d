"""The gate every batch action runs first (``_begin``: lock, state, person) and what the actions
share: the batch's state read from its prefetched rows (the steps of its policy, which are signed,
the counts each step is expected to confirm), its one timeline event, and the saves."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from fuwu.lib.errors import BusinessError, ConflictError, PermissionDeniedError
from fuwu.lib.worktime import WorkCalendar
from fuwu.org.models import User
from fuwu.policy.schema import PolicyDocument
from fuwu.policy.selectors import active_policy, policy_document_for_version
from fuwu.timeline.services import record_event
from fuwu.workcal.selectors import work_calendar_for

from .. import rules
from ..models import Batch, BatchItem, Entry, ItemReturn, StepSignature
from ..permissions import may
from ..rules import Action, Counts, Step


def policy_of(batch: Batch) -> PolicyDocument:
    """The policy version in force when the batch was registered: its steps stay the batch's."""
    version = batch.policy_version
    if version is not None:
        return policy_document_for_version(version)
    return active_policy(batch.organisation)


def with_state(queryset: QuerySet[Batch]) -> QuerySet[Batch]:
    """What the state of a batch is read from, in a fixed number of queries."""
    return queryset.select_related("organisation", "policy_version", "department").prefetch_related(
        Prefetch("items", queryset=BatchItem.objects.order_by("position", "id")),
        Prefetch(
            "signatures",
            queryset=StepSignature.objects.select_related("signed_by", "confirmed_by")
            .prefetch_related("counts")
            .order_by("position", "signed_at", "id"),
        ),
        Prefetch(
            "returns",
            queryset=ItemReturn.objects.select_related("returned_by", "feedback_by", "clock")
            .prefetch_related("lines")
            .order_by("returned_at", "id"),
        ),
    )


@dataclass
class BatchState:
    """A batch as its rows (prefetched with ``with_state``) say it is."""

    batch: Batch
    steps: list[Step]
    items: list[BatchItem] = field(default_factory=list)
    signatures: list[StepSignature] = field(default_factory=list)
    returns: list[ItemReturn] = field(default_factory=list)

    @classmethod
    def of(cls, batch: Batch, policy: PolicyDocument | None = None) -> BatchState:
        return cls(
            batch=batch,
            steps=rules.steps_of(policy or policy_of(batch)),
            items=list(batch.items.all()),
            signatures=list(batch.signatures.all()),
            returns=list(batch.returns.all()),
        )

    @cached_property
    def originals(self) -> dict[str, StepSignature]:
        """Each signed step's signature (not its corrections), by step code."""
        return {s.step: s for s in self.signatures if s.kind == Entry.SIGNATURE}

    def corrections_of(self, signature: StepSignature) -> list[StepSignature]:
        return [s for s in self.signatures if s.kind == Entry.CORRECTION and s.corrects_id == signature.pk]

    def effective(self, signature: StepSignature) -> StepSignature:
        """The entry whose counts hold: the latest correction, or the signature itself."""
        corrections = self.corrections_of(signature)
        return corrections[-1] if corrections else signature

    def counts_of(self, signature: StepSignature) -> dict[int, Counts]:
        return {c.item_id: (c.packages, c.pieces) for c in self.effective(signature).counts.all()}

    @property
    def next_step(self) -> Step | None:
        """The first step not complete (signed, and confirmed when it is a double check)."""
        for step in self.steps:
            signed = self.originals.get(step.code)
            if signed is None or not signed.is_complete:
                return step
        return None

    @property
    def pending(self) -> StepSignature | None:
        """The signature of a double-check step that waits for the second person's confirmation."""
        step = self.next_step
        signed = self.originals.get(step.code) if step is not None else None
        return signed if signed is not None and not signed.is_complete else None

    @property
    def registered(self) -> dict[int, Counts]:
        return {item.pk: (item.packages, item.pieces) for item in self.items}

    def expected_at(self, position: int) -> dict[int, Counts]:
        """What the step at ``position`` should count for each item (``rules.expected_counts``)."""
        reference, reference_position = None, -1
        count_step = rules.step_named(self.steps, rules.COUNT_STEP)
        if count_step is not None and count_step.position < position:
            signed = self.originals.get(count_step.code)
            if signed is not None and signed.is_complete:
                reference, reference_position = self.counts_of(signed), count_step.position
        return rules.expected_counts(
            position=position,
            registered=self.registered,
            reference=reference,
            reference_position=reference_position,
            returns=[
                rules.Returned(
                    r.position, {line.item_id: (line.packages, line.pieces) for line in r.lines.all()}
                )
                for r in self.returns
            ],
        )

    def remaining(self) -> dict[int, Counts]:
        """What is still in the batch: what the next step is expected to count (nothing once closed)."""
        step = self.next_step
        if step is None or self.batch.is_closed:
            return {item.pk: (0, 0) for item in self.items}
        return self.expected_at(step.position)

    def facts(self) -> rules.StateFacts:
        return rules.StateFacts(
            closed=self.batch.is_closed,
            awaiting_check=self.pending is not None,
            signed_steps=len(self.originals),
            remaining_pieces=sum(pieces for _packages, pieces in self.remaining().values()),
            open_returns=sum(1 for r in self.returns if not r.has_feedback),
        )

    def any_discrepancy(self, besides: StepSignature | None = None) -> bool:
        """Whether the counts holding for a step (its latest entry) differ from those expected, for
        any step but ``besides``."""
        return any(
            any(
                c.packages != c.expected_packages or c.pieces != c.expected_pieces for c in entry.counts.all()
            )
            for entry in (self.effective(s) for s in self.originals.values() if s != besides)
        )


def allowed_actions(user: User, batch: Batch, policy: PolicyDocument | None = None) -> list[Action]:
    """Actions ``user`` may take now on ``batch`` (prefetched with ``with_state``)."""
    state = BatchState.of(batch, policy)
    pending = state.pending
    first = pending.signed_by_id if pending is not None else None
    return [
        action
        for action in rules.actions_in_state(state.facts())
        if may(user, action, batch, first_signer_id=first)
    ]


@dataclass
class Context:
    """What an action needs besides its own input: the locked row and its state, policy, now."""

    batch: Batch
    by: User
    now: datetime
    policy: PolicyDocument
    state: BatchState

    @cached_property
    def calendar(self) -> WorkCalendar:
        return work_calendar_for(self.batch.organisation)


def _refused(
    action: Action, batch: Batch, reason: str, permitted: list[Action], **extra: Any
) -> ConflictError:
    return ConflictError(
        _("“%(action)s” is not possible now: %(reason)s.") % {"action": action.value, "reason": reason},
        extra={
            "allowed_actions": [a.value for a in permitted],
            "status": batch.status,
            "next_step": batch.next_step or None,
            **extra,
        },
    )


def _gate(by: User, action: Action, state: BatchState) -> BusinessError | None:
    """What refuses ``action`` by ``by`` on the batch in ``state``: its state (409) or the person
    (403); None when nothing does."""
    batch = state.batch
    pending = state.pending
    first = pending.signed_by_id if pending is not None else None
    facts = state.facts()
    reason = rules.why_not(action, facts)
    if reason is not None:
        permitted = [a for a in rules.actions_in_state(facts) if may(by, a, batch, first_signer_id=first)]
        return _refused(action, batch, reason, permitted)
    if not may(by, action, batch, first_signer_id=first):
        if action == Action.CONFIRM and by.pk == first:
            return PermissionDeniedError(
                _("You signed this step: the second signature of a double check is another person's.")
            )
        return PermissionDeniedError(_("Only the staff of the department handling the batch do its work."))
    return None


def refusal(user: User, batch: Batch, action: Action) -> BusinessError | None:
    """The answer the gate would give ``user`` for ``action`` now (``batch`` prefetched with
    ``with_state``): for a page that offers only the allowed actions and meets a forged one."""
    return _gate(user, action, BatchState.of(batch))


def _begin(batch: Batch, action: Action, by: User, now: datetime | None) -> Context:
    """Lock the row, then refuse an action the state (409) or the person (403) does not allow."""
    locked = with_state(Batch.objects.select_for_update(of=("self",))).get(pk=batch.pk)
    now = now or timezone.now()
    policy = policy_of(locked)
    state = BatchState.of(locked, policy)
    error = _gate(by, action, state)
    if error is not None:
        raise error
    return Context(batch=locked, by=by, now=now, policy=policy, state=state)


def _event(ctx: Context, action: str, changes: Mapping[str, Any] | None = None, reason: str = "") -> None:
    record_event(
        subject=ctx.batch,
        action=action,
        actor=ctx.by,
        changes=changes,
        reason=reason,
        at=ctx.now,
        organisation=ctx.batch.organisation,
    )


def _save(batch: Batch, *fields: str) -> None:
    batch.save(update_fields=[*fields, "updated_at"])


__all__ = ["BatchState", "Context", "allowed_actions", "policy_of", "refusal", "with_state"]
