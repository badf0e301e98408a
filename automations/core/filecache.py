"""Settings files (config.toml, the schemas, checks.toml) parsed once while they are unchanged.

A check reads the schema and checks files twice (checking the config, then checking the board),
the service reads them all on every pass so that an officer's edit applies from the next one,
and every `coprod` command starts by reading them: parsing TOML is about a tenth of a check's
start-up (bench/README.md, "Starting up"). So what a file parsed to is kept, in this process and
on disk, with the file's modification time, size and inode, and used only while all three are
the same: any edit, even one that keeps the size, is read at once. A file changed in the last
two seconds is always parsed and never kept: a file system stamps times by a clock that ticks
every few milliseconds, so a second edit of the same size within one tick would look unchanged
(git treats its "racily clean" files the same way).

The disk copy sits in the user's cache folder (``$COPROD_CACHE_DIR``; else
``$XDG_CACHE_HOME/coprod``; else ``~/.cache/coprod``; ``COPROD_CACHE_DIR=""`` turns it off), a
folder only its owner may write, as pip's and Python's own bytecode caches are. It holds only
what the files say, which the user can read anyway. Anything wrong with it (no home, a read-only
disk, a damaged or foreign entry) means the file is parsed as if there were no cache: it can
make a start faster, never a result different.

Each call gets a fresh copy (a marshal round trip, microseconds), so a caller may change what it
gets without changing what the next caller sees."""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import time
import zlib
from collections.abc import Callable
from pathlib import Path

from automations.core.errors import ConfigError

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from typing import Any

_FORMAT = 1  # changed whenever what an entry holds changes
RECENT_NS = 2_000_000_000  # two seconds
_PARSED: dict[str, tuple[tuple[int, int, int], bytes]] = {}
_NO_FOLDER = Path()
_folder: Path | None = None  # found on first use; _NO_FOLDER: no disk cache


def parsed(path: Path, parse: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """``parse(path)``, or what it gave when the file was as it is now. ``parse`` raises the
    caller's own errors (a missing file, bad TOML): nothing failing is kept."""
    try:
        st = os.stat(path)
    except OSError:
        return parse(path)  # its own message says what is wrong
    if time.time_ns() - st.st_mtime_ns < RECENT_NS:
        return parse(path)  # just changed: another edit may come within the same clock tick
    key, stamp = os.path.abspath(path), (st.st_mtime_ns, st.st_size, st.st_ino)
    kept = _PARSED.get(key)
    blob = kept[1] if kept is not None and kept[0] == stamp else _from_disk(key, stamp)
    if blob is not None:
        _PARSED[key] = (stamp, blob)
        return marshal.loads(blob)  # type: ignore[no-any-return]
    data = parse(path)
    with contextlib.suppress(ValueError):  # a value marshal cannot copy (a TOML date):
        blob = marshal.dumps(data)  # parsed again next time
        _PARSED[key] = (stamp, blob)
        _to_disk(key, stamp, blob)
    return data


def read_checks_file(path: Path) -> dict[str, Any]:
    """The officers' checks.toml as TOML, or ConfigError saying what to fix. Here rather than
    with the loader (model/checks.py) so that a file with every check commented out, as shipped,
    is seen to be empty without loading it."""
    import tomllib  # only when a file is parsed, not read from the cache

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"Cannot read the checks file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not UTF-8 text; save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None


# ---------------------------------------------------------------- the copy on disk


def cache_folder() -> Path | None:
    """The disk cache's folder, made if need be; None when there is none this user can trust."""
    global _folder
    if _folder is None:
        _folder = _usable(_wanted_folder()) or _NO_FOLDER
    return None if _folder is _NO_FOLDER else _folder


def forget() -> None:
    """Forget what this process has kept (the disk copy stays): for a long-lived process told
    to use another cache folder, and for tests."""
    global _folder
    _PARSED.clear()
    _folder = None


def _wanted_folder() -> Path | None:
    own = os.environ.get("COPROD_CACHE_DIR")
    if own is not None:
        return Path(own) if own else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "coprod" if os.path.isabs(base) else None


def _usable(folder: Path | None) -> Path | None:
    """``folder``, made private if missing, when it is this user's and nobody else may write in
    it; otherwise None (an entry someone else wrote is never read)."""
    if folder is None:
        return None
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.stat(folder)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        return None
    return folder


def _entry(folder: Path, key: str) -> Path:
    name = os.path.basename(key)[:60]
    return folder / f"{zlib.crc32(key.encode('utf-8', 'surrogateescape')):08x}-{name}.marshal"


def _from_disk(key: str, stamp: tuple[int, int, int]) -> bytes | None:
    folder = cache_folder()
    if folder is None:
        return None
    try:
        entry = marshal.loads(_entry(folder, key).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None  # none yet, or damaged: parse the file
    if (
        isinstance(entry, tuple)
        and len(entry) == 4
        and entry[:3] == (_FORMAT, key, stamp)
        and isinstance(entry[3], bytes)
    ):
        return entry[3]
    return None  # another file with the same name's checksum, or an older version of this one


def _to_disk(key: str, stamp: tuple[int, int, int], blob: bytes) -> None:
    folder = cache_folder()
    if folder is None:
        return
    target = _entry(folder, key)
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    try:  # written whole, then renamed: a reader sees the old entry or the new, never half
        scratch.write_bytes(marshal.dumps((_FORMAT, key, stamp, blob)))
        os.replace(scratch, target)
    except OSError:
        with contextlib.suppress(OSError):
            scratch.unlink()
