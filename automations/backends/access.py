"""`coprod check-access`: can the service read and write the board's sheet? One line says."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from automations.core.errors import SourceError

if TYPE_CHECKING:
    from automations.core.config import Config


def check_access(cfg: Config) -> tuple[bool, str]:
    """(can write, a line for people; one line per workbook when [source.tabs] puts tabs in
    others). Raises SourceError when one cannot be read."""
    if cfg.source.kind == "microsoft365":
        return _microsoft365(cfg)
    answers = [_google(cfg, None)] if cfg.source.kind == "google" else [_xlsx(cfg.source.path)]
    done = {cfg.source.path, cfg.source.spreadsheet}
    for tab, s in cfg.source.tabs.items():
        if s.path and s.path not in done:
            answers.append(_xlsx(s.path))
        elif s.url and s.url not in done and cfg.source.kind == "google":
            answers.append(_google(cfg, (tab, s.url)))
        done |= {s.path, s.url}
    return all(ok for ok, _ in answers), "\n".join(line for _, line in answers)


def _microsoft365(cfg: Config) -> tuple[bool, str]:
    """The board's file, then each other file [source.tabs] names, once each."""
    from automations.backends import open_source
    from automations.backends.workbooks import BoardSource

    source = open_source(cfg)
    files = [p.source for p in source.parts] if isinstance(source, BoardSource) else [source]
    answers = [f.check_access() for f in files]  # type: ignore[attr-defined]
    return all(ok for ok, _ in answers), "\n".join(line for _, lines in answers for line in lines)


def _google(cfg: Config, other: tuple[str, str] | None) -> tuple[bool, str]:
    from dataclasses import replace

    from automations.backends.google.source import (
        GoogleSheetSource,
        settings_from_config,
        spreadsheet_key,
    )

    settings = settings_from_config(cfg)
    if other is not None:
        key = spreadsheet_key(other[1], f"source.tabs.{other[0]}.url")
        settings = replace(settings, spreadsheet_key=key)
    return GoogleSheetSource(settings).check_access()


def _xlsx(path: Path | None) -> tuple[bool, str]:
    assert path is not None
    if not path.exists():
        raise SourceError(f"The workbook {path} does not exist. Check [source] path in the config.")
    if not os.access(path, os.R_OK):
        raise SourceError(f"The workbook {path} cannot be read: permission denied.")
    # Marks are saved beside the workbook and then moved over it, so the folder must be writable.
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return False, f"Can read {path.name} but cannot write to it or to its folder."
    return True, f"Can read and write {path.name}."
