"""The CAPA's life through its services: raised from complaints, root cause, disposition, extent
check, actions, independent verification after the interval, closure — and every refusal on the way
(409 for the state, 403 for the role) leaving the record as it was."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import translation

from fuwu.capa import services
from fuwu.capa.models import AffectedRecord, Capa, CapaClock, Origin, Status, Verification
from fuwu.lib.errors import ConflictError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import Notification
from fuwu.timeline.models import Event
from fuwu.timeline.services import verify_chain

from .conftest import RAISED, at, implemented

VERIFIABLE = at(2026, 10, 14, 9, 0)  # implemented at RAISED + 30 calendar days (720 calendar hours)


def actions_of(capa: Capa) -> list[str]:
    return list(
        Event.objects.filter(subject_id=capa.pk, action__startswith="capa.").values_list("action", flat=True)
    )


def test_full_lifecycle_from_two_complaints_to_closure(cast, complaint, raise_capa):
    # given two complaints against the repair department sharing one cause
    first, second = complaint(), complaint()

    # when
    capa = raise_capa(
        affected=[f"complaints.complaint:{first.pk}", f"complaints.complaint:{second.pk}"], confidentiality=0
    )
    assert capa.number == "CA2609-001"
    assert capa.origin == Origin.COMPLAINT
    assert sorted(AffectedRecord.objects.filter(capa=capa).values_list("label", flat=True)) == sorted(
        [first.number, second.number]
    )
    by = cast.head_repair
    capa = services.capa_analyse(
        capa=capa, by=by, root_cause="新员工未经礼仪培训", method="five_whys", now=RAISED
    )
    assert capa.status == Status.IN_ACTION
    capa = services.capa_decide_disposition(
        capa=capa, by=by, disposition="tell_customer", note="向两位客户致歉说明", now=RAISED
    )
    assert (capa.disposition, capa.disposition_by) == ("tell_customer", cast.head_repair)
    services.capa_check_extent(
        capa=capa, by=by, scope="水电班", found=True, note="水电班也有一例", now=RAISED
    )
    item = services.capa_add_item(
        capa=capa, by=by, description="全员礼仪培训", owner=cast.tech, due_on=date(2026, 9, 18), now=RAISED
    )
    assert item.due_at == at(2026, 9, 18, 17, 30)
    services.capa_complete_item(
        capa=capa, by=cast.tech, item_id=item.pk, evidence="培训签到表", now=at(2026, 9, 16, 10)
    )
    capa = services.capa_implement(capa=capa, by=by, now=RAISED + timedelta(days=3))
    assert capa.status == Status.AWAITING_VERIFICATION
    opens = RAISED + timedelta(days=33)
    assert capa.verify_from == opens
    capa = services.capa_verify(
        capa=capa, by=cast.quality, result="passed", note="一个月内无同类投诉", now=opens
    )
    capa = services.capa_close(capa=capa, by=cast.quality, note="有效", now=opens + timedelta(hours=1))

    # then
    capa.refresh_from_db()
    assert capa.status == Status.CLOSED
    assert capa.closed_by == cast.quality
    assert actions_of(capa) == [
        "capa.raised",
        "capa.analysed",
        "capa.disposition_decided",
        "capa.extent_checked",
        "capa.item_added",
        "capa.item_completed",
        "capa.implemented",
        "capa.verified",
        "capa.closed",
    ]
    assert verify_chain(capa)
    clocks = {c.kind: c for c in CapaClock.objects.filter(capa=capa)}
    assert clocks["action_item"].met_at == at(2026, 9, 16, 10)
    assert clocks["verification"].met_at == opens
    assert Notification.objects.filter(recipient=cast.tech, kind="assigned", capa=capa).exists()
    assert Notification.objects.filter(recipient=cast.quality, capa=capa, kind="assigned").exists()


def test_a_verification_is_due_ten_working_days_after_it_becomes_possible(cast, raise_capa):
    capa = implemented(cast, raise_capa())

    clock = CapaClock.objects.get(capa=capa, kind="verification")

    assert capa.verify_from == VERIFIABLE
    assert clock.due_at == at(2026, 10, 28, 17, 30)  # Oct 14 + 10 working days


def test_an_item_due_on_a_holiday_is_due_at_the_close_of_the_next_working_day(cast, raise_capa):
    capa = raise_capa()
    capa = services.capa_analyse(
        capa=capa, by=cast.head_repair, root_cause="原因", method="fishbone", now=RAISED
    )

    during = services.capa_add_item(
        capa=capa,
        by=cast.head_repair,
        description="整改",
        owner=cast.tech,
        due_on=date(2026, 10, 3),
        now=RAISED,
    )
    makeup = services.capa_add_item(
        capa=capa,
        by=cast.head_repair,
        description="复查",
        owner=cast.tech,
        due_on=date(2026, 10, 10),
        now=RAISED,
    )
    default = services.capa_add_item(
        capa=capa, by=cast.head_repair, description="培训", owner=cast.tech, now=at(2026, 9, 28, 9)
    )

    assert during.due_at == at(2026, 10, 8, 17, 30)  # 国庆 Oct 1–7 off
    assert makeup.due_at == at(2026, 10, 10, 17, 30)  # Saturday Oct 10: a make-up working day
    # 10 working days from Mon Sep 28: 29, 30, (Oct 1–7 off), 8, 9, 10 (Sat, worked), 12 … 16
    assert default.due_at == at(2026, 10, 16, 17, 30)


def test_cannot_close_without_a_passed_independent_verification(cast, raise_capa):
    capa = implemented(cast, raise_capa(), owners=(cast.tech, cast.quality))
    before = actions_of(capa)

    # closing before any verification: the state refuses (409), naming what is allowed
    with pytest.raises(ConflictError) as closing:
        services.capa_close(capa=capa, by=cast.director, now=VERIFIABLE)
    assert closing.value.extra["allowed_actions"] == ["cancel"]
    # an owner of one of the actions may not verify (403), even with the verifier role
    with pytest.raises(PermissionDeniedError):
        services.capa_verify(capa=capa, by=cast.quality, result="passed", note="有效", now=VERIFIABLE)
    # a role the policy does not name may not verify either
    with pytest.raises(PermissionDeniedError):
        services.capa_verify(capa=capa, by=cast.director, result="passed", note="有效", now=VERIFIABLE)

    capa.refresh_from_db()
    assert capa.status == Status.AWAITING_VERIFICATION
    assert not Verification.objects.filter(capa=capa).exists()
    assert actions_of(capa) == before


def test_verifying_before_the_interval_is_refused_and_at_it_is_allowed(cast, raise_capa):
    capa = implemented(cast, raise_capa())
    another_quality = cast.quality  # owns nothing here

    with pytest.raises(ConflictError) as early:
        services.capa_verify(
            capa=capa, by=another_quality, result="passed", note="有效", now=VERIFIABLE - timedelta(minutes=1)
        )
    assert early.value.extra["status"] == Status.AWAITING_VERIFICATION
    assert Capa.objects.get(pk=capa.pk).status == Status.AWAITING_VERIFICATION

    services.capa_verify(capa=capa, by=another_quality, result="passed", note="有效", now=VERIFIABLE)
    assert Capa.objects.get(pk=capa.pk).status == Status.VERIFIED


@pytest.fixture
def in_english():
    with translation.override("en"):  # the refusals are matched by their English words
        yield


def test_a_failed_verification_sends_it_back_to_the_actions(cast, raise_capa, in_english):
    capa = implemented(cast, raise_capa())

    capa = services.capa_verify(capa=capa, by=cast.quality, result="failed", note="又有投诉", now=VERIFIABLE)

    assert capa.status == Status.IN_ACTION
    assert capa.failed_verifications == 1
    assert capa.verify_from is None
    with pytest.raises(ConflictError):  # not closable: the verification failed
        services.capa_close(capa=capa, by=cast.quality, now=VERIFIABLE)
    with pytest.raises(ConflictError, match="add at least one action item"):  # a new round needs a new action
        services.capa_implement(capa=capa, by=cast.head_repair, now=VERIFIABLE)

    item = services.capa_add_item(
        capa=capa, by=cast.head_repair, description="考核挂钩", owner=cast.tech2, now=VERIFIABLE
    )
    assert item.round == 1
    with pytest.raises(ConflictError):  # the new item is open
        services.capa_implement(capa=capa, by=cast.head_repair, now=VERIFIABLE)
    services.capa_complete_item(
        capa=capa, by=cast.tech2, item_id=item.pk, evidence="考核办法", now=VERIFIABLE
    )
    capa = services.capa_implement(capa=capa, by=cast.head_repair, now=VERIFIABLE)
    later = capa.verify_from
    assert later == VERIFIABLE + timedelta(days=30)
    services.capa_verify(capa=capa, by=cast.quality, result="passed", note="有效", now=later)
    services.capa_close(capa=capa, by=cast.quality, now=later)
    assert Capa.objects.get(pk=capa.pk).status == Status.CLOSED
    assert Verification.objects.filter(capa=capa).count() == 2


def test_implementing_needs_every_item_done_and_the_extent_checked(cast, raise_capa, in_english):
    capa = raise_capa()
    by = cast.head_repair
    services.capa_analyse(capa=capa, by=by, root_cause="原因", method="other", now=RAISED)
    item = services.capa_add_item(capa=capa, by=by, description="整改", owner=cast.tech, now=RAISED)

    with pytest.raises(ConflictError, match="still open"):
        services.capa_implement(capa=capa, by=by, now=RAISED)
    services.capa_complete_item(capa=capa, by=cast.tech, item_id=item.pk, evidence="照片", now=RAISED)
    with pytest.raises(ConflictError, match="elsewhere"):
        services.capa_implement(capa=capa, by=by, now=RAISED)
    services.capa_check_extent(capa=capa, by=by, scope="全部班组", found=False, now=RAISED)
    assert services.capa_implement(capa=capa, by=by, now=RAISED).status == Status.AWAITING_VERIFICATION


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("head_repair", True), ("quality", True), ("director", True), ("tech", False), ("head_service", False)],
)
def test_who_may_record_the_root_cause(cast, raise_capa, who, allowed):
    capa = raise_capa(by=cast.quality)
    person = getattr(cast, who)

    if allowed:
        services.capa_analyse(capa=capa, by=person, root_cause="原因", method="five_whys", now=RAISED)
        assert Capa.objects.get(pk=capa.pk).root_cause == "原因"
    else:
        with pytest.raises(PermissionDeniedError):
            services.capa_analyse(capa=capa, by=person, root_cause="原因", method="five_whys", now=RAISED)
        assert Capa.objects.get(pk=capa.pk).root_cause == ""


def test_only_the_owner_or_the_leaders_record_an_item_done(cast, raise_capa):
    capa = raise_capa()
    services.capa_analyse(capa=capa, by=cast.head_repair, root_cause="原因", method="five_whys", now=RAISED)
    item = services.capa_add_item(
        capa=capa, by=cast.head_repair, description="整改", owner=cast.tech, now=RAISED
    )
    services.capa_add_item(capa=capa, by=cast.head_repair, description="复查", owner=cast.tech2, now=RAISED)

    with pytest.raises(PermissionDeniedError):
        services.capa_complete_item(capa=capa, by=cast.tech2, item_id=item.pk, evidence="x", now=RAISED)
    assert capa.items.get(pk=item.pk).done_at is None


def test_a_concession_says_why_and_a_preventive_action_has_none(cast, raise_capa):
    capa = raise_capa()
    with pytest.raises(ValidationFailed) as missing:
        services.capa_decide_disposition(capa=capa, by=cast.head_repair, disposition="concession", now=RAISED)
    assert "note" in missing.value.fields

    preventive = raise_capa(kind="preventive")
    with pytest.raises(ConflictError):
        services.capa_decide_disposition(capa=preventive, by=cast.head_repair, disposition="redo", now=RAISED)


def test_bad_input_names_each_field_and_writes_nothing(cast, raise_capa):
    with pytest.raises(ValidationFailed) as caught:
        raise_capa(title=" ", problem="x" * 5000, category="Not A Code", kind="both", confidentiality=3)

    assert set(caught.value.fields) == {"title", "problem", "category", "kind", "confidentiality"}
    assert not Capa.objects.exists()
    assert not Event.objects.filter(action="capa.raised").exists()


def test_a_technician_cannot_raise(cast, raise_capa):
    with pytest.raises(PermissionDeniedError):
        raise_capa(by=cast.tech)
    assert not Capa.objects.exists()


def test_an_item_owner_must_be_cleared_for_the_capa(cast, raise_capa):
    capa = raise_capa(by=cast.director, confidentiality=2)
    services.capa_analyse(capa=capa, by=cast.director, root_cause="原因", method="five_whys", now=RAISED)

    with pytest.raises(ValidationFailed) as caught:
        services.capa_add_item(capa=capa, by=cast.director, description="整改", owner=cast.tech, now=RAISED)

    assert "owner_id" in caught.value.fields
    assert not capa.items.exists()


def test_cancel_stops_the_clocks(cast, raise_capa):
    capa = raise_capa()
    services.capa_analyse(capa=capa, by=cast.head_repair, root_cause="原因", method="five_whys", now=RAISED)
    services.capa_add_item(capa=capa, by=cast.head_repair, description="整改", owner=cast.tech, now=RAISED)

    with pytest.raises(PermissionDeniedError):
        services.capa_cancel(capa=capa, by=cast.head_repair, reason="重复", now=RAISED)
    services.capa_cancel(capa=capa, by=cast.director, reason="与 CA2609-002 重复", now=RAISED)

    assert Capa.objects.get(pk=capa.pk).status == Status.CANCELLED
    assert not CapaClock.objects.filter(capa=capa, is_active=True).exists()
