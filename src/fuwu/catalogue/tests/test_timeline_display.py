"""A service type's change history reads as text for people in both languages: categories and SLA
classes by their labels, the default department by its name, yes/no, prices as money."""

from __future__ import annotations

from typing import Any

import pytest

from fuwu.catalogue.services import service_type_create, service_type_update
from fuwu.testing.rendered import page_text, problems


def history(client: Any, service_type: Any, language: str) -> str:
    client.cookies["fuwu_language"] = language
    response = client.get(f"/service-types/{service_type.pk}/")
    assert response.status_code == 200
    text = page_text(response.content, within="timeline")
    assert service_type.name in text  # the timeline is there
    return text


@pytest.fixture
def changed_service_type(cast):
    service_type = service_type_create(
        organisation=cast.organisation,
        by=cast.admin,
        code="water-leak",
        name="漏水维修",
        category="paid",
        sla_class="standard",
        default_department=cast.service,
        materials=[{"name": "身份证明", "is_required": True}, {"name": "漏水照片", "is_required": False}],
        fee_items=[{"name": "上门检查费", "unit": "次", "price": "30"}],
    )
    service_type_update(
        service_type=service_type,
        by=cast.admin,
        sla_class="urgent",
        category="contract",
        default_department=cast.repair,
        is_active=False,
        reason="改由工程维修部负责",
    )
    return service_type


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_service_types_history_has_no_python_values_or_codes(web, cast, changed_service_type, language):
    text = history(web(cast.admin), changed_service_type, language)
    assert problems(text, language, more_codes=["standard", "urgent", "emergency"]) == []
    assert "'id'" not in text
    assert "'label'" not in text


def test_a_service_types_history_in_chinese(web, cast, changed_service_type):
    text = history(web(cast.admin), changed_service_type, "zh-hans")
    assert "类别：有偿(A) → 合同(B)" in text
    assert "默认部门：客服中心 → 工程维修部" in text
    assert "时限等级：一般报修 → 紧急报修" in text  # the policy's labels of the classes, not their keys
    assert "上门检查费 ¥30.00/次" in text
    assert "启用：是 →" in text
    assert "漏水照片 (可选)" in text


def test_a_service_types_history_in_english(web, cast, changed_service_type):
    text = history(web(cast.admin), changed_service_type, "en")
    assert "Paid (A) → Contract (B)" in text
    assert "一般报修 → 紧急报修" in text  # labels the organisation wrote in its policy stay as written
    assert "active: yes → no" in text
    assert "漏水照片 (optional)" in text  # stored in Chinese, read in English
    assert "(可选)" not in text


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_catalogue_pages_show_sla_classes_by_their_labels(web, cast, changed_service_type, language):
    client = web(cast.admin)
    client.cookies["fuwu_language"] = language
    for path in (
        "/service-types/?inactive=1",
        f"/service-types/{changed_service_type.pk}/",
        f"/service-types/{changed_service_type.pk}/edit/",
    ):
        text = page_text(client.get(path).content)
        assert "紧急报修" in text
        assert problems(text, language, more_codes=["standard", "urgent", "emergency"]) == [], path
