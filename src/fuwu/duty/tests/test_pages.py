"""The duty pages: my shifts, the roster of a post by week (a holiday marked), a shift, asking for a
swap, a swap (answered and decided on its page, or in the approvals inbox), writing and
acknowledging a handover. They read as text for people in both languages; other departments and
other organisations get 404; their queries do not grow with their rows."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.test import Client

from fuwu.approvals.models import Approval
from fuwu.duty import services
from fuwu.duty.models import Handover, Shift, SwapRequest, SwapStatus
from fuwu.testing.rendered import page_text, problems

from .conftest import PATTERN, PLANNED, POST, at

HANDING_OVER = at(2026, 10, 2, 7, 45)  # 国庆: the call centre is open


@pytest.fixture
def scene(centre, work_order, complaint):
    """A week of 24-hour shifts across 国庆, a swap awaiting approval, a handover written."""
    shifts = services.roster_generate(
        organisation=centre.organisation,
        by=centre.head_service,
        department=centre.service,
        post=POST,
        pattern=PATTERN,
        first_day=date(2026, 9, 30),
        last_day=date(2026, 10, 6),
        people=[centre.agent, centre.agent2, centre.agent3],
        now=at(2026, 9, 20, 10),
    )
    swap = services.swap_request(
        shift=shifts[4], by=shifts[4].person, colleague=centre.agent3, reason="回老家", now=at(2026, 9, 21, 9)
    )
    services.swap_agree(swap=swap, by=centre.agent3, now=at(2026, 9, 21, 10))
    work_order(assignee=centre.agent)
    complaint(handler=centre.agent)
    handover = services.handover_write(
        shift=shifts[1],
        by=shifts[1].person,
        items=[services.ItemInput("key", "机房钥匙", 3)],
        notes="无异常",
        now=HANDING_OVER,
    )
    first = services.handover_write(shift=shifts[0], by=shifts[0].person, now=at(2026, 10, 1, 7, 50))
    services.handover_acknowledge(
        handover=first, by=shifts[1].person, note="已点清", now=at(2026, 10, 1, 8, 5)
    )
    return {"shifts": shifts, "swap": swap, "handover": handover, "acknowledged": first}


def client_for(user, language="zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["fuwu_language"] = language
    return client


def pages(scene) -> list[str]:
    shift, handover, swap = scene["shifts"][2], scene["handover"], scene["swap"]
    return [
        "/duty/",
        "/duty/roster/",
        f"/duty/roster/?post={POST}&week=2026-09-28",
        f"/duty/shifts/{shift.pk}/",
        f"/duty/shifts/{scene['shifts'][1].pk}/",
        f"/duty/swaps/{swap.pk}/",
        f"/duty/handovers/{handover.pk}/",
        f"/duty/handovers/{scene['acknowledged'].pk}/",
        "/duty/handovers/",
        "/duty/handovers/?state=late",
        f"/duty/shifts/{shift.pk}/handover/",
        f"/duty/shifts/{shift.pk}/swap/",
        "/approvals/",
    ]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_read_as_text_for_people(centre, scene, language):
    with time_machine.travel(at(2026, 10, 3, 7, 50), tick=False):
        for user in (centre.agent3, centre.head_service):
            client = client_for(user, language)
            for path in pages(scene):
                if path.endswith(("/handover/", "/swap/")) and user != scene["shifts"][2].person:
                    continue
                answer = client.get(path)
                assert answer.status_code == 200, (user.username, path, answer.status_code)
                found = problems(page_text(answer.content), language)
                assert not found, (user.username, path, found)


def test_every_key_the_services_write_has_a_label(centre, scene, put_on):
    from fuwu.timeline.display import unlabelled_keys
    from fuwu.timeline.models import Event

    # and the rest: a rescheduled and a cancelled shift, an approved and a refused swap, a withdrawn one
    shift = put_on(centre.agent, at(2026, 11, 10, 8))
    services.shift_update(shift=shift, by=centre.head_service, ends_at=at(2026, 11, 11, 9), now=PLANNED)
    other = put_on(centre.agent, at(2026, 11, 12, 8))
    services.shift_cancel(shift=other, by=centre.head_service, reason="调整", now=PLANNED)
    services.swap_approve(swap=scene["swap"], by=centre.head_service, note="同意", now=at(2026, 9, 22, 9))
    refused = services.swap_request(
        shift=shift, by=centre.agent, colleague=centre.agent2, reason="x", now=PLANNED
    )
    services.swap_agree(swap=refused, by=centre.agent2, now=PLANNED)
    services.swap_refuse(swap=refused, by=centre.head_service, note="不行", now=PLANNED)
    withdrawn = services.swap_request(
        shift=shift, by=centre.agent, colleague=centre.agent3, reason="y", now=PLANNED
    )
    services.swap_withdraw(swap=withdrawn, by=centre.agent, now=PLANNED)
    events = list(Event.objects.filter(action__startswith="duty."))
    assert {e.action for e in events} >= {
        "duty.shift_created",
        "duty.shift_rescheduled",
        "duty.shift_cancelled",
        "duty.shift_swapped",
        "duty.swap_asked",
        "duty.swap_agreed",
        "duty.swap_approved",
        "duty.swap_refused",
        "duty.swap_withdrawn",
        "duty.handover_written",
        "duty.handover_acknowledged",
    }
    assert {e.action: unlabelled_keys(e) for e in events if unlabelled_keys(e)} == {}
    for language in ("zh-hans", "en"):
        for record in (shift, scene["swap"], refused, scene["acknowledged"]):
            path = {
                "Shift": f"/duty/shifts/{record.pk}/",
                "SwapRequest": f"/duty/swaps/{record.pk}/",
                "Handover": f"/duty/handovers/{record.pk}/",
            }[type(record).__name__]
            text = page_text(client_for(centre.head_service, language).get(path).content)
            assert not problems(text, language), (path, language, problems(text, language))


def test_the_roster_shows_the_week_and_its_holidays(centre, scene):
    page = client_for(centre.agent).get(f"/duty/roster/?post={POST}&week=2026-10-01").content.decode()
    days = re.findall(r'data-day="([\d-]+)"', page)
    assert days == [f"2026-09-{d}" for d in (28, 29, 30)] + [f"2026-10-0{d}" for d in range(1, 5)]
    assert page.count('data-testid="holiday"') >= 4  # Oct 1–4 of 国庆
    for shift in Shift.objects.filter(starts_at__lt=at(2026, 10, 5)):
        assert f'data-shift="{shift.pk}"' in page
    assert "Swap under way" in page or "换班" in page


def test_strangers_get_404_on_every_page(centre, scene):
    shift, handover, swap = scene["shifts"][2], scene["handover"], scene["swap"]
    for stranger in (centre.cleaner, centre.tech, centre.outsider):
        client = client_for(stranger)
        for path in (
            f"/duty/shifts/{shift.pk}/",
            f"/duty/shifts/{shift.pk}/handover/",
            f"/duty/shifts/{shift.pk}/swap/",
            f"/duty/swaps/{swap.pk}/",
            f"/duty/handovers/{handover.pk}/",
        ):
            assert client.get(path).status_code == 404, (stranger.username, path)
        for path, data in (
            (f"/duty/shifts/{shift.pk}/cancel/", {"reason": "x"}),
            (f"/duty/swaps/{swap.pk}/approve/", {}),
            (f"/duty/handovers/{handover.pk}/acknowledge/", {}),
        ):
            assert client.post(path, data).status_code == 404, (stranger.username, path)
        listed = client.get(f"/duty/roster/?post={POST}&week=2026-09-28").content.decode()
        assert f'data-shift="{shift.pk}"' not in listed


def test_a_swap_on_the_pages_asked_agreed_and_approved(centre, put_on):
    mine = put_on(centre.agent, at(2026, 11, 10, 8))
    with time_machine.travel(PLANNED, tick=False):
        agent = client_for(centre.agent)
        assert 'data-testid="ask-swap"' in agent.get("/duty/").content.decode()
        asked = agent.post(
            f"/duty/shifts/{mine.pk}/swap/", {"colleague": centre.agent2.pk, "reason": "家里有事"}
        )
        assert asked.status_code == 302
        swap = SwapRequest.objects.get()
        agent2 = client_for(centre.agent2)
        assert f'data-swap="{swap.pk}"' in agent2.get("/duty/").content.decode()
        assert agent2.post(f"/duty/swaps/{swap.pk}/agree/", {"note": ""}).status_code == 302
        head = client_for(centre.head_service)
        inbox = head.get("/approvals/").content.decode()
        assert f"/duty/swaps/{swap.pk}/" in inbox
        # the requester may not decide: said on the page, 403
        assert agent.post(f"/duty/swaps/{swap.pk}/approve/", {"note": ""}).status_code == 403
        assert head.post(f"/duty/swaps/{swap.pk}/refuse/", {"note": ""}).status_code == 422
        assert head.post(f"/duty/swaps/{swap.pk}/approve/", {"note": "同意"}).status_code == 302
    swap.refresh_from_db()
    mine.refresh_from_db()
    assert swap.status == SwapStatus.APPROVED
    assert mine.person == centre.agent2
    assert not Approval.objects.filter(status="pending").exists()


def test_the_roster_is_made_on_its_page(centre):
    head = client_for(centre.head_service)
    with time_machine.travel(PLANNED, tick=False):
        generated = head.post(
            "/duty/roster/generate/",
            {
                "department": centre.service.pk,
                "post": POST,
                "pattern": PATTERN,
                "first_day": "2026-11-09",
                "last_day": "2026-11-15",
                "turn_1": centre.agent.pk,
                "turn_2": centre.agent2.pk,
            },
        )
        assert generated.status_code == 302
        assert Shift.objects.count() == 7
        overlapping = head.post(
            "/duty/roster/new/",
            {
                "department": centre.service.pk,
                "post": POST,
                "person": centre.agent3.pk,
                "starts_at": "2026-11-10T12:00",
                "ends_at": "2026-11-10T20:00",
            },
        )
        assert overlapping.status_code == 422
        assert "客服" in overlapping.content.decode()
        agent = client_for(centre.agent)
        assert agent.post("/duty/roster/new/", {}).status_code == 403
        shift = Shift.objects.order_by("starts_at").first()
        assert shift is not None
        assert (
            agent.post(
                f"/duty/shifts/{shift.pk}/edit/",
                {"post": POST, "starts_at": "2026-11-09T09:00", "ends_at": "2026-11-10T09:00"},
            ).status_code
            == 403
        )
        moved = head.post(
            f"/duty/shifts/{shift.pk}/edit/",
            {"post": POST, "starts_at": "2026-11-09T07:00", "ends_at": "2026-11-10T08:00"},
        )
        assert moved.status_code == 302
        shift.refresh_from_db()
        assert shift.starts_at == at(2026, 11, 9, 7)


def test_the_handover_is_written_and_acknowledged_on_its_pages(centre, put_on, work_order):
    outgoing = put_on(centre.agent, at(2026, 11, 10, 8))
    put_on(centre.agent2, at(2026, 11, 11, 8))
    open_one = work_order(assignee=centre.agent)
    with time_machine.travel(at(2026, 11, 11, 7, 40), tick=False):
        agent = client_for(centre.agent)
        form = agent.get(f"/duty/shifts/{outgoing.pk}/handover/").content.decode()
        assert f'href="/work-orders/{open_one.pk}/"' in form
        data = {
            "items-TOTAL_FORMS": "3",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "30",
            "items-0-kind": "key",
            "items-0-text": "机房钥匙",
            "items-0-count": "3",
            "items-1-kind": "cash",
            "items-1-text": "备用金",
            "items-1-count": "500",
            "items-2-kind": "other",
            "items-2-text": "",
            "items-2-count": "",
            "notes": "3号楼停暖",
        }
        written = agent.post(f"/duty/shifts/{outgoing.pk}/handover/", data)
        assert written.status_code == 302
        handover = Handover.objects.get()
        assert [i.text for i in handover.items.all()] == ["机房钥匙", "备用金"]
        assert agent.get(f"/duty/shifts/{outgoing.pk}/handover/").status_code == 302  # written: to its page
        assert agent.post(f"/duty/handovers/{handover.pk}/acknowledge/", {"note": ""}).status_code == 403
        agent2 = client_for(centre.agent2)
        page = agent2.get(f"/duty/handovers/{handover.pk}/").content.decode()
        assert 'data-action="acknowledge"' in page
        assert (
            agent2.post(f"/duty/handovers/{handover.pk}/acknowledge/", {"note": "已点清"}).status_code == 302
        )
    with time_machine.travel(at(2026, 11, 11, 9), tick=False):
        page = agent2.get(f"/duty/handovers/{handover.pk}/").content.decode()
        assert 'data-testid="acknowledged"' in page
        assert 'data-testid="late"' not in page


def test_the_pages_run_a_bounded_number_of_queries(centre, put_on, django_assert_max_num_queries):
    head = client_for(centre.head_service)
    agent = client_for(centre.agent)

    def count(client, path):
        with django_assert_max_num_queries(40) as measured:
            assert client.get(path).status_code == 200
        return len(measured.captured_queries)

    put_on(centre.agent, at(2026, 11, 9, 8))
    with time_machine.travel(PLANNED, tick=False):
        roster = count(head, f"/duty/roster/?post={POST}&week=2026-11-09")
        mine = count(agent, "/duty/")
    for n in range(1, 7):
        put_on(centre.agent if n % 2 == 0 else centre.agent2, at(2026, 11, 9, 8) + timedelta(days=n))
    with time_machine.travel(PLANNED, tick=False):
        with django_assert_max_num_queries(roster):
            head.get(f"/duty/roster/?post={POST}&week=2026-11-09")
        with django_assert_max_num_queries(mine):
            agent.get("/duty/")


HUGE = str(2**95)


@pytest.mark.parametrize(
    "url",
    [
        "/duty/roster/?week=9999-12-31",
        "/duty/roster/?week=0001-01-01&post=%00",
        "/duty/roster/?week=nonsense&post=" + "岗" * 300,
        f"/duty/handovers/?page={HUGE}",
        f"/duty/handovers/?department={HUGE}",
        "/duty/handovers/?post=%01&state=nonsense",
        f"/duty/shifts/{HUGE}/",
        f"/duty/swaps/{HUGE}/",
        f"/duty/handovers/{HUGE}/",
        f"/duty/shifts/{HUGE}/handover/",
    ],
)
def test_absurd_query_values_never_answer_500(centre, url):
    client = Client(raise_request_exception=False)
    client.force_login(centre.director)
    assert client.get(url).status_code in (200, 400, 404)
