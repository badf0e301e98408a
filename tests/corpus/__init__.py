"""A corpus of messy trackers shaped the way councils keep them (issue 26), each built as a real
.xlsx file by its own module and each with its ground truth as data beside it (NAME.toml): the
right header -> column mapping (and headers that must stay unmapped), the planted problems (rule,
sheet, row) and the rows that are not records. measure.py scores adopt + validate against it."""

from __future__ import annotations

import datetime as dt
import importlib
import tomllib
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
# Every tracker in the corpus, by the name of its builder module and truth file.
TRACKERS = (
    "action_log",
    "membership",
    "project_tabs",
    "google_export",
    "meetings_lists",
    "initials",
    "sharepoint_list",
)


def truth(name: str) -> dict[str, Any]:
    return tomllib.loads((HERE / f"{name}.toml").read_text(encoding="utf-8"))


def build(name: str, folder: Path) -> Path:
    """Write tracker ``name`` into ``folder`` under its file name; returns its path."""
    module = importlib.import_module(f"tests.corpus.{name}")
    path = folder / truth(name)["file"]
    module.build(path)
    return path


def today(name: str) -> dt.date:
    return truth(name)["today"]
