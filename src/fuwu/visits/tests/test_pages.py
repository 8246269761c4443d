"""The return-visit pages: the agent's day in call order on the home page and the list, a visit
with its script (the day's holiday greeting), questionnaire and the customer's history, the
actions refused as the API refuses them, other departments and the person rated getting 404, and
the month's samples page with its audit."""

from __future__ import annotations

import re

import time_machine
from django.urls import reverse

from fuwu.visits.models import Status, Visit, VisitSample
from fuwu.workorders.models import WorkOrder

from .conftest import at


def _page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.content[:400]
    return response.content.decode()


@time_machine.travel(at(2026, 11, 24, 8, 0), tick=False)
def test_the_agents_morning_lists_todays_calls_in_order_and_the_home_page_counts_them(cast, steps, web):
    first = steps.done()
    second = steps.done()
    Visit.objects.filter(work_order=second).update(next_attempt_at=at(2026, 11, 24, 9, 0))
    Visit.objects.filter(work_order=first).update(next_attempt_at=at(2026, 11, 24, 10, 30))
    later = Visit.objects.get(work_order=steps.done())
    Visit.objects.filter(pk=later.pk).update(next_attempt_at=at(2026, 11, 25, 9, 0))  # tomorrow's
    agent = web(cast.agent)
    html = _page(agent, reverse("visits:list"))
    order = [int(pk) for pk in re.findall(r'data-visit="(\d+)"', html)]
    visits = {v.work_order_id: v.pk for v in Visit.objects.all()}
    assert order == [visits[second.pk], visits[first.pk]]  # the 09:00 call before the 10:30 one
    assert 'href="tel:' in html  # the agent dials from the list
    home = _page(agent, reverse("core:home"))
    assert re.search(r'data-visit-bench="today" data-count="2"', home)
    assert 'data-testid="next-calls"' in home


@time_machine.travel(at(2026, 11, 24, 9, 5), tick=False)
def test_a_phone_visit_from_its_page_records_the_answers_and_rehandles_when_unsatisfied(cast, steps, web):
    order = steps.done()
    visit = Visit.objects.get(work_order=order)
    agent = web(cast.agent)
    html = _page(agent, reverse("visits:detail", args=[visit.pk]))
    # the script, the questions and the number to dial; the history one tap away
    assert 'data-testid="script"' in html
    assert "您现在方便吗" in html
    assert "您对服务态度是否满意?" in html
    assert 'data-testid="dial"' in html
    assert 'data-testid="history-toggle"' in html
    assert order.number in html
    assert 'data-testid="greeting"' not in html  # an ordinary Tuesday
    url = reverse("visits:action", args=[visit.pk, "record-answer"])
    # a wrong choice is refused naming the question, nothing stored
    refused = agent.post(url, {"answer_timeliness": "很好", "method": "phone"})
    assert refused.status_code == 422
    assert 'data-field="answer_timeliness"' in refused.content.decode()
    visit.refresh_from_db()
    assert visit.status == Status.DUE
    done = agent.post(
        url,
        {
            "answer_timeliness": "满意",
            "answer_skill": "一般",
            "answer_attitude": "不满意",
            "answer_suggestions": "师傅态度差",
            "method": "phone",
        },
    )
    assert done.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, visit.satisfied) == (Status.DONE, False)
    assert WorkOrder.objects.get(pk=order.pk).status != "visited"
    shown = _page(agent, reverse("visits:detail", args=[visit.pk]))
    assert 'data-testid="answers"' in shown
    assert "师傅态度差" in shown
    assert 'data-testid="no-actions"' in shown


@time_machine.travel(at(2026, 11, 24, 9, 5), tick=False)
def test_not_reached_and_call_me_later_from_the_page(cast, steps, web):
    visit = Visit.objects.get(work_order=steps.done())
    agent = web(cast.agent)
    url = reverse("visits:action", args=[visit.pk, "attempt"])
    response = agent.post(url, {"outcome": "unreachable", "method": "phone", "note": "无人接听"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.attempts, visit.status) == (1, Status.DUE)
    assert visit.next_attempt_at == at(2026, 11, 24, 11, 5)  # two business hours later
    later = agent.post(
        url, {"outcome": "call_later", "method": "phone", "call_back_at": "2026-11-25T19:00"}, follow=True
    )
    assert "2026-11-25 19:00" in later.content.decode()
    visit.refresh_from_db()
    assert visit.next_attempt_at == at(2026, 11, 25, 19, 0)


@time_machine.travel(at(2026, 10, 1, 9, 30), tick=False)
def test_the_script_opens_with_the_holidays_greeting(cast, steps, web):
    visit = Visit.objects.get(work_order=steps.done())
    Visit.objects.filter(pk=visit.pk).update(next_attempt_at=at(2026, 10, 1, 9, 0))
    html = _page(web(cast.agent), reverse("visits:detail", args=[visit.pk]))
    assert re.search(r'data-testid="greeting">国庆节快乐！<', html)
    english = web(cast.agent)
    english.cookies["fuwu_language"] = "en"
    assert "Happy National Day!" in _page(english, reverse("visits:detail", args=[visit.pk]))


@time_machine.travel(at(2026, 11, 24, 9, 5), tick=False)
def test_the_person_rated_and_other_departments_get_404_without_a_name(cast, steps, web):
    order = steps.done()
    visit = Visit.objects.get(work_order=order)
    for person in (cast.tech, cast.cleaner, cast.outsider):
        client = web(person)
        got = client.get(reverse("visits:detail", args=[visit.pk]))
        assert got.status_code == 404, person
        assert order.number not in got.content.decode()
        assert client.post(reverse("visits:action", args=[visit.pk, "attempt"]), {}).status_code == 404
        assert order.number not in _page(client, reverse("visits:list") + "?tab=all")
    # the head of the handling department sees it but may not make the agent's call
    head = web(cast.head_repair)
    html = _page(head, reverse("visits:detail", args=[visit.pk]))
    assert 'data-testid="script"' not in html
    refused = head.post(reverse("visits:action", args=[visit.pk, "record-answer"]), {"method": "phone"})
    assert refused.status_code == 403


@time_machine.travel(at(2026, 11, 24, 9, 5), tick=False)
def test_lists_run_a_bounded_number_of_queries(cast, steps, web, django_assert_max_num_queries):
    agent = web(cast.agent)
    steps.done()
    agent.get(reverse("visits:list") + "?tab=all")  # warm the caches (policy, calendar)
    with django_assert_max_num_queries(40) as few:
        agent.get(reverse("visits:list") + "?tab=all")
    for _ in range(6):
        steps.done()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = _page(agent, reverse("visits:list") + "?tab=all")
    assert len(re.findall(r'data-visit="\d+"', html)) == 7


@time_machine.travel(at(2026, 12, 1, 9, 0), tick=False)
def test_the_samples_page_draws_once_and_shows_the_audit(cast, steps, web):
    with time_machine.travel(at(2026, 11, 24, 11, 0), tick=False):
        for _ in range(4):
            steps.done()
    quality = web(cast.quality)
    url = reverse("visits:samples") + "?month=2026-11"
    assert 'data-testid="not-drawn"' in _page(quality, url)
    drawn = quality.post(reverse("visits:samples"), {"month": "2026-11"})
    assert drawn.status_code == 302
    html = _page(quality, url)
    assert 'data-testid="reproducible"' in html
    assert 'badge text-bg-danger" data-testid="reproducible"' not in html
    assert 'badge text-bg-success" data-testid="reproducible"' in html
    sampled = Visit.objects.filter(sample__isnull=False)
    assert sampled.exists()
    for sample in VisitSample.objects.all():
        assert f'data-sample="{sample.pk}"' in html
        assert f"<code>{sample.seed}</code>" in html
    for visit in sampled:
        assert f'data-sampled="{visit.pk}"' in html
    again = quality.post(reverse("visits:samples"), {"month": "2026-11"})
    assert again.status_code == 409
    assert Visit.objects.filter(sample__isnull=False).count() == sampled.count()
    # an agent cannot draw
    assert web(cast.agent).post(reverse("visits:samples"), {"month": "2026-10"}).status_code == 403


@time_machine.travel(at(2026, 11, 24, 9, 5), tick=False)
def test_the_survey_link_is_sent_from_the_page_and_its_state_shown(cast, steps, web):
    visit = Visit.objects.get(work_order=steps.done())
    agent = web(cast.agent)
    url = reverse("visits:action", args=[visit.pk, "send-survey"])
    refused = agent.post(url, {"method": "email", "email": "not-an-address"})
    assert refused.status_code == 422
    assert 'data-field="email"' in refused.content.decode()
    assert not visit.survey_links.exists()
    # WeChat: the link is shown once, to paste into the chat
    shown = agent.post(url, {"method": "wechat"}, follow=True).content.decode()
    match = re.search(r"(https?://[^\s<\"]+/service/visits/[\w-]+/)", shown)
    assert match, shown[:2000]
    assert 'data-testid="survey-links"' in shown
    assert 'data-link-state="open"' in shown
    # the link is not on the page again
    again = _page(agent, reverse("visits:detail", args=[visit.pk]))
    assert match.group(1) not in again
    # a second link revokes the first
    agent.post(url, {"method": "wechat"})
    page = _page(agent, reverse("visits:detail", args=[visit.pk]))
    assert page.count('data-link-state="open"') == 1
    assert page.count('data-link-state="revoked"') == 1
