"""A new user's first run (`coprod init` + `coprod run --once`), as a process: the sample
switches every part on (writing to the outbox only), the pass summary counts in good English,
and a [today] left in the config is said to be ignored by the service (issue 27)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

from automations.rules import catalogue

COPROD = [sys.executable, "-m", "automations"]
KEPT = "tor.actions.completed_on"  # one finding on the sample board (action A006)


def init(tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    subprocess.run([*COPROD, "init", str(folder)], check=True, capture_output=True, timeout=120)
    return folder / "config.toml"


def run_once(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COPROD, "run", "--once", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_first_run_schedules_reminders_and_the_pack(tmp_path: Path) -> None:
    done = run_once(init(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Send action owners their reminders: done." in done.stdout
    assert "Send the co-chairs their follow-up pack: done." in done.stdout
    for job in ("reminders", "pack"):
        line = next(x for x in done.stdout.splitlines() if x.startswith(f"Next {job}:"))
        assert "not scheduled" not in line
        assert str(dt.date.today().year) in line or str(dt.date.today().year + 1) in line
    outbox = tmp_path / "demo" / "outbox"
    assert sorted(p.name.split(".")[0] for p in outbox.glob("*.eml"))  # written, not sent


def test_the_pass_summary_says_one_error_not_one_errors(tmp_path: Path) -> None:
    config = init(tmp_path)
    # Every check off but one, made an error (the reading checks cannot be turned off; the
    # sample gives them nothing to say): the sample board then has exactly one finding.
    offs = "".join(
        f'"{r.id}" = "off"\n'
        for r in catalogue()
        if r.id != KEPT and not r.id.startswith("schema.")
    )
    text = config.read_text().replace("[rules]\n", f'[rules]\n"{KEPT}" = "error"\n{offs}', 1)
    config.write_text(text)
    done = run_once(config)
    assert done.returncode == 0, done.stderr
    assert re.search(r"checked board\.xlsx: 1 error, 0 warnings, 0 for information\.", done.stdout)


def test_today_in_the_config_is_said_to_be_ignored_by_the_service(tmp_path: Path) -> None:
    config = init(tmp_path)
    config.write_text("today = 2025-01-09\n" + config.read_text())
    done = run_once(config)
    assert done.returncode == 0, done.stderr
    assert "today.ignored" in done.stderr and "today=2025-01-09" in done.stderr
    # The check ran for the real day, not the replayed one.
    assert "9 January 2025" not in done.stdout
