"""The ``email`` channel: a plain-text message with an HTML alternative, sent through the SMTP
server named by ``CRM_SMTP_URL`` from ``CRM_MAIL_FROM``.

``CRM_SMTP_URL`` forms: ``smtp://host:25`` (plain), ``smtp+starttls://user:pass@host:587``
(STARTTLS, then login) and ``smtps://user:pass@host:465`` (TLS from the start). User name and
password are percent-decoded.
"""
from __future__ import annotations

import datetime as dt
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import unquote, urlsplit

from runtime.config import Settings
from runtime.message_templates import compile_message
from runtime.notifications.channels import DeliveryError, Message, Recipient, Target, WebhookTarget

DEFAULT_FROM = "crm@localhost"
_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}

_HTML = compile_message("""<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<h2 style="font-size: 1.1em">{{ title }}</h2>
{% for paragraph in paragraphs %}
<p>{% for line in paragraph %}{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor %}</p>
{% endfor %}
{% if link %}<p><a href="{{ link }}">{{ link }}</a></p>{% endif %}
</body></html>
""", html=True)


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in _PORTS or not parts.hostname:
            raise DeliveryError(f"CRM_SMTP_URL must look like smtp://host:25, smtp+starttls://... "
                                f"or smtps://..., got {parts.scheme or url!r}")
        try:
            port = parts.port or _PORTS[parts.scheme]
        except ValueError:
            raise DeliveryError("CRM_SMTP_URL has a bad port") from None
        return cls(scheme=parts.scheme, host=parts.hostname, port=port,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None)


def build_email(message: Message, *, sender: str, now: dt.datetime) -> EmailMessage:
    """The e-mail for one delivery: UTF-8 subject, text part, HTML alternative."""
    mail = EmailMessage()
    mail["Subject"] = message.title
    mail["From"] = sender
    mail["To"] = message.target or ""
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(idstring=f"crm-{message.delivery_id}",
                                    domain=sender.rpartition("@")[2].strip("> ") or "localhost")
    mail["X-CRM-Notification"] = str(message.notification_id)
    link = message.link if message.link and message.link.startswith(("http://", "https://")) else None
    text = message.body + (f"\n\n{link}" if link else "")
    mail.set_content(text, charset="utf-8")
    paragraphs = [p.splitlines() for p in message.body.split("\n\n") if p.strip()]
    html = _HTML.render({"title": message.title, "paragraphs": paragraphs, "link": link})
    mail.add_alternative(html, subtype="html", charset="utf-8")
    return mail


class EmailChannel:
    """Sends to the recipient's ``users.email``; a user without one gets a ``dead`` delivery."""

    name = "email"
    instant = False

    def __init__(self, timeout: float = 20.0) -> None:
        self.timeout = timeout

    def target(self, recipient: Recipient, webhook: WebhookTarget | None) -> Target:
        if not recipient.email:
            raise DeliveryError(f"user {recipient.username!r} has no e-mail address")
        return Target(address=recipient.email)

    def send(self, message: Message, *, settings: Settings, now: dt.datetime) -> None:
        if not settings.smtp_url:
            raise DeliveryError("CRM_SMTP_URL is not set, so e-mail cannot be sent")
        server = SmtpServer.parse(settings.smtp_url)
        mail = build_email(message, sender=settings.mail_from or DEFAULT_FROM, now=now)
        try:
            if server.scheme == "smtps":
                client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=self.timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
            with client:
                if server.scheme == "smtp+starttls":
                    client.starttls(context=ssl.create_default_context())
                if server.username:
                    client.login(server.username, server.password or "")
                client.send_message(mail)
        except smtplib.SMTPResponseException as exc:
            detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) \
                else str(exc.smtp_error)
            raise DeliveryError(f"SMTP server {server.host}:{server.port} answered {exc.smtp_code} "
                                f"{detail}") from None
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            raise DeliveryError(f"SMTP server {server.host}:{server.port}: "
                                f"{exc.__class__.__name__}: {exc}") from None
