"""Backends behind one small protocol (base.Source): read() -> raw tables; write_marks(plan).
Each backend has a folder of its own with the same file names: source.py reads, marks.py writes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from automations.backends.workbooks import board_source
from automations.core.config import Config, TabSource

TYPE_CHECKING = False  # typing.TYPE_CHECKING at run time, without loading typing (start-up)
if TYPE_CHECKING:
    from automations.backends.base import Source


def open_source(cfg: Config) -> Source:
    if cfg.source.kind == "google":
        return _google(cfg)
    if cfg.source.kind == "microsoft365":
        return _microsoft365(cfg)
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


def _microsoft365(cfg: Config) -> Source:
    """The board's workbook in Microsoft 365 and the files [source.tabs.<Tab>] keeps tabs in
    (drive_id and item_id, or sharing_url): each read once, marked with its own findings."""
    from automations.backends.microsoft365.source import Microsoft365Source, file_place

    main = Microsoft365Source.from_config(cfg)
    keys: dict[str, str] = {}  # where a file is -> the first tab whose settings name it

    def place(tab: str, s: TabSource) -> str | None:
        where = file_place(s.drive_id, s.item_id, s.sharing_url)
        if where is not None:
            keys.setdefault(where, tab)
        return where

    def make(where: str) -> Source:
        s = cfg.source.tabs[keys[where]]
        other = replace(cfg.source, drive_id=s.drive_id, item_id=s.item_id,
                        sharing_url=s.sharing_url, tabs={})
        # One client (its sign-in and retries) for every file; one record of the files read.
        return Microsoft365Source(main.settings, other, cfg, main.client,
                                  key=f"source.tabs.{keys[where]}", seen=main.seen)

    here = file_place(cfg.source.drive_id, cfg.source.item_id, cfg.source.sharing_url)
    assert here is not None  # [source] always names the workbook (core/config.py)
    return board_source(cfg.source.tabs, main, here, place, make)
