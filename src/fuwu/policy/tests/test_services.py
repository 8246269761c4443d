"""Publishing versions, immutability, the active policy, creating an organisation from a preset."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.org.models import Organisation
from fuwu.policy.loader import PolicyInvalid
from fuwu.policy.models import ImmutableVersionError, PolicyVersion
from fuwu.policy.presets import preset_document, preset_text
from fuwu.policy.selectors import active_policy, policy_document_for_version, sla_class_names
from fuwu.policy.services import organisation_create, policy_publish
from fuwu.timeline.models import Event

from .conftest import PROPERTY, WITH_NEW_TARGET


def test_without_a_published_version_the_preset_governs(cast):
    assert active_policy(cast.organisation) == preset_document("property")
    assert sla_class_names(cast.organisation) == {"standard", "urgent", "emergency"}


def test_publish_creates_the_next_active_version_with_one_event(cast, published):
    first, second = published

    assert (first.number, first.is_active, second.number, second.is_active) == (1, False, 2, True)
    assert second.author == cast.admin
    assert second.reason == "提高及时率目标"
    assert second.document["kpi"]["timeliness_at_least"] == 0.95
    events = Event.objects.for_subject(second)
    assert [(e.action, e.reason, e.changes) for e in events] == [
        ("policy.published", "提高及时率目标", {"version": {"before": 1, "after": 2}})
    ]
    assert events[0].organisation_id == cast.organisation.pk


def test_active_policy_reflects_a_publish_at_once(cast, published):
    # given
    assert active_policy(cast.organisation).kpi.timeliness_at_least == 0.95

    # when
    policy_publish(
        organisation=cast.organisation,
        text=PROPERTY.replace("base_score = 100", "base_score = 120"),
        reason="调整基础分",
        by=cast.admin,
    )

    # then: also through another instance of the same organisation
    assert active_policy(Organisation.objects.get(pk=cast.organisation.pk)).assessment.base_score == 120
    assert active_policy(cast.organisation).kpi.timeliness_at_least == 0.90


def test_earlier_versions_and_records_pinned_to_them_stay_unchanged(cast, published):
    # given a record governed by version 1
    first, _second = published
    pinned = PolicyVersion.objects.get(pk=first.pk)
    text_before = pinned.text

    # when two more versions are published
    policy_publish(
        organisation=cast.organisation, text=PROPERTY.replace("0.85", "0.88"), reason="满意度", by=cast.admin
    )

    # then
    pinned.refresh_from_db()
    assert pinned.text == text_before
    assert policy_document_for_version(pinned).kpi.timeliness_at_least == 0.90
    assert active_policy(cast.organisation).kpi.satisfaction_at_least == 0.88


def test_a_version_cannot_be_changed_or_deleted(published):
    first, _ = published

    first.text = "changed"
    with pytest.raises(ImmutableVersionError):
        first.save()
    with pytest.raises(ImmutableVersionError):
        PolicyVersion.objects.filter(pk=first.pk).update(document={})
    with pytest.raises(ImmutableVersionError):
        first.delete()
    assert PolicyVersion.objects.get(pk=first.pk).text == PROPERTY


def test_at_most_one_active_version_per_organisation(published):
    first, _ = published

    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.filter(pk=first.pk).update(is_active=True)


@pytest.mark.parametrize(
    ("who", "reason", "text", "error"),
    [
        ("director", "原因", PROPERTY, PermissionDeniedError),
        ("head_service", "原因", PROPERTY, PermissionDeniedError),
        ("agent", "原因", PROPERTY, PermissionDeniedError),
        ("outsider", "原因", PROPERTY, PermissionDeniedError),  # administrator of another organisation
        ("admin", "   ", PROPERTY, ValidationFailed),
        ("admin", "原因", PROPERTY.replace("ratio = 0.20", "ratio = 1.5"), PolicyInvalid),
    ],
)
def test_publish_refused_writes_nothing(cast, who, reason, text, error):
    # when
    with pytest.raises(error):
        policy_publish(organisation=cast.organisation, text=text, reason=reason, by=getattr(cast, who))

    # then
    assert not PolicyVersion.objects.filter(organisation=cast.organisation).exists()
    assert not Event.objects.filter(action="policy.published").exists()


def test_publishing_the_active_text_again_is_refused(cast, published):
    with pytest.raises(ValidationFailed) as caught:
        policy_publish(organisation=cast.organisation, text=WITH_NEW_TARGET, reason="again", by=cast.admin)

    assert set(caught.value.fields) == {"text"}
    assert PolicyVersion.objects.filter(organisation=cast.organisation).count() == 2


def test_organisation_create_publishes_version_one_from_the_preset(db):
    # when
    organisation = organisation_create(name="某某自来水公司", preset="utility", short_name="自来水")

    # then
    version = organisation.policy_versions.get()
    assert (version.number, version.is_active, version.author, version.reason) == (
        1,
        True,
        None,
        "initialised from preset utility",
    )
    assert version.text == preset_text("utility")
    assert active_policy(organisation).business_hours.always_open


def test_fuwu_init_creates_organisation_and_version_one(db):
    # given
    out = StringIO()

    # when
    call_command("init", "--preset", "after_sales", "--org", "某某客车售后服务部", stdout=out)

    # then
    organisation = Organisation.objects.get(name="某某客车售后服务部")
    assert organisation.preset == "after_sales"
    assert organisation.policy_versions.get().number == 1
    assert "某某客车售后服务部" in out.getvalue()
    assert "after_sales" in out.getvalue()


def test_fuwu_init_refuses_an_unknown_preset_listing_the_valid_ones(db):
    with pytest.raises(CommandError) as caught:
        call_command("init", "--preset", "hospital", "--org", "医院")

    assert all(name in str(caught.value) for name in ("property", "after_sales", "utility", "it_ops"))
    assert not Organisation.objects.exists()


def test_fuwu_init_refuses_a_duplicate_name(db):
    call_command("init", "--preset", "property", "--org", "某某物业", stdout=StringIO())

    with pytest.raises(CommandError):
        call_command("init", "--preset", "it_ops", "--org", "某某物业", stdout=StringIO())

    assert Organisation.objects.filter(name="某某物业").count() == 1
    assert PolicyVersion.objects.count() == 1


def test_init_can_create_the_first_administrator(db):
    from io import StringIO

    from django.contrib.auth import authenticate
    from django.core.management import call_command
    from django.test import RequestFactory

    call_command(
        "init",
        "--preset",
        "it_ops",
        "--org",
        "某某信息中心",
        "--admin",
        "boss",
        "--admin-password",
        "longenough1",
        stdout=StringIO(),
    )
    user = authenticate(RequestFactory().post("/login/"), username="boss", password="longenough1")
    assert user is not None
    assert user.organisation is not None
    assert user.organisation.name == "某某信息中心"
    assert user.has_role("administrator")
