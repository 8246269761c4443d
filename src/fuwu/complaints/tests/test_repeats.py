"""Repeat detection (重复投诉): the same customer (record, phone or address) about the same matter
(service type, product or work order) within the policy's window (30 days in the presets), or while
the earlier complaint is still open."""

from __future__ import annotations

import pytest
import time_machine

from fuwu.catalogue.services import service_type_create
from fuwu.complaints.models import Complaint, Status
from fuwu.complaints.services.repeats import find_repeat_of
from fuwu.customers.services import customer_create

from .conftest import at

FIRST = at(2026, 11, 2, 9, 0)


@pytest.fixture
def cleaning_service(cast):
    return service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="cleaning",
        name="保洁服务",
        category="free",
        sla_class="standard",
        default_department=cast.cleaning,
    )


@pytest.fixture
def other_household(cast):
    """Another customer record, registered with 王先生's phone (his wife's account)."""
    return customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王太太",
        department=cast.service,
        addresses=[{"building": "3号楼", "unit": "1单元", "room": "201室"}],
        phones=[{"number": "13500000000", "label": "手机"}],
    )


def complain_at(complain, moment, **values):
    with time_machine.travel(moment, tick=False):
        return complain(now=moment, **values)


def test_the_same_customer_about_the_same_matter_within_the_window_is_a_repeat(complain):
    first = complain_at(complain, FIRST)
    assert first.repeat_of_id is None
    # 29 days and 23 hours later: still within the 30 days.
    second = complain_at(complain, at(2026, 12, 2, 8, 0))
    assert second.repeat_of_id == first.pk
    assert second.is_repeat
    # A third repeats the first (the earliest), not the second.
    third = complain_at(complain, at(2026, 12, 2, 9, 0))
    assert third.repeat_of_id == first.pk


def test_outside_the_window_a_closed_complaint_is_not_repeated(cast, complain):
    from fuwu.complaints.services import (
        complaint_assess,
        complaint_close,
        complaint_record_answer,
        complaint_reply,
        complaint_start_investigation,
    )

    first = complain_at(complain, FIRST)
    complaint_start_investigation(first, by=cast.head_repair, now=at(2026, 11, 2, 10))
    complaint_assess(
        first,
        by=cast.quality,
        validity="invalid",
        object="service_attitude",
        severity="general",
        note="误会",
        now=at(2026, 11, 2, 11),
    )
    complaint_reply(first, by=cast.head_repair, text="已解释", method="phone", now=at(2026, 11, 2, 14))
    complaint_record_answer(first, by=cast.quality, outcome="satisfied", method="phone", now=at(2026, 11, 3))
    complaint_close(first, by=cast.quality, now=at(2026, 11, 4))
    assert Complaint.objects.get(pk=first.pk).status == Status.CLOSED
    inside = find_repeat_of(
        organisation_id=cast.organisation.pk,
        customer_id=first.customer_id,
        caller_phone="",
        address="",
        service_type_id=first.service_type_id,
        product_id=None,
        work_order_id=None,
        received_at=at(2026, 12, 2, 8, 59),
        window_days=30,
    )
    assert inside == first
    later = complain_at(complain, at(2026, 12, 2, 9, 1))  # 30 days and a minute after the first
    assert later.repeat_of_id is None


def test_an_open_complaint_is_repeated_however_long_ago(complain):
    first = complain_at(complain, FIRST)
    later = complain_at(complain, at(2027, 1, 20, 9, 0))
    assert later.repeat_of_id == first.pk


def test_the_same_phone_under_another_customer_record_is_the_same_complainant(
    cast, complain, other_household
):
    first = complain_at(complain, FIRST, caller_phone="13912345678")
    second = complain_at(
        complain,
        at(2026, 11, 5, 9, 0),
        customer_id=other_household.pk,
        caller_phone="139 1234 5678",
    )
    assert second.repeat_of_id == first.pk


def test_the_same_address_is_the_same_complainant(cast, complain):
    first = complain_at(
        complain, FIRST, customer_id=None, caller_phone="13100000001", address="12号楼3单元1502室"
    )
    second = complain_at(
        complain, at(2026, 11, 5), customer_id=None, caller_phone="13100000000", address="12号楼3单元1502室"
    )
    assert second.repeat_of_id == first.pk


def test_a_different_matter_or_complainant_is_not_a_repeat(cast, complain, cleaning_service, other_household):
    complain_at(complain, FIRST)
    other_matter = complain_at(complain, at(2026, 11, 5), service_type_id=cleaning_service.pk)
    assert other_matter.repeat_of_id is None
    other_person = complain_at(
        complain, at(2026, 11, 6), customer_id=other_household.pk, caller_phone="13500000000"
    )
    assert other_person.repeat_of_id is None
    no_matter = complain_at(complain, at(2026, 11, 7), service_type_id=None)
    assert no_matter.repeat_of_id is None


def test_a_merged_duplicate_is_not_an_original(cast, complain):
    first = complain_at(complain, FIRST)
    Complaint.objects.filter(pk=first.pk).update(status=Status.MERGED)
    second = complain_at(complain, at(2026, 11, 5))
    assert second.repeat_of_id is None


def test_repeat_detection_is_one_query_whatever_the_number_of_complaints(
    cast, complain, django_assert_num_queries
):
    for day in range(1, 8):
        complain_at(complain, at(2026, 11, day, 9))
    first = Complaint.objects.order_by("received_at")[0]
    with django_assert_num_queries(1):
        found = find_repeat_of(
            organisation_id=cast.organisation.pk,
            customer_id=first.customer_id,
            caller_phone="13912345678",
            address="12号楼3单元1502室",
            service_type_id=first.service_type_id,
            product_id=None,
            work_order_id=None,
            received_at=at(2026, 11, 20),
            window_days=30,
        )
    assert found == first
    with django_assert_num_queries(0):
        assert (
            find_repeat_of(
                organisation_id=cast.organisation.pk,
                customer_id=first.customer_id,
                caller_phone="",
                address="",
                service_type_id=None,
                product_id=None,
                work_order_id=None,
                received_at=at(2026, 11, 20),
                window_days=30,
            )
            is None
        )
