"""The owners' answers in the board's state (inbox/proposals.py), run on SQLite and on a real
PostgreSQL server alike (the `state_toml` fixture, tests/conftest.py): messages read once,
proposals and what became of them, the cells written in order, what the officers were told and
the mailbox's health; then the answers carried forward from the previous PostgreSQL schema
version, an older SQLite file's changes numbered in place, and `coprod state export` / `import`
moving waiting answers between the two backends."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from automations.cli import cli
from automations.core.config import Config
from automations.core.store import STATE_FILE, postgres
from automations.digests import ledger
from automations.inbox.proposals import Proposals
from automations.inbox.propose import Proposal
from tests.conftest import PG_PASSWORD_ENV
from tests.test_service_support import make_board

MEETING = dt.date(2024, 2, 28)
NOW = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)


def _answer(n: int, state: str = "waiting", action: str = "A-1", **more: object) -> Proposal:
    return Proposal(
        received=NOW + dt.timedelta(minutes=n),
        message_id=f"<answer-{n}@example.org>",
        sender="cara@example.org",
        sender_name="Cara",
        state=state,
        action_id=action,
        kind="more_time",
        words=f"answer {n}: by 20 January, 100% sure",  # a % must survive PostgreSQL's escaping
        due=dt.date(2025, 1, 20),
        note="by 20 January",
        seen={"Due": "2024-12-01", "Status": "Started"},
        **more,  # type: ignore[arg-type]
    )


def test_answers_are_read_once_and_kept_with_what_became_of_them(
    tmp_path: Path, state_toml: str
) -> None:
    cfg = make_board(tmp_path, MEETING, extra=state_toml)
    with Proposals(cfg) as book:
        first, second = book.add_all([_answer(1), _answer(2, "unmatched", reason="forged")])
        assert second > first
        assert book.seen("<answer-1@example.org>") and not book.seen("<answer-9@example.org>")
        book.decide(first, "rejected", "rejected by an officer", NOW)
    with Proposals(cfg) as book:  # a later pass, a new connection
        stored = book.all()
        assert [(s.id, s.proposal.state) for s in stored] == [
            (first, "rejected"),
            (second, "unmatched"),
        ]
        p = stored[0].proposal
        assert p == _answer(1, "rejected", reason="rejected by an officer")
        assert stored[0].decided_at == NOW.isoformat()
        assert [s.id for s in book.all(("unmatched",))] == [second]
        assert book.counts() == {"rejected": 1, "unmatched": 1}


def test_the_cells_written_are_kept_in_the_order_they_were_written(
    tmp_path: Path, state_toml: str
) -> None:
    cfg = make_board(tmp_path, MEETING, extra=state_toml)
    with Proposals(cfg) as book:
        older, newer = book.add_all([_answer(1), _answer(2)])
        stored = {s.id: s for s in book.all()}
        # The newer answer approved first, the older one a day later: the older one's value is
        # the one last written, whatever the ids say.
        book.record_all([(stored[newer], [("Due", "2024-12-01", "2025-01-20")])], "auto", NOW)
        later = NOW + dt.timedelta(days=1)
        changes = [("Due", "2025-01-20", "2025-02-01"), ("Status", "Started", "Done")]
        book.record_all([(stored[older], changes)], "by an officer", later)
    with Proposals(cfg) as book:
        assert book.last_written("A-1", "Due") == "2025-02-01"
        assert book.last_written("A-1", "Status") == "Done"
        assert book.last_written("A-2", "Due") is None
        assert [(c["answer"], c["column"], c["new"]) for c in book.changes()] == [
            (newer, "Due", "2025-01-20"),
            (older, "Due", "2025-02-01"),
            (older, "Status", "Done"),
        ]
        [one, two] = book.all()
        assert one.proposal.state == two.proposal.state == "applied"
        assert [w["column"] for w in one.written] == ["Due", "Status"]
        assert one.as_json()["written"][1] == {
            "column": "Status",
            "old": "Started",
            "new": "Done",
            "asked_by": "cara@example.org",
            "approved_by": "by an officer",
            "at": later.isoformat(),
        }


def test_what_the_officers_were_told_and_the_mailboxs_health(
    tmp_path: Path, state_toml: str
) -> None:
    cfg = make_board(tmp_path, MEETING, extra=state_toml)
    with Proposals(cfg) as book:
        assert book.untold("waiting", [1, 2, 3]) == [1, 2, 3]
        book.told("waiting", [1, 2], NOW)
        book.told("waiting", [2, 3], NOW)  # told again: no second row, no error
        assert book.untold("waiting", [1, 2, 3, 4]) == [4]
        assert book.untold("unmatched", [1]) == [1]
        assert book.mailbox_read("the login was refused", NOW) == 1
        later = NOW + dt.timedelta(hours=1)
        assert book.mailbox_read("the server did not answer", later) == 2
        assert book.mailbox_health() == (2, "the server did not answer", NOW.isoformat())
        book.told("mailbox", [0], later)
        assert book.mailbox_read("", later) == 0  # it worked: the count and the telling reset
        assert book.mailbox_health() == (0, "", None)
        assert book.untold("mailbox", [0]) == [0]


# ---------------------------------------------------------------- older states


def _raw(pg_server, url: str) -> psycopg.Connection:
    return psycopg.connect(url, password=pg_server.password, autocommit=True)


def _pg(url: str, board: str) -> str:
    return f'\n[state]\nurl = "{url}"\npassword_env = "{PG_PASSWORD_ENV}"\nboard = "{board}"\n'


def test_a_database_at_the_previous_version_gains_the_answers_with_its_rows(
    pg_server, pg_url: str, tmp_path: Path
) -> None:
    cfg = make_board(tmp_path, MEETING, extra=_pg(pg_url, "jpb"))
    previous = [m for m in postgres.MIGRATIONS if m[0] < 4]
    with _raw(pg_server, pg_url) as conn:
        postgres.migrate(conn, "coprod_jpb", "test", tuple(previous))
        conn.execute(
            "INSERT INTO coprod_jpb.reminder_recipients (audience, meeting, address, state, "
            "tries, message_id, updated_at, content_hash, transport, who) VALUES ('reminder:m03',"
            " '2024-02-29', 'cara@example.org', 'sent', 0, '<r@x>', '2024-02-29T08:00:00+00:00',"
            " 'h', 'smtp', 'Cara')"
        )
    with Proposals(cfg) as book:  # the first connection of this process migrates forward
        [pid] = book.add_all([_answer(1)])
        assert [s.id for s in book.all(("waiting",))] == [pid]
    reminders = ledger.connect(cfg, ledger.REMINDERS)
    try:
        [row] = reminders.records()
        assert (row.address, row.who, row.state) == ("cara@example.org", "Cara", ledger.SENT)
    finally:
        reminders.close()
    with _raw(pg_server, pg_url) as conn:
        versions = conn.execute("SELECT version FROM coprod_jpb.coprod_schema ORDER BY 1")
        assert [v[0] for v in versions] == [m[0] for m in postgres.MIGRATIONS]


def test_an_older_state_files_changes_are_numbered_in_place(tmp_path: Path) -> None:
    """A state file whose update_changes table kept its order in SQLite's hidden rowid."""
    cfg = make_board(tmp_path, MEETING)
    cfg.state_dir.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(cfg.state_dir / STATE_FILE) as old:
        old.execute(
            "CREATE TABLE update_changes (answer INTEGER NOT NULL, action_id TEXT NOT NULL, "
            "column TEXT NOT NULL, old TEXT NOT NULL, new TEXT NOT NULL, asked_by TEXT NOT NULL,"
            " approved_by TEXT NOT NULL, at TEXT NOT NULL)"
        )
        for answer, new in ((2, "2025-01-20"), (1, "2025-02-01")):
            old.execute(
                "INSERT INTO update_changes VALUES (?, 'A-1', 'Due', 'x', ?, 'c@x', 'auto', 't')",
                (answer, new),
            )
    old.close()
    with Proposals(cfg) as book:
        assert book.last_written("A-1", "Due") == "2025-02-01"  # the order carried over
        assert [(c["answer"], c["new"]) for c in book.changes()] == [
            (2, "2025-01-20"),
            (1, "2025-02-01"),
        ]
    with sqlite3.connect(cfg.state_dir / STATE_FILE) as check:
        ids = check.execute("SELECT id FROM update_changes ORDER BY id").fetchall()
        tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
    check.close()
    assert ids == [(1,), (2,)] and "update_changes_unnumbered" not in tables


# ---------------------------------------------------------------- moving


def _waiting_board(cfg: Config) -> int:
    with Proposals(cfg) as book:
        applied, waiting = book.add_all([_answer(1), _answer(2, action="A-2")])
        [stored] = [s for s in book.all() if s.id == applied]
        book.record_all([(stored, [("Due", "2024-12-01", "2025-01-20")])], "auto", NOW)
        book.told("waiting", [waiting], NOW)
    return waiting


@pytest.mark.parametrize("direction", ["sqlite to postgresql", "postgresql to sqlite"])
def test_a_move_carries_the_waiting_answers(tmp_path: Path, pg_url: str, direction: str) -> None:
    pg = _pg(pg_url, "cpb")
    first, then = ("", pg) if direction.startswith("sqlite") else (pg, "")
    cfg = make_board(tmp_path / "from", MEETING, extra=first)
    waiting = _waiting_board(cfg)
    runner = CliRunner()
    export = tmp_path / "state.json"
    config = str(cfg.path)
    out = runner.invoke(cli, ["state", "export", "--config", config, "--out", str(export)])
    assert out.exit_code == 0, out.output
    moved = make_board(tmp_path / "to", MEETING, extra=then)
    done = runner.invoke(cli, ["state", "import", "--config", str(moved.path), str(export)])
    assert done.exit_code == 0, done.output
    assert "update_proposals 2" in done.output and "update_changes 1" in done.output
    with Proposals(moved) as book:
        assert [s.id for s in book.all(("waiting",))] == [waiting]
        assert book.seen("<answer-2@example.org>")  # read once, on either side of the move
        assert book.last_written("A-1", "Due") == "2025-01-20"
        assert book.untold("waiting", [waiting]) == []
        [new] = book.add_all([_answer(3)])
        assert new > waiting  # ids go on after the moved ones
        [stored] = [s for s in book.all() if s.id == new]
        book.record_all([(stored, [("Due", "2025-01-20", "2025-03-01")])], "auto", NOW)
        assert book.last_written("A-1", "Due") == "2025-03-01"
    again = runner.invoke(cli, ["state", "import", "--config", str(moved.path), str(export)])
    assert again.exit_code == 2 and "already has records" in again.output
