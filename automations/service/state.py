"""The service's memory, in the same state as the send ledger (tables prefixed `service_`).

What is kept: every pass and what it did, the slot each job last completed, the run of
consecutive failed passes, the last error, and the alert and recovery emails sent. `coprod status`
reads only this, so what it says is what the service did, not what it meant to do.
All times are stored as UTC ISO 8601 text.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from automations.core.config import Config
from automations.core.store import Connection, state_error, store_for

_SCHEMA = """
CREATE TABLE IF NOT EXISTS service_passes (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    outcome     TEXT,              -- ok, failed, nothing due
    summary     TEXT,              -- JSON: per job, what it did
    error       TEXT
);
CREATE TABLE IF NOT EXISTS service_jobs (
    job             TEXT PRIMARY KEY,
    done_slot       TEXT,          -- the latest slot this job completed
    last_success_at TEXT,
    last_attempt_at TEXT,
    last_error      TEXT,
    last_error_at   TEXT
);
CREATE TABLE IF NOT EXISTS service_health (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since        TEXT,
    last_error           TEXT,
    last_error_at        TEXT,
    alert_sent_at        TEXT      -- set while an alert is open; cleared by the recovery email
);
CREATE TABLE IF NOT EXISTS service_meta (
    key   TEXT PRIMARY KEY,        -- last_tick_at, serving_since
    value TEXT
);
CREATE TABLE IF NOT EXISTS service_alerts (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,       -- alert, recovery
    sent_at   TEXT NOT NULL,
    failures  INTEGER NOT NULL,
    detail    TEXT
);
"""


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds") if when else None


def _when(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class PassRecord:
    id: int
    started_at: dt.datetime
    finished_at: dt.datetime | None
    outcome: str | None
    summary: dict[str, Any]
    error: str | None


@dataclass(frozen=True)
class JobRecord:
    job: str
    done_slot: dt.datetime | None
    last_success_at: dt.datetime | None
    last_error: str | None
    last_error_at: dt.datetime | None


@dataclass(frozen=True)
class Health:
    consecutive_failures: int = 0
    failing_since: dt.datetime | None = None
    last_error: str | None = None
    last_error_at: dt.datetime | None = None
    alert_sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class AlertRecord:
    kind: str
    sent_at: dt.datetime
    failures: int
    detail: str | None


@dataclass
class State:
    conn: Connection

    # ---------------------------------------------------------------- passes
    def begin_pass(self, now: dt.datetime) -> int:
        with self.conn:
            row = self.conn.execute(
                "INSERT INTO service_passes (started_at) VALUES (?) RETURNING id", (_iso(now),)
            ).fetchone()
        return int(row[0])

    def finish_pass(
        self,
        pass_id: int,
        now: dt.datetime,
        outcome: str,
        summary: dict[str, Any],
        error: str | None,
    ) -> None:
        with self.conn:
            self.conn.execute(
                "UPDATE service_passes SET finished_at = ?, outcome = ?, summary = ?, error = ? "
                "WHERE id = ?",
                (_iso(now), outcome, json.dumps(summary), error, pass_id),
            )

    def passes(self, where: str = "", limit: int = 1000) -> list[PassRecord]:
        """The latest `limit` passes (`where`: a fixed SQL condition), oldest first."""
        rows = self.conn.execute(
            "SELECT id, started_at, finished_at, outcome, summary, error FROM service_passes "
            f"{where} ORDER BY id DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            PassRecord(
                r[0],
                _when(r[1]) or dt.datetime.min,
                _when(r[2]),
                r[3],
                json.loads(r[4]) if r[4] else {},
                r[5],
            )
            for r in rows
        ][::-1]

    def last_pass(self, with_work: bool = False) -> PassRecord | None:
        """The latest finished pass; with_work skips passes that found nothing due."""
        where = "WHERE outcome IS NOT NULL"
        if with_work:
            where += " AND outcome != 'nothing due'"
        found = self.passes(where, limit=1)
        return found[0] if found else None

    # ---------------------------------------------------------------- times
    def touch(self, key: str, now: dt.datetime) -> None:
        """Remember a time (the last tick), so status can tell a live service from a dead one."""
        with self.conn:
            self.conn.execute(
                "INSERT INTO service_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, _iso(now)),
            )

    def time_of(self, key: str) -> dt.datetime | None:
        row = self.conn.execute("SELECT value FROM service_meta WHERE key = ?", (key,)).fetchone()
        return _when(row[0]) if row else None

    # ---------------------------------------------------------------- jobs
    def job(self, name: str) -> JobRecord:
        row = self.conn.execute(
            "SELECT done_slot, last_success_at, last_error, last_error_at FROM service_jobs "
            "WHERE job = ?",
            (name,),
        ).fetchone()
        if not row:
            return JobRecord(name, None, None, None, None)
        return JobRecord(name, _when(row[0]), _when(row[1]), row[2], _when(row[3]))

    def job_done(self, name: str, slot: dt.datetime, now: dt.datetime) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO service_jobs (job, done_slot, last_success_at, last_attempt_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(job) DO UPDATE SET done_slot = excluded.done_slot,"
                " last_success_at = excluded.last_success_at, "
                "last_attempt_at = excluded.last_attempt_at",
                (name, _iso(slot), _iso(now), _iso(now)),
            )

    def job_failed(self, name: str, error: str, now: dt.datetime) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO service_jobs (job, last_attempt_at, last_error, last_error_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT(job) DO UPDATE SET "
                "last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error, "
                "last_error_at = excluded.last_error_at",
                (name, _iso(now), error, _iso(now)),
            )

    # ---------------------------------------------------------------- health and alerts
    def health(self) -> Health:
        row = self.conn.execute(
            "SELECT consecutive_failures, failing_since, last_error, last_error_at, "
            "alert_sent_at FROM service_health WHERE id = 1"
        ).fetchone()
        if not row:
            return Health()
        return Health(row[0], _when(row[1]), row[2], _when(row[3]), _when(row[4]))

    def _save_health(self, h: Health) -> None:
        with self.conn:
            self.conn.execute(
                "INSERT INTO service_health (id, consecutive_failures, failing_since, "
                "last_error, last_error_at, alert_sent_at) VALUES (1, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET "
                "consecutive_failures = excluded.consecutive_failures, "
                "failing_since = excluded.failing_since, last_error = excluded.last_error, "
                "last_error_at = excluded.last_error_at, alert_sent_at = excluded.alert_sent_at",
                (
                    h.consecutive_failures,
                    _iso(h.failing_since),
                    h.last_error,
                    _iso(h.last_error_at),
                    _iso(h.alert_sent_at),
                ),
            )

    def pass_failed(self, error: str, now: dt.datetime) -> Health:
        h = self.health()
        h = Health(h.consecutive_failures + 1, h.failing_since or now, error, now, h.alert_sent_at)
        self._save_health(h)
        return h

    def pass_succeeded(self) -> Health:
        """Reset the failure run; the last error is kept for `coprod status`."""
        h = self.health()
        self._save_health(Health(0, None, h.last_error, h.last_error_at, h.alert_sent_at))
        return self.health()

    def alert_sent(self, kind: str, now: dt.datetime, failures: int, detail: str) -> None:
        h = self.health()
        with self.conn:
            self.conn.execute(
                "INSERT INTO service_alerts (kind, sent_at, failures, detail) VALUES (?, ?, ?, ?)",
                (kind, _iso(now), failures, detail),
            )
        self._save_health(
            Health(
                h.consecutive_failures,
                h.failing_since,
                h.last_error,
                h.last_error_at,
                now if kind == "alert" else None,
            )
        )

    def alerts(self) -> list[AlertRecord]:
        rows = self.conn.execute(
            "SELECT kind, sent_at, failures, detail FROM service_alerts ORDER BY id"
        ).fetchall()
        return [AlertRecord(r[0], _when(r[1]) or dt.datetime.min, r[2], r[3]) for r in rows]


@contextmanager
def open_state(cfg: Config) -> Iterator[State]:
    """The state tables in the board's state (created on first use)."""
    store = store_for(cfg)
    conn = store.connect()
    try:
        if store.kind == "sqlite":
            # Our rows (ticks, pass records) may lose the last moment's writes on a power cut,
            # but need no disk flush on every tick; the send ledger keeps synchronous=FULL.
            conn.execute("PRAGMA synchronous=NORMAL")
        store.create_tables(conn, _SCHEMA)
        yield State(conn)
    except sqlite3.OperationalError as exc:
        # A write that failed mid-pass (the disk filled up) is a StateError naming the folder.
        raise state_error(cfg.state_dir, exc) from None
    finally:
        conn.close()
