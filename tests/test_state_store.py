"""The state interface's suite, run on SQLite (the embedded default) and on a real PostgreSQL
server alike (the `state_toml` fixture, tests/conftest.py): the send ledgers, the service's
passes, jobs, health and alerts, the history, the reminders' triggers and the board's lock."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from automations.core.config import Config
from automations.core.errors import LockHeld
from automations.core.store import store_for
from automations.digests import ledger
from automations.digests.pack import TABLE as PACKS
from automations.record import history
from automations.service.lock import board_holder, board_lock
from automations.service.loop import run_once
from automations.service.state import open_state
from tests.test_service_support import london, make_board, outbox

MEETING = dt.date(2024, 2, 28)
NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def _board(tmp_path: Path, state_toml: str) -> Config:
    return make_board(tmp_path, MEETING, extra=state_toml)


def _attempt(audience: str = "HBP", minute: int = 0) -> ledger.Attempt:
    return ledger.Attempt(
        audience, MEETING, "<m@example.org>", "sha", "smtp", NOW + dt.timedelta(minutes=minute)
    )


def test_the_ledger_keeps_each_recipients_state_across_connections(
    tmp_path: Path, state_toml: str
) -> None:
    cfg = _board(tmp_path, state_toml)
    book = ledger.connect(cfg)
    try:
        book.about_to_send(_attempt(), ["a@example.org", "b@example.org"])
        book.delivered(_attempt(minute=1), ["a@example.org"])
    finally:
        book.close()
    again = ledger.connect(cfg)  # a later run: b's send was interrupted
    try:
        again.settle_interrupted(NOW + dt.timedelta(hours=1))
        rows = again.for_audience("HBP", MEETING)
        assert rows["a@example.org"].state == ledger.SENT
        assert rows["a@example.org"].sent_at == NOW + dt.timedelta(minutes=1)
        assert (rows["b@example.org"].state, rows["b@example.org"].tries) == (ledger.UNCERTAIN, 1)
        again.uncertain(_attempt(minute=2), ["b@example.org"], "no reply")
        assert again.for_audience("HBP", MEETING)["b@example.org"].tries == 2
        again.refused(_attempt("Senior Head"), "c@example.org", "550 no such user", True)
        problems = again.problems()
        assert {(r.address, r.state) for r in problems} == {
            ("b@example.org", ledger.UNCERTAIN),
            ("c@example.org", ledger.REFUSED),
        }
        again.reported(problems, NOW)
        assert again.untold() == []
        assert again.problems(unreported_only=True) == []
    finally:
        again.close()


def test_reminders_and_packs_keep_ledgers_of_their_own(tmp_path: Path, state_toml: str) -> None:
    cfg = _board(tmp_path, state_toml)
    for table, audience in ((ledger.REMINDERS, "reminder:ann"), (PACKS, "pack:co-chairs")):
        book = ledger.connect(cfg, table)
        try:
            a = ledger.Attempt(audience, MEETING, "<r@x>", "h", "smtp", NOW, who="Ann")
            book.delivered(a, ["ann@example.org"])
        finally:
            book.close()
    digests = ledger.connect(cfg)
    reminders = ledger.connect(cfg, ledger.REMINDERS)
    try:
        assert digests.records() == []
        [row] = reminders.records()
        assert (row.audience, row.who, row.state) == ("reminder:ann", "Ann", ledger.SENT)
    finally:
        digests.close()
        reminders.close()


def test_the_services_passes_jobs_health_and_alerts(tmp_path: Path, state_toml: str) -> None:
    cfg = _board(tmp_path, state_toml)
    with open_state(cfg) as state:
        first = state.begin_pass(NOW)
        second = state.begin_pass(NOW + dt.timedelta(minutes=5))
        assert second > first
        state.finish_pass(second, NOW + dt.timedelta(minutes=6), "ok", {"check": {"ok": 1}}, None)
        state.touch("last_tick_at", NOW)
        state.touch("last_tick_at", NOW + dt.timedelta(minutes=7))  # an upsert, not a second row
        state.job_failed("digests", "the mail server said no", NOW)
        state.job_done("digests", NOW, NOW + dt.timedelta(minutes=8))
        failed = state.pass_failed("boom", NOW)
        state.alert_sent("alert", NOW, failed.consecutive_failures, "boom")
    with open_state(cfg) as state:  # read back on a new connection
        last = state.last_pass()
        assert last is not None and (last.id, last.summary) == (second, {"check": {"ok": 1}})
        assert state.time_of("last_tick_at") == NOW + dt.timedelta(minutes=7)
        job = state.job("digests")
        assert job.done_slot == NOW and job.last_error == "the mail server said no"
        health = state.health()
        assert (health.consecutive_failures, health.alert_sent_at) == (1, NOW)
        assert state.pass_succeeded().consecutive_failures == 0
        assert [a.kind for a in state.alerts()] == ["alert"]


def test_the_history_keeps_the_first_check_of_each_day(tmp_path: Path, state_toml: str) -> None:
    cfg = _board(tmp_path, state_toml)
    day = history.Snapshot(dt.date(2024, 3, 1), "board.xlsx", counts={"actions": {"open": 3}})
    later = history.Snapshot(dt.date(2024, 3, 1), "board.xlsx", counts={"actions": {"open": 9}})
    conn = history.connect(cfg)
    try:
        assert history.write(conn, day, NOW)
        assert not history.write(conn, later, NOW)  # the day has its record
    finally:
        conn.close()
    [snap] = history.load(cfg)
    assert (snap.day, snap.open, snap.recorded_at) == (dt.date(2024, 3, 1), 3, NOW)


def test_a_week_of_passes_sends_each_digest_once(tmp_path: Path, state_toml: str) -> None:
    cfg = _board(tmp_path, state_toml)
    for day in range(29, 36):  # 29 February to 6 March, each morning and evening
        for hour in (8, 20):
            when = london(2024, 2, 1, hour, 5) + dt.timedelta(days=day - 1)
            assert run_once(cfg, when).ok
    assert sorted(str(m["To"]) for m in outbox(tmp_path)) == [
        "hbp@example.org",
        "senior.head@example.org",
    ]
    days = [dt.date(2024, 2, 29) + dt.timedelta(days=n) for n in range(7)]
    # The checks run on working days only (the default [schedule]): one record each.
    assert [s.day for s in history.load(cfg)] == [d for d in days if d.weekday() < 5]


def test_the_lock_lets_one_copy_in_and_names_it(tmp_path: Path, state_toml: str) -> None:
    cfg = _board(tmp_path, state_toml)
    with board_lock(cfg, "coprod serve (the first)"):
        held, holder = board_holder(cfg)
        assert held and holder is not None and holder.command == "coprod serve (the first)"
        second = store_for(cfg).lock("coprod run --once (the second)")
        with pytest.raises(LockHeld, match=r"coprod serve \(the first\)"), second:
            pass
    assert board_holder(cfg) == (False, None)
    with board_lock(cfg, "the third") as me:
        assert me.command == "the third"


def test_a_killed_holder_frees_the_lock(tmp_path: Path, state_toml: str) -> None:
    cfg = _board(tmp_path, state_toml)
    script = textwrap.dedent(
        f"""
        import sys, time
        from automations.core.config import load_config
        from automations.service.lock import board_lock
        with board_lock(load_config(__import__("pathlib").Path({str(cfg.path)!r})), "holder"):
            print("locked", flush=True)
            time.sleep(600)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeld, match="holder"), board_lock(cfg, "me"):
            pass
    finally:
        child.kill()  # SIGKILL: no clean-up runs in the holder
        child.wait()
    with board_lock(cfg, "me") as me:
        assert me.command == "me"
