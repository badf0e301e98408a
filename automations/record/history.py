"""The daily history of what the checks found. This module owns the ``history_`` tables of the
state (core/store/).

One record per day at most (the first check of the day writes it; later checks that day find it
there and write nothing), each written in one transaction, so a crash or a power cut leaves
either the whole day or none of it.

A record is a set of counts, (kind, name) -> n:
  findings     error / warning / info
  rule:<sev>   rule id -> how many findings of that severity
  actions      open / overdue / done / dropped / total, confidential actions left out, and
               withheld (how many were left out), so a digest never hints at a confidential one
  members      active, and each Category (Resident, Carer or advocate, ...)
  stage        each project Stage (and "not recorded")
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from automations.core.config import Config
from automations.core.errors import StateError
from automations.core.findings import Report
from automations.core.store import Connection, store_for
from automations.model.board import STAGES, Action, Board
from automations.model.schema import is_blank
from automations.model.tor import STAFF

_SCHEMA = """
CREATE TABLE IF NOT EXISTS history_days (
    day         TEXT PRIMARY KEY,   -- ISO date on the Board's clock
    recorded_at TEXT NOT NULL,      -- UTC ISO 8601, when the check ran
    source      TEXT NOT NULL       -- the workbook or sheet that was checked
);
CREATE TABLE IF NOT EXISTS history_counts (
    day   TEXT NOT NULL REFERENCES history_days(day),
    kind  TEXT NOT NULL,
    name  TEXT NOT NULL,
    n     INTEGER NOT NULL,
    PRIMARY KEY (day, kind, name)
);
"""
NOT_RECORDED = "not recorded"


def is_confidential(action: Action) -> bool:
    """The same test as digests/context.is_confidential (that layer sits above this one; a test
    keeps the two in step): a Confidential cell that could not be read counts as confidential."""
    if action.confidential is None:
        return not is_blank(action.raw.get("confidential"))
    return action.confidential


@dataclass(frozen=True)
class Snapshot:
    day: dt.date
    source: str = ""
    recorded_at: dt.datetime | None = None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def get(self, kind: str, name: str) -> int:
        return self.counts.get(kind, {}).get(name, 0)

    @property
    def overdue(self) -> int:
        return self.get("actions", "overdue")

    @property
    def open(self) -> int:
        return self.get("actions", "open")

    @property
    def done(self) -> int:
        return self.get("actions", "done")

    @property
    def errors(self) -> int:
        return self.get("findings", "error")

    @property
    def warnings(self) -> int:
        return self.get("findings", "warning")

    @property
    def members(self) -> int:
        return self.get("members", "active")

    def voices(self) -> tuple[int, int, int]:
        """Residents, carers or advocates, staff: the three voices the ToR ask to balance."""
        m = self.counts.get("members", {})
        return m.get("Resident", 0), m.get("Carer or advocate", 0), sum(m.get(s, 0) for s in STAFF)

    def flat(self) -> dict[str, object]:
        """One flat mapping (for CSV and JSON): day, recorded_at, source, then kind.name = n."""
        out: dict[str, object] = {
            "day": self.day.isoformat(),
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
            "source": self.source,
        }
        for kind in sorted(self.counts):
            for name, n in sorted(self.counts[kind].items()):
                out[f"{kind}.{name}"] = n
        return out


def snapshot(board: Board, report: Report) -> Snapshot:
    """What one check found, as counts. Pure: the day is the report's day."""
    today = report.today
    counts: dict[str, dict[str, int]] = {"findings": dict(report.counts)}
    for f in report.findings:
        rules = counts.setdefault(f"rule:{f.severity.value}", {})
        rules[f.rule] = rules.get(f.rule, 0) + 1
    counts["actions"] = _actions(board.actions.records, today)
    active = board.active_members(today)
    members = Counter(m.category or NOT_RECORDED for m in active)
    counts["members"] = {"active": len(active), **members}
    stages = Counter(p.stage if p.stage in STAGES else NOT_RECORDED for p in board.projects.records)
    counts["stage"] = dict(stages)
    return Snapshot(day=today, source=report.source, counts=counts)


def _actions(records: list[Action], today: dt.date) -> dict[str, int]:
    shared = [a for a in records if not is_confidential(a)]
    open_ = [a for a in shared if a.is_open]
    return {
        "total": len(shared),
        "open": len(open_),
        "overdue": sum(a.due is not None and a.due < today for a in open_),
        "done": sum(a.is_done for a in shared),
        "dropped": sum(a.state == "dropped" for a in shared),
        "withheld": len(records) - len(shared),
    }


# ---------------------------------------------------------------- the state file


def connect(cfg: Config) -> Connection:
    """The state with the history tables."""
    store = store_for(cfg)
    try:
        conn = store.connect()
        store.create_tables(conn, _SCHEMA)
    except (sqlite3.Error, OSError) as exc:
        raise StateError(f"{store.where()} cannot be used: {exc}") from None
    return conn


def write(conn: Connection, snap: Snapshot, now: dt.datetime) -> bool:
    """Record ``snap`` unless its day already has a record: one transaction, all or nothing.
    True when this call wrote the day."""
    rows = [
        (snap.day.isoformat(), kind, name, n)
        for kind, names in snap.counts.items()
        for name, n in names.items()
    ]
    with conn:  # commits, or rolls back the day's row and every count on any error
        cur = conn.execute(
            "INSERT INTO history_days (day, recorded_at, source) VALUES (?, ?, ?) "
            "ON CONFLICT (day) DO NOTHING",
            (
                snap.day.isoformat(),
                now.astimezone(dt.UTC).isoformat(timespec="seconds"),
                snap.source,
            ),
        )
        if cur.rowcount == 0:
            return False
        conn.executemany(
            "INSERT INTO history_counts (day, kind, name, n) VALUES (?, ?, ?, ?)", rows
        )
    return True


def record_check(cfg: Config, board: Board, report: Report, now: dt.datetime | None = None) -> bool:
    """The service's check job calls this once per check; only the day's first check writes."""
    conn = connect(cfg)
    try:
        return write(conn, snapshot(board, report), now or dt.datetime.now(dt.UTC))
    except sqlite3.Error as exc:
        raise StateError(
            f"could not record today's check in {store_for(cfg).where()}: {exc}. The check "
            "itself was "
            "done; the next check tries again."
        ) from None
    finally:
        conn.close()


def load(cfg: Config, since: dt.date | None = None, until: dt.date | None = None) -> list[Snapshot]:
    """The recorded days from ``since`` to ``until`` (both included), oldest first."""
    store = store_for(cfg)
    if store.kind == "sqlite" and cfg.state_dir.exists() and not cfg.state_dir.is_dir():
        raise StateError(f"the state folder {cfg.state_dir} is a file, not a folder")
    if not store.has_state():
        return []  # nothing recorded yet; reading makes no state file
    low = (since or dt.date.min).isoformat()
    high = (until or dt.date.max).isoformat()
    conn = connect(cfg)
    try:
        days = conn.execute(
            "SELECT day, recorded_at, source FROM history_days WHERE day BETWEEN ? AND ? "
            "ORDER BY day",
            (low, high),
        ).fetchall()
        counts = conn.execute(
            "SELECT day, kind, name, n FROM history_counts WHERE day BETWEEN ? AND ?", (low, high)
        ).fetchall()
    except sqlite3.Error as exc:
        raise StateError(f"could not read the history in {store.where()}: {exc}") from None
    finally:
        conn.close()
    return _snapshots(days, counts)


def _snapshots(days: Iterable[tuple], counts: Iterable[tuple]) -> list[Snapshot]:
    by_day: dict[str, dict[str, dict[str, int]]] = {}
    for day, kind, name, n in counts:
        by_day.setdefault(day, {}).setdefault(kind, {})[name] = n
    return [
        Snapshot(
            dt.date.fromisoformat(day), source, dt.datetime.fromisoformat(at), by_day.get(day, {})
        )
        for day, at, source in days
    ]


def on_or_before(history: list[Snapshot], day: dt.date) -> Snapshot | None:
    """The latest record on or before ``day`` (``history`` oldest first)."""
    found = None
    for snap in history:
        if snap.day > day:
            break
        found = snap
    return found


def month_ends(history: list[Snapshot]) -> dict[tuple[int, int], Snapshot]:
    """(year, month) -> the last record of that month."""
    return {(s.day.year, s.day.month): s for s in history}
