"""Sending one message on one channel: e-mail, the three group robots, SMS (``sms.py``).

Each sender raises ``DeliveryError`` with the reason people read on the delivery (the vendor's own
error code and message where there is one), and whether trying again later may help (a timeout, a
5xx, a rate limit: yes; a wrong signature, a refused address: no).

The vendors' documented protocols, followed exactly:

- 企业微信 WeCom group robot: ``POST`` JSON ``{"msgtype": "markdown", "markdown": {"content": …}}``
  to ``https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…``; the answer's ``errcode`` is 0 on
  success. The key in the URL is the only credential (no signature).
- 钉钉 DingTalk custom robot, "加签": ``timestamp`` in milliseconds, ``sign =
  urlencode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")))``, appended to the webhook
  URL as ``&timestamp=…&sign=…``; the answer's ``errcode`` is 0 on success (310000: sign mismatch or
  a timestamp more than an hour away).
- 飞书 Feishu custom bot, "签名校验": ``timestamp`` in seconds and ``sign =
  base64(HmacSHA256(key=f"{timestamp}\\n{secret}", msg=b""))`` in the JSON body next to ``msg_type``
  and ``content``; the answer's ``code`` is 0 on success (19021: sign mismatch or timestamp more than
  an hour away). Older deployments answer ``StatusCode`` instead of ``code``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import smtplib
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import EmailMessage, get_connection


class DeliveryError(Exception):
    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.message = message[:500]
        self.retry = retry


@dataclass(frozen=True)
class Message:
    """What one channel sends: a headline, the details (possibly empty), and a link."""

    title: str
    body: str = ""
    link: str = ""  # absolute URL

    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.body, self.link) if part)

    def markdown(self) -> str:
        lines = [f"**{self.title}**"]
        if self.body:
            lines.append(self.body)
        if self.link:
            lines.append(f"[{self.link}]({self.link})")
        return "\n\n".join(lines)


def absolute(link: str) -> str:
    if not link or link.startswith(("http://", "https://")):
        return link
    return settings.FUWU_BASE_URL.rstrip("/") + link


# --- e-mail -----------------------------------------------------------------------------------


def send_email(to: str, message: Message) -> None:
    """Through Django's e-mail backend (SMTP from ``EMAIL_HOST`` & co. in production)."""
    email = EmailMessage(
        subject=message.title.replace("\n", " ")[:200],
        body="\n\n".join(part for part in (message.body, message.link) if part) or message.title,
        to=[to],
        connection=get_connection(timeout=settings.EMAIL_TIMEOUT),
    )
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(f"SMTP refused the address: {error.recipients}", retry=False) from error
    except smtplib.SMTPResponseException as error:
        text = error.smtp_error.decode(errors="replace") if isinstance(error.smtp_error, bytes) else ""
        raise DeliveryError(f"SMTP {error.smtp_code} {text}", retry=400 <= error.smtp_code < 500) from error
    except (TimeoutError, smtplib.SMTPException, OSError) as error:
        raise DeliveryError(f"SMTP: {error.__class__.__name__}: {error}", retry=True) from error


# --- robots -----------------------------------------------------------------------------------

# Answers that mean "not now" rather than "never": rate limits and the vendors' busy signals.
RETRYABLE_CODES = {
    "wecom": {-1, 45009},  # system busy; API frequency out of limit
    "dingtalk": {-1, 130101, 410100},  # system busy; sending too fast; too many requests
    "feishu": {9499, 11232},  # too many requests; frequency limited
}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), digestmod=hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", digestmod=hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _post_json(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    try:
        response = httpx.post(url, json=payload, timeout=settings.FUWU_NOTIFY_TIMEOUT)
    except httpx.TimeoutException as error:
        raise DeliveryError(f"timed out after {settings.FUWU_NOTIFY_TIMEOUT} s", retry=True) from error
    except httpx.HTTPError as error:
        raise DeliveryError(f"{error.__class__.__name__}: {error}", retry=True) from error
    if response.status_code >= 500 or response.status_code == 429:
        raise DeliveryError(f"HTTP {response.status_code}", retry=True)
    if response.status_code >= 400:
        raise DeliveryError(f"HTTP {response.status_code}: {response.text[:200]}", retry=False)
    try:
        answer = response.json()
    except ValueError as error:
        raise DeliveryError(f"the answer is not JSON: {response.text[:200]}", retry=False) from error
    if not isinstance(answer, dict):
        raise DeliveryError(f"unexpected answer: {response.text[:200]}", retry=False)
    return answer


def _check(kind: str, answer: dict[str, Any], code_key: str, message_key: str) -> None:
    code = answer.get(code_key, answer.get("StatusCode"))
    if code in (0, "0"):
        return
    text = answer.get(message_key) or answer.get("StatusMessage") or ""
    retry = code in RETRYABLE_CODES[kind]
    raise DeliveryError(f"{code_key} {code}: {text}", retry=retry)


def _limit(text: str, size: int) -> str:
    """At most ``size`` bytes of UTF-8 (the vendors count bytes), cut at a character."""
    data = text.encode()
    if len(data) <= size:
        return text
    return data[: size - 3].decode(errors="ignore") + "…"


def send_wecom(url: str, message: Message) -> None:
    content = _limit(message.markdown(), 4096)
    _check(
        "wecom",
        _post_json(url, {"msgtype": "markdown", "markdown": {"content": content}}),
        "errcode",
        "errmsg",
    )


def send_dingtalk(url: str, secret: str, message: Message, *, now: float | None = None) -> None:
    if secret:
        timestamp = round((time.time() if now is None else now) * 1000)
        url = (
            f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={dingtalk_sign(secret, timestamp)}"
        )
    payload = {
        "msgtype": "markdown",
        "markdown": {"title": message.title[:100], "text": _limit(message.markdown(), 15000)},
    }
    _check("dingtalk", _post_json(url, payload), "errcode", "errmsg")


def send_feishu(url: str, secret: str, message: Message, *, now: float | None = None) -> None:
    payload: dict[str, Any] = {"msg_type": "text", "content": {"text": _limit(message.text(), 15000)}}
    if secret:
        timestamp = int(time.time() if now is None else now)
        payload = {"timestamp": str(timestamp), "sign": feishu_sign(secret, timestamp), **payload}
    _check("feishu", _post_json(url, payload), "code", "msg")


def send_robot(kind: str, url: str, secret: str, message: Message) -> None:
    if kind == "wecom":
        send_wecom(url, message)
    elif kind == "dingtalk":
        send_dingtalk(url, secret, message)
    elif kind == "feishu":
        send_feishu(url, secret, message)
    else:
        raise DeliveryError(f"unknown robot kind {kind!r}", retry=False)
