"""Policy pages: the active policy, history, diff, publishing with live validation (administrators)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fuwu.policy.models import PolicyVersion

from .conftest import PROPERTY


def test_active_page_shows_key_numbers_and_the_text(cast, web, published):
    response = web(cast.tech).get(reverse("policy:active"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "v2" in page
    assert "提高及时率目标" in page
    assert "95%" in page
    assert "GD" in page
    assert "08:30–12:00" in page
    assert "timeliness_at_least = 0.95" in page  # full TOML text
    assert reverse("policy:publish") not in page  # not an administrator


def test_active_page_before_anything_is_published(cast, web):
    response = web(cast.agent).get(reverse("policy:active"))

    assert response.status_code == 200
    assert "property" in response.content.decode()


def test_history_page_lists_versions_with_bounded_queries(
    cast, web, published, django_assert_max_num_queries
):
    client = web(cast.agent)
    client.get(reverse("policy:history"))  # warm up the session

    with django_assert_max_num_queries(6):
        response = client.get(reverse("policy:history"))

    assert response.content.decode().count('data-testid="version-row"') == 2


def test_version_page_and_other_organisation(cast, web, published):
    assert web(cast.agent).get(reverse("policy:version", args=[1])).status_code == 200
    assert web(cast.outsider).get(reverse("policy:version", args=[1])).status_code == 404


def test_diff_page_highlights_changes(cast, web, published):
    response = web(cast.director).get(reverse("policy:diff"), {"from": 1, "to": 2})

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-kind="removed"' in page
    assert 'data-kind="added"' in page
    assert "timeliness_at_least = 0.95" in page


def test_diff_page_of_another_organisations_version_is_not_found(cast, web, published):
    assert web(cast.outsider).get(reverse("policy:diff"), {"from": 1, "to": 2}).status_code == 404


@pytest.mark.parametrize("who", ["director", "quality", "head_service", "agent", "tech"])
def test_publish_page_is_for_administrators_only(cast, web, who):
    client = web(getattr(cast, who))

    assert client.get(reverse("policy:publish")).status_code == 403
    assert client.post(reverse("policy:publish"), {"text": PROPERTY, "reason": "x"}).status_code == 403
    assert client.post(reverse("policy:validate"), {"text": PROPERTY}).status_code == 403
    assert not PolicyVersion.objects.exists()


def test_administrator_publishes_from_the_page(cast, web):
    client = web(cast.admin)
    assert PROPERTY.splitlines()[0] in client.get(reverse("policy:publish")).content.decode()

    response = client.post(reverse("policy:publish"), {"text": PROPERTY, "reason": "启用物业制度"})

    assert response.status_code == 302
    version = PolicyVersion.objects.get(organisation=cast.organisation)
    assert (version.number, version.reason, version.author) == (1, "启用物业制度", cast.admin)


def test_publish_page_requires_a_reason(cast, web):
    response = web(cast.admin).post(reverse("policy:publish"), {"text": PROPERTY, "reason": ""})

    assert response.status_code == 422
    assert not PolicyVersion.objects.exists()


def test_publish_page_lists_errors_by_key_path(cast, web):
    text = PROPERTY.replace("ratio = 0.20", "ratio = 1.5")

    response = web(cast.admin).post(reverse("policy:publish"), {"text": text, "reason": "改比例"})

    assert response.status_code == 422
    assert "visits.sampling[1].ratio" in response.content.decode()
    assert not PolicyVersion.objects.exists()


def test_live_validation_returns_the_problems(cast, web):
    client = web(cast.admin)

    invalid = client.post(
        reverse("policy:validate"),
        {"text": PROPERTY.replace("ratio = 0.20", "ratio = 1.5")},
        headers={"HX-Request": "true"},
    )
    valid = client.post(reverse("policy:validate"), {"text": PROPERTY}, headers={"HX-Request": "true"})

    assert "visits.sampling[1].ratio" in invalid.content.decode()
    assert 'data-testid="policy-errors"' in invalid.content.decode()
    assert 'data-testid="policy-valid"' in valid.content.decode()
