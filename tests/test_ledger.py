"""The SQLite send ledger: created on first use, WAL with full syncs, one row per recipient."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from automations.core.config import parse_config
from automations.digests import ledger


def _cfg(tmp_path: Path):  # type: ignore[no-untyped-def]
    return parse_config(
        {"source": {"kind": "xlsx", "path": "board.xlsx"}, "paths": {"state_dir": "deep/state"}},
        tmp_path / "config.toml",
    )


MEETING = dt.date(2024, 3, 6)
NOW = dt.datetime(2024, 3, 7, 8, tzinfo=dt.UTC)


def test_connect_creates_the_state_file_and_records_round_trip(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    book = ledger.connect(cfg)
    assert (tmp_path / "deep" / "state" / "coprod.sqlite3").exists()
    assert book.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert book.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert book.for_audience("HBP", MEETING) == {}
    attempt = ledger.Attempt("HBP", MEETING, "<id@example.org>", "ab" * 32, "smtp", NOW)
    book.about_to_send(attempt, ["hbp@example.org", "two@example.org"])
    book.close()
    # A run that ended after "about to send" leaves rows that the next run counts as uncertain.
    again = ledger.connect(cfg)
    assert {r.state for r in again.records()} == {ledger.SENDING}
    again.settle_interrupted(NOW)
    rows = again.for_audience("HBP", MEETING)
    assert {r.state for r in rows.values()} == {ledger.UNCERTAIN}
    assert all(r.tries == 1 and r.needs_sending() for r in rows.values())
    again.delivered(attempt, ["hbp@example.org"])
    again.uncertain(attempt, ["two@example.org"], "no answer")
    rows = again.for_audience("HBP", MEETING)
    assert rows["hbp@example.org"].state == ledger.SENT
    assert rows["hbp@example.org"].sent_at == NOW
    assert not rows["hbp@example.org"].needs_sending(by_hand=True)
    assert rows["two@example.org"].tries == 2
    assert not rows["two@example.org"].needs_sending()  # an uncertain send is repeated once only
    assert rows["two@example.org"].needs_sending(by_hand=True)
    assert again.for_audience("HBP", dt.date(2024, 4, 3)) == {}


def test_refusals_deferred_and_permanent(tmp_path: Path) -> None:
    book = ledger.connect(_cfg(tmp_path))
    attempt = ledger.Attempt("HBP", MEETING, "<id@example.org>", "ab" * 32, "smtp", NOW)
    book.refused(attempt, "busy@example.org", "451 try later", permanent=False)
    book.refused(attempt, "gone@example.org", "550 no such mailbox", permanent=True)
    rows = book.for_audience("HBP", MEETING)
    assert rows["busy@example.org"].needs_sending()
    assert not rows["gone@example.org"].needs_sending()
    assert rows["gone@example.org"].needs_sending(by_hand=True)
    assert [r.address for r in book.problems(unreported_only=True)] == ["gone@example.org"]
    book.reported(book.problems(unreported_only=True), NOW)
    assert book.problems(unreported_only=True) == []
    # The same refusal again is not news; it stays reported.
    book.refused(attempt, "gone@example.org", "550 no such mailbox", permanent=True)
    assert book.problems(unreported_only=True) == []


def test_the_first_ledger_is_carried_over(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path)
    (tmp_path / "deep" / "state").mkdir(parents=True)
    old = sqlite3.connect(tmp_path / "deep" / "state" / "coprod.sqlite3")
    old.execute(
        "CREATE TABLE digest_sent (audience TEXT, meeting TEXT, message_id TEXT, "
        "recipients TEXT, sent_at TEXT, content_hash TEXT, transport TEXT)"
    )
    old.execute(
        "INSERT INTO digest_sent VALUES (?, ?, ?, ?, ?, ?, ?)",
        ("HBP", "2024-03-06", "<m@x>", json.dumps(["a@example.org"]), NOW.isoformat(), "h", "smtp"),
    )
    old.commit()
    old.close()
    book = ledger.connect(cfg)
    [row] = book.records()
    assert (row.audience, row.address, row.state, row.message_id) == (
        "HBP",
        "a@example.org",
        ledger.SENT,
        "<m@x>",
    )
    assert not book.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'digest_sent'"
    ).fetchone()
