"""The ``smtp`` notification channel: email through any SMTP server (stdlib smtplib).

Settings: ``smtp_host``, ``smtp_port``, ``smtp_security`` (none, starttls,
ssl), ``smtp_username`` / ``smtp_password``, ``smtp_from``,
``smtp_timeout_seconds``. ``message.data["email_headers"]`` (a mapping), if
given, adds headers such as ``List-Unsubscribe``. A connection is opened per message: account mail
is rare and a pooled connection would time out between messages anyway.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from socialflow.core.settings import Settings
from socialflow.plugins.protocols import OutgoingMessage
from socialflow.plugins.specs import hookimpl


class SmtpChannel:
    """Sends each message as one email; raises on failure so the caller retries."""

    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.security = settings.smtp_security
        self.username = settings.smtp_username
        self.password = settings.smtp_password
        self.sender = settings.smtp_from
        self.timeout = settings.smtp_timeout_seconds

    def compose(self, message: OutgoingMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1].strip("> "))
        email["X-Socialflow-Kind"] = message.kind
        # Extra headers a sender asks for (List-Unsubscribe on notification mail).
        for name, value in dict(message.data.get("email_headers") or {}).items():
            email[str(name)] = str(value)
        email.set_content(message.text)
        if message.html:
            email.add_alternative(message.html, subtype="html")
        return email

    def send(self, message: OutgoingMessage) -> None:
        email = self.compose(message)
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security == "ssl":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=context)
            if self.username and self.password is not None:
                client.login(self.username, self.password.get_secret_value())
            client.send_message(email)


def make_smtp_channel(settings: Settings) -> SmtpChannel:
    return SmtpChannel(settings)


@hookimpl
def socialflow_notification_channels() -> dict[str, object]:
    return {"smtp": make_smtp_channel}
