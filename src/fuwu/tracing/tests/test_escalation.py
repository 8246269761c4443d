"""Written feedback left unwritten: the sweep of the clocks engine warns before the deadline, and
escalates along the policy's ``tracing_feedback`` chain (the presets: the department's heads at once,
the director a day later); a policy without the chain escalates to nobody, the deadline stays flagged
on the batch."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from fuwu.clocks import registry
from fuwu.clocks.sweep import sweep
from fuwu.notify.models import Notification
from fuwu.policy.schema import EscalationLevel
from fuwu.timeline.models import Event
from fuwu.tracing import clock_process, services
from fuwu.tracing.models import BatchEscalation

from .conftest import at

RETURNED = at(2026, 9, 24, 15, 0)  # the Thursday before 中秋
DUE = at(2026, 9, 28, 17, 30)
# The chain this app asks the presets for (product default): the department's heads at once, the
# director a day later.
CHAIN = [
    EscalationLevel(after_minutes=0, role="department_head"),
    EscalationLevel(after_minutes=1440, role="director"),
]


def returned(cast, register_batch):
    batch = register_batch(now=RETURNED, received_on=RETURNED.date())
    item = batch.items.get(name="换药包")
    services.batch_return(batch=batch, by=cast.tech, lines={item.pk: (1, 5)}, problem="湿包", now=RETURNED)
    return batch


@pytest.fixture
def without_chain():
    """The process under a policy that names no ``tracing_feedback`` chain."""
    registry.register(dataclasses.replace(clock_process.PROCESS, chain=lambda policy, kind: []))
    yield
    registry.register(clock_process.PROCESS)


@pytest.fixture
def with_chain():
    """The process with the chain given here (the presets' own, checked against the policy below)."""
    registry.register(dataclasses.replace(clock_process.PROCESS, chain=lambda policy, kind: CHAIN))
    yield
    registry.register(clock_process.PROCESS)


def test_the_presets_chain_is_the_one_tested(cast):
    from fuwu.policy.selectors import active_policy

    assert active_policy(cast.organisation).escalation.chain("tracing_feedback") == CHAIN


def test_without_a_chain_the_deadline_is_flagged_and_nobody_escalated_to(
    api, cast, register_batch, without_chain
):
    batch = returned(cast, register_batch)

    sweep(DUE - timedelta(minutes=1))
    sweep(DUE + timedelta(days=2))

    assert Notification.objects.filter(recipient=cast.tech, kind="approaching", batch=batch).count() == 1
    assert not BatchEscalation.objects.filter(batch=batch).exists()
    assert not Notification.objects.filter(batch=batch, kind__in=["escalated", "breached"]).exists()


def test_with_a_chain_the_late_feedback_escalates_once_per_level(cast, register_batch, with_chain):
    batch = returned(cast, register_batch)

    sweep(DUE - timedelta(minutes=1))
    assert not BatchEscalation.objects.filter(batch=batch).exists()
    sweep(DUE)
    sweep(DUE + timedelta(minutes=5))
    assert list(BatchEscalation.objects.filter(batch=batch).values_list("level", "role")) == [
        (1, "department_head")
    ]
    for minutes in (1440, 1500, 3000):
        sweep(DUE + timedelta(minutes=minutes))

    assert list(
        BatchEscalation.objects.filter(batch=batch).order_by("level").values_list("level", "role")
    ) == [
        (1, "department_head"),
        (2, "director"),
    ]
    assert Notification.objects.filter(recipient=cast.director, batch=batch, kind="escalated").count() == 1
    assert Event.objects.filter(subject_id=batch.pk, action="batch.escalated").count() == 2
