"""Owners' answers at scale (issue: "reading 200 answers and applying 100 approved updates to a
10,000-action workbook"), beside the check alone, on one generated board:

    python bench/answers.py                 # 10,000 actions, 200 answers, 5 runs
    python bench/answers.py --actions 1000 --repeat 1

Each run starts from a fresh copy of the workbook and an empty state folder: 200 answers in the
mailbox folder (each a Done button's email; 100 from the action's owner, 100 from another
address, so 100 are matched and written with `apply = "auto"`), then the check alone, the
reading, and the writing (the Updates tab and the 100 answers in one save, its proof and
backup included). Medians are printed; nothing is asserted (timings belong here, not in tests).
Not yet part of run.py's table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from automations import app
from automations.core.config import Config, parse_config
from automations.core.paths import data_path
from automations.inbox import tokens
from automations.inbox.propose import owner_address
from automations.inbox.settings import update_settings
from automations.pipeline import validate
from bench.generate import TODAY, ensure

ANSWERS, MATCHED = 200, 100


def setup(source: Path, folder: Path) -> Config:
    shutil.copy(source, folder / "board.xlsx")
    (folder / "mailbox").mkdir()
    cfg = config(folder)
    drop_answers(cfg, folder / "mailbox")
    return cfg


def config(folder: Path) -> Config:
    book = folder / "board.xlsx"
    example = tomllib.loads(data_path("config.example.toml").read_text(encoding="utf-8"))
    data = {
        "source": {"kind": "xlsx", "path": str(book)},
        "today": TODAY.isoformat(),
        "mail": example["mail"],
        "paths": {"state_dir": str(folder / "state")},
        "updates": {"address": "board-updates@example.org", "apply": "auto", "folder": "mailbox"},
    }
    return parse_config(data, folder / "config.toml")


def drop_answers(cfg: Config, mailbox: Path) -> None:
    s = update_settings(cfg)
    keys = s.keyring()
    board = validate(cfg, TODAY).board
    n = 0
    for action in board.actions.records:
        owner = owner_address(board, action) if action.is_open and action.id else ""
        if not owner:
            continue
        code = tokens.make_token(keys, s.board, action.id or "", owner, "done", TODAY)
        msg = EmailMessage()
        msg["From"] = owner if n < MATCHED else "someone.else@example.org"
        msg["To"] = tokens.plus_address(s.address.addr_spec, code)
        msg["Subject"] = f"Done: {action.id} (ref {code})"
        msg["Message-ID"] = f"<bench-{n}@example.org>"
        msg.set_content("I have done this action. It went to everyone on Monday.\n")
        (mailbox / f"{n}.eml").write_bytes(msg.as_bytes())
        n += 1
        if n == ANSWERS:
            return
    raise SystemExit(f"only {n} open actions with an owner's address; use more actions")


def once(source: Path) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory(prefix="coprod-bench-answers-") as tmp:
        cfg = setup(source, Path(tmp))
        now = dt.datetime.combine(TODAY, dt.time(10), dt.UTC)
        start = time.perf_counter()
        validation = validate(cfg, TODAY)
        check = time.perf_counter() - start
        start = time.perf_counter()
        reading = app.read_answers(cfg, validation, now)
        read = time.perf_counter() - start
        start = time.perf_counter()
        written = app.apply_updates(cfg, validation, now)
        write = time.perf_counter() - start
        assert len(reading.proposals) == ANSWERS and written is not None
        return check, read, write, len(written.applied)


_PEAK = """
import sys, pathlib, datetime as dt
sys.path.insert(0, {repo!r})
from bench.answers import config
from bench.generate import TODAY
from bench.measure import high_water_kb
from automations import app
from automations.pipeline import validate
cfg = config(pathlib.Path({folder!r}))
validation = validate(cfg, TODAY)
now = dt.datetime.combine(TODAY, dt.time(10), dt.UTC)
app.read_answers(cfg, validation, now)
app.apply_updates(cfg, validation, now)
print(high_water_kb())
"""


def peak_mb(source: Path) -> float:
    """Peak resident memory of a fresh process that checks, reads and writes the answers (the
    mailbox filled beforehand, by this process)."""
    import subprocess

    repo = str(Path(__file__).resolve().parent.parent)
    with tempfile.TemporaryDirectory(prefix="coprod-bench-answers-") as tmp:
        setup(source, Path(tmp))
        done = subprocess.run(
            [sys.executable, "-c", _PEAK.format(repo=repo, folder=tmp)],
            capture_output=True, text=True, check=True, timeout=900,
        )  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("COPROD_UPDATES_KEY", secrets.token_urlsafe(32))
    source = ensure(args.actions)
    runs = [once(source) for _ in range(args.repeat)]
    check, read, write = (statistics.median(r[i] for r in runs) for i in range(3))
    print(f"{args.actions:,} actions, {ANSWERS} answers, {runs[0][3]} applied, "
          f"median of {args.repeat}:")  # fmt: skip
    print(f"  check alone           {check:6.2f} s")
    print(f"  reading the answers   {read:6.2f} s")
    print(f"  writing them + tab    {write:6.2f} s")
    print(f"  answers (read+write)  {(read + write) / check:6.2f} x the check alone")
    print(f"  check + answers       {(check + read + write) / check:6.2f} x the check alone")
    from bench.measure import peak_memory_mb

    print(f"  peak memory: check + answers {peak_mb(source):.0f} MB; check + first write-back "
          f"{peak_memory_mb(source, TODAY, write=True):.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
