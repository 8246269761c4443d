"""What each process tells the approvals engine (ADR: shared process engines).

A process registers one ``ApprovalProcess``: the model of its records, the kinds of approval it asks
(each with a person-readable label and the handler that applies a decision), who may decide, and how
the inbox shows one of its records. The engine knows nothing else about the process.

Work orders register theirs in ``fuwu.workorders.approvals`` (from ``WorkordersConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.utils.functional import Promise

if TYPE_CHECKING:
    from fuwu.org.models import User

    from .models import Approval


@dataclass(frozen=True)
class Decision:
    """A decision being applied: handed to the kind's ``apply`` inside the decision's transaction,
    after the approval row has been marked decided."""

    approval: Approval
    approved: bool
    by: User
    note: str
    now: datetime
    params: Mapping[str, Any]
    context: Any  # what the process's ``gate`` returned (work orders: the locked work order's context)


@dataclass(frozen=True)
class ApprovalKind:
    key: str
    label: str | Promise
    # Applies the decision to the record and writes the process's one timeline event for it.
    apply: Callable[[Decision], Any]
    note_required_on_deny: bool = False


@dataclass(frozen=True)
class RecordSummary:
    """How the inbox shows the record an approval concerns, in what the user may see."""

    title: str
    url: str
    summary: str = ""
    department: str = ""


@dataclass
class ApprovalProcess:
    model: type[Model]
    label: str | Promise  # what one record is called, e.g. "Work order"
    kinds: Sequence[ApprovalKind]
    # The approvals of this process ``user`` may see and decide, as a filter on ``Approval`` (the
    # engine adds the content type and the pending status).
    inbox_q: Callable[[User], Q]
    # Whether ``user`` may decide ``approval``; ``context`` is what ``gate`` returned.
    may_decide: Callable[[User, Approval, Any], bool]
    # The inbox rows' records, by id, in a bounded number of queries whatever their number.
    describe: Callable[[User, Sequence[int]], Mapping[int, RecordSummary]]
    # Whether ``user`` decides approvals of this process at all (the inbox in the navigation).
    approves_anything: Callable[[User], bool]
    # Locks the record and checks that its state allows the decision (raises BusinessError); what it
    # returns reaches ``may_decide`` and the handler as the context. Default: the locked record.
    gate: Callable[[Approval, User, bool, datetime], Any] | None = None
    _kinds: dict[str, ApprovalKind] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._kinds = {kind.key: kind for kind in self.kinds}

    @property
    def content_type(self) -> ContentType:
        return ContentType.objects.get_for_model(self.model)

    def kind(self, key: str) -> ApprovalKind:
        return self._kinds[key]

    def begin(self, approval: Approval, by: User, approved: bool, now: datetime) -> Any:
        if self.gate is not None:
            return self.gate(approval, by, approved, now)
        return self.model._default_manager.select_for_update().get(pk=approval.object_id)


_processes: dict[str, ApprovalProcess] = {}  # by "app_label.model"
_kinds: dict[str, tuple[ApprovalKind, ApprovalProcess]] = {}


def register(process: ApprovalProcess) -> None:
    """Registers a process's approvals (idempotent for the same model, so a reload does no harm).
    Kind keys are one namespace across processes: a key taken by another process is refused."""
    label = process.model._meta.label_lower
    for kind in process.kinds:
        taken = _kinds.get(kind.key)
        if taken is not None and taken[1].model is not process.model:
            raise ValueError(f"approval kind {kind.key!r} is registered by {taken[1].model._meta.label}")
    _processes[label] = process
    for kind in process.kinds:
        _kinds[kind.key] = (kind, process)


def processes() -> list[ApprovalProcess]:
    return list(_processes.values())


def process_for_model(model: type[Model]) -> ApprovalProcess:
    return _processes[model._meta.label_lower]


def process_of(approval: Approval) -> ApprovalProcess:
    content_type = ContentType.objects.get_for_id(approval.content_type_id)
    return _processes[f"{content_type.app_label}.{content_type.model}"]


def kind_of(key: str) -> ApprovalKind:
    return _kinds[key][0]


def kind_label(key: str) -> str:
    found = _kinds.get(key)
    return str(found[0].label) if found else key


def kind_choices() -> list[tuple[str, str]]:
    return [(key, str(kind.label)) for key, (kind, _process) in _kinds.items()]
