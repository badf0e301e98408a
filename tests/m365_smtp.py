"""An SMTP server on 127.0.0.1 (aiosmtpd, STARTTLS) that takes AUTH XOAUTH2 only, and only a
token that the test's identity service issued for the right audience and mailbox.

Exchange Online answers a refused XOAUTH2 login with "535 5.7.3 Authentication unsuccessful"
(learn.microsoft.com: troubleshooting SMTP AUTH client submission, and the replies quoted in
Microsoft Q&A threads); that is what this server answers too.
"""

from __future__ import annotations

import base64
import collections
from collections.abc import Callable
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from tests.smtp_server import CertAuthority, free_port

REFUSED = "535 5.7.3 Authentication unsuccessful"


class XOAuth2Handler:
    def __init__(self, accept: Callable[[str, str], bool]) -> None:
        self.accept = accept  # (user, token) -> whether the identity service issued it
        self.received: list[Envelope] = []
        self.logins: list[str] = []

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        # The client sends the SASL string as the initial response: AUTH XOAUTH2 <base64>.
        if len(args) < 2:
            return AuthResult(success=False, handled=False, message=REFUSED)
        try:
            text = base64.b64decode(args[1], validate=True).decode()
            fields = dict(part.split("=", 1) for part in text.split("\x01") if part)
            user, token = fields["user"], fields["auth"].removeprefix("Bearer ")
        except (ValueError, KeyError):
            return AuthResult(success=False, handled=False,
                              message="501 5.5.2 Cannot decode response")
        if not (fields["auth"].startswith("Bearer ") and self.accept(user, token)):
            return AuthResult(success=False, handled=False, message=REFUSED)
        self.logins.append(user)
        return AuthResult(success=True, auth_data=user)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.received.append(envelope)
        return "250 2.6.0 Queued mail for delivery"


class _LongAuthLines(SMTP):
    # A token makes a long AUTH line; RFC 4954 section 4 allows 12288 octets for it
    # (aiosmtpd's defaults are the 512 of ordinary commands and 1001 per line).
    command_size_limit = 12288
    command_size_limits = collections.defaultdict(lambda: 12288)  # noqa: RUF012 - as aiosmtpd
    line_length_limit = 12288


class _Controller(Controller):
    def factory(self) -> SMTP:
        return _LongAuthLines(self.handler, **self.SMTP_kwargs)


class XOAuth2Server:
    def __init__(self, ca: CertAuthority, accept: Callable[[str, str], bool]) -> None:
        self.handler = XOAuth2Handler(accept)
        self.port = free_port()
        self.controller = _Controller(
            self.handler, hostname="127.0.0.1", port=self.port,
            tls_context=ca.server_context(), require_starttls=True, auth_require_tls=True,
            auth_required=True,
            # Only XOAUTH2, as an Exchange Online tenant without Basic authentication offers.
            auth_exclude_mechanism=["LOGIN", "PLAIN"],
        )

    def __enter__(self) -> XOAuth2Server:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
