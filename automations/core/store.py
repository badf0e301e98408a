"""The local SQLite state file. Each owner brings its own tables (the send ledger, the service's
passes and health); this module only knows where the file is and how it is opened."""

from __future__ import annotations

import sqlite3
from pathlib import Path

STATE_FILE = "coprod.sqlite3"


def connect(state_dir: Path) -> sqlite3.Connection:
    """Open (creating if needed) the state file in ``state_dir``, in WAL mode."""
    state_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(state_dir / STATE_FILE, timeout=30)
    # WAL lets `coprod status` read while a pass writes.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn
