"""The send ledger: this module owns the ``digest_`` tables of the state (core/store/).

One row per audience, meeting and recipient address, so "once per recipient per meeting" holds
across restarts and crashes. A row's state:

- ``sending``: written, and synced to disk, just before the DATA command. A row still in this
  state when a later run starts means the run ended between handing over and hearing back: it
  becomes ``uncertain``.
- ``sent``: the server said 250 after the message (or the outbox file was written).
- ``uncertain``: the message was handed over and no reply came; ``tries`` counts such sends.
  Sent once more in a later run (same Message-ID), never a third time by itself.
- ``deferred``: refused with a 4xx reply or a failed connection: sent again on the next run.
- ``refused``: refused with a 5xx reply: reported to the officers with the server's words and
  not sent again to that address (a changed address is a new row, so it is sent).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from automations.core.config import Config
from automations.core.store import Connection, Store, store_for

SENDING, SENT, UNCERTAIN, DEFERRED, REFUSED = "sending", "sent", "uncertain", "deferred", "refused"
# An uncertain send is repeated once (the first try plus one), then left to a person.
MAX_UNCERTAIN_TRIES = 2

_SCHEMA = """
CREATE TABLE IF NOT EXISTS digest_recipients (
    audience     TEXT NOT NULL,
    meeting      TEXT NOT NULL,          -- ISO date of the meeting
    address      TEXT NOT NULL,
    state        TEXT NOT NULL,          -- sending, sent, uncertain, deferred, refused
    tries        INTEGER NOT NULL DEFAULT 0,  -- sends handed over with no reply
    message_id   TEXT NOT NULL,
    reply        TEXT NOT NULL DEFAULT '',    -- the server's words, or why it is uncertain
    updated_at   TEXT NOT NULL,          -- ISO timestamp with offset
    sent_at      TEXT,                   -- when the server accepted it
    content_hash TEXT NOT NULL,          -- sha256 of the text and HTML bodies
    transport    TEXT NOT NULL,
    reported_at  TEXT,                   -- when the officers were told about this row's state
    who          TEXT NOT NULL DEFAULT '',    -- whom it is for, in words (reminders, packs)
    PRIMARY KEY (audience, meeting, address)
)
"""


@dataclass(frozen=True)
class RecipientRecord:
    audience: str
    meeting: dt.date
    address: str
    state: str
    tries: int
    message_id: str
    reply: str
    updated_at: dt.datetime
    sent_at: dt.datetime | None
    content_hash: str
    transport: str
    reported_at: dt.datetime | None = None
    who: str = ""  # the person, as the email names them ("" for a digest: its audience says)

    def needs_sending(self, by_hand: bool = False) -> bool:
        if self.state == DEFERRED:
            return True
        if self.state in (UNCERTAIN, SENDING):
            return self.tries < MAX_UNCERTAIN_TRIES or by_hand
        # A 5xx refusal is sent again only when a person asks (`coprod digest --send`).
        return self.state == REFUSED and by_hand


@dataclass(frozen=True)
class Attempt:
    """What the ledger needs to know about the digest being sent."""

    audience: str
    meeting: dt.date
    message_id: str
    content_hash: str
    transport: str
    now: dt.datetime
    who: str = ""  # RecipientRecord.who


_COLUMNS = (
    "audience, meeting, address, state, tries, message_id, reply, updated_at, sent_at, "
    "content_hash, transport, reported_at, who"
)


DIGESTS = "digest_recipients"
# The owners' reminders (reminders.py) keep the same kind of rows in a table of their own, so
# a reminder day never hides a meeting's digest problems (problems() looks at the latest date).
REMINDERS = "reminder_recipients"


class Ledger:
    """The ledger over one connection; every write is its own synced transaction."""

    def __init__(self, conn: Connection, store: Store, table: str = DIGESTS) -> None:
        self.conn, self.store, self.table = conn, store, table

    def _sql(self, sql: str) -> str:
        return sql.replace(DIGESTS, self.table)

    def close(self) -> None:
        self.conn.close()

    def _write(self, sql: str, rows: Iterable[tuple[object, ...]]) -> None:
        with self.store.guarded(), self.conn:
            self.conn.executemany(self._sql(sql), list(rows))

    # ---------------------------------------------------------------- reading
    def records(
        self, audience: str | None = None, meeting: dt.date | None = None
    ) -> list[RecipientRecord]:
        where, args = [], []
        if audience is not None:
            where.append("audience = ?")
            args.append(audience)
        if meeting is not None:
            where.append("meeting = ?")
            args.append(meeting.isoformat())
        sql = f"SELECT {_COLUMNS} FROM digest_recipients"
        if where:
            sql += " WHERE " + " AND ".join(where)
        with self.store.guarded():
            rows = self.conn.execute(self._sql(sql) + " ORDER BY meeting, audience, address", args)
            return [_record(r) for r in rows.fetchall()]

    def for_audience(self, audience: str, meeting: dt.date) -> dict[str, RecipientRecord]:
        return {r.address: r for r in self.records(audience, meeting)}

    def problems(self, unreported_only: bool = False) -> list[RecipientRecord]:
        """Rows a person should hear about: refused, uncertain, or still to be retried, for the
        latest meeting the ledger knows (older ones are past the digests' catch-up)."""
        with self.store.guarded():
            latest = self.conn.execute(
                self._sql("SELECT max(meeting) FROM digest_recipients")
            ).fetchone()[0]
        if latest is None:
            return []
        rows = [r for r in self.records(meeting=dt.date.fromisoformat(latest)) if r.state != SENT]
        if unreported_only:
            rows = [r for r in rows if r.reported_at is None and r.state in (REFUSED, UNCERTAIN)]
        return rows

    def untold(self) -> list[RecipientRecord]:
        """Refused and uncertain rows of any date the officers were not told about yet: the
        reminders' and packs' dates are days of their own, so no single latest one holds them
        all (a reminder refused on Monday is still news after Tuesday's were sent)."""
        sql = (
            f"SELECT {_COLUMNS} FROM digest_recipients WHERE reported_at IS NULL AND state IN "
            "(?, ?) ORDER BY meeting, audience, address"
        )
        with self.store.guarded():
            rows = self.conn.execute(self._sql(sql), (REFUSED, UNCERTAIN)).fetchall()
        return [_record(r) for r in rows]

    # ---------------------------------------------------------------- writing
    def settle_interrupted(self, now: dt.datetime) -> None:
        """A ``sending`` row left by an earlier run: the message may have gone. Only call this
        under the service's lock, where no other run can be mid-send."""
        with self.store.guarded():
            left = self.conn.execute(
                self._sql("SELECT 1 FROM digest_recipients WHERE state = ? LIMIT 1"), (SENDING,)
            ).fetchone()
        if not left:
            return  # the usual case: no synced write needed
        self._write(
            "UPDATE digest_recipients SET state = ?, tries = tries + 1, updated_at = ?, "
            "reply = ?, reported_at = NULL WHERE state = ?",
            [(UNCERTAIN, now.isoformat(), _INTERRUPTED, SENDING)],
        )

    def about_to_send(self, attempt: Attempt, addresses: Iterable[str]) -> None:
        self._upsert(attempt, addresses, SENDING, "", tries_added=0)

    def delivered(self, attempt: Attempt, addresses: Iterable[str]) -> None:
        self._upsert(attempt, addresses, SENT, "", tries_added=0, sent=True)

    def uncertain(self, attempt: Attempt, addresses: Iterable[str], why: str) -> None:
        self._upsert(attempt, addresses, UNCERTAIN, why, tries_added=1)

    def refused(self, attempt: Attempt, address: str, reply: str, permanent: bool) -> None:
        self._upsert(attempt, [address], REFUSED if permanent else DEFERRED, reply, tries_added=0)

    def reported(self, records: Iterable[RecipientRecord], now: dt.datetime) -> None:
        self._write(
            "UPDATE digest_recipients SET reported_at = ? "
            "WHERE audience = ? AND meeting = ? AND address = ?",
            [(now.isoformat(), r.audience, r.meeting.isoformat(), r.address) for r in records],
        )

    def _upsert(
        self,
        a: Attempt,
        addresses: Iterable[str],
        state: str,
        reply: str,
        tries_added: int,
        sent: bool = False,
    ) -> None:
        when = a.now.isoformat()
        self._write(
            f"INSERT INTO digest_recipients ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,NULL,?) "
            "ON CONFLICT(audience, meeting, address) DO UPDATE SET state = excluded.state, "
            "tries = digest_recipients.tries + excluded.tries, "
            "message_id = excluded.message_id, "
            "reply = excluded.reply, updated_at = excluded.updated_at, "
            "sent_at = coalesce(excluded.sent_at, digest_recipients.sent_at), "
            "content_hash = excluded.content_hash, transport = excluded.transport, "
            "who = excluded.who, "
            # A new problem is told to the officers again; a state that did not change is not.
            "reported_at = CASE WHEN digest_recipients.state = excluded.state "
            "AND excluded.state != 'uncertain' THEN digest_recipients.reported_at END",
            [
                (
                    a.audience,
                    a.meeting.isoformat(),
                    address,
                    state,
                    tries_added,
                    a.message_id,
                    reply,
                    when,
                    when if sent else None,
                    a.content_hash,
                    a.transport,
                    a.who,
                )
                for address in addresses
            ],
        )


_INTERRUPTED = (
    "the run ended (a crash, a kill or a full disk) after the message was handed to the mail "
    "server and before its answer was recorded; it was probably delivered"
)


def _record(row: tuple) -> RecipientRecord:
    (aud, meeting, address, state, tries, mid, reply, updated, sent, sealed, tr, rep, who) = row
    return RecipientRecord(
        audience=aud,
        meeting=dt.date.fromisoformat(meeting),
        address=address,
        state=state,
        tries=tries,
        message_id=mid,
        reply=reply,
        updated_at=dt.datetime.fromisoformat(updated),
        sent_at=dt.datetime.fromisoformat(sent) if sent else None,
        content_hash=sealed,
        transport=tr,
        reported_at=dt.datetime.fromisoformat(rep) if rep else None,
        who=who,
    )


def connect(cfg: Config, table: str = DIGESTS) -> Ledger:
    """The state with the send ledger's table (SQLite: every commit synced, see store.connect)."""
    store = store_for(cfg)
    conn = store.connect()
    try:
        if store.kind == "sqlite":  # PostgreSQL's tables come from its migrations
            with store.guarded(), conn:
                conn.execute(_SCHEMA.replace(DIGESTS, table))
                _add_who(conn, table)
                if table == DIGESTS:
                    _upgrade(conn)
    except BaseException:
        conn.close()
        raise
    return Ledger(conn, store, table)


def _add_who(conn: Connection, table: str) -> None:
    """A state file from before the ``who`` column: add it (old rows name nobody)."""
    columns = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    if "who" in columns:
        return
    try:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN who TEXT NOT NULL DEFAULT ''")
    except sqlite3.OperationalError as exc:
        if "duplicate column" not in str(exc):  # another process added it just now
            raise


def _upgrade(conn: Connection) -> None:
    """The first ledger kept one row per audience (``digest_sent``, with the addresses the
    server accepted): carry those over as sent, then drop it."""
    old = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'digest_sent'"
    ).fetchone()
    if not old:
        return
    conn.execute(
        "INSERT OR IGNORE INTO digest_recipients (audience, meeting, address, state, tries, "
        "message_id, updated_at, sent_at, content_hash, transport) "
        "SELECT d.audience, d.meeting, j.value, 'sent', 0, d.message_id, d.sent_at, d.sent_at, "
        "d.content_hash, d.transport FROM digest_sent d, json_each(d.recipients) j"
    )
    conn.execute("DROP TABLE digest_sent")
