"""Backends behind one small protocol (base.Source): read() -> raw tables; write_marks(plan).
Each backend has a folder of its own with the same file names: source.py reads, marks.py writes."""

from __future__ import annotations

from automations.backends.base import Source
from automations.core.config import Config


def open_source(cfg: Config) -> Source:
    if cfg.source.kind == "google":
        from automations.backends.google.source import GoogleSheetSource

        return GoogleSheetSource.from_config(cfg)
    if cfg.source.kind == "microsoft365":
        from automations.backends.microsoft365.source import Microsoft365Source

        return Microsoft365Source.from_config(cfg)
    from automations.backends.xlsx.source import XlsxSource

    assert cfg.source.path is not None
    return XlsxSource(cfg.source.path, cfg)
