"""Owner reminders under the digests' fault cases, with real `coprod run --once` processes and a
real SMTP server on 127.0.0.1: two runs at once, a run killed while the server holds a reminder
and has not answered, and what `coprod status` and `coprod remind --preview` show."""

from __future__ import annotations

import datetime as dt
import subprocess
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

from automations.core.config import Config, load_config
from automations.digests import ledger
from automations.service.status import render_status, status
from tests.builders import tables, write_workbook
from tests.fault_matrix import smtp_toml
from tests.smtp_server import FaultServer
from tests.test_reminders import action
from tests.test_service_support import coprod, spawn

ARGS = ("run", "--once", "--config", "config.toml")
# The service follows the real clock; quiet days are off here so the test passes on any day.
TODAY = dt.datetime.now(ZoneInfo("Europe/London")).date()
OWNERS = ("m03@example.org", "m04@example.org")


def due_board(folder: Path, port: int, timeout: float = 2) -> Config:
    data = tables()
    due = TODAY + dt.timedelta(days=3)
    data["actions"] = [
        action("A1", "M03", "Draft the survey questions", due),
        action("A2", "M04", "Try the new leaflet", due),
        action("A3", "M03", "Book the room", due + dt.timedelta(days=20)),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    write_workbook(folder / "board.xlsx", data)
    (folder / "config.toml").write_text(
        f"""
[source]
kind = "xlsx"
path = "board.xlsx"

[reminders]
send_time = "00:00"
quiet_days = false
officers_copy = "Board officers <officers@example.org>"

{smtp_toml(port, timeout)}""",
        encoding="utf-8",
    )
    return load_config(folder / "config.toml")


def reminder_copies(server: FaultServer) -> dict[str, list[str]]:
    """The reminder Message-IDs each owner received (digests, if any, left out)."""
    out: dict[str, list[str]] = {}
    for mid, rcpts in server.handler.received:
        if mid.startswith("<coprod-reminder."):
            for r in rcpts:
                out.setdefault(r, []).append(mid)
    return out


def run_once(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(coprod(*ARGS), cwd=folder, capture_output=True, text=True, timeout=120)


def test_two_runs_at_once_send_each_owner_one_reminder(tmp_path: Path) -> None:
    with FaultServer() as server:
        due_board(tmp_path, server.port)
        procs = [spawn(*ARGS, cwd=tmp_path) for _ in range(2)]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        again = run_once(tmp_path)
    assert sorted(code for code, _, _ in results) in ([0, 0], [0, 3]), results
    copies = reminder_copies(server)
    assert sorted(copies) == list(OWNERS)
    assert [len(v) for v in copies.values()] == [1, 1]
    assert again.returncode == 0 and "Traceback" not in again.stderr


def test_killed_while_the_server_holds_a_reminder_then_sent_once_more(tmp_path: Path) -> None:
    second = threading.Event()
    with FaultServer() as server:
        h = server.handler
        h.after_data = ["ok", "stall"]
        h.stall_seconds = 30
        h.on_message = lambda mid, rcpts: len(h.received) == 2 and second.set()
        cfg = due_board(tmp_path, server.port, timeout=20)
        proc = spawn(*ARGS, cwd=tmp_path)
        try:
            assert second.wait(60), proc.communicate(timeout=5)
        finally:
            proc.kill()  # SIGKILL between the hand-over and the reply
            proc.communicate(timeout=10)
        h.after_data_always = "ok"
        after = run_once(tmp_path)
        assert after.returncode == 0, after.stderr
        assert "Traceback" not in after.stdout + after.stderr
        last = run_once(tmp_path)
    copies = reminder_copies(server)
    assert len(copies[OWNERS[0]]) == 1  # accepted and recorded: never again
    assert len(copies[OWNERS[1]]) == 2  # uncertain: once more, with the same Message-ID
    assert len(set(copies[OWNERS[1]])) == 1
    book = ledger.connect(cfg, ledger.REMINDERS)
    try:
        assert {r.state for r in book.records()} == {ledger.SENT}
    finally:
        book.close()
    assert "Nothing was due" in last.stdout and "Next reminders:" in last.stdout
    shown = render_status(status(cfg))
    assert "send action owners their reminders" in shown


def test_remind_preview_writes_files_and_sends_nothing(tmp_path: Path) -> None:
    with FaultServer() as server:
        due_board(tmp_path, server.port)
        done = subprocess.run(
            coprod("remind", "--preview", "preview", "--config", "config.toml"),
            cwd=tmp_path, capture_output=True, text=True, timeout=120,
        )
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in (tmp_path / "preview").iterdir())
    assert written == [f"reminder-{TODAY.isoformat()}-{m}.{ext}"
                       for m in ("m03", "m04") for ext in ("eml", "html")]
    assert server.handler.received == []
    assert not (tmp_path / "state").exists() or not list((tmp_path / "state").glob("*remind*"))


def test_remind_send_says_when_reminders_are_off(tmp_path: Path) -> None:
    due_board(tmp_path, 25)
    config = tmp_path / "config.toml"
    config.write_text(config.read_text().replace("[reminders]\n", "[reminders]\nenabled = false\n"))
    done = subprocess.run(coprod("remind", "--send", "--config", "config.toml"),
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done
    assert "reminders: switched off. They need a [reminders] section" in done.stderr
    assert "Traceback" not in done.stderr
