"""`coprod init`: a ready-to-run folder with a config and a sample workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .config import ConfigError
from .paths import data_path
from .sample import build_sample


def init_directory(directory: Path, force: bool, today: dt.date) -> list[str]:
    config = directory / "config.toml"
    workbook = directory / "board.xlsx"
    existing = [p for p in (config, workbook) if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise ConfigError(f"{names} already exists; use --force to overwrite.")
    directory.mkdir(parents=True, exist_ok=True)
    config.write_text(
        data_path("config.example.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    build_sample(workbook, today)
    return [
        f"Wrote {config} and a sample workbook {workbook} for a fictional board.",
        f"Next: coprod validate --config {config}",
    ]
