"""One pass per board at a time: the board's lock, wherever its state is kept.

SQLite state: an exclusive file lock beside the state file (core/store/filelock.py). PostgreSQL
state: an advisory lock on the board's session (core/store/postgres.py), so any number of
machines can run the same boards and each board's pass runs on one of them at a time.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager

from automations.core.config import Config
from automations.core.store import Holder, store_for
from automations.core.store.filelock import (
    LOCK_NAME,
    RETRY_SECONDS,
    current_holder,
    hold_lock,
    lock_path,
)

__all__ = [
    "LOCK_NAME",
    "RETRY_SECONDS",
    "Holder",
    "board_holder",
    "board_lock",
    "command_line",
    "current_holder",
    "hold_lock",
    "lock_path",
]


def board_lock(cfg: Config, command: str) -> AbstractContextManager[Holder]:
    """The board's lock for the `with` block, or LockHeld at once."""
    return store_for(cfg).lock(command)


def board_holder(cfg: Config) -> tuple[bool, Holder | None]:
    """(held, holder) of the board's lock, without disturbing a running copy for long."""
    return store_for(cfg).current_holder()


def command_line() -> str:
    """The command as a person typed it, for the lock record (no secrets are ever arguments)."""
    return " ".join(["coprod", *sys.argv[1:]]) if sys.argv else "coprod"
