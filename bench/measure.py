"""What the benchmark times: validate as a user runs it, the two reading floors, digests, memory.

Every function here does the work once; run.py repeats them, interleaved, and takes medians.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from automations.config import Config, parse_config
from automations.paths import data_path
from automations.pipeline import Validation, validate

REPO = Path(__file__).resolve().parent.parent


def config_for(path: Path, today: dt.date) -> Config:
    """The example config (all three digest audiences switched on) pointed at ``path``."""
    example = tomllib.loads(data_path("config.example.toml").read_text(encoding="utf-8"))
    digest = example.get("digest", {})
    for audience in digest.get("audiences", []):
        audience["enabled"] = True
    data: dict[str, Any] = {
        "source": {"kind": "xlsx", "path": str(path)},
        "today": today.isoformat(),
        "digest": digest,
        "mail": example.get("mail", {}),
    }
    return parse_config(data, None)


def run_validate(cfg: Config, today: dt.date) -> Validation:
    """End to end as `coprod validate` runs it (without write-back): read, build, check."""
    return validate(cfg, today)


def read_openpyxl(path: Path) -> int:
    """The openpyxl floor: read-only mode, every cell of every tab, values as last calculated."""
    wb = load_workbook(path, read_only=True, data_only=True)
    cells = 0
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                cells += len(row)
    finally:
        wb.close()
    return cells


def read_calamine(path: Path) -> int:
    """The python-calamine floor: every cell of every tab as Python values."""
    wb = CalamineWorkbook.from_path(str(path))
    cells = 0
    try:
        for name in wb.sheet_names:
            for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
                cells += len(row)
    finally:
        wb.close()
    return cells


def render_digests(cfg: Config, validation: Validation, now: dt.datetime) -> int:
    """Every enabled audience's digest for the latest meeting held; returns the bytes made."""
    from automations import digest

    settings = digest.digest_settings(cfg)
    meeting = digest.latest_held_meeting(validation)
    size = 0
    for audience in settings.audiences:
        if audience.enabled:
            rendered = digest.render_digest(cfg, validation, audience, meeting, now, settings)
            size += len(rendered.text) + len(rendered.html)
    return size


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


_PEAK_SCRIPT = """
import datetime as dt, json, resource, sys
sys.path.insert(0, {repo!r})
from bench.measure import config_for, run_validate
today = dt.date.fromisoformat({today!r})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if {run!r}:
    run_validate(config_for(__import__("pathlib").Path({path!r}), today), today)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"before_kb": before, "peak_kb": after}}))
"""


def peak_memory_mb(path: Path, today: dt.date, run: bool = True) -> float:
    """Peak resident memory (ru_maxrss) of a fresh Python process that runs validate once.

    A separate process, so earlier runs leave nothing behind, and resident memory rather than
    tracemalloc, so that memory the Rust reader allocates is counted too."""
    script = _PEAK_SCRIPT.format(repo=str(REPO), today=today.isoformat(), path=str(path), run=run)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_kb"] / 1024
