"""The state store: one small interface, two backends.

- ``sqlite.py``: the embedded default, one file ``coprod.sqlite3`` in ``[paths] state_dir`` and a
  file lock beside it (``coprod.lock``), exactly as before there was a choice;
- ``postgres.py``: ``[state] url = "postgresql://..."``, for a council running many boards from
  several machines: each board's tables in a PostgreSQL schema of its own, a per-board advisory
  lock, versioned migrations.

Each owner (the send ledger, the service's state, the history, the reminders' triggers, the
answers' proposals in inbox/proposals.py) writes
its own SQL once, in the dialect both backends share: ``?`` placeholders, ``ON CONFLICT ... DO``
upserts, ``RETURNING id`` for new ids. The PostgreSQL connection turns ``?`` into ``%s``; the
owners' ``CREATE TABLE`` scripts run on SQLite only (PostgreSQL's tables come from its numbered
migrations, so a schema change there is recorded and never drops anything).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from automations.core.config import Config
from automations.core.errors import ConfigError
from automations.core.store.sqlite import (
    MIN_FREE_BYTES,
    STATE_FILE,
    check_writable,
    connect,
    guarded,
    state_error,
)

__all__ = [
    "MIN_FREE_BYTES",
    "STATE_FILE",
    "Connection",
    "Holder",
    "Store",
    "check_writable",
    "connect",
    "guarded",
    "state_error",
    "store_for",
]

# Every table a board's state has, in the order an import writes them (a day before its counts).
TABLES = (
    "digest_recipients",
    "reminder_recipients",
    "pack_recipients",
    "answer_recipients",
    "reminder_actions",
    "history_days",
    "history_counts",
    "service_passes",
    "service_jobs",
    "service_health",
    "service_meta",
    "service_alerts",
    "update_proposals",
    "update_messages",
    "update_changes",
    "update_told",
    "update_mailbox",
)


class Cursor(Protocol):
    rowcount: int
    description: Any

    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


class Connection(Protocol):
    """What owners use: sqlite3.Connection's shape. ``with conn:`` is one transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ...) -> Cursor: ...
    def executemany(self, sql: str, rows: Any) -> Any: ...
    def executescript(self, sql: str) -> Any: ...
    def close(self) -> None: ...
    def __enter__(self) -> Any: ...
    def __exit__(self, *exc: object) -> Any: ...


@dataclass(frozen=True)
class Holder:
    """Who holds a board's lock (written by the holder so a second copy can name it)."""

    pid: int
    host: str
    started_at: str  # ISO 8601 with offset
    command: str

    def describe(self) -> str:
        return f"{self.command} (process {self.pid} on {self.host}, since {self.started_at})"


class Store(Protocol):
    """One board's state, wherever it is kept."""

    kind: str  # "sqlite" or "postgresql"
    board: str  # the board's name in the state (PostgreSQL schema suffix; "" for SQLite)

    def where(self) -> str:
        """Where the state is, for messages (a database address never shows its password)."""
        ...

    def connect(self) -> Connection: ...

    def guarded(self) -> AbstractContextManager[None]:
        """Turn a failure of the state (a full disk, a lost database) into a StateError."""
        ...

    def check_writable(self) -> None:
        """Raise StateError unless a send can be recorded now (before any mail goes out)."""
        ...

    def has_state(self) -> bool:
        """True when something was recorded (reading must not create a state file)."""
        ...

    def create_tables(self, conn: Connection, ddl: str) -> None:
        """An owner's CREATE TABLE IF NOT EXISTS script (SQLite); PostgreSQL migrates instead."""
        ...

    def lock(self, command: str) -> AbstractContextManager[Holder]:
        """The board's single-pass lock, or LockHeld at once."""
        ...

    def current_holder(self) -> tuple[bool, Holder | None]: ...

    def table_names(self, conn: Connection) -> set[str]: ...

    def after_import(self, conn: Connection, table: str) -> None:
        """After rows with their ids were written: move the id counter past them."""
        ...


class SqliteStore:
    """The state folder: a SQLite file and a file lock (see sqlite.py)."""

    kind = "sqlite"
    board = ""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir

    def where(self) -> str:
        return f"the state folder {self.state_dir}"

    def connect(self) -> Connection:
        return connect(self.state_dir)

    def guarded(self) -> AbstractContextManager[None]:
        return guarded(self.state_dir)

    def check_writable(self) -> None:
        check_writable(self.state_dir)

    def has_state(self) -> bool:
        return (self.state_dir / STATE_FILE).exists()

    def create_tables(self, conn: Connection, ddl: str) -> None:
        with self.guarded():
            conn.executescript(ddl)

    def lock(self, command: str) -> AbstractContextManager[Holder]:
        from automations.core.store.filelock import hold_lock

        return hold_lock(self.state_dir, command)

    def current_holder(self) -> tuple[bool, Holder | None]:
        from automations.core.store.filelock import current_holder

        return current_holder(self.state_dir)

    def table_names(self, conn: Connection) -> set[str]:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {r[0] for r in rows}

    def after_import(self, conn: Connection, table: str) -> None:
        """SQLite's INTEGER PRIMARY KEY takes max(id) + 1 by itself."""


_STORES: dict[tuple[str, str, str], Any] = {}
_BOARD = re.compile(r"[^a-z0-9]+")


def board_name(cfg: Config) -> str:
    """The board's name in a shared state: [state] board, else the config file's name (its
    folder's name for a file called config.toml), as lower-case letters, digits and _."""
    section = cfg.section("state")
    given = section.text("board")
    if given is None and cfg.path is not None:
        given = cfg.path.parent.name if cfg.path.stem == "config" else cfg.path.stem
    name = _BOARD.sub("_", (given or "board").lower()).strip("_")[:40]
    if not name:
        raise ConfigError('state.board: give the board a name of letters or digits, like "jpb"')
    return name


def forget() -> None:
    """Drop the stores this process made (tests: a new database under the same address)."""
    _STORES.clear()


def store_for(cfg: Config) -> Store:
    """The board's store; one object per board and process, so a pass on PostgreSQL uses the
    one connection that holds the board's lock."""
    section = cfg.section("state")
    url = section.text("url")
    if url is None:
        key = ("sqlite", str(cfg.state_dir), "")
        if key not in _STORES:
            _STORES[key] = SqliteStore(cfg.state_dir)
        return _STORES[key]  # type: ignore[no-any-return]
    from automations.core.store.postgres import PostgresStore, check_url

    check_url(url)
    board = board_name(cfg)
    key = ("postgresql", url, board)
    if key not in _STORES:
        _STORES[key] = PostgresStore(url, board, section.text("password_env"))
    return _STORES[key]  # type: ignore[no-any-return]


def state_settings(cfg: Config) -> None:
    """Check [state] up front (settings.py): its keys, the address, the board's name."""
    section = cfg.section("state")
    section.reject_unknown({"url", "password_env", "board"})
    if section.text("url") is not None:
        from automations.core.store.postgres import check_url

        check_url(section.text("url"))
        board_name(cfg)
    elif section.text("password_env") is not None:
        raise ConfigError("state.password_env: only used with state.url (a PostgreSQL database)")
