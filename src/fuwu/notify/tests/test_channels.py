"""Every channel against a local server that checks the request as its vendor documents it: group
robots (WeCom, DingTalk signed URL, Feishu signed body), e-mail (locmem and a real SMTP server), SMS
(Aliyun SendSms with its RPC signature); failures (wrong signature, 5xx, timeout) and retries with
back-off until sent or failed for good."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from fuwu.notify.models import Delivery, DeliveryStatus, NotificationPreference, OutboxMessage, RobotChannel
from fuwu.notify.services import deliver, send_due, send_sms
from fuwu.testing.robots import AliyunSmsServer, DingTalkServer, FeishuServer, WeComServer
from fuwu.testing.smtp import SmtpServer

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def robot(cast, server, kind: str, *, secret: str = "", events=("assigned",)) -> RobotChannel:
    return RobotChannel.objects.create(
        organisation=cast.organisation,
        department=cast.repair,
        kind=kind,
        url=server.url,
        secret=secret,
        events=list(events),
    )


@pytest.fixture
def received(receive, django_capture_on_commit_callbacks):
    """``received()``: a work order routed to 工程维修部 ("assigned" for its head), with the
    deliveries sent after commit as they are in production (huey runs inline in tests)."""

    def make(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return receive(**overrides)

    return make


def only_delivery(**filters) -> Delivery:
    (delivery,) = Delivery.objects.filter(**filters)
    return delivery


# --- group robots ------------------------------------------------------------------------------


def test_wecom_robot_posts_markdown_with_the_number_and_link(cast, received, settings):
    settings.FUWU_BASE_URL = "https://fuwu.example.cn"
    with WeComServer(key="wecom-key") as server:
        robot(cast, server, "wecom")
        order = received()
    (message,) = server.received
    assert message["msgtype"] == "markdown"
    assert order.number in message["markdown"]["content"]
    assert f"https://fuwu.example.cn/work-orders/{order.pk}/" in message["markdown"]["content"]
    delivery = only_delivery(channel="wecom")
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 1, "")
    assert delivery.sent_at is not None


def test_dingtalk_signed_url_is_accepted(cast, received):
    with DingTalkServer(key="ding-token", secret=SECRET) as server:
        robot(cast, server, "dingtalk", secret=SECRET)
        order = received()
    (message,) = server.received
    assert message["msgtype"] == "markdown"
    assert order.number in message["markdown"]["text"]
    assert only_delivery(channel="dingtalk").status == DeliveryStatus.SENT


def test_dingtalk_wrong_secret_fails_with_the_vendors_error_and_is_not_retried(cast, received):
    with DingTalkServer(key="ding-token", secret=SECRET) as server:
        robot(cast, server, "dingtalk", secret="SECwrong")
        received()
        delivery = only_delivery(channel="dingtalk")
        assert send_due(delivery.created_at + timedelta(hours=2)) == 0
    assert server.received == []
    assert server.answers[0][1]["errcode"] == 310000
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 1
    assert "310000" in delivery.last_error
    assert "sign not match" in delivery.last_error


def test_feishu_signed_body_is_accepted_and_a_wrong_secret_is_refused(cast, received):
    with FeishuServer(key="hook-id", secret=SECRET) as server:
        good = robot(cast, server, "feishu", secret=SECRET)
        robot(cast, server, "feishu", secret="wrong")
        order = received()
    (message,) = server.received
    assert message["msg_type"] == "text"
    assert order.number in message["content"]["text"]
    assert len(message["timestamp"]) == 10  # seconds
    assert only_delivery(robot=good).status == DeliveryStatus.SENT
    refused = Delivery.objects.exclude(robot=good).get(channel="feishu")
    assert refused.status == DeliveryStatus.FAILED
    assert "19021" in refused.last_error


def test_a_5xx_is_retried_with_back_off_then_sent(cast, received, settings):
    settings.FUWU_NOTIFY_RETRY_SECONDS = 60
    with WeComServer() as server:
        server.fail_next = 2
        robot(cast, server, "wecom")
        received()
        delivery = only_delivery(channel="wecom")
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 503")
        first_retry = delivery.next_attempt_at
        assert first_retry is not None
        assert send_due(first_retry - timedelta(seconds=1)) == 0  # not yet due
        assert send_due(first_retry) == 1
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at is not None
        assert delivery.next_attempt_at - first_retry == timedelta(seconds=120)  # twice as long
        assert send_due(delivery.next_attempt_at) == 1
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 3, "")
    assert len(server.received) == 1


def test_a_timeout_is_retried(cast, received, settings):
    settings.FUWU_NOTIFY_TIMEOUT = 0.3
    with WeComServer() as server:
        server.delay = 1.0
        robot(cast, server, "wecom")
        received()
        delivery = only_delivery(channel="wecom")
        assert delivery.status == DeliveryStatus.PENDING
        assert "timed out" in delivery.last_error
        server.delay = 0
        assert send_due(delivery.next_attempt_at) == 1
        delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 2


def test_after_the_last_attempt_a_delivery_fails_for_good(cast, received, settings):
    settings.FUWU_NOTIFY_MAX_ATTEMPTS = 3
    with WeComServer() as server:
        server.fail_next = 100
        robot(cast, server, "wecom")
        received()
        delivery = only_delivery(channel="wecom")
        for _ in range(5):
            delivery.refresh_from_db()
            send_due(delivery.next_attempt_at or delivery.created_at)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 3, "HTTP 503")
    assert delivery.next_attempt_at is None
    assert len(server.answers) == 3


def test_a_delivery_the_queue_lost_is_sent_by_the_periodic_task(
    cast,
    receive,
    django_capture_on_commit_callbacks,
):
    with WeComServer() as server:
        robot(cast, server, "wecom")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:  # the worker was down
            receive()
        assert len(callbacks) == 1
        delivery = only_delivery(channel="wecom")
        assert delivery.status == DeliveryStatus.PENDING
        assert server.received == []
        assert send_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert deliver(delivery.pk) is None  # sent: never twice


def test_robots_hear_only_the_events_they_chose_and_only_of_their_departments(cast, received):
    with WeComServer() as server:
        robot(cast, server, "wecom", events=["breached"])  # not "assigned"
        RobotChannel.objects.create(
            organisation=cast.organisation,
            department=cast.cleaning,
            kind="wecom",
            url=server.url,
            events=["assigned"],
        )
        RobotChannel.objects.create(
            organisation=cast.organisation,
            department=cast.repair,
            kind="wecom",
            url=server.url,
            events=["assigned"],
            enabled=False,
        )
        received()
    assert server.received == []
    assert not Delivery.objects.exists()


# --- e-mail ------------------------------------------------------------------------------------


def wants(person, *, email=(), sms=(), **quiet) -> None:
    NotificationPreference.objects.update_or_create(
        user=person, defaults={"email_events": list(email), "sms_events": list(sms), **quiet}
    )


def test_email_through_django_backend(cast, received):
    cast.head_repair.email = "head@example.cn"
    cast.head_repair.save()
    wants(cast.head_repair, email=["assigned"])
    wants(cast.tech, email=["assigned"])  # not a recipient of the queue notification
    order = received()
    (message,) = mail.outbox
    assert message.to == ["head@example.cn"]
    assert order.number in message.subject
    assert f"/work-orders/{order.pk}/" in message.body
    assert only_delivery(channel="email").status == DeliveryStatus.SENT


def test_no_email_without_an_address_or_a_choice(cast, received):
    wants(cast.head_repair, email=["assigned"])  # no e-mail address on the account
    received()
    assert mail.outbox == []
    assert not Delivery.objects.filter(channel="email").exists()


def test_email_through_a_real_smtp_server(cast, received, settings):
    cast.head_repair.email = "head@example.cn"
    cast.head_repair.save()
    wants(cast.head_repair, email=["assigned"])
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.DEFAULT_FROM_EMAIL = "fuwu@example.cn"
        order = received()
    (message,) = server.messages
    assert server.envelopes == [("fuwu@example.cn", ["head@example.cn"])]
    assert order.number in str(message["Subject"])
    assert f"/work-orders/{order.pk}/" in message.get_content()
    assert only_delivery(channel="email").status == DeliveryStatus.SENT


def test_a_refused_address_fails_for_good(cast, received, settings):
    cast.head_repair.email = "gone@example.cn"
    cast.head_repair.save()
    wants(cast.head_repair, email=["assigned"])
    with SmtpServer(refuse={"gone@example.cn"}) as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        received()
    delivery = only_delivery(channel="email")
    assert delivery.status == DeliveryStatus.FAILED
    assert "gone@example.cn" in delivery.last_error


# --- SMS ----------------------------------------------------------------------------------------


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


def test_customer_sms_through_aliyun_with_a_verified_signature(
    cast,
    receive,
    aliyun,
    django_capture_on_commit_callbacks,
):
    order = receive()
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(to="13912345678", body="工单 GD 的确认码 123456 (空格 & 符号~*)", subject=order)
    (form,) = aliyun.received
    assert form["PhoneNumbers"] == "13912345678"
    assert form["SignName"] == "测试物业"
    assert form["TemplateCode"] == "SMS_123456789"
    assert '"content": "工单 GD 的确认码 123456 (空格 & 符号~*)"' in form["TemplateParam"]
    message.refresh_from_db()
    assert message.sent_at is not None
    assert message.organisation_id == cast.organisation.pk
    assert only_delivery(channel="sms").status == DeliveryStatus.SENT


def test_aliyun_wrong_secret_fails_with_its_error(
    cast,
    receive,
    aliyun,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.SMS_ACCESS_KEY_SECRET = "not-the-secret"
    with django_capture_on_commit_callbacks(execute=True):
        message = send_sms(to="13912345678", body="hello", subject=receive())
    delivery = only_delivery(channel="sms")
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error.startswith("SignatureDoesNotMatch")
    message.refresh_from_db()
    assert message.sent_at is None
    assert aliyun.received == []


def test_staff_sms_through_the_same_adapter(cast, received, aliyun):
    wants(cast.head_repair, sms=["assigned"])
    order = received()
    (form,) = aliyun.received
    assert form["PhoneNumbers"] == cast.head_repair.phone
    assert order.number in form["TemplateParam"]


def test_without_a_provider_sms_stays_in_the_outbox(cast, received, settings):
    settings.SMS_PROVIDER = ""
    wants(cast.head_repair, sms=["assigned"])
    order = received()
    delivery = only_delivery(channel="sms")
    assert delivery.status == DeliveryStatus.SENT
    staff_sms = OutboxMessage.objects.get(to=cast.head_repair.phone)
    assert order.number in staff_sms.body


def test_the_outbox_page_shows_what_the_provider_answered(
    cast, receive, aliyun, web, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send_sms(to="13912345678", body="您的确认码 123456", subject=receive())
    page = web(cast.admin).get("/notifications/outbox/").content.decode()
    assert 'data-testid="outbox-status"' in page
    assert "您的确认码 123456" in page
