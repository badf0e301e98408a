"""What became of one message, recipient by recipient: the three outcomes every transport
reports, so the send ledger can decide what may be tried again.

- delivered: the server answered 250 after the message (or the outbox file was written);
- refused: a 4xx/5xx reply, or the connection failed, before the message was handed over:
  nothing arrived, so trying again is safe;
- uncertain: the whole message was handed over and no reply came (the connection dropped or
  the reply timed out after the final dot). RFC 1047: the message was most likely delivered,
  so it must not be sent again blindly.

A transport raises TemporaryMailError / PermanentMailError (core/errors.py) when nothing at all
was handed over and the reason concerns every recipient (no connection, a bad login).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

# Called with the recipients the server accepted, just before the message is handed over.
BeforeData = Callable[[tuple[str, ...]], None]


def one_line(text: str) -> str:
    """Header text with every line break and control character turned into a space."""
    return " ".join(re.sub(r"[\x00-\x1f\x7f\u2028\u2029\x85]", " ", text).split())


@dataclass(frozen=True)
class Refusal:
    code: int  # the server's reply code; 0 when the connection failed before the message went
    text: str  # the server's words (one line), or what went wrong

    @property
    def permanent(self) -> bool:
        return 500 <= self.code < 600

    def describe(self) -> str:
        return f"{self.code} {self.text}" if self.code else self.text


@dataclass(frozen=True)
class Delivery:
    delivered: tuple[str, ...] = ()
    uncertain: tuple[str, ...] = ()
    refused: dict[str, Refusal] = field(default_factory=dict)
    why_uncertain: str = ""


class Transport(Protocol):
    name: str

    def send(
        self, msg: EmailMessage, recipients: tuple[str, ...], before_data: BeforeData
    ) -> Delivery: ...


def no_hook(accepted: tuple[str, ...]) -> None:
    """A before_data hook for mail nobody records (the officers' alerts)."""
