"""Getting a finished email out: an outbox folder of .eml files, or an SMTP server.

Every transport raises one of two errors so callers can decide what to do without knowing SMTP:
``TemporaryMailError`` (try again later: 4xx replies, refused connections, timeouts) and
``PermanentMailError`` (trying again will not help: 5xx replies, a bad login, a bad certificate).
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from pathlib import Path
from typing import Any, Protocol

from email_validator import EmailNotValidError, validate_email

from automations.core.config import Config, Section
from automations.core.errors import ConfigError, MailError, PermanentMailError, TemporaryMailError

MAIL_KEYS = {
    "transport",
    "outbox",
    "from",
    "reply_to",
    "host",
    "port",
    "security",
    "username",
    "password_env",
    "timeout",
    "ca_file",
    "retries",
    "retry_delay",
    # OAuth (mail/xoauth2.py, mail/graph.py)
    "auth",
    "oauth_provider",
    "oauth_key_file",
}
SECURITY = ("starttls", "tls", "none")


class Transport(Protocol):
    name: str

    def send(self, msg: EmailMessage) -> None: ...


# ---------------------------------------------------------------- header safety


def one_line(text: str) -> str:
    """Header text with every line break and control character turned into a space."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]", " ", text).split())


def checked_address(text: str, key: str) -> Address:
    """'Name <a@b.org>' or 'a@b.org' -> an Address; a bad address names the config key."""
    line = one_line(text)
    name, addr = parseaddr(line)
    # parseaddr guesses at odd input ("A: b@c <d@e>"); accept only a plain or <bracketed> address.
    if not addr or "@" not in addr or not (line == addr or line.endswith(f"<{addr}>")):
        raise ConfigError(f"{key}: {text!r} is not one email address")
    try:
        valid = validate_email(addr, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ConfigError(f"{key}: {addr!r} is not a valid email address ({exc})") from None
    local, _, domain = valid.normalized.rpartition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)


# ---------------------------------------------------------------- transports


@dataclass
class OutboxTransport:
    """Writes each message as an .eml file: the default, so nothing needs a mail server."""

    folder: Path
    name: str = "outbox"

    def send(self, msg: EmailMessage) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self.folder / f"{_file_stem(msg)}.eml"
            partial = target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")
            partial.write_bytes(msg.as_bytes())
            # A rename is atomic, so a crash never leaves half a message in the outbox.
            partial.replace(target)
        except OSError as exc:
            raise TemporaryMailError(
                f"could not write to the outbox folder {self.folder}: {exc.strerror}"
            ) from None


def _file_stem(msg: EmailMessage) -> str:
    # Named after the Message-ID, so a resend of the same digest replaces its file.
    mid = str(msg.get("Message-ID", "")).strip("<> ").split("@")[0]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", mid).strip(".-")
    return stem or f"message-{uuid.uuid4().hex}"


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

    def send(self, msg: EmailMessage) -> None:
        recipients = tuple(
            a for _, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", []))
        )
        try:
            smtp = self._connect()
            try:
                self._login(smtp)
                refused = smtp.send_message(msg)
            finally:
                _quit_quietly(smtp)
        except smtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc.recipients, ()) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentMailError(
                f"the mail server at {self.host} refused the login for "
                f"{self.username!r}: {_reply(exc)}. Check mail.username and the password "
                f"in ${self.password_env}."
            ) from None
        except smtplib.SMTPResponseException as exc:
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
                f"the mail server at {self.host}:{self.port} closed the connection ({exc})",
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
        if refused:
            raise _refused(refused, tuple(r for r in recipients if r not in refused))

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


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    """Say goodbye. Once the server has accepted the message, a failed goodbye must not turn
    the send into a failure (the digest would then be sent again)."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = (
        exc.smtp_error.decode("utf-8", "replace")
        if isinstance(exc.smtp_error, bytes)
        else str(exc.smtp_error)
    )
    return f"{exc.smtp_code} {one_line(text)}"


def _by_code(code: int, text: str, recipients: tuple[str, ...]) -> MailError:
    if 400 <= code < 500:
        return TemporaryMailError(text, recipients)
    return PermanentMailError(text, recipients)


def _refused(refused: dict[str, tuple[int, bytes]], delivered: tuple[str, ...]) -> MailError:
    parts = [
        f"{addr} ({code} {one_line(msg.decode('utf-8', 'replace'))})"
        for addr, (code, msg) in refused.items()
    ]
    text = "the mail server refused " + "; ".join(parts)
    if delivered:
        text += f" (the message did go to {', '.join(delivered)})"
    temporary = all(400 <= code < 500 for code, _ in refused.values())
    cls = TemporaryMailError if temporary else PermanentMailError
    return cls(text, tuple(refused), delivered)


# ---------------------------------------------------------------- from config


@dataclass(frozen=True)
class MailSettings:
    sender: Address
    reply_to: Address | None
    retries: int
    retry_delay: float


def mail_section(cfg: Config) -> Section:
    section = cfg.section("mail")
    section.reject_unknown(MAIL_KEYS)
    return section


def mail_settings(cfg: Config) -> MailSettings:
    section = mail_section(cfg)
    reply_to = section.text("reply_to")
    return MailSettings(
        sender=checked_address(
            section.text("from", "Co-Production Board <coproduction-board@example.org>"),
            "mail.from",
        ),
        reply_to=checked_address(reply_to, "mail.reply_to") if reply_to else None,
        retries=section.integer("retries", 3, minimum=1, maximum=20),
        retry_delay=section.number("retry_delay", 2, maximum=600),
    )


def make_transport(cfg: Config) -> Transport:
    """The transport [mail] asks for: "outbox" (default), "smtp" or "graph"."""
    section = mail_section(cfg)
    kind = section.text("transport", "outbox", choices=("outbox", "smtp", "graph"))
    if kind == "outbox":
        return OutboxTransport(section.path("outbox", "outbox") or cfg.base_dir / "outbox")
    if kind == "graph":
        from automations.mail.graph import graph_transport

        return graph_transport(cfg, mail_settings(cfg).sender.addr_spec)
    host = section.text("host")
    if not host:
        raise ConfigError(
            'mail.host: missing; give the mail server, e.g. host = "smtp.example.org"'
        )
    security = section.text("security", "starttls", choices=SECURITY)
    username = section.text("username")
    password_env = section.text("password_env")
    login = _oauth_login(cfg, section, username)
    if username and not password_env and login is None:
        raise ConfigError(
            "mail.password_env: missing; give the NAME of the environment variable that holds "
            'the SMTP password, e.g. password_env = "COPROD_SMTP_PASSWORD"'
        )
    return SmtpTransport(
        host=host,
        port=section.integer("port", 465 if security == "tls" else 587, minimum=1, maximum=65535),
        security=security,
        username=username,
        password_env=password_env,
        timeout=section.number("timeout", 30, minimum=1, maximum=600),
        ca_file=section.path("ca_file"),
        login=login,
    )


def _oauth_login(cfg: Config, section: Section, username: str | None) -> Any:
    """The XOAUTH2 login when mail.auth = "xoauth2"; None for the password login."""
    if section.text("auth", "password", choices=("password", "xoauth2")) == "password":
        return None
    if not username:
        raise ConfigError('mail.username: missing; with auth = "xoauth2" give the mailbox the '
                          'digests are sent from, e.g. username = "board@council.gov.uk"')
    from automations.mail.xoauth2 import xoauth2_login

    return xoauth2_login(cfg, section, username)
