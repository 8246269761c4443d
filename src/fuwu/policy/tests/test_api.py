"""The policy API: exact JSON, who may read and publish, other organisations → 404, bounded queries."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from fuwu.policy.models import PolicyVersion
from fuwu.policy.presets import preset_document, preset_text
from fuwu.policy.services import organisation_create, policy_publish

from .conftest import PROPERTY, WITH_NEW_TARGET

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def frozen_versions(cast):
    with time_machine.travel(datetime(2026, 11, 2, 9, 30, tzinfo=SHANGHAI), tick=False):
        policy_publish(organisation=cast.organisation, text=PROPERTY, reason="初始制度", by=cast.admin)
    with time_machine.travel(datetime(2026, 11, 9, 14, 0, tzinfo=SHANGHAI), tick=False):
        policy_publish(
            organisation=cast.organisation, text=WITH_NEW_TARGET, reason="提高及时率目标", by=cast.admin
        )


def test_active_returns_the_active_version(cast, api, frozen_versions):
    response = api(cast.agent).get("policy/active")

    assert response.status_code == 200
    body = response.json()
    document = body.pop("document")
    assert body == {
        "number": 2,
        "author": "管理员",
        "created_at": "2026-11-09T14:00:00+08:00",
        "published_at": "2026-11-09T14:00:00+08:00",
        "reason": "提高及时率目标",
        "preset": "property",
        "text": WITH_NEW_TARGET,
    }
    assert document["kpi"] == {
        "timeliness_at_least": 0.95,
        "satisfaction_at_least": 0.85,
        "complaint_rate_below": 0.03,
    }
    assert document["business_hours"]["periods"][0] == {"start": "08:30:00", "end": "12:00:00"}


def test_active_before_anything_is_published_shows_the_preset(cast, api):
    body = api(cast.tech).get("policy/active").json()

    assert body["number"] is None
    assert body["text"] == preset_text("property")
    assert body["document"] == preset_document("property").model_dump(mode="json")


def test_versions_lists_history_newest_first(cast, api, frozen_versions, django_assert_max_num_queries):
    client = api(cast.quality)

    with django_assert_max_num_queries(3):  # token, versions with their authors
        response = client.get("policy/versions")

    assert response.json() == [
        {
            "number": 2,
            "author": "管理员",
            "created_at": "2026-11-09T14:00:00+08:00",
            "published_at": "2026-11-09T14:00:00+08:00",
            "reason": "提高及时率目标",
            "is_active": True,
        },
        {
            "number": 1,
            "author": "管理员",
            "created_at": "2026-11-02T09:30:00+08:00",
            "published_at": "2026-11-02T09:30:00+08:00",
            "reason": "初始制度",
            "is_active": False,
        },
    ]


def test_history_query_count_does_not_grow_with_versions(
    cast, api, frozen_versions, django_assert_max_num_queries
):
    for n in range(5):
        policy_publish(
            organisation=cast.organisation,
            text=PROPERTY.replace("base_score = 100", f"base_score = {n}"),
            reason=f"第{n}次",
            by=cast.admin,
        )
    client = api(cast.agent)

    with django_assert_max_num_queries(3):
        assert len(client.get("policy/versions").json()) == 7


def test_one_version_with_text_and_document(cast, api, frozen_versions):
    body = api(cast.director).get("policy/versions/1").json()

    assert (body["number"], body["is_active"], body["text"]) == (1, False, PROPERTY)
    assert body["document"]["kpi"]["timeliness_at_least"] == 0.90


def test_diff_between_versions(cast, api, frozen_versions):
    body = api(cast.agent).get("policy/versions/2/diff", {"against": 1}).json()

    assert body["number"] == 2
    assert body["against"] == 1
    assert body["diff"].startswith("--- v1\n+++ v2\n@@")
    assert "-timeliness_at_least = 0.90" in body["diff"]
    assert "+timeliness_at_least = 0.95" in body["diff"]
    assert api(cast.agent).get("policy/versions/2/diff").json()["against"] == 1


def test_other_organisations_versions_are_not_found(cast, api, frozen_versions):
    client = api(cast.outsider)

    assert client.get("policy/versions/1").status_code == 404
    assert client.get("policy/versions/2/diff", {"against": 1}).status_code == 404
    assert client.get("policy/versions").json() == []


def test_other_organisation_sees_its_own_policy(cast, api, frozen_versions):
    organisation_create(name="第三家公司", preset="it_ops")

    assert (
        api(cast.outsider).get("policy/active").json()["preset"] == "property"
    )  # its own preset, unpublished
    assert api(cast.outsider).get("policy/active").json()["number"] is None


def test_anonymous_is_refused(api):
    assert api(None).get("policy/active").status_code == 401


def test_validate_accepts_a_valid_text(cast, api):
    response = api(cast.agent).post("policy/validate", {"text": PROPERTY})

    assert (response.status_code, response.json()) == (200, {"valid": True})


def test_validate_reports_fields_by_key_path_in_the_callers_language(cast, api):
    text = PROPERTY.replace(
        "{min_volume = 100, max_volume = 300, ratio = 0.20}",
        "{min_volume = 100, max_volume = 300, ratio = 1.5}",
    )

    english = api(cast.agent, language="en").post("policy/validate", {"text": text})
    chinese = api(cast.agent, language="zh-hans").post("policy/validate", {"text": text})

    assert english.status_code == 422
    assert english.json() == {
        "error": {
            "code": "invalid",
            "message": "The policy is not valid.",
            "fields": {"visits.sampling[1].ratio": ["must be between 0 and 1, got 1.5"]},
        }
    }
    assert chinese.json()["error"]["fields"] == {"visits.sampling[1].ratio": ["必须在 0 到 1 之间，实为 1.5"]}
    assert chinese.json()["error"]["message"] == "制度文件无效。"


def test_validate_reports_toml_syntax_with_line(cast, api):
    response = api(cast.agent, language="en").post("policy/validate", {"text": "[meta\nname = 1"})

    assert response.status_code == 422
    assert response.json()["error"]["fields"]["__toml__"][0].startswith("line 1, column 6:")


def test_publish_by_an_administrator(cast, api, frozen_versions):
    text = WITH_NEW_TARGET.replace("base_score = 100", "base_score = 90")

    response = api(cast.admin).post("policy/publish", {"text": text, "reason": "降低基础分"})

    assert response.status_code == 201
    body = response.json()
    assert (body["number"], body["is_active"], body["reason"], body["author"]) == (
        3,
        True,
        "降低基础分",
        "管理员",
    )
    assert body["document"]["assessment"]["base_score"] == 90


@pytest.mark.parametrize("who", ["director", "quality", "head_service", "agent", "tech"])
def test_publish_by_anyone_else_is_forbidden_and_writes_nothing(cast, api, who):
    response = api(getattr(cast, who)).post("policy/publish", {"text": PROPERTY, "reason": "试试"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not PolicyVersion.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"text": PROPERTY, "reason": ""}, "reason"),
        ({"text": PROPERTY}, "reason"),
        ({"text": PROPERTY + "\n[[[", "reason": "原因"}, "__toml__"),
        (
            {"text": PROPERTY.replace("base_score = 100", "base_score = -1"), "reason": "原因"},
            "assessment.base_score",
        ),
    ],
)
def test_publish_invalid_is_422_and_writes_nothing(cast, api, payload, field):
    response = api(cast.admin).post("policy/publish", payload)

    assert response.status_code == 422
    assert field in response.json()["error"]["fields"]
    assert not PolicyVersion.objects.exists()


def test_presets_lists_the_four_presets(cast, api):
    body = api(cast.agent).get("policy/presets").json()

    assert [p["name"] for p in body] == ["property", "after_sales", "utility", "it_ops"]
    assert body[0] == {
        "name": "property",
        "title": preset_document("property").meta.name,
        "description": preset_document("property").meta.description,
    }
