"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), with STARTTLS or implicit TLS, AUTH,
and switches to refuse a recipient or answer "try again later"."""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

USERNAME, PASSWORD = "board-robot", "s3cret-for-tests"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Handler:
    reject: set[str] = field(default_factory=set)  # recipients answered with 550
    busy: int = 0  # how many DATA commands to answer with 451 first
    received: list[Envelope] = field(default_factory=list)

    async def handle_RCPT(
        self,
        server: Any,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        if self.busy > 0:
            self.busy -= 1
            return "451 4.3.0 Busy, try again later"
        self.received.append(envelope)
        return "250 Message accepted"


def _authenticator(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == USERNAME
        and auth_data.password.decode() == PASSWORD
    )
    # handled=False: let aiosmtpd send the 535 reply itself on failure.
    return AuthResult(success=ok, handled=False)


class CertAuthority:
    """A throwaway certificate authority and a server certificate for 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.ca = trustme.CA()
        self.cert = self.ca.issue_cert("127.0.0.1", "localhost")
        self.ca_file = folder / "test-ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.cert.configure_cert(ctx)
        return ctx


class SmtpServer:
    def __init__(
        self, ca: CertAuthority, port: int | None = None, implicit_tls: bool = False
    ) -> None:
        self.handler = Handler()
        self.port = port or free_port()
        self.implicit_tls = implicit_tls
        tls = ca.server_context()
        kwargs: dict[str, Any] = {
            "authenticator": _authenticator,
            "auth_required": True,
            # smtplib retries a refused login with LOGIN, which aiosmtpd 1.4 answers slowly.
            "auth_exclude_mechanism": ["LOGIN"],
        }
        if implicit_tls:
            # aiosmtpd only counts STARTTLS as "TLS" for AUTH; here the whole connection is TLS.
            kwargs.update(ssl_context=tls, auth_require_tls=False)
        else:
            kwargs.update(tls_context=tls, require_starttls=True, auth_require_tls=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Envelope]:
        return self.handler.received


def mail_config(
    ca: CertAuthority, port: int, implicit_tls: bool = False, **extra: Any
) -> dict[str, Any]:
    """The [mail] settings for a server on ``port`` (which need not be running yet)."""
    return {
        "transport": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "security": "tls" if implicit_tls else "starttls",
        "username": USERNAME,
        "password_env": "COPROD_TEST_SMTP_PASSWORD",
        "timeout": 5,
        "ca_file": str(ca.ca_file),
        **extra,
    }
