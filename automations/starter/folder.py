"""`coprod init`: a ready-to-run folder with a config and a sample workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from automations.core.paths import data_path
from automations.starter.answer import demo_answer, switch_on
from automations.starter.sample import build_sample


def init_directory(directory: Path, force: bool, today: dt.date) -> list[str]:
    """Write what is missing (everything with force); never overwrite a person's files."""
    config = directory / "config.toml"
    workbook = directory / "board.xlsx"
    directory.mkdir(parents=True, exist_ok=True)
    lines = []
    if force or not config.exists():
        config.write_text(data_path("config.example.toml").read_text(encoding="utf-8"),
                          encoding="utf-8")
        switch_on(config)
        lines.append(f"Wrote {config}.")
    else:
        lines.append(f"Kept the existing {config} (use --force to replace it).")
    if force or not workbook.exists():
        build_sample(workbook, today)
        lines.append(f"Wrote a sample workbook {workbook} for a fictional board.")
    else:
        lines.append(f"Kept the existing {workbook} (use --force to replace it).")
    lines += demo_answer(directory, today)
    lines.append(
        f"Next: coprod validate --config {config}  (check, print findings)\n"
        f"  or: coprod run --once --config {config}  (check, mark the workbook, send digests"
        f" to {directory / 'outbox'})"
    )
    return lines
