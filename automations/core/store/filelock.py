"""One copy at a time (SQLite state): an exclusive file lock beside the state file.

The kernel holds the lock (fcntl.flock), so it is released however the holder ends, even on a
crash or `kill -9`; the file's text only says who holds it, so a second copy can name them.
The file is never deleted: deleting a lock file lets two processes lock two different files.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from automations.core.errors import LockHeld
from automations.core.store import Holder
from automations.core.store.sqlite import guarded

LOCK_NAME = "coprod.lock"
# A `coprod status` probe holds the lock for microseconds; one short retry lets a real run win.
RETRY_SECONDS = 0.2


def lock_path(state_dir: Path) -> Path:
    return state_dir / LOCK_NAME


def _read_holder(f: IO[str]) -> Holder | None:
    f.seek(0)
    text = f.read().strip()
    if not text:
        return None
    try:
        data = json.loads(text)
        return Holder(
            int(data["pid"]), str(data["host"]), str(data["started_at"]), str(data["command"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def _try_lock(f: IO[str], mode: int) -> bool:
    try:
        fcntl.flock(f.fileno(), mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _open(path: Path) -> IO[str]:
    # A read-only or full state folder is a StateError naming the folder, not a crash.
    with guarded(path.parent):
        path.parent.mkdir(parents=True, exist_ok=True)
        # "a+" creates the file if needed without emptying another holder's record.
        return open(path, "a+", encoding="utf-8")  # closed by the callers


@contextmanager
def hold_lock(state_dir: Path, command: str) -> Iterator[Holder]:
    """Hold the single-instance lock for the `with` block, or raise LockHeld at once."""
    path = lock_path(state_dir)
    f = _open(path)
    try:
        if not (_try_lock(f, fcntl.LOCK_EX) or _retry(f)):
            holder = _holder_soon(f)
            who = holder.describe() if holder else "another copy (it has not said who yet)"
            raise LockHeld(path, holder, who)
        me = Holder(
            os.getpid(),
            socket.gethostname(),
            dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            command,
        )
        with guarded(path.parent):
            f.seek(0)
            f.truncate()
            f.write(json.dumps(me.__dict__))
            f.flush()
        try:
            yield me
        finally:
            f.seek(0)
            f.truncate()
            f.flush()
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    finally:
        f.close()


def _retry(f: IO[str]) -> bool:
    time.sleep(RETRY_SECONDS)
    return _try_lock(f, fcntl.LOCK_EX)


def _holder_soon(f: IO[str]) -> Holder | None:
    # The holder writes its record just after locking; give it a moment to do so.
    for _ in range(5):
        holder = _read_holder(f)
        if holder:
            return holder
        time.sleep(0.05)
    return None


def current_holder(state_dir: Path) -> tuple[bool, Holder | None]:
    """(held, holder) as the kernel sees it now, without disturbing a running copy for long."""
    path = lock_path(state_dir)
    if not path.exists():
        return False, None
    with open(path, encoding="utf-8") as f:
        if _try_lock(f, fcntl.LOCK_SH):
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
            return False, None
        return True, _read_holder(f)
