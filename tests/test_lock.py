"""The single-instance lock, with real processes: two copies never both send, the second says who
holds the lock, and `coprod serve` stops cleanly on SIGTERM and frees the lock."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
from pathlib import Path
from zoneinfo import ZoneInfo

from automations.core.config import Config
from automations.core.errors import LockHeld
from automations.service.lock import current_holder, hold_lock
from tests.test_service_support import (
    Inbox,
    Lines,
    coprod,
    make_board,
    smtp_fixture,  # noqa: F401
    spawn,
)

AUDIENCES = 2


def _board_due_now(folder: Path, port: int) -> Config:
    """A board whose latest meeting was yesterday (real date): its digests are due now."""
    today = dt.datetime.now(ZoneInfo("Europe/London")).date()
    return make_board(folder, today - dt.timedelta(days=1), port=port)


def test_two_run_once_processes_started_together_send_once(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    _board_due_now(tmp_path, port)
    args = ("run", "--once", "--config", "config.toml")
    first, second = spawn(*args, cwd=tmp_path), spawn(*args, cwd=tmp_path)
    results = [(p.wait(timeout=60), *p.communicate()) for p in (first, second)]
    assert len(inbox.subjects()) == AUDIENCES
    # What each copy did itself (a copy that found nothing due also recalls the last pass).
    senders = [out for _, out, _ in results if ": sent" in out.split("The last pass")[0]]
    assert len(senders) == 1, results
    codes = sorted(code for code, _, _ in results)
    # The other copy either found the lock held (3) or ran after and found nothing due (0).
    assert codes in ([0, 0], [0, 3]), results
    if codes == [0, 3]:
        loser = next(err for code, _, err in results if code == 3)
        assert "Another copy of the service is already running" in loser
        assert "run --once" in loser


def test_the_second_copy_names_the_holder_and_does_nothing(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    cfg = _board_due_now(tmp_path, port)
    with hold_lock(cfg.state_dir, "coprod serve (the test)") as me:
        assert current_holder(cfg.state_dir) == (True, me)
        blocked = subprocess.run(
            coprod("run", "--once", "--config", "config.toml"),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert blocked.returncode == 3
    assert f"process {os.getpid()}" in blocked.stderr
    assert "coprod serve (the test)" in blocked.stderr
    assert inbox.subjects() == []
    assert current_holder(cfg.state_dir) == (False, None)
    after = subprocess.run(
        coprod("run", "--once", "--config", "config.toml"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert after.returncode == 0, after.stderr
    assert len(inbox.subjects()) == AUDIENCES


def test_a_lock_held_in_this_process_refuses_a_second_holder(tmp_path: Path) -> None:
    with hold_lock(tmp_path, "first"):
        try:
            with hold_lock(tmp_path, "second"):
                raise AssertionError("two holders at once")
        except LockHeld as exc:
            assert exc.holder is not None and exc.holder.command == "first"
    with hold_lock(tmp_path, "third") as me:
        assert me.command == "third"


def test_serve_stops_cleanly_on_sigterm_and_frees_the_lock(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    cfg = _board_due_now(tmp_path, port)
    server = spawn("serve", "--config", "config.toml", cwd=tmp_path)
    log = Lines(server.stderr)  # type: ignore[arg-type]
    try:
        log.wait_for("serve.started")
        log.wait_for("pass.finished")  # the catch-up pass at start-up has sent the digests
        assert len(inbox.subjects()) == AUDIENCES
        held, holder = current_holder(cfg.state_dir)
        assert held and holder is not None and holder.pid == server.pid
        blocked = subprocess.run(
            coprod("run", "--once", "--config", "config.toml"),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert blocked.returncode == 3 and f"process {server.pid}" in blocked.stderr
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=5) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    log.wait_for("serve.stopped")
    assert current_holder(cfg.state_dir) == (False, None)
    assert len(inbox.subjects()) == AUDIENCES
