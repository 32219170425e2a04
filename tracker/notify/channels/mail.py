"""E-mail over SMTP (named ``mail`` so it never shadows the standard library's ``email``).

Implicit TLS on 465 and STARTTLS on 587 are what government mail systems offer; plain
SMTP on any other port exists for local relays and tests. TLS is always verified
(``smtplib`` alone would not verify), with ``ca_file`` for an internal CA and
``insecure`` for self-signed test servers only.
"""

from __future__ import annotations

import base64
import hashlib
import smtplib
import socket
import ssl
import uuid
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from tracker.notify.channels.base import DEFAULT_TIMEOUT, DeliveryError, DeliveryResult
from tracker.notify.channels.messages import Message, channel_test_message
from tracker.notify.channels.transport import make_ssl_context

SECURITY_BY_PORT = {465: "ssl", 587: "starttls"}
SECURITIES = ("ssl", "starttls", "plain")
TLS_HINT = "请检查端口与加密方式（465 用 ssl，587 用 starttls）"


def default_security(port: int) -> str:
    """The usual pairing: 465 implicit TLS, 587 STARTTLS, anything else plain."""
    return SECURITY_BY_PORT.get(port, "plain")


class EmailChannel:
    """Sends ``message.text`` as a UTF-8 plain-text mail with ``message.title`` as subject."""

    kind = "email"

    def __init__(
        self,
        host: str,
        sender: str,
        recipients: Sequence[str],
        *,
        port: int = 465,
        security: str | None = None,
        username: str | None = None,
        password: str | None = None,
        sender_name: str = "预算执行跟踪",
        timeout: float = DEFAULT_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.recipients = list(recipients)
        self.security = security or default_security(port)
        if self.security not in SECURITIES:
            raise ValueError(f"security must be one of {SECURITIES}")
        self.username, self.password = username, password
        self.sender_name = sender_name
        self.timeout = timeout
        self.ssl_context = ssl_context or make_ssl_context()

    @property
    def where(self) -> str:
        return f"邮件服务器 {self.host}:{self.port}"

    def build(self, message: Message, idempotency_key: str) -> EmailMessage:
        """The mail itself; Message-ID derives from the key so a retried send is one mail.

        Base64 body: Chinese text survives relays without 8BITMIME; the subject and
        sender name are RFC 2047-encoded by the standard library's default policy.
        """
        mail = EmailMessage()
        mail["Subject"] = message.title
        mail["From"] = Address(self.sender_name, addr_spec=self.sender)
        mail["To"] = ", ".join(self.recipients)
        mail["Date"] = formatdate(localtime=True)
        domain = self.sender.rpartition("@")[2] or "localhost"
        mail["Message-ID"] = f"<{hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]}@{domain}>"
        mail.set_content(message.text, charset="utf-8", cte="base64")
        return mail

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.ssl_context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, message: Message, *, idempotency_key: str) -> DeliveryResult:
        """Connect, secure, log in, send, quit: one connection per message keeps it simple."""
        mail = self.build(message, idempotency_key)
        try:
            smtp = self._connect()
            try:
                if self.security == "starttls":
                    smtp.starttls(context=self.ssl_context)
                if self.username:
                    self._login(smtp)
                refused = smtp.send_message(mail, from_addr=self.sender, to_addrs=self.recipients)
            finally:
                try:
                    smtp.quit()
                except (smtplib.SMTPException, OSError):
                    smtp.close()
        except (smtplib.SMTPException, OSError) as error:
            raise self._classify(error) from None
        excerpt = f"已投递 {len(self.recipients) - len(refused)} 位收件人"
        if refused:
            excerpt += "；被拒绝：" + "、".join(refused)
        return DeliveryResult(self.kind, ", ".join(self.recipients), 250, excerpt)

    def _login(self, smtp: smtplib.SMTP) -> None:
        """``smtplib`` encodes credentials as ASCII; AUTH PLAIN in UTF-8 (RFC 4616) covers the rest."""
        user, password = self.username or "", self.password or ""
        if (user + password).isascii():
            smtp.login(user, password)
            return
        smtp.ehlo_or_helo_if_needed()
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
        code, response = smtp.docmd("AUTH", f"PLAIN {token}")
        if code != 235:
            raise smtplib.SMTPAuthenticationError(code, response)

    def _classify(self, error: BaseException) -> DeliveryError:
        """SMTP 4xx and network trouble are worth retrying; 5xx, login and TLS setup are not."""
        where = self.where
        match error:
            case smtplib.SMTPAuthenticationError():
                return DeliveryError(f"{where}拒绝登录（用户名或授权码错误）", False)
            case smtplib.SMTPRecipientsRefused(recipients=refused):
                codes = [code for code, _ in refused.values()]
                temporary = any(400 <= c < 500 for c in codes)
                return DeliveryError(f"{where}拒绝了全部收件人：{'、'.join(refused)}", temporary)
            case smtplib.SMTPResponseException(smtp_code=code, smtp_error=text):
                detail = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
                return DeliveryError(f"{where}返回 {code}：{detail}", 400 <= code < 500, status_code=code)
            case smtplib.SMTPNotSupportedError():
                return DeliveryError(f"{where}不支持所需功能（{error}）：{TLS_HINT}", False)
            case smtplib.SMTPServerDisconnected() | smtplib.SMTPException():
                return DeliveryError(f"{where}意外断开连接：{error}", True)
            case ssl.SSLCertVerificationError():
                return DeliveryError(f"{where}的 TLS 证书校验失败：{error.verify_message}", False)
            case ssl.SSLError():
                return DeliveryError(f"与{where}的 TLS 握手失败（{error.reason}）：{TLS_HINT}", False)
            case TimeoutError():
                return DeliveryError(f"连接{where}超时（{self.timeout:g} 秒）", True)
            case ConnectionRefusedError():
                return DeliveryError(f"无法连接{where}：连接被拒绝（服务器未启动或端口错误）", True)
            case socket.gaierror():
                return DeliveryError(f"无法连接{where}：无法解析主机名", True)
        return DeliveryError(f"无法连接{where}：{error}", True)

    def test(self) -> DeliveryResult:
        """Send the standard test message (``tracker channels test``); a fresh key each time."""
        return self.send(channel_test_message(), idempotency_key=f"channel-test-{uuid.uuid4().hex}")
