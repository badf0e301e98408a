"""Proposed updates and the messages already read, kept in the board's state (core/store/:
the state folder's SQLite file, or PostgreSQL with ``[state] url``) in their own tables:

- ``update_messages``: each Message-ID read once, so a message seen again (a mailbox that could
  not be moved to Processed, or a replayed copy) is never turned into a second proposal;
- ``update_proposals``: every answer, matched or not, with what it would change, the cells as
  they were when it was read, and what became of it (waiting, applied, refused, rejected, shown,
  unmatched, ignored);
- ``update_changes``: each cell an applied answer wrote (old and new, who asked, who approved);
- ``update_told`` and ``update_mailbox``: what the officers were told, and the mailbox's health.

The SQL is the dialect both backends share (core/store/__init__.py); the tables below are made
on SQLite only, PostgreSQL's come from its migration 4 (core/store/postgres.py)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from typing import Any

from automations.core.config import Config
from automations.core.store import Connection, Store, store_for
from automations.inbox.propose import Proposal

# `column` is a reserved word in PostgreSQL: always written quoted, as "column".
_CHANGES = """CREATE TABLE IF NOT EXISTS update_changes (
    id          INTEGER PRIMARY KEY,  -- the order the cells were written in
    answer      INTEGER NOT NULL,   -- update_proposals.id
    action_id   TEXT NOT NULL,
    "column"    TEXT NOT NULL,      -- the column's header on the Actions tab
    old         TEXT NOT NULL,
    new         TEXT NOT NULL,
    asked_by    TEXT NOT NULL,      -- the sender's address
    approved_by TEXT NOT NULL,      -- how it was approved
    at          TEXT NOT NULL
)"""
_CHANGE_COLUMNS = 'answer, action_id, "column", old, new, asked_by, approved_by, at'

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS update_messages (
    message_id  TEXT PRIMARY KEY,   -- the Message-ID header, or a digest of a message without
    read_at     TEXT NOT NULL,
    proposal    INTEGER             -- update_proposals.id
);
CREATE TABLE IF NOT EXISTS update_proposals (
    id           INTEGER PRIMARY KEY,
    received     TEXT NOT NULL,     -- ISO time the message was read
    message_id   TEXT NOT NULL,
    sender       TEXT NOT NULL,
    sender_name  TEXT NOT NULL,
    action_id    TEXT NOT NULL,
    kind         TEXT NOT NULL,     -- done | started | more_time | help | ""
    words        TEXT NOT NULL,
    status       TEXT,              -- the new values; NULL: unchanged
    due          TEXT,
    completed_on TEXT,
    last_update  TEXT,
    note         TEXT NOT NULL,
    seen         TEXT NOT NULL,     -- JSON: the cells when the message was read
    state        TEXT NOT NULL,     -- waiting|applied|refused|rejected|shown|unmatched|ignored
    reason       TEXT NOT NULL,
    decided_at   TEXT
);
CREATE TABLE IF NOT EXISTS update_told (
    answer  INTEGER NOT NULL,       -- update_proposals.id (0: the mailbox itself)
    what    TEXT NOT NULL,          -- unmatched | waiting | mailbox
    at      TEXT NOT NULL,
    PRIMARY KEY (answer, what)
);
CREATE TABLE IF NOT EXISTS update_mailbox (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    failures    INTEGER NOT NULL,   -- readings in a row that failed
    last_error  TEXT NOT NULL,
    since       TEXT
);
{_CHANGES};
"""


@dataclass(frozen=True)
class Stored:
    id: int
    proposal: Proposal
    decided_at: str | None = None
    written: tuple[dict[str, Any], ...] = ()  # the cells it changed: column, old, new, ...

    def as_json(self) -> dict[str, Any]:
        p = self.proposal
        return {
            "id": self.id,
            "received": p.received.isoformat(),
            "message_id": p.message_id,
            "sender": p.sender,
            "action_id": p.action_id,
            "kind": p.kind,
            "words": p.words,
            "changes": {
                k: v.isoformat() if isinstance(v, dt.date) else v
                for k, v in (
                    ("Status", p.status),
                    ("Due", p.due),
                    ("Completed on", p.completed_on),
                    ("Last update", p.last_update),
                    ("Update", p.note or None),
                )
                if v is not None
            },
            "state": p.state,
            "reason": p.reason,
            "written": [
                {k: c[k] for k in ("column", "old", "new", "asked_by", "approved_by", "at")}
                for c in self.written
            ],
        }


class Proposals:
    def __init__(self, cfg: Config) -> None:
        self.store: Store = store_for(cfg)
        self.conn: Connection = self.store.connect()
        try:
            self.store.create_tables(self.conn, _SCHEMA)  # SQLite; PostgreSQL migrates
            if self.store.kind == "sqlite":
                with self.store.guarded():
                    _number_changes(self.conn)
        except BaseException:
            self.conn.close()
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Proposals:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows as dicts by column name (the same on both backends)."""
        with self.store.guarded():
            cur = self.conn.execute(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def seen(self, message_id: str) -> bool:
        with self.store.guarded():
            row = self.conn.execute(
                "SELECT 1 FROM update_messages WHERE message_id = ?", (message_id,)
            ).fetchone()
        return row is not None

    def add_all(self, proposals: list[Proposal]) -> list[int]:
        """Record the proposals and their messages in one transaction (one synced commit): a
        crash leaves all or none of them."""
        with self.store.guarded(), self.conn:
            return [self._insert(p) for p in proposals]

    def _insert(self, p: Proposal) -> int:
        d = _iso
        cur = self.conn.execute(
            "INSERT INTO update_proposals (received, message_id, sender, sender_name, "
            "action_id, kind, words, status, due, completed_on, last_update, note, seen, "
            "state, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
            (
                p.received.isoformat(), p.message_id, p.sender, p.sender_name, p.action_id,
                p.kind, p.words, p.status, d(p.due), d(p.completed_on), d(p.last_update),
                p.note, json.dumps(p.seen, sort_keys=True), p.state, p.reason,
            ),
        )  # fmt: skip
        pid = int(cur.fetchone()[0])
        self.conn.execute(
            "INSERT INTO update_messages (message_id, read_at, proposal) VALUES (?,?,?)",
            (p.message_id, p.received.isoformat(), pid),
        )
        return pid

    def decide(self, pid: int, state: str, reason: str, when: dt.datetime) -> None:
        with self.store.guarded(), self.conn:
            self.conn.execute(
                "UPDATE update_proposals SET state = ?, reason = ?, decided_at = ? WHERE id = ?",
                (state, reason, when.isoformat(), pid),
            )

    def record_all(
        self,
        applied: list[tuple[Stored, list[tuple[str, str, str]]]],
        approved_by: str,
        when: dt.datetime,
    ) -> None:
        """Answers applied in one save, recorded in one transaction."""
        with self.store.guarded(), self.conn:
            for stored, changes in applied:
                self._record(stored, changes, approved_by, when)

    def _record(
        self,
        stored: Stored,
        changes: list[tuple[str, str, str]],
        approved_by: str,
        when: dt.datetime,
    ) -> None:
        """The answer applied: its state, and each cell it changed (old and new)."""
        p = stored.proposal
        self.conn.executemany(
            f"INSERT INTO update_changes ({_CHANGE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
            [
                (stored.id, p.action_id, col, old, new, p.sender, approved_by, when.isoformat())
                for col, old, new in changes
            ],
        )
        self.conn.execute(
            "UPDATE update_proposals SET state = 'applied', reason = ?, decided_at = ? "
            "WHERE id = ?",
            (f"approved {approved_by}", when.isoformat(), stored.id),
        )

    def last_written(self, action_id: str, column: str) -> str | None:
        """What the service last wrote into this cell of this action, if anything."""
        with self.store.guarded():
            row = self.conn.execute(
                'SELECT new FROM update_changes WHERE action_id = ? AND "column" = ? '
                "ORDER BY id DESC LIMIT 1",
                (action_id, column),
            ).fetchone()
        return row[0] if row else None

    def changes(self) -> list[dict[str, Any]]:
        return self._rows(f"SELECT {_CHANGE_COLUMNS} FROM update_changes ORDER BY id")

    def untold(self, what: str, ids: list[int]) -> list[int]:
        """Of ``ids``, the ones the officers have not been told about (``what``) yet."""
        with self.store.guarded():
            rows = self.conn.execute("SELECT answer FROM update_told WHERE what = ?", (what,))
            told = {r[0] for r in rows.fetchall()}
        return [i for i in ids if i not in told]

    def told(self, what: str, ids: list[int], when: dt.datetime) -> None:
        with self.store.guarded(), self.conn:
            self.conn.executemany(
                "INSERT INTO update_told (answer, what, at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                [(i, what, when.isoformat()) for i in ids],
            )

    def mailbox_read(self, error: str, when: dt.datetime) -> int:
        """Record one reading of the mailbox; the failures in a row now (0 when it worked)."""
        with self.store.guarded(), self.conn:
            if not error:
                self.conn.execute("DELETE FROM update_mailbox")
                self.conn.execute("DELETE FROM update_told WHERE what = 'mailbox'")
                return 0
            row = self.conn.execute("SELECT failures FROM update_mailbox").fetchone()
            failures = (row[0] if row else 0) + 1
            self.conn.execute(
                "INSERT INTO update_mailbox (id, failures, last_error, since) VALUES (1, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET failures = excluded.failures, "
                "last_error = excluded.last_error",
                (failures, error, when.isoformat()),
            )
        return failures

    def mailbox_health(self) -> tuple[int, str, str | None]:
        with self.store.guarded():
            row = self.conn.execute(
                "SELECT failures, last_error, since FROM update_mailbox"
            ).fetchone()
        return (row[0], row[1], row[2]) if row else (0, "", None)

    def all(self, states: tuple[str, ...] = ()) -> list[Stored]:
        sql = "SELECT * FROM update_proposals"
        if states:
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
        rows = self._rows(sql + " ORDER BY id", states)
        written: dict[int, list[dict[str, Any]]] = {}
        for change in self.changes():
            written.setdefault(int(change["answer"]), []).append(change)
        return [replace(_stored(r), written=tuple(written.get(int(r["id"]), ()))) for r in rows]

    def counts(self) -> dict[str, int]:
        with self.store.guarded():
            rows = self.conn.execute(
                "SELECT state, COUNT(*) FROM update_proposals GROUP BY state"
            ).fetchall()
        return {state: int(n) for state, n in rows}


def _number_changes(conn: Connection) -> None:
    """A state file from before ``update_changes`` had an id (SQLite's hidden rowid kept the
    order, which PostgreSQL and an export do not have): rebuild it with the rowid as its id,
    in one transaction, so the order and every row carry over."""
    if _numbered(conn):
        return  # the usual case: no write lock taken
    conn.execute("BEGIN IMMEDIATE")  # another process doing the same waits, then finds it done
    try:
        if not _numbered(conn):
            conn.execute("ALTER TABLE update_changes RENAME TO update_changes_unnumbered")
            conn.execute(_CHANGES)
            conn.execute(
                f"INSERT INTO update_changes (id, {_CHANGE_COLUMNS}) "
                f"SELECT rowid, {_CHANGE_COLUMNS} FROM update_changes_unnumbered"
            )
            conn.execute("DROP TABLE update_changes_unnumbered")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _numbered(conn: Connection) -> bool:
    return any(row[1] == "id" for row in conn.execute("PRAGMA table_info(update_changes)"))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _stored(r: dict[str, Any]) -> Stored:
    p = Proposal(
        received=dt.datetime.fromisoformat(r["received"]),
        message_id=r["message_id"],
        sender=r["sender"],
        sender_name=r["sender_name"],
        state=r["state"],
        reason=r["reason"],
        action_id=r["action_id"],
        kind=r["kind"],
        words=r["words"],
        status=r["status"],
        due=_day(r["due"]),
        completed_on=_day(r["completed_on"]),
        last_update=_day(r["last_update"]),
        note=r["note"],
        seen=json.loads(r["seen"]),
    )
    return Stored(int(r["id"]), p, r["decided_at"])
