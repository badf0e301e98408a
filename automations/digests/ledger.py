"""The send ledger: this module owns the ``digest_`` tables of the state file (core/store.py).

The send ledger is what makes "once per audience per meeting" hold across restarts: a digest is
recorded only after the mail server (or the outbox) accepted it, and looked up before sending.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass

from automations.core import store
from automations.core.config import Config

_DIGEST_SCHEMA = """
CREATE TABLE IF NOT EXISTS digest_sent (
    audience     TEXT NOT NULL,
    meeting      TEXT NOT NULL,          -- ISO date of the meeting
    message_id   TEXT NOT NULL,
    recipients   TEXT NOT NULL,          -- JSON list of the addresses the server accepted
    sent_at      TEXT NOT NULL,          -- ISO timestamp with offset
    content_hash TEXT NOT NULL,          -- sha256 of the text and HTML bodies
    transport    TEXT NOT NULL,
    PRIMARY KEY (audience, meeting)
)
"""


def connect(cfg: Config) -> sqlite3.Connection:
    """The state file with the send ledger's table."""
    conn = store.connect(cfg.state_dir)
    conn.execute(_DIGEST_SCHEMA)
    conn.commit()
    return conn


@dataclass(frozen=True)
class SentDigest:
    audience: str
    meeting: dt.date
    message_id: str
    recipients: tuple[str, ...]
    sent_at: dt.datetime
    content_hash: str
    transport: str


def _row(row: tuple) -> SentDigest:
    audience, meeting, mid, recipients, sent_at, digest_hash, transport = row
    return SentDigest(
        audience=audience,
        meeting=dt.date.fromisoformat(meeting),
        message_id=mid,
        recipients=tuple(json.loads(recipients)),
        sent_at=dt.datetime.fromisoformat(sent_at),
        content_hash=digest_hash,
        transport=transport,
    )


_COLUMNS = "audience, meeting, message_id, recipients, sent_at, content_hash, transport"


def find_sent(conn: sqlite3.Connection, audience: str, meeting: dt.date) -> SentDigest | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM digest_sent WHERE audience = ? AND meeting = ?",
        (audience, meeting.isoformat()),
    ).fetchone()
    return _row(row) if row else None


def record_sent(conn: sqlite3.Connection, sent: SentDigest) -> None:
    with conn:
        conn.execute(
            f"INSERT OR REPLACE INTO digest_sent ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                sent.audience,
                sent.meeting.isoformat(),
                sent.message_id,
                json.dumps(list(sent.recipients)),
                sent.sent_at.isoformat(),
                sent.content_hash,
                sent.transport,
            ),
        )


def all_sent(conn: sqlite3.Connection) -> list[SentDigest]:
    rows = conn.execute(f"SELECT {_COLUMNS} FROM digest_sent ORDER BY sent_at, audience")
    return [_row(r) for r in rows]
