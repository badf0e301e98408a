"""A settings file parsed once per process while it is unchanged. A check reads the schema and
checks files twice (checking the config, then checking the board) and the service reads them on
every pass so that an officer's edit applies from the next one: parsing each again only when its
modification time, size or inode has changed keeps both true at half the cost.

Each call gets a fresh copy (a marshal round trip, a few microseconds), so a caller may change
what it gets without changing what the next caller sees."""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PARSED: dict[str, tuple[tuple[int, int, int], bytes]] = {}


def parsed(path: Path, parse: Callable[[Path], dict[str, Any]]) -> dict[str, Any]:
    """``parse(path)``, or what it gave last time when the file has not changed since. ``parse``
    raises the caller's own errors (a missing file, bad TOML): nothing failing is kept."""
    try:
        st = os.stat(path)
    except OSError:
        return parse(path)  # its own message says what is wrong
    key, stamp = str(path), (st.st_mtime_ns, st.st_size, st.st_ino)
    kept = _PARSED.get(key)
    if kept is not None and kept[0] == stamp:
        return marshal.loads(kept[1])  # type: ignore[no-any-return]
    data = parse(path)
    with contextlib.suppress(ValueError):  # a value marshal cannot copy (a TOML date):
        _PARSED[key] = (stamp, marshal.dumps(data))  # parsed again next time
    return data
