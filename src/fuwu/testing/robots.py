"""Local stand-ins for the group robots' and the SMS provider's HTTP services, for tests.

Each is a threaded ``http.server`` that checks a request exactly as the vendor documents it (its
own implementation of the signature, independent of ``fuwu.notify``), and answers as the vendor
does: success, the vendor's error for a wrong signature or key, a 5xx (``fail_next``), or nothing
for a while (``delay``, to make the client time out).

- ``WeComServer``: ``POST /cgi-bin/webhook/send?key=KEY``, JSON ``msgtype`` text or markdown;
  ``{"errcode": 0, "errmsg": "ok"}``, an unknown key ``93000``.
- ``DingTalkServer``: ``POST /robot/send?access_token=TOKEN&timestamp=MS&sign=SIGN``; the sign is
  base64(HmacSHA256(key=secret, msg=timestamp + "\\n" + secret)), URL-encoded, the timestamp in
  milliseconds within an hour; a mismatch answers ``errcode`` 310000.
- ``FeishuServer``: ``POST /open-apis/bot/v2/hook/HOOK`` with ``timestamp`` (seconds) and ``sign`` =
  base64(HmacSHA256(key=timestamp + "\\n" + secret, msg="")) in the JSON body, within an hour; a
  mismatch answers ``code`` 19021.
- ``AliyunSmsServer``: ``SendSms`` form POST, RPC signature v1.0 (HMAC-SHA1 over
  ``POST&%2F&`` + the percent-encoded sorted query, key ``secret + "&"``), ``Timestamp`` within 15
  minutes, each ``SignatureNonce`` once; ``{"Code": "OK"}`` or ``SignatureDoesNotMatch``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class VendorServer:
    """Start with ``with Server(...) as server:``; ``server.url`` is the webhook to configure."""

    path = "/"

    def __init__(self, *, secret: str = "", key: str = "test-key") -> None:
        self.secret = secret
        self.key = key
        self.received: list[Any] = []  # the messages accepted
        self.answers: list[tuple[int, Any]] = []  # every answer given, in order
        self.fail_next = 0  # answer 503 to this many requests, then normally
        self.delay = 0.0  # seconds to wait before answering
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    # --- the vendor's rules (subclasses) ---
    def check(self, path: str, query: dict[str, str], body: bytes, headers: Any) -> tuple[int, Any]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.webhook_path()}"

    def webhook_path(self) -> str:
        return self.path

    def __enter__(self) -> VendorServer:
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if vendor.delay:
                    time.sleep(vendor.delay)
                with vendor._lock:
                    failing = vendor.fail_next > 0
                    if failing:
                        vendor.fail_next -= 1
                if failing:
                    status, answer = 503, {"error": "service unavailable"}
                else:
                    parts = urllib.parse.urlsplit(self.path)
                    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
                    status, answer = vendor.check(parts.path, query, body, self.headers)
                vendor.answers.append((status, answer))
                data = json.dumps(answer, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode())
    except ValueError:
        return None


class WeComServer(VendorServer):
    path = "/cgi-bin/webhook/send"

    def webhook_path(self) -> str:
        return f"{self.path}?key={self.key}"

    def check(self, path: str, query: dict[str, str], body: bytes, headers: Any) -> tuple[int, Any]:
        if path != self.path or query.get("key") != self.key:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        message = _json(body)
        if not isinstance(message, dict) or message.get("msgtype") not in ("text", "markdown"):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        content = (message.get(message["msgtype"]) or {}).get("content", "")
        limit = 4096 if message["msgtype"] == "markdown" else 2048
        if not content or len(content.encode()) > limit:
            return 200, {"errcode": 40058, "errmsg": "content exceed max length"}
        self.received.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}


class DingTalkServer(VendorServer):
    path = "/robot/send"

    def webhook_path(self) -> str:
        return f"{self.path}?access_token={self.key}"

    def check(self, path: str, query: dict[str, str], body: bytes, headers: Any) -> tuple[int, Any]:
        if path != self.path or query.get("access_token") != self.key:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        if self.secret:
            timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
            if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600 * 1000:
                return 200, {"errcode": 310000, "errmsg": "sign not match, timestamp is too far"}
            expected = base64.b64encode(
                hmac.new(
                    self.secret.encode("utf-8"),
                    f"{timestamp}\n{self.secret}".encode(),
                    digestmod=hashlib.sha256,
                ).digest()
            ).decode()
            if not hmac.compare_digest(sign, expected):  # parse_qsl already URL-decoded it
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
        message = _json(body)
        if not isinstance(message, dict) or message.get("msgtype") not in ("text", "markdown"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 msgtype"}
        self.received.append(message)
        return 200, {"errcode": 0, "errmsg": "ok"}


class FeishuServer(VendorServer):
    path = "/open-apis/bot/v2/hook/"

    def webhook_path(self) -> str:
        return f"{self.path}{self.key}"

    def check(self, path: str, query: dict[str, str], body: bytes, headers: Any) -> tuple[int, Any]:
        if path != f"{self.path}{self.key}":
            return 200, {
                "code": 19001,
                "msg": "param invalid: incoming webhook access token invalid",
                "data": {},
            }
        message = _json(body)
        if not isinstance(message, dict):
            return 400, {"code": 9499, "msg": "Bad Request", "data": {}}
        if self.secret:
            timestamp, sign = str(message.get("timestamp", "")), str(message.get("sign", ""))
            mismatch = {
                "code": 19021,
                "msg": "sign match fail or timestamp is not within one hour from current time",
                "data": {},
            }
            if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 3600:
                return 200, mismatch
            expected = base64.b64encode(
                hmac.new(f"{timestamp}\n{self.secret}".encode(), b"", digestmod=hashlib.sha256).digest()
            ).decode()
            if not hmac.compare_digest(sign, expected):
                return 200, mismatch
        if message.get("msg_type") not in ("text", "post", "interactive"):
            return 200, {"code": 19002, "msg": "params error, msg_type need", "data": {}}
        self.received.append(message)
        return 200, {"code": 0, "msg": "success", "data": {}}


class AliyunSmsServer(VendorServer):
    """``key`` is the AccessKeyId, ``secret`` the AccessKeySecret."""

    path = "/"

    def __init__(self, *, secret: str, key: str = "LTAI-test-id") -> None:
        super().__init__(secret=secret, key=key)
        self.nonces: set[str] = set()

    @staticmethod
    def _encode(value: str) -> str:
        # RFC 3986: A–Z a–z 0–9 - _ . ~ stay, everything else %XY of its UTF-8 bytes (space %20).
        return "".join(
            chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "-_.~") else f"%{b:02X}"
            for b in value.encode("utf-8")
        )

    def check(self, path: str, query: dict[str, str], body: bytes, headers: Any) -> tuple[int, Any]:
        form = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
        if form.get("AccessKeyId") != self.key:
            return 404, {
                "Code": "InvalidAccessKeyId.NotFound",
                "Message": "Specified access key is not found.",
            }
        signature = form.pop("Signature", "")
        canonical = "&".join(f"{self._encode(k)}={self._encode(form[k])}" for k in sorted(form))
        string_to_sign = "POST&" + self._encode("/") + "&" + self._encode(canonical)
        expected = base64.b64encode(
            hmac.new(f"{self.secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        if not hmac.compare_digest(signature, expected):
            return 400, {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
            }
        try:
            sent = datetime.strptime(form.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return 400, {"Code": "InvalidTimeStamp.Format", "Message": "Specified time stamp is not valid."}
        if abs((datetime.now(UTC) - sent).total_seconds()) > 15 * 60:
            return 400, {
                "Code": "InvalidTimeStamp.Expired",
                "Message": "Specified time stamp or date header is expired.",
            }
        nonce = form.get("SignatureNonce", "")
        if not nonce or nonce in self.nonces:
            return 400, {
                "Code": "SignatureNonceUsed",
                "Message": "Specified signature nonce was used already.",
            }
        self.nonces.add(nonce)
        if (form.get("Action"), form.get("Version"), form.get("SignatureMethod")) != (
            "SendSms",
            "2017-05-25",
            "HMAC-SHA1",
        ):
            return 400, {"Code": "InvalidParameter", "Message": "Action, Version or SignatureMethod"}
        self.received.append(form)
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.received)}", "RequestId": nonce}
