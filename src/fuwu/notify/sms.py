"""SMS through a provider adapter, configured by the environment (README, "SMS").

- no ``SMS_PROVIDER`` (development, test): nothing leaves the machine; messages stay in the outbox
  (``OutboxMessage``), which administrators read on the SMS outbox page.
- ``SMS_PROVIDER=aliyun``: 阿里云短信服务 ``SendSms`` (API version 2017-05-25) over HTTPS with the
  RPC signature, version 1.0: every parameter but ``Signature`` sorted by name, names and values
  percent-encoded per RFC 3986 (``A–Z a–z 0–9 - _ . ~`` kept, space as ``%20``, UTF-8 bytes as
  ``%XY``), joined as ``k=v`` with ``&``; ``StringToSign = "POST&%2F&" + percentEncode(that)``;
  ``Signature = base64(HMAC-SHA1(key=AccessKeySecret + "&", StringToSign))``. The answer's ``Code``
  is ``OK`` on success. The message goes in a template (``SMS_TEMPLATE_CODE``, approved in the
  Aliyun console) as its one variable (``SMS_TEMPLATE_PARAM``, default ``content``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
import uuid
from datetime import UTC, datetime
from typing import Protocol

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .channels import DeliveryError


class SmsProvider(Protocol):
    name: str

    def send(self, to: str, text: str) -> str:
        """Send ``text`` to the mobile number ``to``; returns the provider's id for the message."""
        ...


class OutboxProvider:
    """No gateway: the outbox row is the message (development and test)."""

    name = "outbox"

    def send(self, to: str, text: str) -> str:
        return ""


def percent_encode(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(parameters: dict[str, str], secret: str, method: str = "POST") -> str:
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(parameters[key])}" for key in sorted(parameters)
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# Answers that mean "try again later": throttling and the provider's own trouble.
ALIYUN_RETRYABLE = ("Throttling", "isp.", "isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable")


class AliyunSms:
    name = "aliyun"

    def __init__(self) -> None:
        missing = [
            name
            for name in ("SMS_ACCESS_KEY_ID", "SMS_ACCESS_KEY_SECRET", "SMS_SIGN_NAME", "SMS_TEMPLATE_CODE")
            if not getattr(settings, name)
        ]
        if missing:
            raise ImproperlyConfigured(f"SMS_PROVIDER=aliyun needs {', '.join(missing)}")

    def parameters(self, to: str, text: str, *, now: datetime | None = None) -> dict[str, str]:
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        return {
            "AccessKeyId": settings.SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": to,
            "RegionId": settings.SMS_REGION,
            "SignName": settings.SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": settings.SMS_TEMPLATE_CODE,
            "TemplateParam": json.dumps({settings.SMS_TEMPLATE_PARAM: text}, ensure_ascii=False),
            "Timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }

    def send(self, to: str, text: str) -> str:
        parameters = self.parameters(to, text)
        parameters["Signature"] = aliyun_signature(parameters, settings.SMS_ACCESS_KEY_SECRET)
        try:
            response = httpx.post(
                settings.SMS_ENDPOINT, data=parameters, timeout=settings.FUWU_NOTIFY_TIMEOUT
            )
        except httpx.TimeoutException as error:
            raise DeliveryError(f"timed out after {settings.FUWU_NOTIFY_TIMEOUT} s", retry=True) from error
        except httpx.HTTPError as error:
            raise DeliveryError(f"{error.__class__.__name__}: {error}", retry=True) from error
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 500:
            raise DeliveryError(f"HTTP {response.status_code} {answer.get('Code', '')}".strip(), retry=True)
        code = str(answer.get("Code", ""))
        if code == "OK":
            return str(answer.get("BizId", ""))
        text_of = f"{code or f'HTTP {response.status_code}'}: {answer.get('Message', '')}"
        raise DeliveryError(text_of, retry=code.startswith(ALIYUN_RETRYABLE))


def provider() -> SmsProvider:
    name = settings.SMS_PROVIDER
    if not name:
        return OutboxProvider()
    if name == "aliyun":
        return AliyunSms()
    raise ImproperlyConfigured(f"SMS_PROVIDER={name!r}: only 'aliyun' (or empty, the outbox) is known")


def configured() -> bool:
    return bool(settings.SMS_PROVIDER)
