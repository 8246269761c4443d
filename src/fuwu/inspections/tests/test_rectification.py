"""Rectification orders: issued for every failed item when an inspection is submitted, signed by
the responsible department head, recorded done, verified by someone else (a failed verification
reopens it with a new deadline), escalated when late; a finding that keeps coming back raises a
corrective action."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fuwu.capa.models import Capa, Origin
from fuwu.clocks.sweep import sweep
from fuwu.inspections import services
from fuwu.inspections.models import (
    InspectionEscalation,
    Rectification,
    RectificationEscalation,
    RectificationStatus,
    Status,
)
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.timeline.models import Event

from .conftest import ALL_PASS, at

SUBMITTED = at(2026, 9, 15, 11)  # Tuesday


def failing(*codes: str) -> list[services.AnswerIn]:
    return [
        services.AnswerIn(a.item_code, "fail", note="不符合")
        if a.item_code in codes and a.score is None
        else (services.AnswerIn(a.item_code, score=2) if a.item_code in codes else a)
        for a in ALL_PASS
    ]


def submit(cast, inspection, *codes: str, now=SUBMITTED):
    services.inspection_record(inspection=inspection, by=cast.quality, answers=failing(*codes), now=now)
    return services.inspection_submit(inspection=inspection, by=cast.quality, now=now)


def test_every_failed_item_becomes_one_order_for_the_department(cast, plan_inspection):
    inspection = submit(cast, plan_inspection(), "uniform", "records")
    orders = list(inspection.rectifications.select_related("finding").order_by("pk"))
    assert [o.finding.item_code for o in orders] == ["uniform", "records"]
    assert {o.department for o in orders} == {cast.repair}
    # the policy's 5 working days from Tuesday 15 Sep 2026 (16, 17, 18, the make-up Sunday 20, 21):
    # Monday 21 Sep, close of business
    assert {o.due_at for o in orders} == {at(2026, 9, 21, 17, 30)}
    assert all(o.number.startswith("ZG2609-") for o in orders)
    assert Event.objects.filter(action="rectification.issued").count() == 2
    # the inspection's own clock is met
    assert inspection.clocks.get().met_at == SUBMITTED
    assert inspection.status == Status.SUBMITTED


def test_a_submitted_table_cannot_be_recorded_again(cast, plan_inspection):
    inspection = submit(cast, plan_inspection())
    with pytest.raises(ConflictError):
        services.inspection_record(inspection=inspection, by=cast.quality, answers=ALL_PASS, now=SUBMITTED)


def test_submitting_needs_every_item_and_photos_of_failed_items_that_require_them(cast, plan_inspection):
    inspection = plan_inspection()
    services.inspection_record(inspection=inspection, by=cast.quality, answers=ALL_PASS[:2], now=SUBMITTED)
    with pytest.raises(ConflictError):
        services.inspection_submit(inspection=inspection, by=cast.quality, now=SUBMITTED)
    services.inspection_record(
        inspection=inspection, by=cast.quality, answers=failing("site_clean"), now=SUBMITTED
    )
    with pytest.raises(ValidationFailed) as refused:
        services.inspection_submit(inspection=inspection, by=cast.quality, now=SUBMITTED)
    assert "photos.site_clean" in refused.value.fields


def test_the_lifecycle_with_a_failed_verification(cast, plan_inspection):
    (order,) = submit(cast, plan_inspection(), "uniform").rectifications.all()
    # the technician cannot sign for the department; recording before signing is refused
    with pytest.raises(PermissionDeniedError):
        services.rectification_acknowledge(rectification=order, by=cast.tech, now=SUBMITTED)
    with pytest.raises(ConflictError):
        services.rectification_record_done(rectification=order, by=cast.tech, action_taken="x", now=SUBMITTED)
    services.rectification_acknowledge(
        rectification=order, by=cast.head_repair, note="确认", now=at(2026, 9, 15, 14)
    )
    services.rectification_decide(
        rectification=order, by=cast.head_repair, disposition="redo", now=at(2026, 9, 15, 14, 5)
    )
    with pytest.raises(ValidationFailed):  # a concession says why
        services.rectification_decide(
            rectification=order, by=cast.head_repair, disposition="concession", now=SUBMITTED
        )
    services.rectification_record_done(
        rectification=order, by=cast.head_repair, action_taken="补发工牌", now=at(2026, 9, 17, 9)
    )
    # who recorded the rectification does not verify it
    with pytest.raises(PermissionDeniedError):
        services.rectification_verify(
            rectification=order, by=cast.head_repair, passed=True, note="好", now=at(2026, 9, 17, 10)
        )
    order = services.rectification_verify(
        rectification=order, by=cast.quality, passed=False, note="仍未佩戴", now=at(2026, 9, 17, 15)
    )
    assert order.status == RectificationStatus.IN_RECTIFICATION
    assert order.failed_verifications == 1
    # reopened: a new deadline, 5 working days from Thursday 17 Sep (18, Sunday 20, 21, 22, 23)
    assert order.due_at == at(2026, 9, 23, 17, 30)
    kinds = list(order.clocks.order_by("pk").values_list("kind", "met_at"))
    assert [k for k, _m in kinds] == ["rectification", "verification", "rectification"]
    assert kinds[-1][1] is None
    services.rectification_record_done(
        rectification=order, by=cast.tech, action_taken="全员佩戴", now=at(2026, 9, 18, 9)
    )
    order = services.rectification_verify(
        rectification=order, by=cast.quality, passed=True, note="已整改", now=at(2026, 9, 18, 15)
    )
    assert order.status == RectificationStatus.VERIFIED
    assert not order.clocks.filter(met_at__isnull=True, is_active=True).exists()
    actions = list(
        Event.objects.filter(subject_id=order.pk, subject_type__model="rectification").values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "rectification.issued",
        "rectification.acknowledged",
        "rectification.disposition_decided",
        "rectification.done",
        "rectification.reopened",
        "rectification.done",
        "rectification.verified",
    ]


def test_a_late_rectification_escalates_once_per_level(cast, plan_inspection):
    (order,) = submit(cast, plan_inspection(), "uniform").rectifications.all()
    due = order.due_at
    sweep(due - timedelta(minutes=1))
    assert not RectificationEscalation.objects.exists()
    sweep(due + timedelta(minutes=1))
    sweep(due + timedelta(minutes=2))
    assert list(RectificationEscalation.objects.values_list("level", "role")) == [(1, "quality_inspector")]
    sweep(due + timedelta(days=1, minutes=1))
    assert list(RectificationEscalation.objects.order_by("level").values_list("level", "role")) == [
        (1, "quality_inspector"),
        (2, "director"),
    ]


def test_a_missed_inspection_escalates(cast, plan_inspection):
    inspection = plan_inspection()  # due Friday 18 Sep 2026, close of business
    due = at(2026, 9, 18, 17, 30)
    sweep(due - timedelta(minutes=1))
    assert not InspectionEscalation.objects.exists()
    sweep(due + timedelta(minutes=1))
    sweep(due + timedelta(minutes=2))
    assert list(InspectionEscalation.objects.values_list("inspection", "level", "role")) == [
        (inspection.pk, 1, "department_head")
    ]


def test_a_finding_that_keeps_coming_back_raises_a_corrective_action(cast, plan_inspection):
    # the policy: 3 times within 3 months in the same department
    for day in (15, 16):
        submit(cast, plan_inspection(), "phrases", now=at(2026, 9, day, 11))
    assert not Capa.objects.exists()
    submit(cast, plan_inspection(), "phrases", now=at(2026, 9, 17, 11))
    (capa,) = Capa.objects.all()
    assert capa.origin == Origin.INSPECTION
    assert capa.department == cast.repair
    orders = Rectification.objects.filter(finding__item_code="phrases")
    assert set(orders.values_list("capa", flat=True)) == {capa.pk}
    assert capa.affected.count() == 3
    # a fourth time joins the open corrective action instead of raising another
    submit(cast, plan_inspection(), "phrases", now=at(2026, 9, 18, 11))
    assert Capa.objects.count() == 1
    assert Rectification.objects.filter(capa=capa).count() == 4
    # another department's failures of the same item count apart
    submit(cast, plan_inspection(department=cast.cleaning), "phrases", now=at(2026, 9, 18, 12))
    assert Capa.objects.count() == 1
