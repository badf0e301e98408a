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
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from automations.core.errors import ConfigError

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


def read_checks_file(path: Path) -> dict[str, Any]:
    """The officers' checks.toml as TOML, or ConfigError saying what to fix. Here rather than
    with the loader (model/checks.py) so that a file with every check commented out, as shipped,
    is seen to be empty without loading it."""
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
