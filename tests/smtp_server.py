"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), with STARTTLS or implicit TLS, AUTH,
and switches to refuse a recipient or answer "try again later"."""

from __future__ import annotations

import contextlib
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


# ---------------------------------------------------------------- fault injection


@dataclass
class FaultHandler:
    """An aiosmtpd handler that takes messages and misbehaves on request, counting exactly what
    it received. ``after_data`` holds what to do after each complete message, in turn:
    "ok" (250), "drop" (close the connection without a reply), "stall" (no reply until the
    client gives up), "451" or "421"; once the list is used up, ``after_data_always`` applies.
    With ``only_for``, faults apply only to messages with that recipient. A message that was
    dropped or stalled still counts as received: the server had all of it, as real ones do."""

    reject: set[str] = field(default_factory=set)  # recipients answered with 550
    defer: set[str] = field(default_factory=set)  # recipients answered with 450
    after_data: list[str] = field(default_factory=list)
    after_data_always: str = "ok"
    only_for: str | None = None
    stall_seconds: float = 4.0
    received: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (id, rcpts)
    messages: list[bytes] = field(default_factory=list)  # each message as received
    on_message: Any = None  # called with (message_id, rcpts) as each message arrives

    async def handle_RCPT(
        self, server: Any, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if address in self.reject:
            return "550 5.1.1 <" + address + ">: Recipient address rejected: no such mailbox"
        if address in self.defer:
            return "450 4.2.1 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        import asyncio
        import email

        raw = envelope.original_content or b""
        mid = str(email.message_from_bytes(raw).get("Message-ID", ""))
        rcpts = tuple(envelope.rcpt_tos)
        applies = self.only_for is None or self.only_for in rcpts
        action = (self.after_data.pop(0) if self.after_data else self.after_data_always)
        action = action if applies else "ok"
        if action in ("451", "421"):
            return f"{action} 4.3.0 Busy, try again later"
        self.received.append((mid, rcpts))
        self.messages.append(raw)
        if self.on_message:
            self.on_message(mid, rcpts)
        if action == "stall":
            await asyncio.sleep(self.stall_seconds)
        if action in ("drop", "stall"):
            server.transport.abort()  # no reply at all; abort() also drops anything queued
        return "250 2.0.0 Message accepted"

    def copies(self) -> dict[tuple[str, str], int]:
        """How many times each (Message-ID, recipient) arrived."""
        counts: dict[tuple[str, str], int] = {}
        for mid, rcpts in self.received:
            for r in rcpts:
                counts[(mid, r)] = counts.get((mid, r), 0) + 1
        return counts


class FaultServer:
    """A plain SMTP server on 127.0.0.1 (no TLS, no login) with a FaultHandler."""

    def __init__(self, port: int | None = None, handler: FaultHandler | None = None) -> None:
        self.handler = handler or FaultHandler()
        self.port = port or free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> FaultServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


class SilentServer:
    """A listener on 127.0.0.1 that never greets (``greeting=None``) or greets with a refusal
    such as "421 ..." and hangs up: what an overloaded or half-dead server does."""

    def __init__(self, greeting: str | None = None, port: int | None = None) -> None:
        import threading

        self.greeting = greeting
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port or 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            if self.greeting is None:
                self.held.append(conn)  # say nothing, keep the line open
                continue
            with conn:
                conn.sendall(self.greeting.encode() + b"\r\n")

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes accept(); close() alone does not
        self.sock.close()
        for conn in self.held:
            conn.close()
