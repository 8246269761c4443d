"""Complaint costs: recorded (bounded amounts), allocated to the department that bears them and
verified only by finance (003 6: 财务部负责审核费用及落实摊销部门)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fuwu.complaints.models import ComplaintCost, CostStatus
from fuwu.complaints.services.costs import complaint_add_cost, complaint_verify_cost
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event

from .conftest import at

NOW = at(2026, 11, 23, 10, 0)


def test_a_cost_goes_to_the_handling_department_and_waits_for_finance(cast, complain, finance):
    c = complain(now=NOW)
    cost = complaint_add_cost(
        c,
        by=cast.head_repair,
        kind="parts",
        amount="120.50",
        description="更换阀门",
        now=at(2026, 11, 23, 11),
    )
    assert (cost.amount, cost.department_id, cost.status) == (
        Decimal("120.50"),
        cast.repair.pk,
        CostStatus.RECORDED,
    )
    event = Event.objects.for_subject(c).get(action="complaint.cost_added")
    assert event.changes["cost"]["after"]["amount"] == "120.50"
    assert Notification.objects.filter(recipient=finance, subject_id=c.pk).exists()


def test_a_cost_may_be_allocated_to_another_department(cast, complain):
    c = complain(now=NOW)
    cost = complaint_add_cost(
        c, by=cast.head_repair, kind="freight", amount=35, department_id=cast.cleaning.pk
    )
    assert cost.department_id == cast.cleaning.pk


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "10000000.01"}, "amount"),
        ({"amount": "1e20"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"amount": "12\x00"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": "NaN"}, "amount"),
        ({"amount": "Infinity"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": None}, "amount"),
        ({"kind": "bribe"}, "kind"),
        ({"description": "阀门\x00"}, "description"),
        ({"description": "长" * 201}, "description"),
        ({"department_id": 10**12}, "department_id"),
    ],
)
def test_bad_cost_input_is_a_field_error_and_writes_nothing(cast, complain, values, field):
    c = complain(now=NOW)
    arguments = {"kind": "repair", "amount": "100", **values}
    with pytest.raises(ValidationFailed) as bad:
        complaint_add_cost(c, by=cast.head_repair, **arguments)
    assert field in bad.value.fields
    assert not ComplaintCost.objects.exists()
    assert not Event.objects.for_subject(c).filter(action="complaint.cost_added").exists()


def test_the_largest_amount_passes(cast, complain):
    c = complain(now=NOW)
    cost = complaint_add_cost(c, by=cast.head_repair, kind="compensation", amount=Decimal("10000000.00"))
    assert ComplaintCost.objects.get(pk=cost.pk).amount == Decimal("10000000.00")


def test_another_organisations_department_is_unknown(cast, complain):
    c = complain(now=NOW)
    with pytest.raises(ValidationFailed) as bad:
        complaint_add_cost(
            c, by=cast.head_repair, kind="repair", amount=10, department_id=cast.outsider.department_id
        )
    assert "department_id" in bad.value.fields


def test_only_finance_verifies_and_allocates(cast, complain, finance):
    c = complain(now=NOW)
    cost = complaint_add_cost(c, by=cast.head_repair, kind="repair", amount="300")
    for someone in (cast.head_repair, cast.director, cast.quality, cast.agent):
        with pytest.raises(PermissionDeniedError):
            complaint_verify_cost(cost, by=someone, approved=True)
    assert ComplaintCost.objects.get(pk=cost.pk).status == CostStatus.RECORDED
    verified = complaint_verify_cost(
        cost,
        by=finance,
        approved=True,
        department_id=cast.cleaning.pk,
        note="保洁部承担",
        now=at(2026, 11, 24),
    )
    verified = ComplaintCost.objects.get(pk=verified.pk)
    assert (verified.status, verified.department_id, verified.verified_by_id) == (
        CostStatus.VERIFIED,
        cast.cleaning.pk,
        finance.pk,
    )
    event = Event.objects.for_subject(c).get(action="complaint.cost_verified")
    assert event.changes["allocated_to"] == {"before": cast.repair.name, "after": cast.cleaning.name}
    # Verified once: nothing left to verify.
    with pytest.raises(ConflictError):
        complaint_verify_cost(cost, by=finance, approved=False, note="再审")


def test_finance_rejects_with_a_reason(cast, complain, finance):
    c = complain(now=NOW)
    cost = complaint_add_cost(c, by=cast.head_repair, kind="travel", amount="80")
    with pytest.raises(ValidationFailed) as bad:
        complaint_verify_cost(cost, by=finance, approved=False)
    assert "note" in bad.value.fields
    with pytest.raises(ValidationFailed) as bad:
        complaint_verify_cost(cost, by=finance, approved=False, note="无票据", department_id=cast.cleaning.pk)
    assert "department_id" in bad.value.fields
    complaint_verify_cost(cost, by=finance, approved=False, note="无票据")
    cost = ComplaintCost.objects.get(pk=cost.pk)
    assert (cost.status, cost.department_id, cost.verification_note) == (
        CostStatus.REJECTED,
        cast.repair.pk,
        "无票据",
    )
    assert Event.objects.for_subject(c).filter(action="complaint.cost_rejected").count() == 1


def test_a_cost_of_one_complaint_is_not_verified_through_another(cast, complain, finance):
    first = complain(now=NOW)
    second = complain(now=at(2026, 11, 23, 10, 5), customer_id=None, caller_phone="13700003333")
    complaint_add_cost(second, by=cast.head_repair, kind="repair", amount="10")
    cost = complaint_add_cost(first, by=cast.head_repair, kind="repair", amount="20")
    stray = ComplaintCost.objects.get(pk=cost.pk)
    stray.complaint = second  # a caller's stale or forged pairing
    with pytest.raises(ValidationFailed) as bad:
        complaint_verify_cost(stray, by=finance, approved=True)
    assert "cost_id" in bad.value.fields
    assert ComplaintCost.objects.get(pk=cost.pk).status == CostStatus.RECORDED
