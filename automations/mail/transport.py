"""Getting a finished email out: an outbox folder of .eml files (outbox.py), or an SMTP server
(smtp.py); this module picks one from `[mail]` and keeps header text safe.

Each send reports, recipient by recipient, one of three outcomes (outcome.py): delivered, refused
(safe to retry) or uncertain (handed over, no reply: never resent blindly). A transport raises
``TemporaryMailError`` (try again later: a refused connection, a 4xx greeting) or
``PermanentMailError`` (trying again will not help: a bad login, a bad certificate) when nothing
was handed over at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from typing import TYPE_CHECKING, Any

from automations.core.config import Config, Section
from automations.core.errors import ConfigError, PermanentMailError, TemporaryMailError
from automations.core.text import email_problem
from automations.mail.outbox import OutboxTransport
from automations.mail.outcome import Delivery, Transport, no_hook, one_line

if TYPE_CHECKING:
    from automations.mail.smtp import SmtpTransport

__all__ = [
    "Delivery",
    "OutboxTransport",
    "SmtpTransport",
    "Transport",
    "make_transport",
    "one_line",
]

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


def __getattr__(name: str) -> Any:
    """SmtpTransport on first use: smtplib and ssl are not imported by a run that sends no
    mail through a server."""
    if name == "SmtpTransport":
        from automations.mail.smtp import SmtpTransport

        return SmtpTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------- header safety


def checked_address(text: str, key: str) -> Address:
    """'Name <a@b.org>' or 'a@b.org' -> an Address; a bad address names the config key."""
    line = one_line(text)
    name, addr = parseaddr(line)
    # parseaddr guesses at odd input ("A: b@c <d@e>"); accept only a plain or <bracketed> address.
    if not addr or "@" not in addr or not (line == addr or line.endswith(f"<{addr}>")):
        raise ConfigError(f"{key}: {text!r} is not one email address")
    normalized, problem = email_problem(addr)
    if normalized is None:
        raise ConfigError(f"{key}: {addr!r} is not a valid email address ({problem})")
    local, _, domain = normalized.rpartition("@")
    return Address(display_name=one_line(name), username=local, domain=domain)


def header_recipients(msg: EmailMessage) -> tuple[str, ...]:
    return tuple(a for _, a in getaddresses(msg.get_all("To", []) + msg.get_all("Cc", [])))


def send_unrecorded(transport: Transport, msg: EmailMessage) -> None:
    """Send mail nobody records (the officers' alerts): raise MailError unless some recipient
    has it or may have it. An uncertain send counts as sent: a second alert is worse."""
    to = header_recipients(msg)
    got = transport.send(msg, to, no_hook)
    if got.delivered or got.uncertain:
        return
    words = "; ".join(f"{a} ({r.describe()})" for a, r in got.refused.items())
    permanent = all(r.permanent for r in got.refused.values())
    cls = PermanentMailError if permanent else TemporaryMailError
    raise cls(f"the mail server refused {words}", to)


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
    from automations.mail.smtp import SmtpTransport

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
