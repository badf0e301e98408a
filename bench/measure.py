"""What the benchmark times: validate as a user runs it, the two reading floors, digests, memory.

Every function here does the work once; run.py repeats them, interleaved, and takes medians.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from automations.backends import open_source
from automations.core.config import Config, parse_config
from automations.core.findings import Report
from automations.core.paths import data_path
from automations.model.raw import RawWorkbook
from automations.pipeline import Validation, check, validate

REPO = Path(__file__).resolve().parent.parent


LOCAL_CHECKS = REPO / "bench" / "checks20.toml"  # 20 of the Board's own checks


def config_for(path: Path, today: dt.date, checks: Path | None = None) -> Config:
    """The example config (all three digest audiences switched on) pointed at ``path``; with
    ``checks``, that file as the Board's own checks ([rules] checks_file)."""
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
    if checks is not None:
        data["rules"] = {"checks_file": str(checks)}
    return parse_config(data, None)


def run_validate(cfg: Config, today: dt.date) -> Validation:
    """End to end as `coprod validate` runs it (without write-back): read, build, check."""
    return validate(cfg, today)


def read_raw(cfg: Config) -> RawWorkbook:
    """The workbook as read, so that the check can be timed without the reading."""
    return open_source(cfg).read()


def run_check(raw: RawWorkbook, cfg: Config, today: dt.date) -> Report:
    """pipeline.check alone: schemas and rule settings loaded, board built, every rule run."""
    return check(raw, cfg, today)[1]


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


def digest_renderers(
    cfg: Config, validation: Validation, now: dt.datetime
) -> dict[str, Callable[[], object]]:
    """One step per enabled audience: render its digest for the latest meeting held, with the
    templates already compiled (a sending pass compiles them once for all its emails)."""
    from automations.digests import send as digest

    settings = digest.digest_settings(cfg)
    meeting = digest.latest_held_meeting(validation)
    env = digest.template_env(cfg.templates_dir)

    def step(audience: digest.Audience) -> Callable[[], object]:
        return lambda: digest.render_digest(
            cfg, validation, audience, meeting, now, settings, env
        )

    return {a.name: step(a) for a in settings.audiences if a.enabled}


def render_pass(cfg: Config, validation: Validation, now: dt.datetime) -> int:
    """What a sending pass renders: settings and templates loaded, then every enabled audience's
    digest for the latest meeting held (as digest.send_jobs does, without sending)."""
    from automations.digests import send as digest

    settings = digest.digest_settings(cfg)
    meeting = digest.latest_held_meeting(validation)
    env = digest.template_env(cfg.templates_dir)
    made = [
        digest.render_digest(cfg, validation, a, meeting, now, settings, env)
        for a in settings.audiences
        if a.enabled
    ]
    return len(made)


def write_back_seconds(source: Path, today: dt.date, now: dt.datetime, marked: bool
                       ) -> tuple[float, float]:
    """`coprod validate --write-back` in-process on a fresh copy of ``source``: the check, then
    the marks. ``marked``: the copy already shows these findings (a run with nothing new, which
    writes nothing); otherwise it is the first write-back.

    Returns (the check alone, the check and the write-back), timed one after the other on the
    same copy, so that their ratio compares runs made in the same state of the process: the
    untimed marking of a 100,000-row copy just before leaves the next check up to a fifth
    slower, which a check timed elsewhere does not see."""
    from automations.app import write_back

    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / source.name
        shutil.copy(source, copy)
        cfg = config_for(copy, today)
        if marked:
            write_back(cfg, validate(cfg, today), now)
        gc.collect()
        alone = seconds(lambda: validate(cfg, today))
        gc.collect()
        start = time.perf_counter()
        result = write_back(cfg, validate(cfg, today), now)
        elapsed = time.perf_counter() - start
    if result.changed == marked:
        raise RuntimeError(f"write-back on {source.name}: changed={result.changed}, unexpected")
    return alone, elapsed


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


_PEAK_SCRIPT = """
import datetime as dt, json, pathlib, sys
sys.path.insert(0, {repo!r})
from bench.measure import config_for, high_water_kb, run_validate
today = dt.date.fromisoformat({today!r})
path = pathlib.Path({path!r})
if {write!r}:
    import shutil, tempfile
    from automations.app import write_back
    copy = pathlib.Path(tempfile.mkdtemp()) / path.name
    shutil.copy(path, copy)
    cfg = config_for(copy, today)
    write_back(cfg, run_validate(cfg, today), dt.datetime(2024, 3, 1, 9, 0))
    shutil.rmtree(copy.parent)
elif {run!r}:
    run_validate(config_for(path, today), today)
print(json.dumps({{"peak_kb": high_water_kb()}}))
"""


def high_water_kb() -> int:
    """This process's peak resident memory. VmHWM belongs to the process's own memory map, so
    unlike ru_maxrss it does not inherit the size of the parent that started it."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # elsewhere: the best there is


def peak_memory_mb(path: Path, today: dt.date, run: bool = True, write: bool = False) -> float:
    """Peak resident memory of a fresh Python process that runs validate once (``write``: and
    then the first write-back, on a copy).

    A separate process, so earlier runs leave nothing behind, and resident memory rather than
    tracemalloc, so that memory the Rust reader allocates is counted too."""
    script = _PEAK_SCRIPT.format(repo=str(REPO), today=today.isoformat(), path=str(path), run=run,
                                 write=write)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=600
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["peak_kb"] / 1024


# ---------------------------------------------------------------- whole processes

# The floor process: a fresh interpreter that imports python-calamine and reads every cell.
_FLOOR_SCRIPT = """
import sys
from python_calamine import CalamineWorkbook
wb = CalamineWorkbook.from_path(sys.argv[1])
for name in wb.sheet_names:
    for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
        pass
"""


def _process_env() -> dict[str, str]:
    """The environment a real install runs in: bytecode is cached (an installed package's
    .pyc files are written by pip), so PYTHONDONTWRITEBYTECODE, set on some shells and CI
    runners, is left out; otherwise every run would compile the package's source again."""
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def sample_folder() -> Path:
    """`coprod init` once, into bench/data: the sample board a new user first checks."""
    folder = REPO / "bench" / "data" / "sample"
    if not (folder / "config.toml").exists():
        subprocess.run([sys.executable, "-m", "automations", "init", str(folder)],
                       check=True, capture_output=True, timeout=300)
    return folder


def config_file_for(path: Path, today: dt.date) -> Path:
    """A config.toml beside a copy of the example config, pointed at ``path`` (for the CLI)."""
    folder = path.parent / f"cli-{path.stem}"
    folder.mkdir(exist_ok=True)
    config = folder / "config.toml"
    text = data_path("config.example.toml").read_text(encoding="utf-8")
    text = text.replace('path = "board.xlsx"', f"path = {json.dumps(str(path))}", 1)
    text = f"today = {today.isoformat()}\n{text}"
    # Written only when it changes: a file changed in the last two seconds is always parsed
    # afresh (core/filecache.py), so rewriting it made every start-up run time a first run.
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    return config


def validate_process_seconds(config: Path, settings_cache: bool = True) -> float:
    """`coprod validate --config FILE` as a whole process, as cron or a person starts it: with
    the parsed settings files' cache (core/filecache.py) as any run after the first finds it,
    or, ``settings_cache=False``, with none (COPROD_CACHE_DIR empty), as the very first run."""
    env = None if settings_cache else {"COPROD_CACHE_DIR": ""}
    return _process_seconds([sys.executable, "-m", "automations", "validate", "--config",
                             str(config)], ok=(0, 1), env=env)


def floor_process_seconds(workbook: Path) -> float:
    return _process_seconds([sys.executable, "-c", _FLOOR_SCRIPT, str(workbook)], ok=(0,))


def _process_seconds(
    command: list[str], ok: tuple[int, ...], env: dict[str, str] | None = None
) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, env={**_process_env(), **(env or {})},
                          timeout=600, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        raise RuntimeError(f"{command[-1]}: exit {done.returncode}: {done.stderr[-500:]!r}")
    return elapsed
