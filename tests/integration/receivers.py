"""Real local stand-ins for WeCom, DingTalk, a Standard Webhooks consumer and a mail server.

They check what the real services check, written here independently of the channel
code (so a shared mistake cannot cancel out): the WeCom key, DingTalk's access token,
timestamp window and HMAC signature, and the Standard Webhooks signature and
timestamp tolerance. Each request is recorded with its verdict; tests can also queue
canned answers (500, 429, an errcode, a slow reply) to exercise failure handling.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A port nobody listens on right now (for the SMTP server and the closed-port test)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Answer:
    """A canned reply: a status, a JSON-able body or bytes, extra headers, a delay first."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    verified: bool
    reason: str

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class HttpReceiver:
    """One HTTP server answering on the robots' paths; any other path is a webhook endpoint."""

    def __init__(
        self,
        *,
        wecom_key: str = "wk-good",
        dingtalk_token: str = "dt-good",
        dingtalk_secret: str = "SECgood",
        webhook_secret: str = "",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.wecom_key, self.dingtalk_token = wecom_key, dingtalk_token
        self.dingtalk_secret, self.webhook_secret = dingtalk_secret, webhook_secret
        self.requests: list[Recorded] = []
        self.queue: list[Answer] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server.server_address[1]}"

    def answer_next(self, *answers: Answer) -> None:
        self.queue.extend(answers)

    def __enter__(self) -> HttpReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def verify(self, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
        """What the real service would answer when nothing is queued."""
        if path == "/cgi-bin/webhook/send":
            if query.get("key") != self.wecom_key:
                return Answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
            return Answer(200, {"errcode": 0, "errmsg": "ok"})
        if path == "/robot/send":
            return self._dingtalk(query)
        return self._standard_webhook(headers, body)

    def _dingtalk(self, query: dict[str, str]) -> Answer:
        if query.get("access_token") != self.dingtalk_token:
            return Answer(200, {"errcode": 300001, "errmsg": "token is not exist"})
        timestamp = int(query.get("timestamp", "0"))
        if abs(time.time() * 1000 - timestamp) > 3600 * 1000:
            return Answer(200, {"errcode": 310000, "errmsg": "sign not match, timestamp expired"})
        to_sign = f"{timestamp}\n{self.dingtalk_secret}".encode()
        mac = hmac.new(self.dingtalk_secret.encode(), to_sign, hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(mac).decode(), query.get("sign", "")):
            return Answer(200, {"errcode": 310000, "errmsg": "sign not match"})
        return Answer(200, {"errcode": 0, "errmsg": "ok"})

    def _standard_webhook(self, headers: dict[str, str], body: bytes) -> Answer:
        msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
        if not msg_id or not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            return Answer(400, {"error": "missing headers or timestamp outside tolerance"})
        key = base64.b64decode(self.webhook_secret.removeprefix("whsec_"))
        mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
        expected = base64.b64encode(mac).decode()
        offered = [s.partition(",") for s in headers.get("webhook-signature", "").split()]
        if not any(v == "v1" and hmac.compare_digest(sig, expected) for v, _, sig in offered):
            return Answer(401, {"error": "no matching signature"})
        return Answer(200, {"received": True})


def _handler(receiver: HttpReceiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            headers = {k.lower(): v for k, v in self.headers.items()}
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            verdict = receiver.verify(parts.path, query, headers, body)
            ok = verdict.status == 200 and (verdict.body or {}).get("errcode", 0) == 0
            reason = json.dumps(verdict.body, ensure_ascii=False)
            receiver.requests.append(Recorded(parts.path, query, headers, body, ok, reason))
            answer = receiver.queue.pop(0) if receiver.queue else verdict
            time.sleep(answer.delay)
            raw = answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            try:
                self.send_response(answer.status)
                for name, value in {"Content-Type": "application/json", **answer.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except OSError:
                pass  # the client gave up (timeout test): nothing to answer

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

    return Handler


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    content: bytes
    login: str | None


class SmtpReceiver:
    """An aiosmtpd server on a free port recording mail; STARTTLS or implicit TLS if asked."""

    def __init__(
        self,
        *,
        starttls: ssl.SSLContext | None = None,
        implicit: ssl.SSLContext | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.mails: list[Mail] = []
        self.users = users or {}
        self.port = free_port()
        options: dict[str, Any] = {}
        if starttls is not None:
            options |= {"tls_context": starttls, "require_starttls": True}
        if self.users:
            options |= {"authenticator": self._authenticate, "auth_require_tls": True}
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, ssl_context=implicit, **options
        )

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        # handled=False: let aiosmtpd answer 535 itself on failure
        return AuthResult(success=self.users.get(login) == password, handled=False, auth_data=login)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.auth_data if session.authenticated else None
        self.mails.append(Mail(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, login))
        return "250 Message accepted for delivery"

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
