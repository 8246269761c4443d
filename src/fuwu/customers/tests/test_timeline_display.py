"""A customer's change history reads as text for people in both languages: kinds by their labels,
lists joined, products and agreements as "label: value" pairs, dates as dates, nothing empty shown as
None, phone numbers masked for roles that see them masked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from fuwu.customers.services import (
    agreement_add,
    customer_create,
    customer_update,
    product_add,
    product_update,
)
from fuwu.testing.rendered import page_text, problems


def history(client: Any, customer: Any, language: str) -> str:
    client.cookies["fuwu_language"] = language
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    text = page_text(response.content, within="timeline")
    assert customer.name in text  # the timeline is there
    return text


@pytest.fixture
def changed_customer(cast):
    customer = customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="王先生",
        kind="household",
        department=cast.service,
        addresses=[{"building": "5号楼", "unit": "2单元", "room": "301室"}],
        phones=[{"number": "13912345678", "label": "手机"}],
    )
    customer_update(
        customer=customer, by=cast.agent, kind="organisation", department=cast.repair, reason="改为单位客户"
    )
    product = product_add(
        customer=customer,
        by=cast.agent,
        name="燃气热水器",
        model="JSQ25-13",
        sale_date=date(2025, 3, 1),
        warranty_ends_on=date(2027, 3, 1),
    )
    product_update(product=product, by=cast.agent, serial="SN123", running_hours=120, reason="补登序列号")
    agreement_add(customer=customer, by=cast.agent, number="JJ2025-01", starts_on=date(2025, 1, 1))
    return customer


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_customers_history_has_no_python_values_or_codes(web, cast, changed_customer, language):
    text = history(web(cast.admin), changed_customer, language)
    assert problems(text, language) == []
    for code in ("household", "organisation", "sale_date", "warranty_ends_on", "running_hours", "mileage_km"):
        assert code not in text


def test_a_customers_history_in_chinese(web, cast, changed_customer):
    text = history(web(cast.admin), changed_customer, "zh-hans")
    assert "类型：住户 → 单位" in text
    assert "服务部门：客服中心 → 工程维修部" in text
    assert "5号楼2单元301室" in text
    assert "型号：JSQ25-13" in text
    assert "销售日期：2025-03-01" in text
    assert "保修截止：2027-03-01" in text
    assert "序列号：— → SN123" in text
    assert "开始日期：2025-01-01" in text


def test_a_customers_history_in_english(web, cast, changed_customer):
    text = history(web(cast.admin), changed_customer, "en")
    assert "kind: Household → Organisation" in text
    assert "model: JSQ25-13" in text
    assert "sale date: 2025-03-01" in text
    assert "住户" not in text


def test_phone_numbers_in_the_history_are_masked_for_those_who_see_them_masked(web, cast, changed_customer):
    from fuwu.visibility import sees_full_phone_numbers

    masked_reader = cast.head_repair  # the customer is in their department now
    assert not sees_full_phone_numbers(masked_reader)
    text = history(web(masked_reader), changed_customer, "zh-hans")
    assert "13912345678" not in text
    assert "139****5678" in text
