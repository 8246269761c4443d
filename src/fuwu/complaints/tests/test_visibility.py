"""Who sees a complaint: its departments (handling, receiving, responsible) and the ones above,
its handler, first-contact owner and responsible people, organisation-wide roles and finance —
within their clearance. Anything else does not exist for them (404), and they are never told of it."""

from __future__ import annotations

import pytest
from django.http import Http404

from fuwu import visibility
from fuwu.complaints import selectors, services
from fuwu.org.services import staff_create

from .conftest import at


def sees(user, complaint) -> bool:
    return selectors.complaints_for_user(user).filter(pk=complaint.pk).exists()


def test_another_departments_complaint_is_invisible(cast, complain, finance):
    c = complain(now=at(2026, 11, 3, 9))  # received by the agent (客服中心), handled by 工程维修部
    assert sees(cast.head_repair, c)
    assert sees(cast.tech, c)  # 工程维修部's staff see its complaints
    assert sees(cast.agent, c)  # first-contact owner
    assert sees(cast.agent2, c)  # 客服中心 received it
    assert sees(cast.quality, c)
    assert sees(cast.director, c)
    assert sees(finance, c)
    assert not sees(cast.cleaner, c)
    assert not sees(cast.plumber, c)  # below 工程维修部: sees only its own
    assert not sees(cast.outsider, c)
    with pytest.raises(Http404):
        selectors.complaint_detail(cast.cleaner, c.pk)
    assert selectors.complaint_detail(cast.head_repair, c.pk) == c
    assert not selectors.complaint_list(cast.cleaner).filter(pk=c.pk).exists()


def test_who_may_see_agrees_with_the_queryset_in_a_bounded_number_of_queries(
    cast, complain, finance, django_assert_max_num_queries
):
    c = complain(now=at(2026, 11, 3, 9))
    everyone = [*cast.everyone(), finance, cast.outsider]
    with django_assert_max_num_queries(3):
        allowed = {p.pk for p in visibility.who_may_see(everyone, c)}
    assert allowed == {p.pk for p in everyone if sees(p, c)}
    assert cast.cleaner.pk not in allowed


def test_responsible_people_and_departments_see_the_complaint(cast, complain):
    c = complain(now=at(2026, 11, 3, 9), department_id=cast.service.pk)
    assert not sees(cast.cleaner, c)
    c = services.complaint_start_investigation(c, by=cast.head_service, now=at(2026, 11, 3, 10))
    services.complaint_assign_responsibility(
        c,
        by=cast.quality,
        cause="保洁不到位",
        department_id=cast.repair.pk,
        person_ids=[cast.cleaner.pk],
        now=at(2026, 11, 3, 11),
    )
    assert sees(cast.cleaner, c)  # named responsible
    assert sees(cast.tech, c)  # the responsible department's staff
    assert cast.cleaner.pk in {p.pk for p in visibility.who_may_see([cast.cleaner, cast.plumber], c)}
    assert cast.plumber.pk not in {p.pk for p in visibility.who_may_see([cast.plumber], c)}


def test_a_complaint_above_the_clearance_is_invisible_even_to_its_department(cast, complain):
    secret_agent = staff_create(
        organisation=cast.organisation,
        username="agent_s",
        full_name="保密客服",
        department=cast.service,
        roles=["agent"],
        phone="13800001111",
        password="test12345",
        clearance=1,
    )
    c = complain(by=secret_agent, confidentiality=1, now=at(2026, 11, 3, 9))
    assert c.confidentiality == 1
    assert sees(secret_agent, c)
    assert sees(cast.quality, c)  # clearance 1
    assert not sees(cast.head_repair, c)  # clearance 0, though it is their department's
    assert not sees(cast.agent, c)
    with pytest.raises(Http404):
        selectors.complaint_detail(cast.head_repair, c.pk)
    assert {p.pk for p in visibility.who_may_see([cast.head_repair, cast.quality, secret_agent], c)} == {
        cast.quality.pk,
        secret_agent.pk,
    }
    # nobody below the clearance is told of it: the heads get no "arrived" notification
    assert not cast.head_repair.notifications.filter(subject_id=c.pk).exists()


def test_the_receiver_may_not_register_a_complaint_above_their_clearance(cast, complain):
    from fuwu.lib.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as refused:
        complain(confidentiality=2, now=at(2026, 11, 3, 9))
    assert "confidentiality" in refused.value.fields


def test_list_tabs_run_a_bounded_number_of_queries(cast, complain, django_assert_max_num_queries):
    for hour in range(9, 12):
        complain(now=at(2026, 11, 3, hour))
    for tab in selectors.TABS:
        with django_assert_max_num_queries(2):
            rows = list(selectors.complaint_list(cast.head_repair, tab=tab, now=at(2026, 11, 30, 9)))
        for row in rows:
            _ = (
                row.customer,
                row.department,
                row.handler,
                row.first_contact_owner,
                row.is_overdue,  # type: ignore[attr-defined]
                row.next_due_at,  # type: ignore[attr-defined]
            )
    assert len(list(selectors.complaint_list(cast.head_repair, tab="overdue", now=at(2026, 11, 30, 9)))) == 3
    counts = selectors.tab_counts(cast.head_repair, now=at(2026, 11, 30, 9))
    assert (counts["open"], counts["department"], counts["overdue"], counts["closed"]) == (3, 3, 3, 0)


def test_awaiting_my_approval_lists_the_plans_i_may_decide(cast, complain):
    c = complain(now=at(2026, 11, 3, 9))
    c = services.complaint_start_investigation(c, by=cast.head_repair, now=at(2026, 11, 3, 10))
    c = services.complaint_assign_responsibility(
        c, by=cast.quality, cause="原因", department_id=cast.repair.pk, person_ids=[], now=at(2026, 11, 3, 11)
    )
    c = services.complaint_propose_plan(c, by=cast.head_repair, plan="上门道歉", now=at(2026, 11, 3, 12))
    now = at(2026, 11, 3, 13)

    def awaiting(user):
        return set(
            selectors.complaint_list(user, tab="awaiting_approval", now=now).values_list("pk", flat=True)
        )

    assert awaiting(cast.head_repair) == {c.pk}
    assert awaiting(cast.director) == {c.pk}
    assert awaiting(cast.head_service) == set()  # not the deciding department's head
    assert awaiting(cast.tech) == set()
    # the approvals engine's inbox agrees
    from fuwu.approvals.selectors import inbox

    assert [a.object_id for a in inbox(cast.head_repair)] == [c.pk]
    assert list(inbox(cast.head_service)) == []
