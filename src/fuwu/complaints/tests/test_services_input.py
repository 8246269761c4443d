"""Bad input is refused with the wrong fields named (422) and writes nothing; the gate refuses an
action the state (409) or the role (403) does not allow, also before looking at the input's records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fuwu.approvals.models import Approval
from fuwu.complaints import services
from fuwu.complaints.models import Caller, Complaint, ComplaintAnswer, ComplaintClock
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.numbering.models import Sequence
from fuwu.timeline.models import Event

from .conftest import allowed_actions, at

NOW = at(2026, 11, 3, 9)


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Complaint, Caller, ComplaintClock, ComplaintAnswer, Approval, Event, Sequence)
    )


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"channel": "pigeon"}, {"channel"}),
        ({"subject": "", "description": "  "}, {"subject", "description"}),
        ({"subject": "x" * 201}, {"subject"}),
        ({"description": "漏水\x00"}, {"description"}),
        ({"object": "weather"}, {"object"}),
        ({"severity": "apocalyptic"}, {"severity"}),
        ({"customer_id": 10**9}, {"customer_id"}),
        ({"customer_id": -1}, {"customer_id"}),
        ({"work_order_id": 10**12}, {"work_order_id"}),
        ({"department_id": 0}, {"department_id"}),
        ({"service_type_id": 10**9}, {"service_type_id"}),
        ({"confidentiality": 7}, {"confidentiality"}),
        ({"caller_phone": "12345"}, {"caller_phone"}),
        ({"customer_id": None, "caller_phone": ""}, {"caller_phone"}),
        ({"received_at": NOW + timedelta(minutes=1)}, {"received_at"}),
        # only papers registered later (and the API) may say they were received earlier
        ({"received_at": NOW - timedelta(days=1)}, {"received_at"}),
        ({"channel": "letter", "received_at": NOW - timedelta(days=400)}, {"received_at"}),
    ],
)
def test_bad_intake_names_the_fields_and_writes_nothing(complain, overrides, fields):
    complain(now=NOW)  # the counters exist
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        complain(now=NOW, **overrides)
    assert set(refused.value.fields) == fields
    assert counts() == before


def test_a_letter_may_say_when_it_arrived_but_not_in_the_future(complain):
    letter = complain(channel="letter", received_at=NOW - timedelta(days=3), now=NOW)
    assert letter.received_at == NOW - timedelta(days=3)
    assert letter.registered_at == NOW
    with pytest.raises(ValidationFailed) as future:
        complain(channel="letter", received_at=NOW + timedelta(hours=1), now=NOW)
    assert set(future.value.fields) == {"received_at"}


def test_an_anonymous_suggestion_box_note_needs_no_phone(cast, complain):
    note = complain(channel="suggestion_box", customer_id=None, caller_phone="", now=NOW)
    assert note.customer is None
    assert note.caller_phone == ""


def test_a_product_of_another_customer_is_refused(cast, complain, household):
    from fuwu.customers.models import Product
    from fuwu.customers.services import customer_create

    other = customer_create(
        organisation=cast.organisation, by=cast.agent, name="李女士", phones=[{"number": "13700001111"}]
    )
    product = Product.objects.create(customer=other, name="热水器")
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        complain(product_id=product.pk, now=NOW)
    assert set(refused.value.fields) == {"product_id"}
    assert counts() == before


def test_a_product_of_a_customer_the_agent_may_not_see_does_not_exist_for_them(cast, complain):
    from fuwu.customers.models import Customer, Product
    from fuwu.customers.services import customer_create

    secret = customer_create(
        organisation=cast.organisation, by=cast.agent, name="保密单位", phones=[{"number": "13700002222"}]
    )
    Customer.objects.filter(pk=secret.pk).update(confidentiality=3)
    product = Product.objects.create(customer=secret, name="机房空调")
    before = counts()
    with pytest.raises(ValidationFailed) as refused:
        complain(customer_id=None, caller_phone="13700002222", product_id=product.pk, now=NOW)
    assert set(refused.value.fields) == {"product_id"}
    assert "保密单位" not in str(refused.value.fields)
    assert counts() == before


def test_only_people_who_take_complaints_register_them(cast, complain):
    before = counts()
    with pytest.raises(PermissionDeniedError):
        complain(by=cast.tech, now=NOW)
    assert counts() == before


def test_bad_step_input_names_the_fields_and_writes_nothing(cast, complain):
    c = complain(now=NOW)
    c = services.complaint_start_investigation(c, by=cast.head_repair, now=at(2026, 11, 3, 10))
    before = counts()
    with pytest.raises(ValidationFailed) as assess:
        services.complaint_assess(
            c, by=cast.quality, validity="maybe", object="x", cause_type="y", severity="z", note=""
        )
    assert set(assess.value.fields) == {"validity", "object", "cause_type", "note"}
    with pytest.raises(ValidationFailed) as severity:
        services.complaint_assess(
            c, by=cast.quality, validity="valid", object="other", severity="z", note="ok"
        )
    assert set(severity.value.fields) == {"severity"}
    with pytest.raises(ValidationFailed) as responsibility:
        services.complaint_assign_responsibility(
            c, by=cast.quality, cause="", department_id=10**9, person_ids=[cast.tech.pk, 10**9]
        )
    assert set(responsibility.value.fields) == {"cause"} | set()  # text first, records after the gate
    with pytest.raises(ValidationFailed) as records:
        services.complaint_assign_responsibility(
            c, by=cast.quality, cause="原因", department_id=10**9, person_ids=[cast.tech.pk, 10**9]
        )
    assert set(records.value.fields) == {"department_id", "person_ids"}
    with pytest.raises(ValidationFailed) as outsider:
        services.complaint_assign_responsibility(
            c, by=cast.quality, cause="原因", department_id=cast.repair.pk, person_ids=[cast.outsider.pk]
        )
    assert set(outsider.value.fields) == {"person_ids"}
    with pytest.raises(ValidationFailed) as too_many:
        services.complaint_assign_responsibility(
            c, by=cast.quality, cause="原因", department_id=cast.repair.pk, person_ids=list(range(1, 30))
        )
    assert set(too_many.value.fields) == {"person_ids"}
    with pytest.raises(ValidationFailed) as extension:
        services.complaint_request_extension(
            c, by=cast.head_repair, clock="lunch", amount=0, unit="weeks", reason=""
        )
    assert set(extension.value.fields) == {"clock", "amount", "unit", "reason"}
    with pytest.raises(ValidationFailed) as too_long:
        services.complaint_request_extension(
            c, by=cast.head_repair, clock="reply", amount=11, unit="working_days", reason="太久"
        )
    assert set(too_long.value.fields) == {"amount"}
    assert counts() == before


def test_the_gate_refuses_by_state_then_by_role(cast, complain):
    c = complain(now=NOW)
    with pytest.raises(ConflictError) as state:
        services.complaint_execute(c, by=cast.head_repair, note="做完了")
    assert state.value.extra["status"] == "acknowledged"
    assert "start-investigation" in allowed_actions(state.value)
    with pytest.raises(PermissionDeniedError):
        services.complaint_assign_responsibility(
            c := services.complaint_start_investigation(c, by=cast.head_repair, now=at(2026, 11, 3, 10)),
            by=cast.agent,
            cause="原因",
            department_id=cast.repair.pk,
            person_ids=[],
        )
    # the responsibility is the policy's role (quality) or a director
    services.complaint_assign_responsibility(
        c,
        by=cast.director,
        cause="原因",
        department_id=cast.repair.pk,
        person_ids=[],
        now=at(2026, 11, 3, 11),
    )
