"""Where the data shipped with the package lives (schemas, templates, the example config)."""

from __future__ import annotations

import os
from pathlib import Path

from automations.core.errors import ConfigError

_PACKAGE = Path(__file__).resolve().parent.parent  # automations/


def data_path(name: str) -> Path:
    """The repository copy when running from a checkout, else the copy inside the wheel."""
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_data" / name):
        try:
            if candidate.exists():
                return candidate
        except PermissionError:  # a checkout under a folder this user may not enter (/root)
            setting = f"[paths] {SETTING.get(name, name)}"
            raise ConfigError(_cannot_read(candidate, setting)) from None
    raise FileNotFoundError(f"cannot find {name!r} next to the package or inside it")


SETTING = {"sheets_schema": "schema_dir", "templates": "templates_dir"}


def readable_folder(folder: Path, setting: str) -> Path:
    """``folder`` when this user can open it and read its files, else ConfigError naming the
    folder, why, and the setting that can point elsewhere."""
    try:
        is_dir = folder.is_dir()
    except PermissionError:
        raise ConfigError(_cannot_read(folder, setting)) from None
    if not is_dir:
        raise ConfigError(f"{setting}: {folder} is not a folder (or does not exist).")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise ConfigError(_cannot_read(folder, setting))
    return folder


def _cannot_read(folder: Path, setting: str) -> str:
    return (
        f"{setting}: the folder {folder} cannot be read by the user running coprod "
        f"(permission denied on it or on a folder above it). Give that user read access, or "
        f"point {setting} at a copy it can read."
    )
