"""`coprod state export` / `coprod state import`: a board's whole state as one JSON file, to move
it between SQLite and PostgreSQL (either way) without a digest being sent twice.

Everything moves: the send ledgers (so what was sent stays sent), the reminders' triggers, the
history, the service's passes, jobs (each job's last slot done, so nothing falls due again),
health and alerts, and the owners' answers (waiting proposals stay waiting, a message read stays
read, the cells written stay recorded, a thank-you sent stays sent). Both ends run under the
board's lock, so no pass writes half way through; an import goes into an empty state only, in
one transaction (all of it, or nothing).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from automations.core.config import Config
from automations.core.errors import ConfigError, StateError
from automations.core.store import TABLES, Connection, Store, board_name, store_for
from automations.digests import ledger
from automations.digests.pack import TABLE as PACKS
from automations.record import history
from automations.service.lock import board_lock, command_line
from automations.service.state import open_state

FORMAT = "coprod-state"
VERSION = 1
# Rows here mean the state is in use: an import would mix two boards' records.
IN_USE = ("digest_recipients", "reminder_recipients", "pack_recipients", "answer_recipients",
          "history_days", "service_passes", "service_jobs", "update_proposals",
          "update_messages")  # fmt: skip


def _ensure_tables(cfg: Config) -> None:
    """Every owner's tables exist (SQLite makes them on first use; PostgreSQL migrates)."""
    from automations.digests.answers import ANSWERS
    from automations.digests.reminders import _Book
    from automations.inbox.proposals import Proposals

    for table in (ledger.DIGESTS, PACKS, ANSWERS):
        ledger.connect(cfg, table).close()
    _Book(cfg).close()  # the reminders' ledger and triggers
    history.connect(cfg).close()
    Proposals(cfg).close()  # the answers' tables
    with open_state(cfg):
        pass


def _dump(store: Store, conn: Connection) -> dict[str, Any]:
    present = store.table_names(conn)
    tables = {}
    for table in TABLES:
        if table not in present:
            continue
        with store.guarded():
            cur = conn.execute(f"SELECT * FROM {table}")  # names from TABLES, never from input
            rows = cur.fetchall()
            columns = [d[0] for d in cur.description]
        tables[table] = {"columns": columns, "rows": [list(r) for r in rows]}
    return tables


def export_state(cfg: Config, out: Path) -> dict[str, int]:
    """Write the board's state to ``out``; the number of rows per table."""
    _ensure_tables(cfg)
    store = store_for(cfg)
    with board_lock(cfg, command_line()):
        conn = store.connect()
        try:
            tables = _dump(store, conn)
        finally:
            conn.close()
    data = {
        "format": FORMAT,
        "version": VERSION,
        "board": board_name(cfg),
        "exported_from": store.where(),
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tables": tables,
    }
    try:
        out.write_text(json.dumps(data, indent=1), encoding="utf-8")
    except OSError as exc:
        raise StateError(f"could not write {out}: {exc.strerror or exc}") from None
    return {t: len(v["rows"]) for t, v in tables.items()}


def read_export(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"no state export at {path}") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"{path} is not a state export from `coprod state export`: {exc}"
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{path} is not a state export from `coprod state export`")
    if data.get("version") != VERSION:
        raise ConfigError(
            f"{path} is a state export of version {data.get('version')}; this copy of coprod "
            f"reads version {VERSION}: export it again with this version"
        )
    unknown = set(data.get("tables", {})) - set(TABLES)
    if unknown:
        raise ConfigError(
            f"{path} has tables this copy does not know: {', '.join(sorted(unknown))}"
        )
    return data


def import_state(cfg: Config, path: Path) -> dict[str, int]:
    """Load an export into the board's state, which must be empty; rows per table."""
    data = read_export(path)
    _ensure_tables(cfg)
    store = store_for(cfg)
    with board_lock(cfg, command_line()):
        conn = store.connect()
        try:
            _refuse_if_in_use(store, conn)
            with store.guarded(), conn:
                for table in TABLES:  # in order: a day before its counts
                    part = data["tables"].get(table)
                    if part and part["rows"]:
                        _load(conn, table, part["columns"], part["rows"])
                        store.after_import(conn, table)
        finally:
            conn.close()
    return {t: len(v["rows"]) for t, v in data["tables"].items()}


def _refuse_if_in_use(store: Store, conn: Connection) -> None:
    for table in IN_USE:
        with store.guarded():
            row = conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
        if row:
            raise StateError(
                f"{store.where()} already has records ({table}). Import only into a new, empty "
                "state, so two histories are never mixed: point the config at a new database "
                "or board name (or a new state folder), then import again."
            )


def _load(conn: Connection, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    cur = conn.execute(f"SELECT * FROM {table} LIMIT 0")
    known = {d[0] for d in cur.description}
    if not set(columns) <= known:  # the file's column names go into SQL: only ours
        extra = ", ".join(sorted(set(columns) - known))
        raise ConfigError(f"the export's table {table} has columns this state lacks: {extra}")
    names = ", ".join(f'"{c}"' for c in columns)  # quoted: `column` is reserved in PostgreSQL
    marks = ", ".join("?" for _ in columns)
    conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
