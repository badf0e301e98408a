"""Backends behind one small protocol (base.Source): read() -> raw tables; write_marks(plan).
Each backend has a folder of its own with the same file names: source.py reads, marks.py writes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from automations.backends.base import Source
from automations.backends.workbooks import board_source
from automations.core.config import Config


def open_source(cfg: Config) -> Source:
    if cfg.source.kind == "google":
        return _google(cfg)
    if cfg.source.kind == "microsoft365":
        from automations.backends.microsoft365.source import Microsoft365Source

        return Microsoft365Source.from_config(cfg)
    from automations.backends.xlsx.source import XlsxSource

    assert cfg.source.path is not None
    main = XlsxSource(cfg.source.path, cfg)
    return board_source(
        cfg.source.tabs,
        main,
        str(cfg.source.path.resolve()),
        lambda tab, s: str(s.path.resolve()) if s.path else None,
        lambda place: XlsxSource(Path(place), cfg),
    )


def _google(cfg: Config) -> Source:
    from automations.backends.google.source import (
        GoogleSheetSource,
        settings_from_config,
        spreadsheet_key,
    )

    settings = settings_from_config(cfg)
    return board_source(
        cfg.source.tabs,
        GoogleSheetSource(settings),
        settings.spreadsheet_key,
        lambda tab, s: spreadsheet_key(s.url, f"source.tabs.{tab}.url") if s.url else None,
        lambda key: GoogleSheetSource(replace(settings, spreadsheet_key=key)),
    )
