"""One reading of the answers mailbox: each message waiting becomes a recorded proposal (or an
"unmatched" or "ignored" entry saying why), then is set aside. A Message-ID already recorded is
set aside again with nothing new recorded, so a replayed or re-delivered message counts once."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, replace
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from typing import Any

from automations.core.config import Config
from automations.core.errors import CoprodError
from automations.inbox import tokens
from automations.inbox.mailbox import Raw, open_mailbox
from automations.inbox.message import parse_message
from automations.inbox.proposals import Proposals
from automations.inbox.propose import (
    UNMATCHED,
    WAITING,
    ActionIndex,
    Proposal,
    action_index,
    propose,
)
from automations.inbox.settings import UpdateSettings, update_settings
from automations.model.board import Board

SHOWN = "shown"


@dataclass
class Reading:
    """What one reading found (``error``: the mailbox could not be read; the pass goes on)."""

    proposals: list[Proposal] = field(default_factory=list)
    repeated: int = 0  # messages whose Message-ID was already recorded
    error: str = ""
    written: Any = None  # what writing the Updates tab did (UpdatesResult), when it was asked
    thanked: list[Any] = field(default_factory=list)  # acknowledgements sent (outcomes)
    failures: int = 0  # readings of the mailbox in a row that failed, this one included


def message_id(raw: Raw) -> str:
    """The Message-ID, or one made from the bytes for a message without (so it is read once)."""
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw.data[:65536])
        found = str(headers.get("Message-ID", "") or "").strip()
    except (ValueError, TypeError, IndexError):
        found = ""
    return found or f"<sha256.{hashlib.sha256(raw.data).hexdigest()[:32]}@coprod.invalid>"


def read_answers(cfg: Config, board: Board, now: dt.datetime, record: bool = True) -> Reading:
    """Read every waiting message. ``record=False`` is the preview: nothing recorded or moved."""
    s = update_settings(cfg)
    reading = Reading()
    if not s.enabled:
        return reading
    keys = s.keyring()
    index = action_index(board)
    box = open_mailbox(s, cfg)
    with Proposals(cfg) as book:
        read: list[Raw] = []
        try:
            seen: set[str] = set()
            for raw in box.waiting():
                mid = message_id(raw)
                if mid in seen or book.seen(mid):
                    reading.repeated += 1
                    read.append(raw)
                    continue
                seen.add(mid)
                reading.proposals.append(_proposal(raw, mid, board, s, keys, now, index))
                read.append(raw)
        except CoprodError as exc:  # the mailbox, not the config: the pass goes on
            reading.error = str(exc)
        try:
            if record:
                # All recorded in one transaction, then set aside: a crash in between leaves
                # messages that the next reading knows by their Message-ID and sets aside.
                book.add_all(reading.proposals)
                for raw in read:
                    box.set_aside(raw)
        except CoprodError as exc:
            reading.error = reading.error or str(exc)
        finally:
            box.close()
        if record:
            reading.failures = book.mailbox_read(reading.error, now)
    return reading


def _proposal(
    raw: Raw,
    mid: str,
    board: Board,
    s: UpdateSettings,
    keys: tokens.Keyring,
    now: dt.datetime,
    index: ActionIndex,
) -> Proposal:
    if raw.too_large:
        return Proposal(
            now, mid, "", "", UNMATCHED,
            reason=f"the message is {raw.size / 1_000_000:.1f} MB: too large for an answer "
            f"(the limit is [updates] max_message_bytes = {s.max_message_bytes:,}); not read",
        )  # fmt: skip
    msg = replace(parse_message(raw.data, s.trusted_auth_host), message_id=mid)
    p = propose(msg, board, s, keys, now, index)
    if p.state == WAITING and s.apply == "show":
        return replace(p, state=SHOWN)
    return p
