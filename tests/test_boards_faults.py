"""Many boards on one real PostgreSQL, with real `run --once --boards` processes
(tests/boards_driver.py, at simulated times) and a real SMTP server counting every copy:

- two, then four processes started together each simulated day: every digest, reminder and pack
  exactly once (3 boards over 5 days here; the issue's 20 boards x 30 days is
  bench/boards_faults.py);
- a process SIGKILLed in the middle of a pass: the next process finishes the work (the one
  message that was with the server unanswered is sent once more, as the ledger allows);
- PostgreSQL restarted (or stopped) in the middle of a pass: that pass fails for the boards it
  had not finished and says so, the next one completes them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.boards_support import add_board
from tests.conftest import PG_PASSWORD_ENV
from tests.smtp_server import FaultServer
from tests.test_service_support import REPO, london

BOARDS = ("cpb", "jpb", "ld")
MEETING = london(2024, 3, 13, 0, 0).date()  # a Wednesday
# 10:05 each day: the check, the digests (08:00), the reminders and the pack (09:00) are due.
# 6 March: the co-chairs' pack; 14 March: the digests; 15 March: a reminder to an action owner.
DAYS = [london(2024, 3, d, 10, 5) for d in (5, 6, 7, 14, 15)]
# Per board: two digests, the pack to two co-chairs, one reminder.
PER_BOARD = {"digest": 2, "pack": 2, "reminder": 1}


def _boards(folder: Path, url: str, port: int, names: tuple[str, ...] = BOARDS) -> None:
    state = f'[state]\nurl = "{url}"\npassword_env = "{PG_PASSWORD_ENV}"\n'
    for name in names:
        add_board(folder, name, MEETING, state=state, extra="[reminders]\n\n[pack]\n",
                  smtp_port=port)  # fmt: skip


def _start(folder: Path, when) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.boards_driver", str(folder), when.isoformat()],
        cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=300)
    assert "Traceback" not in err, err
    return proc.returncode, out, err


def _kinds(copies: dict[tuple[str, str], int], board: str) -> dict[str, int]:
    """How many (message, recipient) pairs of each kind the board sent."""
    found: dict[str, int] = {}
    for mid, _ in copies:
        if f"@{board}.example.org>" in mid:
            kind = mid.strip("<").split(".")[0].removeprefix("coprod-")
            found[kind] = found.get(kind, 0) + 1
    return found


@pytest.mark.parametrize("processes", [2, 4])
def test_several_processes_each_day_send_everything_exactly_once(
    tmp_path: Path, pg_url: str, processes: int
) -> None:
    with FaultServer() as server:
        _boards(tmp_path, pg_url, server.port)
        for when in DAYS:
            procs = [_start(tmp_path, when) for _ in range(processes)]
            results = [_finish(p) for p in procs]
            assert [code for code, _, _ in results] == [0] * processes, results
            for board in ("cpb", "jpb", "ld"):
                lines = [ln for _, out, _ in results for ln in out.splitlines()]
                mine = [ln for ln in lines if ln.startswith(f"{board}: ")]
                assert len(mine) == processes  # every process looked at every board
                assert all(ln.startswith((f"{board}: ok", f"{board}: busy")) for ln in mine)
        copies = server.handler.copies()
    assert set(copies.values()) == {1}  # nothing twice
    for board in BOARDS:
        assert _kinds(copies, board) == PER_BOARD  # nothing lost


def test_a_process_killed_mid_pass_is_finished_by_the_next(tmp_path: Path, pg_url: str) -> None:
    second = threading.Event()
    with FaultServer() as server:
        h = server.handler
        h.after_data, h.after_data_always, h.stall_seconds = ["ok", "stall"], "ok", 30
        h.on_message = lambda mid, rcpts: second.set() if len(h.received) == 2 else None
        _boards(tmp_path, pg_url, server.port, ("cpb", "jpb"))
        first = _start(tmp_path, DAYS[3])  # the digest day
        try:
            assert second.wait(120), first.communicate(timeout=5)
        finally:
            first.kill()  # SIGKILL mid-pass: cpb's second digest is with the server, unanswered
            first.communicate(timeout=30)
        code, out, _ = _finish(_start(tmp_path, DAYS[3]))
        copies = server.handler.copies()
    assert code == 0 and out.startswith("cpb: ok"), out
    assert sorted(copies.values()).count(2) == 1  # the one uncertain send, again, same id
    assert max(copies.values()) == 2
    for board in ("cpb", "jpb"):
        assert _kinds(copies, board) == {"digest": 2}


@pytest.mark.parametrize("fault", ["restarted", "stopped"])
def test_postgresql_lost_mid_pass_fails_the_unfinished_boards_then_the_next_pass_completes(
    tmp_path: Path, pg_url: str, pg_server, fault: str
) -> None:
    arrived = threading.Event()
    with FaultServer() as server:
        h = server.handler
        h.after_data, h.after_data_always, h.stall_seconds = ["stall"], "ok", 5
        h.on_message = lambda mid, rcpts: arrived.set()
        _boards(tmp_path, pg_url, server.port, ("cpb", "jpb"))
        proc = _start(tmp_path, DAYS[3])
        try:
            assert arrived.wait(120)
            # While cpb's first digest awaits its answer: restarted (back before jpb's turn),
            # or stopped until the pass is over.
            pg_server.restart() if fault == "restarted" else pg_server.stop()
            code, out, err = _finish(proc)
        finally:
            if fault == "stopped":
                pg_server.start()
        assert code == 4, out + err
        said = dict(line.split(": ", 1) for line in out.splitlines())
        assert said["cpb"].startswith("BROKEN") and "terminating connection" in said["cpb"]
        assert f"{pg_url} (board cpb) failed" in said["cpb"]
        if fault == "stopped":  # not finished either: it could not start
            assert said["jpb"].startswith("BROKEN") and "Cannot connect" in said["jpb"]
        else:  # the server was back for it
            assert said["jpb"].startswith("ok")
        assert pg_server.password not in out + err  # the variable is named, never its value
        code, out, _ = _finish(_start(tmp_path, DAYS[3]))
        copies = server.handler.copies()
    assert code == 0 and [ln.split(" - ")[0] for ln in out.splitlines()] == ["cpb: ok", "jpb: ok"]
    assert max(copies.values()) == 2 and sorted(copies.values()).count(2) == 1
    for board in ("cpb", "jpb"):
        assert _kinds(copies, board) == {"digest": 2}
