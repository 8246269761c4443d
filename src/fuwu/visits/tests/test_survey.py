"""The survey by link: one-time tokens (only their hash stored, 256 bits, used once, expiring,
revoked by a newer link and by the visit ending otherwise, one success of two answers at once),
sending them (SMS to a real local server that checks Aliyun's signature, e-mail, WeChat handed to
the visitor; a failed delivery kept and shown), the public page and API (no staff names, one
neutral 404), and the answer's consequences — the same as a phone answer's."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connections
from django.utils import translation

from fuwu.lib.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from fuwu.notify.models import OutboxMessage
from fuwu.testing.robots import AliyunSmsServer
from fuwu.timeline.display import shown_events, unlabelled_keys
from fuwu.timeline.models import Event
from fuwu.visits import services
from fuwu.visits.models import (
    Consequence,
    Reason,
    Status,
    SurveyDelivery,
    SurveyRevocation,
    Visit,
    VisitAttempt,
    VisitSurveyLink,
)
from fuwu.workorders import services as wo
from fuwu.workorders.models import Status as WorkOrderStatus
from fuwu.workorders.models import WorkOrder

from .conftest import at

GOOD = {"timeliness": "满意", "skill": "满意", "attitude": "满意", "suggestions": "师傅很专业"}
BAD = {"timeliness": "满意", "skill": "一般", "attitude": "不满意"}
SENT_AT = at(2026, 11, 24, 9, 0)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
TOKEN_IN_URL = re.compile(r"/service/visits/([A-Za-z0-9_-]{43})/")


def visit_of(order) -> Visit:
    return Visit.objects.get(work_order=order, status=Status.DUE)


def token_in(text: str) -> str:
    found = TOKEN_IN_URL.search(text)
    assert found is not None, f"no survey link in {text!r}"
    return found.group(1)


def send(visit, by, method="wechat", now=SENT_AT, **extra):
    return services.visit_send_survey(visit, by=by, method=method, now=now, **extra)


def wechat_token(visit, by, now=SENT_AT) -> str:
    return token_in(send(visit, by, now=now).url)


def page(client, token: str):
    return client.get(f"/service/visits/{token}/")


# --- the token ----------------------------------------------------------------------------------


def test_a_link_sent_by_wechat_is_given_back_and_only_its_hash_is_stored(cast, steps):
    visit = visit_of(steps.done())
    sent = send(visit, cast.agent)
    token = token_in(sent.url)
    assert sent.url.startswith("http")
    link = VisitSurveyLink.objects.get(visit=visit)
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = json.dumps(list(VisitSurveyLink.objects.values()), default=str)
    assert token not in stored
    assert token not in json.dumps(list(Event.objects.values("changes", "reason")), default=str)
    assert (link.method, link.sent_by, link.delivery) == ("wechat", cast.agent, SurveyDelivery.HANDED_OVER)
    # the policy's 72 calendar hours (product default)
    assert link.expires_at == SENT_AT + timedelta(hours=72)
    (event,) = Event.objects.for_subject(visit).filter(action="visit.survey_sent")
    assert event.actor == cast.agent


def test_a_link_answers_once(cast, steps, api):
    visit = visit_of(steps.done())
    token = wechat_token(visit, cast.agent)
    answered = services.survey_answer(token, answers=GOOD, now=at(2026, 11, 24, 10, 0))
    assert answered.status == Status.DONE
    with pytest.raises(NotFoundError):
        services.survey_answer(token, answers=GOOD, now=at(2026, 11, 24, 10, 1))
    again = api().post(f"public/visit-survey/{token}", {"answers": GOOD})
    assert again.status_code == 404
    assert VisitAttempt.objects.filter(visit=visit).count() == 1
    assert VisitSurveyLink.objects.get(visit=visit).used_at == at(2026, 11, 24, 10, 0)


@time_machine.travel(SENT_AT + timedelta(minutes=5), tick=False)
def test_answers_over_the_api_are_limited_per_address_like_the_page(cast, steps, api, settings):
    # wrong answers (422, the link stays open) count toward the address's limit; beyond it a 429
    settings.FUWU_PUBLIC_STATUS_RATE = "3/m"
    visit = visit_of(steps.done())
    token = wechat_token(visit, cast.agent)
    for _try in range(3):
        assert (
            api().post(f"public/visit-survey/{token}", {"answers": {"timeliness": "很好"}}).status_code == 422
        )
    limited = api().post(f"public/visit-survey/{token}", {"answers": GOOD})
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert VisitSurveyLink.objects.get(visit=visit).used_at is None
    settings.FUWU_PUBLIC_STATUS_RATE = "100/m"
    assert api().post(f"public/visit-survey/{token}", {"answers": GOOD}).status_code == 200


def test_a_guessed_or_malformed_token_is_the_same_404(cast, steps, api, client):
    visit = visit_of(steps.done())
    real = wechat_token(visit, cast.agent)
    used = wechat_token(visit, cast.agent)  # revokes ``real``
    services.survey_answer(used, answers=GOOD, now=at(2026, 11, 24, 10))
    bodies = set()
    for token in (secrets.token_urlsafe(32), real, used, "short", "x" * 300, "a" * 42 + "!"):
        response = page(client, token)
        assert response.status_code == 404
        bodies.add(CSRF.sub("", response.content.decode().replace(token, "")))
        assert api().get(f"public/visit-survey/{token}").status_code == 404
        assert api().post(f"public/visit-survey/{token}", {"answers": GOOD}).status_code == 404
        # a bad token with a bad body is still a 404: the token is checked first
        assert api().post(f"public/visit-survey/{token}", {"nonsense": True}).status_code == 404
    assert len(bodies) == 1  # one neutral page: it does not tell which case


@pytest.mark.parametrize(
    ("moment", "usable"),
    [(timedelta(seconds=-1), True), (timedelta(0), False), (timedelta(seconds=1), False)],
)
def test_a_link_expires_after_the_policys_time(cast, steps, client, moment, usable):
    visit = visit_of(steps.done())
    token = wechat_token(visit, cast.agent)
    expires_at = VisitSurveyLink.objects.get(visit=visit).expires_at
    with time_machine.travel(expires_at + moment, tick=False):
        assert page(client, token).status_code == (200 if usable else 404)
        if usable:
            assert services.survey_answer(token, answers=GOOD).status == Status.DONE
        else:
            with pytest.raises(NotFoundError):
                services.survey_answer(token, answers=GOOD)
            assert Visit.objects.get(pk=visit.pk).status == Status.DUE


def test_a_newer_link_revokes_the_older_one(cast, steps):
    visit = visit_of(steps.done())
    first = wechat_token(visit, cast.agent)
    second = wechat_token(visit, cast.agent, now=at(2026, 11, 24, 9, 30))
    old = VisitSurveyLink.objects.get(token_hash=hashlib.sha256(first.encode()).hexdigest())
    assert (old.revoked_at, old.revoked_because) == (at(2026, 11, 24, 9, 30), SurveyRevocation.NEWER_LINK)
    assert services.usable_link(first, now=at(2026, 11, 24, 9, 31)) is None
    with pytest.raises(NotFoundError):
        services.survey_answer(first, answers=GOOD, now=at(2026, 11, 24, 9, 31))
    assert services.survey_answer(second, answers=GOOD, now=at(2026, 11, 24, 9, 32)).status == Status.DONE


def _answered_by_phone(cast, visit, order):
    services.visit_record_answer(visit, by=cast.agent, answers=GOOD, now=at(2026, 11, 24, 10))


def _cancelled(cast, visit, order):
    services.visit_cancel(visit, by=cast.quality, reason="客户已搬离", now=at(2026, 11, 24, 10))


def _not_reached(cast, visit, order):
    for hour in (10, 13, 16):
        services.visit_attempt(visit, by=cast.agent, outcome="unreachable", now=at(2026, 11, 24, hour))


def _reopened(cast, visit, order):
    wo.work_order_reopen(work_order=order, by=cast.agent, reason="客户来电仍漏水", now=at(2026, 11, 24, 10))


@pytest.mark.parametrize("end", [_answered_by_phone, _cancelled, _not_reached, _reopened])
def test_a_visit_ending_otherwise_revokes_its_link(cast, steps, client, end):
    order = steps.done()
    visit = visit_of(order)
    token = wechat_token(visit, cast.agent)
    end(cast, visit, order)
    link = VisitSurveyLink.objects.get(visit=visit)
    assert link.revoked_because == SurveyRevocation.VISIT_ENDED
    assert link.used_at is None
    assert page(client, token).status_code == 404
    with pytest.raises(NotFoundError):
        services.survey_answer(token, answers=GOOD, now=at(2026, 11, 24, 17))


# --- sending ------------------------------------------------------------------------------------


def test_sending_is_refused_by_field_and_by_person_and_nothing_is_stored(cast, steps):
    visit = visit_of(steps.done())
    with pytest.raises(ValidationFailed) as refused:
        send(visit, cast.agent, method="fax")
    assert list(refused.value.fields) == ["method"]
    with pytest.raises(ValidationFailed) as refused:
        send(visit, cast.agent, method="email")
    assert list(refused.value.fields) == ["email"]
    with pytest.raises(ValidationFailed) as refused:
        send(visit, cast.agent, method="email", email="not-an-address")
    assert list(refused.value.fields) == ["email"]
    Visit.objects.filter(pk=visit.pk).update(contact_phone="0571-88886666")  # a landline: no SMS
    with pytest.raises(ValidationFailed) as refused:
        send(visit, cast.agent, method="sms")
    assert list(refused.value.fields) == ["contact_phone"]
    for person in (cast.agent2, cast.tech):  # another agent; the technician rated by the visit
        with pytest.raises(PermissionDeniedError):
            send(visit, person)
    assert not VisitSurveyLink.objects.exists()
    assert not Event.objects.for_subject(visit).filter(action="visit.survey_sent").exists()


@pytest.fixture
def aliyun(settings):
    with AliyunSmsServer(secret="aliyun-secret", key="LTAI-test-id") as server:
        settings.SMS_PROVIDER = "aliyun"
        settings.SMS_ACCESS_KEY_ID = "LTAI-test-id"
        settings.SMS_ACCESS_KEY_SECRET = "aliyun-secret"
        settings.SMS_SIGN_NAME = "测试物业"
        settings.SMS_TEMPLATE_CODE = "SMS_123456789"
        settings.SMS_ENDPOINT = server.url
        yield server


def test_the_sms_reaches_the_provider_signed_and_its_link_answers(
    cast, steps, aliyun, django_capture_on_commit_callbacks
):
    visit = visit_of(steps.done())
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.visit_send_survey(visit, by=cast.agent, method="sms")  # the real clock
    assert sent.url == ""  # the SMS carries it: not shown to staff
    (form,) = aliyun.received
    assert form["PhoneNumbers"] == visit.contact_phone
    text = json.loads(form["TemplateParam"])["content"]
    assert "测试物业公司" in text  # the organisation, never a member of staff
    assert cast.agent.display_name not in text
    assert "漏水维修" in text
    link = VisitSurveyLink.objects.get(visit=visit)
    assert (link.delivery, link.sent_to) == (SurveyDelivery.SENT, visit.contact_phone)
    assert not OutboxMessage.objects.exists()  # with a gateway the token is kept nowhere
    assert services.survey_answer(token_in(text), answers=GOOD).method == "sms"


def test_an_sms_the_provider_refuses_is_kept_and_shown_on_the_visit(
    cast, steps, aliyun, settings, django_capture_on_commit_callbacks, api
):
    settings.SMS_ACCESS_KEY_SECRET = "not-the-secret"
    visit = visit_of(steps.done())
    with django_capture_on_commit_callbacks(execute=True):
        answer = api(cast.agent).post(f"visits/{visit.pk}/send-survey", {"method": "sms"})
    assert answer.status_code == 200, answer.content
    # (outside a test's transaction the message leaves before the answer: it says "failed" already)
    assert answer.json()["survey_delivery"] in ("pending", "failed")
    body = api(cast.agent).get(f"visits/{visit.pk}").json()
    (shown,) = body["survey_links"]
    assert (shown["state"], shown["delivery"]) == ("open", "failed")
    assert shown["delivery_error"].startswith("SignatureDoesNotMatch")
    assert shown["sent_to"].endswith("5678")  # as the policy lets the caller see it (agents: whole)
    assert [e["action"] for e in body["timeline"]][-2:] == ["visit.survey_sent", "visit.survey_not_delivered"]
    assert aliyun.received == []
    link = VisitSurveyLink.objects.get(visit=visit)
    assert link.used_at is None
    assert link.revoked_at is None  # not lost: still the visit's link


def test_without_a_gateway_the_sms_is_in_the_outbox(
    cast, steps, settings, django_capture_on_commit_callbacks
):
    settings.SMS_PROVIDER = ""
    visit = visit_of(steps.done())
    with django_capture_on_commit_callbacks(execute=True):
        send(visit, cast.agent, method="sms")
    message = OutboxMessage.objects.get()
    assert message.to == visit.contact_phone
    assert services.usable_link(token_in(message.body), now=at(2026, 11, 24, 9, 5)) is not None


def test_the_e_mail_carries_the_link(cast, steps, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    visit = visit_of(steps.done())
    with django_capture_on_commit_callbacks(execute=True):
        send(visit, cast.agent, method="email", email="wang@example.cn")
    (email,) = mail.outbox
    assert email.to == ["wang@example.cn"]
    assert "测试物业公司" in email.subject
    token = token_in(str(email.body))
    link = VisitSurveyLink.objects.get(visit=visit)
    assert (link.delivery, link.sent_to) == (SurveyDelivery.SENT, "wang@example.cn")
    assert services.survey_answer(token, answers=GOOD, now=at(2026, 11, 24, 10)).method == "email"


def test_send_survey_over_the_api(cast, steps, api):
    visit = visit_of(steps.done())
    answer = api(cast.agent).post(f"visits/{visit.pk}/send-survey", {"method": "wechat"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    token = token_in(body["survey_url"])
    assert body["survey_delivery"] == "handed_over"
    assert body["survey_links"][0]["state"] == "open"
    assert "send-survey" in body["allowed_actions"]
    for refused, status in (
        ({"method": "fax"}, 422),
        ({"method": "email"}, 422),
        ({"method": "wechat", "extra": 1}, 422),
        ({"method": "email", "email": "a\x00@example.cn"}, 422),
    ):
        assert api(cast.agent).post(f"visits/{visit.pk}/send-survey", refused).status_code == status
    # another agent does not see the visit given to this one: 404, as for every visit action
    assert api(cast.agent2).post(f"visits/{visit.pk}/send-survey", {"method": "wechat"}).status_code == 404
    email = api(cast.agent).post(f"visits/{visit.pk}/send-survey", {"method": "email"})
    assert list(email.json()["error"]["fields"]) == ["email"]
    assert services.usable_link(token) is not None  # the refusals changed nothing


# --- answering ----------------------------------------------------------------------------------


def test_an_unsatisfied_answer_by_link_reopens_the_work_order_and_the_later_one_counts(cast, steps):
    order = steps.done()
    first = services.survey_answer(
        wechat_token(visit_of(order), cast.agent), answers=BAD, now=at(2026, 11, 24, 10)
    )
    assert (first.satisfied, first.consequence, first.method) == (False, Consequence.REHANDLING, "wechat")
    order = WorkOrder.objects.get(pk=order.pk)
    assert (order.status, order.reopen_count) == (WorkOrderStatus.ROUTED, 1)
    # the customer answered, not the agent: the visit's event and attempt are theirs
    answered = Event.objects.for_subject(first).get(action="visit.answered")
    assert (answered.actor, answered.actor_label) == (None, "customer")
    assert VisitAttempt.objects.get(visit=first).by is None
    events = list(Event.objects.for_subject(first).order_by("at", "id"))
    assert [key for event in events for key in unlabelled_keys(event)] == []
    with translation.override("en"):
        assert shown_events(events, cast.quality)[-1].actor == "the customer"
    # handled again, done again: the customer is visited again; the later answer counts
    wo.work_order_dispatch(
        work_order=order, by=cast.head_repair, technician=cast.tech2, now=at(2026, 11, 24, 11)
    )
    wo.work_order_arrive(work_order=order, by=cast.tech2, now=at(2026, 11, 24, 12))
    wo.work_order_complete(
        work_order=order,
        by=cast.tech2,
        findings="阀芯损坏",
        work_done="更换阀芯",
        warranty_status="not_applicable",
        minutes_spent=20,
        now=at(2026, 11, 24, 12, 30),
    )
    second = visit_of(order)
    assert second.reason == Reason.REHANDLED
    token = wechat_token(second, cast.agent, now=at(2026, 11, 25, 9))
    second = services.survey_answer(token, answers=GOOD, now=at(2026, 11, 25, 9, 30))
    first.refresh_from_db()
    assert (first.counts, second.counts, second.satisfied) == (False, True, True)
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.VISITED


def test_bad_answers_through_the_api_are_422_by_field_and_leave_the_link_unused(cast, steps, api):
    visit = visit_of(steps.done())
    token = wechat_token(visit, cast.agent, now=None)
    customer = api()
    questionnaire = customer.get(f"public/visit-survey/{token}")
    assert questionnaire.status_code == 200
    assert [q["code"] for q in questionnaire.json()["questionnaire"]] == [
        "timeliness",
        "skill",
        "attitude",
        "suggestions",
    ]
    refused = customer.post(f"public/visit-survey/{token}", {"answers": {"timeliness": "很好"}})
    assert refused.status_code == 422
    assert set(refused.json()["error"]["fields"]) == {
        "answers.timeliness",
        "answers.skill",
        "answers.attitude",
    }
    for body in ({"answers": {"x\x00": "a"}}, {"answers": GOOD, "extra": 1}, {"answers": "yes"}, {}):
        assert customer.post(f"public/visit-survey/{token}", body).status_code == 422
    assert VisitSurveyLink.objects.get(visit=visit).used_at is None
    assert customer.post(f"public/visit-survey/{token}", {"answers": GOOD}).status_code == 200
    assert Visit.objects.get(pk=visit.pk).status == Status.DONE


def test_the_public_page_and_api_never_show_staff(cast, steps, api, client):
    order = steps.done()
    visit = visit_of(order)
    Visit.objects.filter(pk=visit.pk).update(note="内部备注：客户脾气急")
    token = wechat_token(visit, cast.agent, now=None)
    html = page(client, token).content.decode()
    data = json.dumps(api().get(f"public/visit-survey/{token}").json(), ensure_ascii=False)
    for shown in (html, data):
        assert "测试物业公司" in shown
        assert "漏水维修" in shown
        assert "2026-11-23" in shown
        for secret in (
            cast.agent.display_name,
            cast.tech.display_name,
            cast.head_repair.display_name,
            cast.repair.name,
            cast.service.name,
            "内部备注",
        ):
            assert secret not in shown


def test_the_page_answers_once_and_thanks(cast, steps, client):
    order = steps.done()
    token = wechat_token(visit_of(order), cast.agent, now=None)
    form = page(client, token)
    assert form.status_code == 200
    assert 'data-testid="survey-form"' in form.content.decode()
    fields = {f"answer_{code}": value for code, value in GOOD.items()}
    # the honeypot: a program filled in the field people never see
    assert client.post(f"/service/visits/{token}/", {**fields, "website": "http://spam"}).status_code == 400
    missing = client.post(f"/service/visits/{token}/", {"answer_timeliness": "满意"})
    assert missing.status_code == 422
    assert 'data-field="skill"' in missing.content.decode()
    done = client.post(f"/service/visits/{token}/", fields)
    assert done.status_code == 302
    thanks = client.get(done["Location"])
    assert thanks.status_code == 200
    assert 'data-testid="survey-thanks"' in thanks.content.decode()
    assert client.get(done["Location"]).status_code == 200  # reloading the thank-you page
    # going back and sending again answers nothing
    assert client.post(f"/service/visits/{token}/", fields).status_code == 404
    assert page(client, token).status_code == 404
    assert VisitAttempt.objects.filter(visit__work_order=order).count() == 1
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.VISITED


def test_the_thank_you_page_is_only_for_the_browser_that_answered(client, db):
    assert client.get("/service/visits/thanks/").status_code == 404


def test_a_complaints_visit_answered_by_link_re_handles_the_complaint(cast, complain):
    from fuwu.complaints.models import Complaint
    from fuwu.complaints.models import Status as ComplaintStatus

    from .test_services import replied

    complaint = replied(cast, complain(now=at(2026, 11, 3, 9)))
    visit = Visit.objects.get(complaint=complaint, status=Status.DUE)
    assert visit.visitor is None
    sent = send(visit, cast.quality, now=at(2026, 11, 5, 9))  # sending the link takes the visit
    assert sent.visit.visitor == cast.quality
    assert services.usable_link(token_in(sent.url), now=at(2026, 11, 5, 9, 1)) is not None
    answered = services.survey_answer(token_in(sent.url), answers=BAD, now=at(2026, 11, 5, 14))
    assert answered.consequence == Consequence.REHANDLING
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.answer is not None
    assert (complaint.status, complaint.answer.outcome) == (ComplaintStatus.REHANDLING, "unsatisfied")


# --- two answers at the same moment -------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_answers_at_once_give_one_success(concurrent_db, cast, steps):
    visit = visit_of(steps.done())
    token = wechat_token(visit, cast.agent)
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def customer() -> None:
        try:
            start.wait(timeout=30)
            try:
                services.survey_answer(token, answers=GOOD, now=at(2026, 11, 24, 10))
                outcome = "answered"
            except NotFoundError:
                outcome = "refused"
            with lock:
                outcomes.append(outcome)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=customer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sorted(outcomes) == ["answered", "refused"]
    visit.refresh_from_db()
    assert (visit.status, visit.attempts) == (Status.DONE, 1)
    assert Event.objects.for_subject(visit).filter(action="visit.answered").count() == 1
