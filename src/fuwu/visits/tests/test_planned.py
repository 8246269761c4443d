"""Planned visits (003 一级回访): the first visit the day after an agreement starts, maintenance
reminders by date and by running hours, holiday greetings before 春节 and 中秋节 (on the real
calendar), and questionnaire campaigns to a chosen set of customers. Each planner is idempotent:
run twice, it plans nothing twice."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import time_machine

from fuwu.customers.services import agreement_add, customer_create, product_add
from fuwu.lib.errors import PermissionDeniedError, ValidationFailed
from fuwu.policy.presets import preset_text
from fuwu.policy.services import policy_publish
from fuwu.timeline.models import Event
from fuwu.visits import services
from fuwu.visits.models import Reason, Status, Visit
from fuwu.visits.services import planned

from .conftest import at


@pytest.fixture
def customer(cast):
    return customer_create(
        organisation=cast.organisation,
        by=cast.agent,
        name="李女士",
        department=cast.service,
        addresses=[{"building": "8号楼", "unit": "1单元", "room": "302室"}],
        phones=[{"number": "13800001111", "label": "手机"}],
    )


def publish(cast, old: str, new: str) -> None:
    """The property preset with one line changed, published for the cast's organisation."""
    text = preset_text("property")
    assert old in text
    policy_publish(
        organisation=cast.organisation, text=text.replace(old, new, 1), reason="测试", by=cast.admin
    )


def visits(reason: str):
    return Visit.objects.filter(reason=reason).order_by("id")


def test_the_first_visit_is_due_the_working_day_after_the_agreement_starts(cast, customer):
    # an agreement starting on Friday 2026-12-25: the first visit the next working day, Monday
    agreement = agreement_add(customer=customer, by=cast.agent, number="JJ-001", starts_on=date(2026, 12, 25))
    with time_machine.travel(at(2026, 12, 24, 6, 10), tick=False):
        assert planned.plan_first_visits(cast.organisation, at(2026, 12, 24, 6, 10)) == 0  # not started
    now = at(2026, 12, 25, 6, 10)
    assert planned.plan_first_visits(cast.organisation, now) == 1
    (visit,) = visits(Reason.AGREEMENT_STARTED)
    assert (visit.customer, visit.agreement, visit.level, visit.visitor_role) == (
        customer,
        agreement,
        1,
        "agent",
    )
    assert (visit.work_order, visit.complaint) == (None, None)
    assert visit.due_at == at(2026, 12, 28, 17, 30)  # 订单生效后的第二日 (working days)
    assert visit.next_attempt_at == at(2026, 12, 28, 9, 0)
    assert (visit.contact_name, visit.contact_phone) == ("李女士", "13800001111")
    assert visit.department == cast.service
    assert list(visit.rated_people.all()) == []
    assert Event.objects.for_subject(visit).get().action == "visit.scheduled"
    # run again (the task twice, or the next morning): nothing twice
    assert planned.plan_first_visits(cast.organisation, now) == 0
    assert planned.plan_first_visits(cast.organisation, at(2026, 12, 26, 6, 10)) == 0
    assert visits(Reason.AGREEMENT_STARTED).count() == 1


def test_an_agreement_entered_late_gets_a_first_visit_not_already_overdue(cast, customer):
    # started on Monday 11-02, entered (and planned) only on Wednesday 11-11: due by the next working day
    agreement_add(customer=customer, by=cast.agent, number="JJ-009", starts_on=date(2026, 11, 2))
    now = at(2026, 11, 11, 10, 0)
    assert planned.plan_first_visits(cast.organisation, now) == 1
    visit = Visit.objects.get(reason=Reason.AGREEMENT_STARTED)
    assert visit.due_at == at(2026, 11, 12, 17, 30)  # the close of the next working day
    assert visit.due_at > now


def test_first_visits_follow_the_policy(cast, customer):
    agreement_add(customer=customer, by=cast.agent, number="JJ-002", starts_on=date(2026, 11, 2))
    # an agreement that started too long ago is not visited as new
    assert planned.plan_first_visits(cast.organisation, at(2026, 12, 15, 6, 10)) == 0
    publish(cast, "first_visit = true", "first_visit = false")
    assert planned.plan_first_visits(cast.organisation, at(2026, 11, 3, 6, 10)) == 0


@pytest.mark.parametrize(
    ("sold", "today", "expected"),
    [
        (date(2025, 3, 10), date(2026, 3, 9), date(2026, 3, 10)),
        (date(2025, 3, 10), date(2026, 3, 10), date(2026, 3, 10)),
        (date(2025, 3, 10), date(2026, 3, 11), date(2027, 3, 10)),
        (date(2024, 1, 31), date(2026, 2, 1), date(2027, 1, 31)),
    ],
)
def test_the_next_maintenance_date(sold, today, expected):
    assert planned.next_maintenance_on(sold, 12, today) == expected


def test_a_month_end_sale_keeps_its_day_where_the_month_has_it():
    assert planned.next_maintenance_on(date(2026, 1, 31), 1, date(2026, 2, 1)) == date(2026, 2, 28)
    assert planned.next_maintenance_on(date(2026, 1, 31), 1, date(2026, 3, 1)) == date(2026, 3, 31)


def _maintenance_policy(cast, months=12, hours=0):
    text = preset_text("property")
    text = text.replace("maintenance_every_months = 0 ", f"maintenance_every_months = {months} ", 1)
    text = text.replace("maintenance_every_hours = 0 ", f"maintenance_every_hours = {hours} ", 1)
    policy_publish(organisation=cast.organisation, text=text, reason="保养", by=cast.admin)


def test_maintenance_is_reminded_within_the_notice_before_the_date(cast, customer):
    _maintenance_policy(cast)
    product = product_add(customer=customer, by=cast.agent, name="燃气热水器", sale_date=date(2025, 12, 30))
    # maintenance on Wednesday 2026-12-30; notice 5 working days: planned from Wednesday 12-23
    assert planned.plan_maintenance(cast.organisation, at(2026, 12, 22, 6, 10)) == 0
    assert planned.plan_maintenance(cast.organisation, at(2026, 12, 23, 6, 10)) == 1
    (visit,) = visits(Reason.MAINTENANCE)
    assert (visit.product, visit.customer, visit.occasion) == (product, customer, f"{product.pk}:2026-12-30")
    assert visit.due_at == at(2026, 12, 30, 17, 30)
    assert planned.plan_maintenance(cast.organisation, at(2026, 12, 24, 6, 10)) == 0


def test_maintenance_on_a_holiday_is_reminded_by_the_working_day_before(cast, customer):
    _maintenance_policy(cast)
    product_add(customer=customer, by=cast.agent, name="空调", sale_date=date(2025, 10, 1))
    # 2026-10-01 is 国庆: the reminder is due by the close of the working day before, 09-30
    assert planned.plan_maintenance(cast.organisation, at(2026, 9, 30, 6, 10)) == 1
    (visit,) = visits(Reason.MAINTENANCE)
    assert visit.due_at == at(2026, 9, 30, 17, 30)


def test_maintenance_by_running_hours_once_per_multiple(cast, customer):
    from fuwu.customers.services import product_update

    _maintenance_policy(cast, months=0, hours=500)
    product = product_add(customer=customer, by=cast.agent, name="发电机组", running_hours=480)
    now = at(2026, 11, 24, 6, 10)
    assert planned.plan_maintenance(cast.organisation, now) == 0
    product_update(product=product, by=cast.agent, running_hours=530)
    assert planned.plan_maintenance(cast.organisation, now) == 1
    assert planned.plan_maintenance(cast.organisation, now) == 0
    product_update(product=product, by=cast.agent, running_hours=990)
    assert planned.plan_maintenance(cast.organisation, now) == 0  # still the first multiple
    product_update(product=product, by=cast.agent, running_hours=1001)
    assert planned.plan_maintenance(cast.organisation, now) == 1
    assert [v.occasion for v in visits(Reason.MAINTENANCE)] == [f"{product.pk}:h500", f"{product.pk}:h1000"]


def test_holiday_greetings_before_the_spring_festival(cast, customer):
    # 春节 2026 is off from Sunday 02-15; Saturday 02-14 is a make-up working day (调休), so the
    # last working day before it is that Saturday. 3 working days' lead: planned from Wednesday 02-11.
    agreement_add(customer=customer, by=cast.agent, number="JJ-003", starts_on=date(2026, 1, 1))
    other = customer_create(
        organisation=cast.organisation, by=cast.agent, name="无协议客户", department=cast.service
    )
    assert planned.plan_greetings(cast.organisation, at(2026, 2, 10, 6, 10)) == 0
    assert planned.plan_greetings(cast.organisation, at(2026, 2, 11, 6, 10)) == 1
    (visit,) = visits(Reason.HOLIDAY_GREETING)
    assert visit.customer == customer  # only customers with a current agreement
    assert visit.method == "sms"
    assert visit.due_at == at(2026, 2, 14, 17, 30)
    assert visit.occasion == "春节:2026-02-15"
    assert not Visit.objects.filter(customer=other).exists()
    assert planned.plan_greetings(cast.organisation, at(2026, 2, 12, 6, 10)) == 0
    # during the holiday the next greeted one is 中秋节 (2026-09-25), months away: nothing
    assert planned.plan_greetings(cast.organisation, at(2026, 2, 16, 6, 10)) == 0


def test_a_planned_visit_is_answered_with_its_own_questionnaire_and_rehandles_nothing(cast, customer):
    agreement_add(customer=customer, by=cast.agent, number="JJ-004", starts_on=date(2026, 11, 23))
    planned.plan_first_visits(cast.organisation, at(2026, 11, 23, 6, 10))
    visit = Visit.objects.get(reason=Reason.AGREEMENT_STARTED)
    with pytest.raises(ValidationFailed) as refused:
        services.visit_record_answer(
            visit, by=cast.agent, answers={"timeliness": "满意"}, now=at(2026, 11, 24, 9, 30)
        )
    assert "answers.timeliness" in refused.value.fields  # not a question of the planned visits
    done = services.visit_record_answer(
        visit, by=cast.agent, answers={"needs": "想了解家电清洗服务"}, now=at(2026, 11, 24, 9, 30)
    )
    assert (done.status, done.answers, done.consequence) == (Status.DONE, {"needs": "想了解家电清洗服务"}, "")


def test_a_campaign_visits_the_chosen_customers_with_its_questions(cast, customer, household):
    agreement_add(customer=customer, by=cast.agent, number="JJ-005", starts_on=date(2026, 1, 1))
    questions: list[dict[str, Any]] = [
        {"code": "interest", "text": "您是否需要上门清洗空调?", "kind": "yes_no"},
        {"code": "notes", "text": "其他需求", "kind": "text", "required": False},
    ]
    with time_machine.travel(at(2026, 11, 24, 10, 0), tick=False):
        campaign = planned.campaign_create(
            by=cast.quality,
            name="空调清洗需求调研",
            questions=questions,
            method="phone",
            due_at=at(2026, 12, 4, 17, 30),
            with_agreement=True,
        )
        assert campaign.size == 1
        (visit,) = Visit.objects.filter(campaign=campaign)
        assert (visit.customer, visit.reason) == (customer, Reason.CAMPAIGN)
        assert Event.objects.for_subject(campaign).get().action == "visit_campaign.created"
        done = services.visit_record_answer(visit, by=cast.agent, answers={"interest": "yes"})
        assert done.answers == {"interest": "yes"}
        # refusals name the field; an agent may not run campaigns
        with pytest.raises(ValidationFailed) as refused:
            planned.campaign_create(
                by=cast.quality,
                name="",
                questions=[{"code": "x", "text": "?", "kind": "choice", "choices": ["只有一个"]}],
                method="fax",
                due_at=at(2026, 11, 1, 10, 0),
            )
        assert {"name", "due_at", "method", "questions[0].choices"} <= set(refused.value.fields)
        with pytest.raises(PermissionDeniedError):
            planned.campaign_create(
                by=cast.agent, name="x", questions=None, method="phone", due_at=at(2026, 12, 4, 17, 30)
            )


def test_planned_visits_and_campaigns_on_the_pages(cast, customer, web):
    from django.urls import reverse

    agreement_add(customer=customer, by=cast.agent, number="JJ-006", starts_on=date(2026, 11, 23))
    planned.plan_first_visits(cast.organisation, at(2026, 11, 23, 6, 10))
    visit = Visit.objects.get(reason=Reason.AGREEMENT_STARTED)
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
        agent = web(cast.agent)
        day = agent.get(reverse("visits:list")).content.decode()
        assert f'data-visit="{visit.pk}"' in day
        page = agent.get(reverse("visits:detail", args=[visit.pk])).content.decode()
        assert "JJ-006" in page  # what the visit is for: the agreement
        assert "您对我们的服务有什么需求或建议?" in page  # the planned visits' questionnaire
        assert "您对服务态度是否满意?" not in page
        done = agent.post(
            reverse("visits:action", args=[visit.pk, "record-answer"]),
            {"answer_needs": "想了解保洁套餐", "method": "phone"},
        )
        assert done.status_code == 302
        visit.refresh_from_db()
        assert visit.answers == {"needs": "想了解保洁套餐"}
        # the quality role starts a campaign from the page; an agent may not
        url = reverse("visits:campaigns")
        assert agent.post(url, {"name": "x"}).status_code == 403
        quality = web(cast.quality)
        assert 'data-testid="campaign-form"' in quality.get(url).content.decode()
        refused = quality.post(
            url,
            {
                "name": "保洁需求调研",
                "method": "phone",
                "due_at": "2026-12-04T17:30",
                "with_agreement": "on",
                "q1_text": "您需要哪种保洁?",
                "q1_kind": "choice",
                "q1_choices": "日常保洁",
            },
        )
        assert refused.status_code == 422
        assert 'data-field="q1_choices"' in refused.content.decode()  # one choice is not a choice
        started = quality.post(
            url,
            {
                "name": "保洁需求调研",
                "method": "phone",
                "due_at": "2026-12-04T17:30",
                "with_agreement": "on",
                "q1_text": "您需要哪种保洁?",
                "q1_kind": "choice",
                "q1_choices": "日常保洁/深度保洁/不需要",
            },
        )
        assert started.status_code == 302
        (campaign_visit,) = Visit.objects.filter(reason=Reason.CAMPAIGN)
        assert campaign_visit.customer == customer
        assert campaign_visit.campaign is not None
        assert campaign_visit.campaign.questionnaire[0]["choices"] == ["日常保洁", "深度保洁", "不需要"]
        listed = quality.get(url).content.decode()
        assert f'data-campaign="{campaign_visit.campaign_id}"' in listed


@time_machine.travel(at(2026, 11, 24, 10, 0), tick=False)
def test_campaigns_through_the_api(cast, customer, api):
    agreement_add(customer=customer, by=cast.agent, number="JJ-007", starts_on=date(2026, 1, 1))
    body = {
        "name": "供暖需求调研",
        "method": "phone",
        "due_at": "2026-12-04T17:30:00+08:00",
        "with_agreement": True,
        "questions": [{"code": "heating", "text": "今年冬天室温是否达标?", "kind": "yes_no"}],
    }
    assert api(cast.agent).post("visit-campaigns", body).status_code == 403
    created = api(cast.quality).post("visit-campaigns", body)
    assert created.status_code == 201, created.content
    campaign = created.json()
    assert (campaign["size"], campaign["due"], campaign["answered"]) == (1, 1, 0)
    assert campaign["questionnaire"][0]["code"] == "heating"
    listed = api(cast.quality).get("visit-campaigns").json()
    assert [c["id"] for c in listed["items"]] == [campaign["id"]]
    assert api(cast.agent).get("visit-campaigns").json()["count"] == 0  # agents do not run them
    # the visit shows what it is for, and asks the campaign's questions
    (row,) = api(cast.agent).get("visits", {"tab": "all"}).json()["items"]
    assert (row["subject"], row["planned_for"], row["campaign"]["name"]) == (
        None,
        "供暖需求调研",
        "供暖需求调研",
    )
    detail = api(cast.agent).get(f"visits/{row['id']}").json()
    assert [q["code"] for q in detail["questionnaire"]] == ["heating"]
    # bad input names the field; nothing is stored
    for bad, field in (
        ({**body, "name": "x\x00"}, "name"),
        ({**body, "questions": [{"code": "A B", "text": "?", "kind": "text"}]}, "questions[0].code"),
        ({**body, "due_at": "2026-11-01T10:00:00+08:00"}, "due_at"),
        ({**body, "with_agreement": False, "served_from": "2030-01-01"}, "customers"),
    ):
        refused = api(cast.quality).post("visit-campaigns", bad)
        assert refused.status_code == 422, bad
        assert any(name.startswith(field) for name in refused.json()["error"]["fields"]), refused.json()
    assert api(cast.quality).get("visit-campaigns").json()["count"] == 1


def test_planned_visits_stay_out_of_the_satisfaction_figures_but_their_needs_are_collected(cast, customer):
    from fuwu.reports.registry import PeriodScope
    from fuwu.visits.periodic_reports import compute

    agreement_add(customer=customer, by=cast.agent, number="JJ-008", starts_on=date(2026, 10, 12))
    planned.plan_first_visits(cast.organisation, at(2026, 10, 12, 6, 10))
    visit = Visit.objects.get(reason=Reason.AGREEMENT_STARTED)
    services.visit_record_answer(
        visit, by=cast.agent, answers={"needs": "想办理家电清洗"}, now=at(2026, 10, 13, 10)
    )
    figures = compute(PeriodScope(cast.organisation, None, date(2026, 9, 1), date(2026, 11, 30)))
    assert figures["totals"]["current"]["planned"] == 0
    assert figures["totals"]["current"]["answered"] == 0
    assert [n["text"] for n in figures["needs"]] == ["想办理家电清洗"]
