"""The mail fault matrix with real `coprod run --once` processes: killed mid-send, two at once,
a read-only state folder (a read-only bind mount in a private mount namespace) and a state disk
that fills up (a file-size limit, RLIMIT_FSIZE, on the process).

Each case counts what the server received per recipient across the failing run and the healthy
run after it, with the checks of tests/fault_matrix.py, and reads what the person sees: the exit
status and one clear message, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import resource
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from automations.core.config import Config, load_config
from automations.digests import ledger
from tests.builders import write_workbook
from tests.fault_matrix import AUDIENCES, check_recovered, message_id, smtp_toml
from tests.smtp_server import FaultServer
from tests.test_service_support import board_tables, coprod, spawn

ORDER = list(AUDIENCES)  # the order the digests go out in
ARGS = ("run", "--once", "--config", "config.toml")


MEETING = dt.datetime.now(ZoneInfo("Europe/London")).date() - dt.timedelta(days=1)


def due_board(folder: Path, port: int, timeout: float = 2) -> Config:
    """A board whose latest meeting was yesterday (real date), so its digests are due now."""
    folder.mkdir(parents=True, exist_ok=True)
    write_workbook(folder / "board.xlsx", board_tables(MEETING))
    audiences = "".join(
        f'\n[[digest.audiences]]\nname = "{name}"\nrecipients = {list(addrs)!r}\n'.replace("'", '"')
        for name, addrs in AUDIENCES.items()
    )
    (folder / "config.toml").write_text(
        f"""
[source]
kind = "xlsx"
path = "board.xlsx"

[digest]
send_after_days = 1
send_time = "00:00"
{audiences}
{smtp_toml(port, timeout)}""",
        encoding="utf-8",
    )
    return load_config(folder / "config.toml")


def run_once(folder: Path, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, *coprod(*ARGS)], cwd=folder, capture_output=True, text=True, timeout=120
    )


def clean(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text and "unexpected" not in text, text


def rows(cfg: Config) -> dict[str, ledger.RecipientRecord]:
    book = ledger.connect(cfg)
    try:
        return {r.address: r for r in book.records()}
    finally:
        book.close()


def first_of(audience: str) -> str:
    return AUDIENCES[audience][0]


def test_sigkill_after_the_first_digest_and_while_the_second_awaits_its_reply(
    tmp_path: Path,
) -> None:
    second = threading.Event()
    with FaultServer() as server:
        h = server.handler
        h.after_data = ["ok", "stall"]
        h.stall_seconds = 30

        def arrived(mid: str, rcpts: tuple[str, ...]) -> None:
            if len(h.received) == 2:
                second.set()

        h.on_message = arrived
        cfg = due_board(tmp_path, server.port, timeout=20)
        proc = spawn(*ARGS, cwd=tmp_path)
        try:
            assert second.wait(60), proc.communicate(timeout=5)
            # The second digest is with the server, and its answer has not come back yet.
            states = {a: r.state for a, r in rows(cfg).items()}
            assert states[first_of(ORDER[0])] == ledger.SENT
            assert states[first_of(ORDER[1])] == ledger.SENDING
        finally:
            proc.kill()  # SIGKILL: no clean-up of any kind
            proc.communicate(timeout=10)
        h.after_data_always = "ok"
        after = run_once(tmp_path)
        assert after.returncode == 0, after.stderr
        clean(after.stdout, after.stderr)
        copies = check_recovered(h.copies(), meeting=MEETING, uncertain={first_of(ORDER[1])})
    assert copies[first_of(ORDER[0])] == 1  # accepted and recorded: never sent again
    assert copies[first_of(ORDER[1])] == 2  # uncertain: sent once more, same Message-ID
    assert {r.state for r in rows(cfg).values()} == {ledger.SENT}


def test_two_runs_at_once_send_each_recipient_one_copy(tmp_path: Path) -> None:
    with FaultServer() as server:
        due_board(tmp_path, server.port)
        procs = [spawn(*ARGS, cwd=tmp_path) for _ in range(2)]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        copies = check_recovered(server.handler.copies(), meeting=MEETING)
    assert set(copies.values()) == {1}
    assert sorted(code for code, _, _ in results) in ([0, 0], [0, 3]), results
    for _, out, err in results:
        clean(out, err)


def _read_only(folder: Path) -> tuple[str, ...]:
    """Run the command with ``folder`` read-only: a read-only bind mount in a private mount
    namespace (root only), so nothing outside the test sees it."""
    if shutil.which("unshare") is None:
        pytest.fail("the read-only case needs unshare(1) from util-linux")
    script = f'mount --bind "{folder}" "{folder}" && mount -o remount,ro,bind "{folder}" '
    return ("unshare", "-m", "sh", "-c", script + f'"{folder}" && exec "$0" "$@"')


def test_a_read_only_state_folder_stops_the_run_before_anything_is_sent(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg = due_board(tmp_path, server.port)
        cfg.state_dir.mkdir()
        ro = run_once(tmp_path, _read_only(cfg.state_dir))
        assert ro.returncode == 2, (ro.stdout, ro.stderr)
        assert f"The state folder {cfg.state_dir} is read-only" in ro.stderr
        assert "Make the folder writable" in ro.stderr
        clean(ro.stdout, ro.stderr)
        assert server.handler.received == []
        status = subprocess.run(
            [*_read_only(cfg.state_dir), *coprod("status", "--config", "config.toml")],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert status.returncode == 2 and str(cfg.state_dir) in status.stderr
        clean(status.stdout, status.stderr)
        after = run_once(tmp_path)
        assert after.returncode == 0, after.stderr
        copies = check_recovered(server.handler.copies(), meeting=MEETING)
    assert set(copies.values()) == {1}


def _file_size_limit(limit: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_state_disk_stops_the_run_before_anything_is_sent(tmp_path: Path) -> None:
    with FaultServer() as server:
        cfg = due_board(tmp_path, server.port)
        full = subprocess.run(
            coprod(*ARGS),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=_file_size_limit(32 * 1024),  # fewer bytes than a send needs to record
        )
        assert full.returncode == 2, (full.stdout, full.stderr)
        assert f"The disk holding the state folder {cfg.state_dir} is full" in full.stderr
        clean(full.stdout, full.stderr)
        assert server.handler.received == []
        after = run_once(tmp_path)
        assert after.returncode == 0, after.stderr
        copies = check_recovered(server.handler.copies(), meeting=MEETING)
    assert set(copies.values()) == {1}


def test_the_state_disk_fills_up_just_after_a_send(tmp_path: Path) -> None:
    """The limit is set while the server holds the first digest, before it answers 250: the
    "about to send" record is on disk, the "sent" one cannot be written."""
    with FaultServer() as server:
        cfg = due_board(tmp_path, server.port)
        wal = cfg.state_dir / "coprod.sqlite3-wal"
        pids: list[int] = []

        def fill_up(mid: str, rcpts: tuple[str, ...]) -> None:
            if len(server.handler.received) == 1:
                size = wal.stat().st_size + 512  # room for part of one more page only
                resource.prlimit(pids[0], resource.RLIMIT_FSIZE, (size, size))

        server.handler.on_message = fill_up  # set before the run starts: no race
        proc = spawn(*ARGS, cwd=tmp_path)
        pids.append(proc.pid)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 2, (out, err)
        assert f"The disk holding the state folder {cfg.state_dir} is full" in err
        assert "sent once more, with the same Message-ID, on the next run" in err
        clean(out, err)
        first = first_of(ORDER[0])
        assert [r for _, r in server.handler.received] == [(first,)]  # nothing more was sent
        assert rows(cfg)[first].state == ledger.SENDING
        after = run_once(tmp_path)
        assert after.returncode == 0, after.stderr
        clean(after.stdout, after.stderr)
        copies = check_recovered(server.handler.copies(), meeting=MEETING, uncertain={first})
    assert (
        copies[first] == 2 and server.handler.copies()[(message_id(ORDER[0], MEETING), first)] == 2
    )
