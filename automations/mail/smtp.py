"""Sending through an SMTP server, one command at a time, so the moment the message is handed
over is known: before the final dot nothing was delivered (safe to retry); after it, a missing
reply makes the send *uncertain*, never "not sent" (RFC 1047)."""

from __future__ import annotations

import io
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import getaddresses
from pathlib import Path

from automations.core.errors import MailError, PermanentMailError, TemporaryMailError
from automations.mail.outcome import BeforeData, Delivery, Refusal, one_line


@dataclass
class SmtpTransport:
    host: str
    port: int
    security: str
    username: str | None
    password_env: str | None
    timeout: float
    ca_file: Path | None = None
    name: str = "smtp"
    # Logs in instead of user name and password (mail/xoauth2.py), when mail.auth says so.
    login: Callable[[smtplib.SMTP], None] | None = None

    def send(
        self, msg: EmailMessage, recipients: tuple[str, ...], before_data: BeforeData
    ) -> Delivery:
        """Hand ``msg`` to the server for ``recipients``; ``before_data`` runs once the server
        has accepted recipients and before the DATA command (the ledger records "about to
        send" there; if it raises, nothing is sent)."""
        try:
            smtp = self._connect()
            try:
                self._login(smtp)
                return _session(smtp, msg, recipients, before_data)
            finally:
                _quit_quietly(smtp)
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentMailError(
                f"the mail server at {self.host} refused the login for "
                f"{self.username!r}: {_reply(exc)}. Check mail.username and the password "
                f"in ${self.password_env}."
            ) from None
        except smtplib.SMTPResponseException as exc:  # the greeting, EHLO or MAIL FROM
            raise _by_code(
                exc.smtp_code, f"the mail server said {_reply(exc)}", recipients
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise PermanentMailError(
                f"the mail server at {self.host} cannot do what the config asks ({exc}). "
                "Check mail.security and mail.username."
            ) from None
        except ssl.SSLError as exc:
            raise PermanentMailError(
                f"the secure connection to {self.host}:{self.port} failed ({exc.reason}). "
                "Check mail.security and mail.ca_file."
            ) from None
        except smtplib.SMTPServerDisconnected as exc:
            raise TemporaryMailError(
                f"the mail server at {self.host}:{self.port} closed the connection before the "
                f"message was sent ({exc})",
                recipients,
                unreachable=True,
            ) from None
        except smtplib.SMTPException as exc:  # e.g. no login method both sides know
            raise PermanentMailError(
                f"the mail server at {self.host}:{self.port} and the service could not agree "
                f"({exc}). Check mail.security and mail.username."
            ) from None
        except (ConnectionError, TimeoutError, OSError) as exc:
            raise TemporaryMailError(
                f"could not reach the mail server at {self.host}:{self.port} "
                f"({exc.__class__.__name__}: {exc})",
                recipients,
                unreachable=True,
            ) from None

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)
        if self.security == "tls":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            try:
                smtp.starttls(context=context)
            except BaseException:
                smtp.close()
                raise
        return smtp

    def _login(self, smtp: smtplib.SMTP) -> None:
        if self.login is not None:
            self.login(smtp)
            return
        if not self.username:
            return
        password = os.environ.get(self.password_env or "")
        if not password:
            raise PermanentMailError(
                f"mail.password_env names ${self.password_env}, but that environment variable "
                "is not set, so the service cannot log in to the mail server."
            )
        smtp.login(self.username, password)


def _session(
    smtp: smtplib.SMTP, msg: EmailMessage, recipients: tuple[str, ...], before_data: BeforeData
) -> Delivery:
    body = _flatten(msg)
    smtp.ehlo_or_helo_if_needed()
    options = [f"SIZE={len(body)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
    sender = getaddresses([str(msg["From"])])[0][1]
    code, text = smtp.mail(sender, options)
    if code != 250:
        raise smtplib.SMTPSenderRefused(code, text, sender)
    refused: dict[str, Refusal] = {}
    accepted: list[str] = []
    for rcpt in recipients:
        code, text = smtp.rcpt(rcpt)
        if code in (250, 251):
            accepted.append(rcpt)
        else:
            refused[rcpt] = Refusal(code, _words(text))
    if not accepted:
        return Delivery(refused=refused)
    before_data(tuple(accepted))
    return _data(smtp, body, tuple(accepted), refused)


def _data(
    smtp: smtplib.SMTP, body: bytes, accepted: tuple[str, ...], refused: dict[str, Refusal]
) -> Delivery:
    def all_refused(code: int, why: str) -> Delivery:
        return Delivery(refused={**refused, **dict.fromkeys(accepted, Refusal(code, why))})

    try:
        code, text = smtp.docmd("DATA")
        if code != 354:
            return all_refused(code, _words(text))
        smtp.send(body)
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        # The final dot never went, so the server must drop what it got (RFC 5321 4.1.1.4).
        return all_refused(0, f"the connection broke before the message was complete ({exc})")
    try:
        code, text = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        why = (
            "the mail server took the whole message but gave no answer "
            f"({one_line(str(exc)) or 'no reply'}); it was most likely delivered"
        )
        return Delivery(uncertain=accepted, refused=refused, why_uncertain=why)
    if 200 <= code < 300:
        return Delivery(delivered=accepted, refused=refused)
    return all_refused(code, _words(text))


def _flatten(msg: EmailMessage) -> bytes:
    """The message as SMTP carries it: CRLF line ends, a leading dot doubled, then CRLF.CRLF."""
    out = io.BytesIO()
    BytesGenerator(out, policy=msg.policy.clone(linesep="\r\n")).flatten(msg)
    raw = re.sub(rb"(?m)^\.", b"..", out.getvalue())
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw + b".\r\n"


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    """Say goodbye. Once the server has accepted the message, a failed goodbye must not turn
    the send into a failure (the digest would then be sent again)."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _words(text: bytes | str) -> str:
    return one_line(text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text))


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_words(exc.smtp_error)}"


def _by_code(code: int, text: str, recipients: tuple[str, ...]) -> MailError:
    if 400 <= code < 500:
        return TemporaryMailError(text, recipients)
    return PermanentMailError(text, recipients)
