"""The SQLite send ledger: created on first use, WAL mode, one row per audience and meeting."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from automations.core.config import parse_config
from automations.digests import ledger


def test_connect_creates_the_state_file_and_records_round_trip(tmp_path: Path) -> None:
    cfg = parse_config(
        {"source": {"kind": "xlsx", "path": "board.xlsx"}, "paths": {"state_dir": "deep/state"}},
        tmp_path / "config.toml",
    )
    conn = ledger.connect(cfg)
    assert (tmp_path / "deep" / "state" / "coprod.sqlite3").exists()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    meeting = dt.date(2024, 3, 6)
    assert ledger.find_sent(conn, "HBP", meeting) is None
    sent = ledger.SentDigest(
        "HBP",
        meeting,
        "<id@example.org>",
        ("hbp@example.org",),
        dt.datetime(2024, 3, 7, 8, tzinfo=dt.UTC),
        "ab" * 32,
        "smtp",
    )
    ledger.record_sent(conn, sent)
    conn.close()
    again = ledger.connect(cfg)
    assert ledger.find_sent(again, "HBP", meeting) == sent
    assert ledger.find_sent(again, "HBP", dt.date(2024, 4, 3)) is None
    ledger.record_sent(again, sent)  # recording twice keeps one row
    assert ledger.all_sent(again) == [sent]
