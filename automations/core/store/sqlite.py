"""The local SQLite state file. Each owner brings its own tables (the send ledger, the service's
passes and health); this module only knows where the file is, how it is opened, and how a
problem with the folder is told to a person (a StateError naming the folder)."""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from automations.core.errors import StateError

STATE_FILE = "coprod.sqlite3"
# Below this much free space a run stops before sending: recording a send needs a few pages, and
# a disk this full fails soon for everything else too.
MIN_FREE_BYTES = 1024 * 1024
_PROBE_BYTES = 64 * 1024


def connect(state_dir: Path) -> sqlite3.Connection:
    """Open (creating if needed) the state file in ``state_dir``, in WAL mode with full syncs.

    Every commit is on disk when it returns (synchronous=FULL), so the send ledger's "about to
    send" and "sent" records survive a crash or a power cut. Owners that can afford to lose the
    last moment's writes lower it on their own connection.
    """
    with guarded(state_dir):
        state_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(state_dir / STATE_FILE, timeout=30)
        try:
            # WAL lets `coprod status` read while a pass writes.
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
        except BaseException:
            conn.close()
            raise
        return conn


@contextmanager
def guarded(state_dir: Path) -> Iterator[None]:
    """Turn a failure of the state folder (read-only, full, missing) into a StateError."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        raise state_error(state_dir, exc) from None
    except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
        raise StateError(
            f"The state file {state_dir / STATE_FILE} is damaged ({exc}). Move it aside (the "
            "service then starts a new one and may resend the latest digests), or restore it "
            "from a backup."
        ) from None
    except OSError as exc:
        raise state_error(state_dir, exc) from None


def state_error(state_dir: Path, exc: BaseException) -> StateError:
    """A plain message for a state folder the service cannot write to."""
    code = _code(exc)
    if not code and isinstance(exc, sqlite3.Error):
        # SQLite says only "disk I/O error" when a write fails with EFBIG or EIO: find out.
        code = "full" if _over_size_limit(state_dir) else _probe(state_dir)
    if _read_only(state_dir) or code in ("readonly", "auth"):
        return StateError(
            f"The state folder {state_dir} is read-only, so the service cannot record what it "
            "sends. Nothing more was sent. Make the folder writable for the account that runs "
            "the service (or point [paths] state_dir at a writable folder), then run again."
        )
    if code == "full":
        return StateError(
            f"The disk holding the state folder {state_dir} is full (or a file-size limit was "
            "reached), so the service cannot record what it sends. It stopped before sending "
            "anything more. Free some space there, then run again."
        )
    return StateError(
        f"The state folder {state_dir} cannot be used ({exc}). Check that it exists and that "
        "the account that runs the service may write to it, then run again."
    )


def _code(exc: BaseException) -> str:
    if isinstance(exc, sqlite3.Error):
        # sqlite3 error codes are not errno values: 8 SQLITE_READONLY, 13 SQLITE_FULL.
        primary = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        text = str(exc).lower()
        if primary == 13 or "full" in text:
            return "full"
        if primary == 8 or "readonly" in text:
            return "readonly"
        return ""
    number = getattr(exc, "errno", None)
    if number in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return "full"
    if number == errno.EROFS:
        return "readonly"
    return "auth" if number in (errno.EACCES, errno.EPERM) else ""


def _over_size_limit(state_dir: Path) -> bool:
    """True when a file-size limit (ulimit -f, RLIMIT_FSIZE) leaves a state file no room to
    grow: writes past it fail with EFBIG, which SQLite reports as a plain I/O error."""
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    if limit == resource.RLIM_INFINITY:
        return False
    files = [p for p in state_dir.glob(f"{STATE_FILE}*") if p.is_file()]
    return any(p.stat().st_size + _PROBE_BYTES >= limit for p in files)


def _write_probe(probe: Path) -> None:
    """A real write of a few pages, flushed (quotas and file-size limits show up here too),
    then the file removed whatever happened."""
    try:
        with open(probe, "wb") as f:
            f.write(b"\0" * _PROBE_BYTES)
            f.flush()
            os.fsync(f.fileno())
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()


def _probe(state_dir: Path) -> str:
    """What a small write in the folder says now ("full", "readonly", ... or "")."""
    try:
        _write_probe(state_dir / f".coprod-probe.{os.getpid()}")
    except OSError as err:
        return _code(err)
    return ""


def _read_only(state_dir: Path) -> bool:
    folder = next((p for p in (state_dir, *state_dir.parents) if p.exists()), None)
    if folder is None:
        return False
    return bool(os.statvfs(folder).f_flag & os.ST_RDONLY) or not os.access(folder, os.W_OK)


def check_writable(state_dir: Path) -> None:
    """Raise StateError unless ``state_dir`` takes a write now: before any mail goes out, so a
    read-only folder or a full disk stops the run with nothing sent."""
    with guarded(state_dir):
        state_dir.mkdir(parents=True, exist_ok=True)
        if shutil.disk_usage(state_dir).free < MIN_FREE_BYTES:
            raise OSError(errno.ENOSPC, "less than 1 MB free")
        _write_probe(state_dir / f".coprod-write-test.{os.getpid()}")
