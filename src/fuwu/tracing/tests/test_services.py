"""A batch's life through its services: registered at the counter, every step of the policy signed
in order with the counts, the double check by two different people, discrepancies recorded with
their reason, corrections as new entries, nonconforming returns with written feedback due on the
next working day (holidays and make-up days counted), closing and the retention date — and every
refusal (409 for the state, 403 for the person, 422 for the input) leaving the batch as it was."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.utils.translation import gettext

from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.timeline.display import unlabelled_keys
from fuwu.timeline.models import Event
from fuwu.timeline.services import verify_chain
from fuwu.tracing import services
from fuwu.tracing.models import (
    REGISTERED,
    Batch,
    BatchClock,
    BatchItem,
    Entry,
    RetentionError,
    StepCount,
    StepSignature,
)
from fuwu.tracing.rules import retained_until

from .conftest import STEPS, at, expected, sign, sign_through


def actions_of(batch: Batch) -> list[str]:
    return list(
        Event.objects.filter(subject_id=batch.pk, action__startswith="batch.")
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


def test_a_batch_end_to_end_from_collection_to_delivery(cast, register_batch):
    # given a batch registered at the counter
    batch = register_batch()
    assert batch.number == "XD260921-001"
    assert (batch.status, batch.next_step, batch.next_step_label) == (REGISTERED, "collect", "回收")
    assert [(i.name, i.packages, i.pieces) for i in batch.items.all()] == [
        ("换药包", 2, 10),
        ("止血钳", 0, 6),
    ]

    # when every step is signed in order, the packing checked by a second person
    for index, step in enumerate(STEPS):
        moment = at(2026, 9, 21, 10 + index)
        signature = services.batch_sign(
            batch=batch, by=cast.tech, step=step, counts=expected(batch), now=moment
        )
        if step == "pack":
            batch.refresh_from_db()
            assert batch.awaiting_check
            assert batch.status == "clean"  # not complete until the second signature
            services.batch_confirm(batch=batch, by=cast.tech2, step="pack", note="核对无误", now=moment)
        assert signature.signed_by == cast.tech

    # then
    batch.refresh_from_db()
    assert batch.status == "deliver"
    assert batch.next_step == ""
    assert batch.closed_at == at(2026, 9, 21, 16)
    assert batch.retain_until == date(2027, 9, 21)  # closed + policy.retention.traceable_items_years
    assert not batch.has_discrepancy
    pack = StepSignature.objects.get(batch=batch, step="pack")
    assert (pack.signed_by, pack.confirmed_by, pack.double_check) == (cast.tech, cast.tech2, True)
    assert StepCount.objects.filter(signature__batch=batch).count() == 2 * len(STEPS)
    assert actions_of(batch) == [
        "batch.registered",
        *["batch.step_signed"] * 4,
        "batch.step_confirmed",
        *["batch.step_signed"] * 3,
    ]
    assert verify_chain(batch)
    events = Event.objects.filter(subject_id=batch.pk, action__startswith="batch.")
    assert [key for event in events for key in unlabelled_keys(event)] == []


def test_the_double_check_refuses_the_same_person_twice(cast, register_batch):
    batch = sign_through(cast, register_batch(), "clean")
    services.batch_sign(batch=batch, by=cast.tech, step="pack", counts=expected(batch))

    with pytest.raises(PermissionDeniedError) as refused:
        services.batch_confirm(batch=batch, by=cast.tech, step="pack")
    assert str(refused.value.message) == gettext(
        "You signed this step: the second signature of a double check is another person's."
    )

    batch.refresh_from_db()
    assert batch.awaiting_check
    assert batch.status == "clean"
    assert StepSignature.objects.get(batch=batch, step="pack").confirmed_by is None
    assert Event.objects.filter(subject_id=batch.pk, action="batch.step_confirmed").count() == 0
    # and no one signs on meanwhile: the next step waits for the check
    with pytest.raises(ConflictError):
        services.batch_sign(batch=batch, by=cast.tech2, step="sterilise", counts=expected(batch, "sterilise"))
    assert services.allowed_actions(cast.tech, Batch.objects.get(pk=batch.pk)) == ["correct"]
    assert "confirm" in services.allowed_actions(cast.tech2, Batch.objects.get(pk=batch.pk))


def test_steps_cannot_be_skipped_or_signed_twice(cast, register_batch):
    batch = register_batch()

    with pytest.raises(ConflictError) as skipped:
        services.batch_sign(batch=batch, by=cast.tech, step="clean", counts=expected(batch, "clean"))
    assert skipped.value.status == 409
    assert skipped.value.extra["next_step"] == "collect"
    sign(cast, batch, "collect")
    with pytest.raises(ConflictError):
        services.batch_sign(batch=batch, by=cast.tech, step="collect", counts=expected(batch, "collect"))
    with pytest.raises(ValidationFailed) as unknown:
        services.batch_sign(batch=batch, by=cast.tech, step="polish", counts=expected(batch))
    assert list(unknown.value.fields) == ["step"]
    assert list(StepSignature.objects.filter(batch=batch).values_list("step", flat=True)) == ["collect"]


def test_a_count_discrepancy_is_recorded_with_its_reason_never_silently(cast, register_batch):
    batch = sign_through(cast, register_batch(), "count")
    names = {i.name: i.pk for i in batch.items.all()}
    counts = expected(batch)
    counts[names["止血钳"]] = (0, 5)

    # without a reason: refused, nothing written
    with pytest.raises(ValidationFailed) as refused:
        services.batch_sign(batch=batch, by=cast.tech, step="clean", counts=counts)
    assert list(refused.value.fields) == ["note"]
    assert not StepSignature.objects.filter(batch=batch, step="clean").exists()

    signature = services.batch_sign(
        batch=batch, by=cast.tech, step="clean", counts=counts, note="一把止血钳清洗时发现断裂，单独存放"
    )

    assert signature.has_discrepancy
    count = StepCount.objects.get(signature=signature, item_id=names["止血钳"])
    assert (count.expected_packages, count.expected_pieces, count.packages, count.pieces) == (0, 6, 0, 5)
    assert Batch.objects.get(pk=batch.pk).has_discrepancy
    event = (
        Event.objects.filter(subject_id=batch.pk, action="batch.step_signed").order_by("-at", "-id").first()
    )
    assert event is not None
    assert event.changes["discrepancy"]["after"] == [
        {"item": "止血钳", "expected_packages": 0, "expected_pieces": 6, "packages": 0, "pieces": 5}
    ]
    assert event.reason == "一把止血钳清洗时发现断裂，单独存放"
    # the next step is still checked against the count step (6), not against the last count (5)
    assert expected(batch)[names["止血钳"]] == (0, 6)


def test_the_count_step_is_checked_against_what_was_registered(cast, register_batch):
    batch = sign_through(cast, register_batch(), "collect")
    names = {i.name: i.pk for i in batch.items.all()}

    sign(cast, batch, "count", 换药包=(2, 9))

    assert Batch.objects.get(pk=batch.pk).has_discrepancy
    # from now on the count step's counts are what every later step is expected to confirm
    assert expected(batch)[names["换药包"]] == (2, 9)


def test_a_correction_is_a_new_entry_with_its_reason(cast, register_batch):
    batch = sign_through(cast, register_batch(), "count")
    names = {i.name: i.pk for i in batch.items.all()}
    signed = StepSignature.objects.get(batch=batch, step="count")
    counts = expected(batch, "count")
    counts[names["换药包"]] = (2, 11)

    with pytest.raises(ValidationFailed):
        services.batch_correct(batch=batch, by=cast.tech2, step="count", counts=counts, reason="")
    correction = services.batch_correct(
        batch=batch, by=cast.tech2, step="count", counts=counts, reason="复点发现多一件"
    )

    assert correction.kind == Entry.CORRECTION
    assert correction.corrects == signed
    signed.refresh_from_db()
    assert StepCount.objects.get(signature=signed, item_id=names["换药包"]).pieces == 10  # unchanged
    assert expected(batch)[names["换药包"]] == (2, 11)  # the correction now holds
    event = Event.objects.get(subject_id=batch.pk, action="batch.step_corrected")
    assert event.reason == "复点发现多一件"
    assert event.changes["counts"]["before"][0] == {"item": "换药包", "packages": 2, "pieces": 10}


@pytest.mark.parametrize(
    ("returned_at", "due_at"),
    [
        # Thursday before 中秋 (Fri 25 – Sun 27 September 2026): due Monday 28th at close of business
        (at(2026, 9, 24, 15, 0), at(2026, 9, 28, 17, 30)),
        # the day before 国庆 (1–7 October 2026): due Thursday 8 October
        (at(2026, 9, 30, 16, 0), at(2026, 10, 8, 17, 30)),
        # Friday 9 October: Saturday 10 October is a make-up working day (调休)
        (at(2026, 10, 9, 11, 0), at(2026, 10, 10, 17, 30)),
        # Saturday 19 September: Sunday 20 September is a make-up working day too
        (at(2026, 9, 19, 9, 0), at(2026, 9, 20, 17, 30)),
    ],
)
def test_written_feedback_is_due_the_next_working_day(cast, register_batch, returned_at, due_at):
    batch = register_batch(now=returned_at, received_on=returned_at.date())
    item = batch.items.get(name="止血钳")

    item_return = services.batch_return(
        batch=batch, by=cast.tech, lines={item.pk: (0, 2)}, problem="器械锈蚀", now=returned_at
    )

    assert item_return.feedback_due_at == due_at
    clock = BatchClock.objects.get(batch=batch)
    assert (clock.kind, clock.due_at, clock.calendar_confirmed) == ("feedback", due_at, True)
    assert Notification.objects.filter(recipient=cast.head_repair, kind="assigned", batch=batch).exists()


def test_returns_and_late_feedback(cast, register_batch):
    batch = sign_through(cast, register_batch(), "sterilise")
    names = {i.name: i.pk for i in batch.items.all()}
    returned_at = at(2026, 9, 24, 15, 0)

    # at the acceptance step: one package of 换药包 nonconforming (wet pack)
    item_return = services.batch_return(
        batch=batch,
        by=cast.tech,
        lines={names["换药包"]: (1, 5)},
        problem="湿包，包外化学指示物未变色",
        now=returned_at,
    )
    assert (item_return.step, item_return.step_label) == ("accept", "成品验收")
    # the rest of the batch goes on: 1 package / 5 pieces of 换药包 are expected
    assert expected(batch)[names["换药包"]] == (1, 5)
    with pytest.raises(ValidationFailed) as too_many:
        services.batch_return(batch=batch, by=cast.tech, lines={names["止血钳"]: (0, 7)}, problem="x")
    assert list(too_many.value.fields) == [f"lines.{names['止血钳']}"]

    # late: written after Monday 28 September 17:30
    late_at = at(2026, 9, 29, 9, 0)
    assert item_return.feedback_overdue(late_at)
    batch.refresh_from_db()
    listed = services.BatchState.of(Batch.objects.get(pk=batch.pk)).facts()
    assert listed.open_returns == 1
    with pytest.raises(ValidationFailed):
        services.batch_feedback(
            batch=batch, by=cast.tech, return_id=item_return.pk, feedback="", suggestion=""
        )
    done = services.batch_feedback(
        batch=batch,
        by=cast.head_repair,
        return_id=item_return.pk,
        feedback="贵院送来的换药包一包为湿包，已退回",
        suggestion="请检查包装材料并避免挤压",
        recipient="护士长王丽",
        now=late_at,
    )
    assert done.feedback_late
    assert done.feedback_by == cast.head_repair
    clock = BatchClock.objects.get(batch=batch)
    assert clock.met_at == late_at
    assert clock.is_breached(late_at)
    event = Event.objects.get(subject_id=batch.pk, action="batch.feedback_written")
    assert event.changes["feedback"]["after"]["late"] is True
    assert event.changes["clock.feedback"] == {"after": gettext("met late")}
    # no second feedback for the same return
    with pytest.raises(ConflictError):
        services.batch_feedback(
            batch=batch, by=cast.tech, return_id=item_return.pk, feedback="再次", suggestion="再次"
        )
    # and the batch is delivered without the returned package
    sign(cast, batch, "accept")
    sign(cast, batch, "deliver")
    assert Batch.objects.get(pk=batch.pk).closed_at is not None


def test_a_batch_with_everything_returned_closes(cast, register_batch):
    batch = sign_through(cast, register_batch(), "collect")
    lines = expected(batch)

    services.batch_return(
        batch=batch, by=cast.tech, lines=lines, problem="整批器械严重锈蚀", now=at(2026, 9, 22, 9)
    )

    batch.refresh_from_db()
    assert batch.closed_at == at(2026, 9, 22, 9)
    assert batch.retain_until == date(2027, 9, 22)
    assert services.allowed_actions(cast.tech, batch) == ["correct", "feedback"]


def test_retention_a_year_after_closing_and_no_deletion_before(cast, register_batch):
    assert retained_until(date(2028, 2, 29), 1) == date(2029, 3, 1)  # never less than a year
    open_batch = register_batch()
    closed = sign_through(cast, register_batch(), "deliver", now=at(2026, 9, 22, 10))
    assert closed.retain_until == date(2027, 9, 22)

    for batch in (open_batch, closed):
        # (each in a savepoint: Django deletes inside the caller's transaction, which the refusal
        # rolls back)
        with pytest.raises(RetentionError), transaction.atomic():
            batch.delete()
        with pytest.raises(RetentionError), transaction.atomic():
            Batch.objects.filter(pk=batch.pk).delete()
        with pytest.raises(RetentionError), transaction.atomic():
            BatchItem.objects.filter(batch=batch).delete()
    assert Batch.objects.count() == 2
    assert BatchItem.objects.count() == 4
    # once the retention period is over, a batch may go (a later archive purge)
    Batch.objects.filter(pk=closed.pk).update(retain_until=date(2026, 1, 1))
    with transaction.atomic():
        Batch.objects.get(pk=closed.pk).delete()
    assert list(Batch.objects.values_list("pk", flat=True)) == [open_batch.pk]


def test_only_the_department_handling_the_batch_signs_it(cast, register_batch):
    batch = register_batch()

    # the director and the quality inspector see the batch, but do not sign
    for person in (cast.director, cast.quality, cast.cleaner):
        with pytest.raises(PermissionDeniedError):
            services.batch_sign(batch=batch, by=person, step="collect", counts=expected(batch))
    assert services.allowed_actions(cast.director, batch) == []
    # the head of the department does
    sign(cast, batch, "collect", by=cast.head_repair)
    assert not StepSignature.objects.filter(batch=batch, signed_by=cast.director).exists()


def test_registration_refuses_bad_input_with_every_field_named(cast, register_batch):
    with pytest.raises(ValidationFailed) as refused:
        register_batch(
            unit_name="",
            items=[services.ItemInput("", -1, 0)],
            method="boiling",
            destination="",
            received_on=date(2026, 9, 22),  # a day ahead
            department=cast.cleaning,
        )

    assert set(refused.value.fields) == {
        "unit_name",
        "items[0].name",
        "items[0].packages",
        "items[0].pieces",
        "method",
        "destination",
        "received_on",
        "department_id",
    }
    assert not Batch.objects.exists()
    with pytest.raises(ValidationFailed) as other:
        register_batch(method="other", method_other="")
    assert list(other.value.fields) == ["method_other"]
    assert register_batch(method="other", method_other="戊二醛浸泡").method_shown() == "戊二醛浸泡"


def test_registration_with_a_customer_unit(cast, register_batch):
    from fuwu.customers.models import Customer

    hospital = Customer.objects.create(
        organisation=cast.organisation, kind="organisation", name="区妇幼保健院"
    )
    person = Customer.objects.create(organisation=cast.organisation, kind="person", name="张三")

    batch = register_batch(customer=hospital, unit_name="")
    assert (batch.customer, batch.unit_name) == (hospital, "区妇幼保健院")
    with pytest.raises(ValidationFailed) as refused:
        register_batch(customer=person, unit_name="")
    assert "customer_id" in refused.value.fields
