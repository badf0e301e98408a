"""The ``imap`` mailbox: the Board's update address read over IMAP with imap-tools (a maintained
client), always over TLS (implicit on 993, or STARTTLS on 143; never plain), logging in with a
password from the environment or XOAUTH2 (the same Microsoft 365 / Google sign-in as the
service's mail, mail/xoauth2.py). Each message read is moved to the Processed folder (made when
missing), never deleted; a message larger than the limit is read by its headers only.

    [updates]
    mailbox = "imap"
    host = "outlook.office365.com"
    port = 993
    tls = "implicit"             # or "starttls"
    username = "board-updates@council.gov.uk"
    auth = "password"            # or "xoauth2"
    password_env = "COPROD_IMAP_PASSWORD"
    folder = "INBOX"
    processed_folder = "Processed"
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from automations.core.config import Config
from automations.core.errors import ConfigError
from automations.inbox.mailbox import MailboxError, Raw

TLS = ("implicit", "starttls")


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    tls: str
    username: str
    auth: str  # password | xoauth2
    password_env: str | None
    folder: str
    processed_folder: str
    ca_file: Path | None
    timeout: float
    token: Callable[[], str] | None = None  # XOAUTH2: a fresh access token


def imap_settings(cfg: Config) -> ImapSettings:
    s = cfg.section("updates")
    host = s.line("host")
    if not host:
        raise ConfigError('updates.host: missing; give the IMAP server, e.g. "imap.example.org"')
    tls = s.text("tls", "implicit", choices=TLS)
    username = s.line("username")
    if not username:
        raise ConfigError("updates.username: missing; give the mailbox's login name")
    auth = s.text("auth", "password", choices=("password", "xoauth2"))
    password_env = s.line("password_env", "COPROD_IMAP_PASSWORD")
    token = None
    if auth == "xoauth2":
        from automations.mail.xoauth2 import xoauth2_login

        token = xoauth2_login(cfg, s, username).token
    return ImapSettings(
        host=host,
        port=s.integer("port", 993 if tls == "implicit" else 143, 1, 65535),
        tls=tls,
        username=username,
        auth=auth,
        password_env=password_env,
        folder=s.line("folder", "INBOX") or "INBOX",
        processed_folder=s.line("processed_folder", "Processed") or "Processed",
        ca_file=s.path("ca_file"),
        timeout=s.number("timeout", 30, 1, 600),
        token=token,
    )


class ImapBox:
    name = "imap"

    def __init__(self, s: ImapSettings, max_bytes: int) -> None:
        self.s, self.max_bytes = s, max_bytes
        self.box: Any = None

    def _open(self) -> Any:
        from imap_tools import MailBox, MailBoxStartTls
        from imap_tools.errors import ImapToolsError

        s = self.s
        context = ssl.create_default_context(cafile=str(s.ca_file) if s.ca_file else None)
        where = f"{s.host}:{s.port}"
        try:
            if s.tls == "implicit":
                box = MailBox(s.host, s.port, timeout=s.timeout, ssl_context=context)
            else:
                box = MailBoxStartTls(s.host, s.port, timeout=s.timeout, ssl_context=context)
        except ssl.SSLError as exc:
            raise MailboxError(
                f"The answers mailbox at {where} did not pass the TLS check ({exc.reason}). "
                "Check updates.tls and updates.ca_file."
            ) from None
        except OSError as exc:  # refused, unreachable, timed out
            raise MailboxError(f"Could not reach the answers mailbox at {where} ({exc}).") from None
        except ImapToolsError as exc:  # STARTTLS refused: never carry on in plain text
            raise MailboxError(
                f"The answers mailbox at {where} would not start TLS ({exc}); the service "
                "never logs in without it. Check updates.tls."
            ) from None
        try:
            if s.auth == "xoauth2":
                assert s.token is not None
                box.xoauth2(s.username, self._token(), initial_folder=s.folder)
            else:
                box.login(s.username, self._password(), initial_folder=s.folder)
        # imap-tools lets imaplib's own error through from AUTHENTICATE (XOAUTH2).
        except (ImapToolsError, imaplib.IMAP4.error) as exc:
            _quietly(box)
            raise MailboxError(
                f"The answers mailbox at {where} refused the login for {s.username} "
                f"({_said(exc)}). Check updates.username and the "
                + ("XOAUTH2 app's permissions." if s.auth == "xoauth2" else "password.")
            ) from None
        except OSError as exc:
            _quietly(box)
            raise MailboxError(f"The answers mailbox at {where} stopped ({exc})") from None
        return box

    def _password(self) -> str:
        name = self.s.password_env or ""
        value = os.environ.get(name)
        if not value:
            raise ConfigError(
                f"updates.password_env: the environment variable {name} (the answers mailbox's "
                "password) is not set"
            )
        return value

    def _token(self) -> str:
        from automations.mail.xoauth2 import TokenError, TransientTokenError

        assert self.s.token is not None
        try:
            return self.s.token()
        except (TokenError, TransientTokenError) as exc:
            raise MailboxError(f"No sign-in token for the answers mailbox: {exc}") from None

    def waiting(self) -> Iterator[Raw]:
        from imap_tools.errors import ImapToolsError

        self.box = self._open()
        try:
            # Headers and sizes first: a message too large to be an answer is never downloaded.
            heads = list(self.box.fetch(mark_seen=False, headers_only=True, bulk=50))
            for head in heads:
                if head.size_rfc822 > self.max_bytes:
                    yield Raw(head.uid, head.size_rfc822, head.obj.as_bytes(), too_large=True)
                    continue
                for full in self.box.fetch(uid_list=[head.uid], mark_seen=False):
                    yield Raw(full.uid, full.size_rfc822, full.obj.as_bytes())
        except (ImapToolsError, OSError) as exc:
            raise MailboxError(f"Reading the answers mailbox failed ({exc}).") from None

    def set_aside(self, raw: Raw) -> None:
        from imap_tools.errors import ImapToolsError

        target = self.s.processed_folder
        try:
            if not self.box.folder.exists(target):
                self.box.folder.create(target)
            self.box.move(raw.ref, target)
        except (ImapToolsError, OSError) as exc:
            raise MailboxError(
                f"Could not move a message to the {target} folder ({exc}); it is recorded as "
                "read and will not be read twice."
            ) from None

    def close(self) -> None:
        if self.box is not None:
            _quietly(self.box)
            self.box = None


def _quietly(box: Any) -> None:
    # The connection may be gone already; there is nothing to save in logging out.
    with contextlib.suppress(Exception):
        box.logout()


def _said(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text[:200]
