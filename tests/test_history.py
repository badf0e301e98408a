"""The daily history of checks: a simulated year over a board that changes month by month, one
record a day with checks every 30 minutes, and a crash in the middle of a write."""

from __future__ import annotations

import datetime as dt
import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import time_machine
from click.testing import CliRunner

from automations.backends.xlsx.source import XlsxSource
from automations.cli import cli
from automations.core.config import load_config
from automations.core.errors import StateError
from automations.core.findings import Report
from automations.core.text import add_months
from automations.model.board import Board
from automations.pipeline import check, validate
from automations.record import history
from automations.service.loop import run_once
from automations.service.state import open_state
from tests.builders import D, member, tables, write_workbook
from tests.test_service_support import london, write_config

YEAR_START = dt.date(2024, 3, 1)
STAGE_BY_QUARTER = ("Initiation", "During", "After completion", "Conclusion")


# ---------------------------------------------------------------- a board that changes


def month_index(day: dt.date) -> int:
    return (day.year - YEAR_START.year) * 12 + day.month - YEAR_START.month


def board_of_month(k: int) -> dict[str, list[dict[str, Any]]]:
    """Month k (0 = March 2024) of the designed year; expected() says what each day shows."""
    data = tables()
    first = add_months(YEAR_START, k)
    actions = []
    for n in range(k + 1):  # one more done action each month
        actions.append(action(f"D{n}", "Done", D(2024, 2, 1), completed=D(2024, 2, 2)))
    for n in range(3):  # open, due long after the year
        actions.append(action(f"F{n}", "Open", D(2026, 1, 1)))
    for n in range(k % 5):  # open and late all month: due the day before the month began
        actions.append(action(f"L{n}", "In progress", first - dt.timedelta(days=1)))
    # A confidential late action never counts (the digests must not hint at it).
    actions.append(action("SECRET", "Open", first - dt.timedelta(days=1), confidential="Yes"))
    data["actions"] = actions
    members = data["members"]
    if k >= 6:  # a resident joins on 1 September 2024
        members.append(member("M16", "Pat Newcomer", "Resident", "Self-representative",
                              Joined=D(2024, 9, 1)))
    if k >= 9:  # the provider leaves on 1 December 2024
        next(m for m in members if m["Member ID"] == "M14")["Left"] = D(2024, 12, 1)
    data["projects"][0]["Stage"] = STAGE_BY_QUARTER[k // 3]
    if k >= 3:  # a second project from June
        data["projects"].append({**data["projects"][0], "Project ID": "P02",
                                 "Title": "Carers' breaks", "Stage": "Pre-initiation"})
    return data


def action(aid: str, status: str, due: dt.date, completed: dt.date | None = None,
           confidential: str = "No") -> dict[str, Any]:
    return {"Action ID": aid, "Raised": D(2024, 1, 31), "Project ID": "P01",
            "Action": f"Action {aid}", "Owner": "M03", "Due": due, "Status": status,
            "Completed on": completed, "Last update": D(2024, 1, 31), "Update": "",
            "Confidential": confidential}


def expected(day: dt.date) -> dict[str, int]:
    k = month_index(day)
    stages = {STAGE_BY_QUARTER[k // 3]: 1}
    if k >= 3:
        stages["Pre-initiation"] = 1
    return {
        "actions.done": k + 1,
        "actions.open": 3 + k % 5,
        "actions.overdue": k % 5,
        "actions.withheld": 1,
        "members.active": 15 + (day >= D(2024, 9, 1)) - (day >= D(2024, 12, 1)),
        "members.Resident": 4 + (day >= D(2024, 9, 1)),
        **{f"stage.{s}": n for s, n in stages.items()},
    }


def year_folder(tmp_path: Path) -> tuple[Path, Any]:
    path = write_config(tmp_path)
    return path, load_config(path)


# ---------------------------------------------------------------- the year


def test_a_simulated_year_of_daily_checks(tmp_path: Path) -> None:
    config_path, cfg = year_folder(tmp_path)
    workbook = tmp_path / "board.xlsx"
    # Every working day for a year, as the service checks (it does not check at weekends).
    every_day = [YEAR_START + dt.timedelta(days=n) for n in range(365)]
    days = [d for d in every_day if d.weekday() < 5]
    raw, month = None, -1
    reports: dict[dt.date, Report] = {}
    for day in days:
        if month_index(day) != month:  # the officers' changes of the month
            month = month_index(day)
            write_workbook(workbook, board_of_month(month))
            raw = XlsxSource(workbook).read()
        with time_machine.travel(london(day.year, day.month, day.day, 9, 0), tick=False):
            board, report = check(raw, cfg, day)
            assert history.record_check(cfg, board, report)
            reports[day] = report
    out = CliRunner().invoke(cli, ["history", "--config", str(config_path), "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [r["day"] for r in rows] == [d.isoformat() for d in days]
    for row in rows:
        day = dt.date.fromisoformat(row["day"])
        for key, value in expected(day).items():
            assert row.get(key, 0) == value, (day, key)
        assert row["findings.error"] == reports[day].counts["error"]
        assert row["recorded_at"] == london(day.year, day.month, day.day, 9).astimezone(
            dt.UTC).isoformat()
    # What `coprod validate` would say on a day, read from the file again, is what was recorded.
    for day in (D(2024, 9, 2), D(2025, 2, 28)):
        write_workbook(workbook, board_of_month(month_index(day)))
        assert rows[days.index(day)]["findings.warning"] == validate(cfg, day).report.counts[
            "warning"]

    since = CliRunner().invoke(cli, ["history", "--config", str(config_path), "--since",
                                     "2025-02-27"])
    lines = since.output.splitlines()
    assert lines[0].split() == ["Day", "Errors", "Warnings", "Info", "Open", "Overdue", "Done",
                                "Members", "Residents", "Carers", "Staff", "Projects"]
    last = lines[2].split()
    want = expected(D(2025, 2, 28))
    assert last[0] == "2025-02-28" and len(lines[1:3]) == 2 and not lines[3]
    assert [int(x) for x in last[4:8]] == [want["actions.open"], want["actions.overdue"],
                                           want["actions.done"], want["members.active"]]
    csv_out = CliRunner().invoke(cli, ["history", "--config", str(config_path), "--format",
                                       "csv", "--since", "2025-02-01"]).output.splitlines()
    header = csv_out[0].split(",")
    assert len(csv_out) == 1 + sum(d >= D(2025, 2, 1) for d in days)
    assert csv_out[-1].split(",")[header.index("actions.overdue")] == str(
        want["actions.overdue"])


def test_one_record_a_day_with_checks_every_30_minutes(tmp_path: Path) -> None:
    write_workbook(tmp_path / "board.xlsx", board_of_month(0))
    cfg = load_config(write_config(
        tmp_path, schedule='check_every_minutes = 30\nworking_hours_start = "08:00"\n'
        'working_hours_end = "10:30"'))
    checks = 0
    for day in (7, 8):  # Thursday and Friday 7 and 8 March 2024
        for slot in range(5):  # 08:00, 08:30 ... 10:00
            when = london(2024, 3, day, 8, 0) + dt.timedelta(minutes=30 * slot)
            with time_machine.travel(when, tick=False):
                result = run_once(cfg)
            assert result.ok
            checks += any(j.job == "check" for j in result.jobs)
            if (day, slot) == (7, 0):  # after the first check, an officer closes five actions
                write_workbook(tmp_path / "board.xlsx", board_of_month(5))
    assert checks == 10
    days = history.load(cfg)
    assert [s.day for s in days] == [D(2024, 3, 7), D(2024, 3, 8)]
    # The day's first check is the one kept, whatever later checks saw.
    assert [s.recorded_at for s in days] == [london(2024, 3, 7, 8), london(2024, 3, 8, 8)]
    assert [s.done for s in days] == [1, 6]  # 7 March: what 08:00 saw, not 08:30 to 10:00
    with open_state(cfg) as state:
        assert sum("check" in p.summary for p in state.passes()) == 10


# ---------------------------------------------------------------- crashes


CRASH = """
import os, signal, sys
from pathlib import Path
from automations.core.config import load_config
from automations.record import history
from automations.pipeline import validate
import datetime as dt

cfg = load_config(Path(sys.argv[1]))
day = dt.date.fromisoformat(sys.argv[2])
v = validate(cfg, day)
conn = history.connect(cfg)
rows = []

def trace(sql):
    # Killed with SIGKILL after some of the day's counts are in, before the commit.
    if sql.startswith("INSERT INTO history_counts"):
        rows.append(sql)
        if len(rows) == 5:
            Path(sys.argv[3]).write_text(str(len(rows)))
            os.kill(os.getpid(), signal.SIGKILL)

conn.set_trace_callback(trace)
history.write(conn, history.snapshot(v.board, v.report), dt.datetime.now(dt.UTC))
print("not killed")
"""


def test_the_history_survives_a_kill_in_the_middle_of_a_write(tmp_path: Path) -> None:
    write_workbook(tmp_path / "board.xlsx", board_of_month(2))
    config_path = write_config(tmp_path)
    cfg = load_config(config_path)
    v = validate(cfg, D(2024, 5, 1))
    assert history.record_check(cfg, v.board, v.report)
    marker = tmp_path / "killed-after"
    done = subprocess.run([sys.executable, "-c", CRASH, str(config_path), "2024-05-02",
                           str(marker)], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert marker.read_text() == "5"  # it died with five counts written and not committed
    conn = sqlite3.connect(cfg.state_dir / "coprod.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT COUNT(*) FROM history_counts WHERE day = '2024-05-02'"
                        ).fetchone() == (0,)
    conn.close()
    assert [s.day for s in history.load(cfg)] == [D(2024, 5, 1)]
    # The next check that day records it in full.
    v2 = validate(cfg, D(2024, 5, 2))
    assert history.record_check(cfg, v2.board, v2.report)
    kept = history.load(cfg)[-1]
    assert kept.day == D(2024, 5, 2) and kept.counts == history.snapshot(v2.board,
                                                                         v2.report).counts


def test_an_error_half_way_through_a_write_leaves_no_part_of_the_day(tmp_path: Path) -> None:
    write_workbook(tmp_path / "board.xlsx", board_of_month(1))
    cfg = load_config(write_config(tmp_path))
    v = validate(cfg, D(2024, 4, 3))
    snap = history.snapshot(v.board, v.report)
    # An injected count that SQLite cannot store, after the day's row and some counts.
    broken = history.Snapshot(snap.day, snap.source, None,
                              {**snap.counts, "zz": {"bad": object()}})  # type: ignore[dict-item]
    conn = history.connect(cfg)
    with pytest.raises(sqlite3.Error):
        history.write(conn, broken, dt.datetime.now(dt.UTC))
    assert conn.execute("SELECT COUNT(*) FROM history_days").fetchone() == (0,)
    assert conn.execute("SELECT COUNT(*) FROM history_counts").fetchone() == (0,)
    conn.close()
    assert history.record_check(cfg, v.board, v.report)
    assert history.load(cfg)[0].overdue == 1


def test_history_before_any_check_says_so_and_makes_no_state_file(tmp_path: Path) -> None:
    write_workbook(tmp_path / "board.xlsx", board_of_month(0))
    path = write_config(tmp_path)
    out = CliRunner().invoke(cli, ["history", "--config", str(path)])
    assert out.exit_code == 0 and "No checks recorded yet" in out.output
    assert not (tmp_path / "state").exists()


def test_a_state_folder_that_cannot_be_used_is_a_clear_message(tmp_path: Path) -> None:
    write_workbook(tmp_path / "board.xlsx", board_of_month(0))
    path = write_config(tmp_path, extra='[paths]\nstate_dir = "state-is-a-file"\n')
    (tmp_path / "state-is-a-file").write_text("not a folder")
    cfg = load_config(path)
    v = validate(cfg, D(2024, 3, 4))
    with pytest.raises(StateError, match="state-is-a-file"):
        history.record_check(cfg, v.board, v.report)
    out = CliRunner().invoke(cli, ["history", "--config", str(path)])
    assert out.exit_code == 2 and "state-is-a-file" in out.output and "Traceback" not in out.output


def test_confidential_means_the_same_here_as_in_the_digests(tmp_path: Path) -> None:
    from automations.digests.context import is_confidential
    from tests.digest_setup import sample

    _, validation = sample(tmp_path)
    board: Board = validation.board
    board.actions.records[0].confidential = None
    board.actions.records[0].raw["confidential"] = "perhaps"  # unreadable: kept in the Board
    board.actions.records[1].confidential = None
    board.actions.records[1].raw["confidential"] = ""
    marks = [history.is_confidential(a) for a in board.actions.records]
    assert marks == [is_confidential(a) for a in board.actions.records]
    assert True in marks and False in marks and marks[0] is True and marks[1] is False
