"""What every mailbox reader gives the pass: the messages waiting, each as bytes (or only its
first bytes when it is too large to be an answer), and a way to set one aside once recorded.
One module per kind, with the same shape: ``maildir.py`` (a local folder), ``imap.py``,
``graph_mail.py`` (Microsoft 365 through Graph)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from automations.core.errors import CoprodError

if TYPE_CHECKING:
    from automations.core.config import Config
    from automations.inbox.settings import UpdateSettings

HEAD_BYTES = 64 * 1024  # enough for the headers of a message too large to read whole


class MailboxError(CoprodError):
    """The mailbox cannot be reached, refuses the login, or a message cannot be set aside;
    the message says why and what to check."""


@dataclass(frozen=True)
class Raw:
    ref: str  # the reader's own handle (a file name, an IMAP UID, a Graph id)
    size: int
    data: bytes  # the whole message, or its first HEAD_BYTES when ``too_large``
    too_large: bool = False


class Mailbox(Protocol):
    name: str

    def waiting(self) -> Iterator[Raw]:
        """The messages not yet set aside, oldest first."""
        ...

    def set_aside(self, raw: Raw) -> None:
        """Move the message to the Processed folder (or mark it read): never delete it."""
        ...

    def close(self) -> None:
        """Log out, when there is a connection."""
        ...


def open_mailbox(s: UpdateSettings, cfg: Config) -> Mailbox:
    if s.mailbox == "maildir":
        from automations.inbox.maildir import MaildirBox

        return MaildirBox(s.folder, s.max_message_bytes)
    if s.mailbox == "imap":
        from automations.inbox.imap import ImapBox, imap_settings

        return ImapBox(imap_settings(cfg), s.max_message_bytes)
    if s.mailbox == "microsoft365":
        from automations.inbox.graph_mail import GraphMailbox

        section = cfg.section("updates")
        return GraphMailbox(
            cfg,
            s.address.addr_spec,
            section.line("folder", "inbox") or "inbox",
            section.line("processed_folder", "Processed") or "Processed",
            s.max_message_bytes,
        )
    raise AssertionError(f"no reader for mailbox kind {s.mailbox!r}")  # settings allow no other
